"""`return_focus_to`: where the focus goes when a dialog closes that was opened from
state, with no Radix Trigger to go back to (the focus would land on `<body>`)::

    rx.dialog.content(
        ...,
        on_close_auto_focus=return_focus_to("#open-button", "main"),
    )

The first of the CSS selectors that finds an element gets the focus (give it
tabindex -1 if it is not a control); none: Radix's default. A handler in the page's
own script, not code run by `rx.call_script` (which the portal's CSP forbids).
"""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex.vars import FunctionStringVar, FunctionVar, VarData

LIBRARY = "$/public" + rx.asset("return_focus.jsx", shared=True)


def return_focus_to(*selectors: str | rx.Var[str]) -> FunctionVar:
    """A Radix `onCloseAutoFocus` handler focusing the first element of `selectors`."""
    function = FunctionStringVar.create(
        "returnFocusTo",
        _var_data=VarData(imports={LIBRARY: [ImportVar(tag="returnFocusTo")]}),
    )
    return function.call(*selectors).to(FunctionVar)
