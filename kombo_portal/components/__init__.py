"""Reusable UI pieces; nothing here knows the portal's state."""

from kombo_portal.components.document_language import DocumentLanguage, document_language
from kombo_portal.components.kombo_connect import KomboConnect, kombo_connect
from kombo_portal.components.page_exit import PageExit, page_exit
from kombo_portal.components.return_focus import return_focus_to
from kombo_portal.components.ticker import Ticker, ticker

__all__ = [
    "DocumentLanguage",
    "KomboConnect",
    "PageExit",
    "Ticker",
    "document_language",
    "kombo_connect",
    "page_exit",
    "return_focus_to",
    "ticker",
]
