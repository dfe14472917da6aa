"""What tests and benchmarks share to run the portal for real: starting the app and
the sandbox as processes of their own, PostgreSQL schemas, Chromium's settings, the
Kombo Connect package, a local ASGI server. Not part of the installed product: tests
and benchmarks import it from the project's folder."""
