"""`DocumentLanguage`: sets `<html lang>` to a state's language, and the document's
title to the page's title in it, as they change.

Reflex writes one fixed `<html lang>` and `<title>` at build time; the portal's
language is the reader's, chosen at run time::

    document_language(lang=State.language, title=State.text["page.title"] + " · Acme")
"""

from __future__ import annotations

import reflex as rx


class DocumentLanguage(rx.Component):
    library = "$/public" + rx.asset("document_language.jsx", shared=True)
    tag = "DocumentLanguage"

    lang: rx.Var[str]
    """A BCP 47 language code (`de`)."""

    title: rx.Var[str]
    """The browser tab's title in that language; empty: the one the page has."""


document_language = DocumentLanguage.create
