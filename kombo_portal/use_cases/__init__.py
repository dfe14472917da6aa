"""Use cases: what a person or Kombo makes happen, start to end.

Each is async and owns its work: it opens its own transaction in a database thread
(db.threads: the one place the portal hops off the event loop), calls Kombo when it
must, and applies the record rules (kombo_portal.records) in between. Callers (the
page's state, the HTTP routes) await them and know nothing of sessions or threads.
"""
