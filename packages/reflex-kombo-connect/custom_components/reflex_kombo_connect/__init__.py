"""Kombo Connect's embedded flow as a Reflex component: `kombo_connect(link=...)`."""

from reflex_kombo_connect.kombo_connect import (
    NPM_PACKAGE,
    NPM_VERSION,
    KomboConnect,
    kombo_connect,
)

__all__ = ["NPM_PACKAGE", "NPM_VERSION", "KomboConnect", "kombo_connect"]
