"""The portal's own HTTP routes, mounted in front of Reflex's backend."""

from kombo_portal.api.app import create_backend_api

__all__ = ["create_backend_api"]
