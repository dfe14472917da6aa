"""Reusable UI pieces; nothing here knows the portal's state."""

from kombo_portal.components.document_language import DocumentLanguage, document_language
from kombo_portal.components.page_exit import PageExit, page_exit
from kombo_portal.components.page_watch import PageWatch, page_watch
from kombo_portal.components.return_focus import return_focus_to

__all__ = [
    "DocumentLanguage",
    "PageExit",
    "PageWatch",
    "document_language",
    "page_exit",
    "page_watch",
    "return_focus_to",
]
