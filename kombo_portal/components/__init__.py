"""Reusable UI pieces; nothing here knows the portal's state."""

from kombo_portal.components.kombo_connect import KomboConnect, kombo_connect

__all__ = ["KomboConnect", "kombo_connect"]
