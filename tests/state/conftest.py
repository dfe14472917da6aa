from tests.services.conftest import people  # noqa: F401  (the accounts fixture)
