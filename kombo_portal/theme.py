"""Radix Themes' accent colours: what `rx.theme(accent_color=...)` takes, and which keep
button text readable."""

from __future__ import annotations

from typing import Literal, get_args

# The only values rx.theme(accent_color=...) takes.
AccentColor = Literal[
    "tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo",
    "blue", "cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime",
    "yellow", "amber", "gold", "bronze", "gray",
]  # fmt: skip
ACCENT_COLORS: tuple[AccentColor, ...] = get_args(AccentColor)

# The accents whose buttons keep WCAG AA contrast (4.5:1) for their text, light and dark:
# with the others, white on the solid colour (or its soft variant) falls short.
ACCESSIBLE_ACCENT_COLORS: tuple[AccentColor, ...] = (
    "plum", "purple", "violet", "iris", "indigo", "sky", "mint",
)  # fmt: skip
