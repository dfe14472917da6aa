"""Reflex state: thin event handlers that call the use cases (kombo_portal.use_cases)."""
