"""Reflex state: thin event handlers that call the services."""
