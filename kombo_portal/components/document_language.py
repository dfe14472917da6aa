"""`DocumentLanguage`: sets `<html lang>` to a state's language as it changes.

Reflex writes one fixed `<html lang>` at build time; the portal's language is the
reader's, chosen at run time::

    document_language(lang=State.language)
"""

from __future__ import annotations

import reflex as rx


class DocumentLanguage(rx.Component):
    library = "$/public" + rx.asset("document_language.jsx", shared=True)
    tag = "DocumentLanguage"

    lang: rx.Var[str]
    """A BCP 47 language code (`de`)."""


document_language = DocumentLanguage.create
