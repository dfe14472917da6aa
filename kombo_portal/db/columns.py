"""What a text column can hold: the one rule for storing text that came from outside
(a browser's event, Kombo's webhook), and column widths read from the tables."""

from __future__ import annotations


def storable_text(value: object, max_length: int, *, blank: bool = False) -> str | None:
    """`value` if a text column of `max_length` can store it as it is, else None.

    Refuses what databases refuse: NUL characters and lone surrogates (which JSON's
    `\\ud800` escapes can produce), and anything longer than the column; shortening
    would store something else. `blank`: whether an empty or all-space text counts
    (what a person typed) or means nothing was given (Kombo's optional fields).
    """
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        return None
    if not blank and not value.strip():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def column_length(column: object) -> int:
    """The width of a model's text column (`column_length(Integration.tool_id)`: on
    the class, a model's field is its column)."""
    length = getattr(getattr(column, "type", None), "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} is not a text column of limited width")
    return length
