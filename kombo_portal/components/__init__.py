"""Reusable UI pieces; nothing here knows the portal's state."""

from kombo_portal.components.kombo_connect import KomboConnect, kombo_connect
from kombo_portal.components.ticker import Ticker, ticker

__all__ = ["KomboConnect", "Ticker", "kombo_connect", "ticker"]
