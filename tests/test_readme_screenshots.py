"""The README's screenshots are rewritten when the page looks different, not when only
the times and dates on it moved on (no browser)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from tests.browser.test_screens import looks_different


def screenshot(top=100, time="10:28", card="#f9f9fb", size=(1280, 1000)) -> bytes:
    """A page the way the Integrations page is drawn: filled cards holding lines of
    text, and an activity table with a time on each row."""
    picture = Image.new("RGB", size, "white")
    canvas = ImageDraw.Draw(picture)
    for number in range(2):
        y = top + 260 * number
        canvas.rectangle((300, y, 950, y + 230), fill=card, outline="#cccccc")
        for line in range(8):
            canvas.text(
                (310, y + 10 + 25 * line), "Personio is connected and syncing " * 2, fill="black"
            )
    for row in range(3):
        canvas.text((300, top + 560 + 35 * row), f"29 Nov 2026, {time} UTC", fill="black")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_other_times_on_the_same_page_are_the_same_picture():
    assert not looks_different(screenshot(time="10:28"), screenshot(time="11:47"))
    assert not looks_different(screenshot(), screenshot())


def test_a_moved_layout_new_colours_or_another_size_are_a_different_picture():
    assert looks_different(screenshot(top=100), screenshot(top=130))
    assert looks_different(screenshot(), screenshot(card="#18191b"))
    assert looks_different(screenshot(), screenshot(size=(1280, 1040)))
