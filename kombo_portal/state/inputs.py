"""What page events may carry.

Events come from the browser, so anyone can send any JSON in them: values of the
wrong type, very long ones, or characters no database column holds (NUL, and the
lone surrogates JSON's `\\ud800` escapes make). Handlers check their arguments
here first; what fails gets a clear message and changes nothing. Text that is stored
passes the one rule for that: db.columns.storable_text.
"""

from __future__ import annotations

from kombo_portal.db.columns import column_length
from kombo_portal.db.models import Integration
from kombo_portal.i18n import supported

# For a value the page itself never sends: someone is sending events by hand, or
# the page is older than the server. (A message key: see kombo_portal.i18n.)
BAD_REQUEST = "error.bad_request"
MAX_CATEGORY_LENGTH = column_length(Integration.category)
# Kombo does not say how long its tokens are; far more than any seen.
MAX_ACTIVATION_TOKEN_LENGTH = 1000
# 20 entries a page: 200,000 entries back, and no further.
MAX_ACTIVITY_PAGE = 10_000


def category(value: object) -> str | None:
    """A Kombo category as the page names it: a short upper-case word (HRIS, ATS)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_CATEGORY_LENGTH:
        return None
    return value if value.isascii() and value.isalpha() and value.isupper() else None


def language(value: object) -> str | None:
    """A language the portal speaks, by its code (`de`)."""
    return supported(value)


def activation_token(value: object) -> str | None:
    """What `showKomboConnect` resolved with: it travels in a URL path, so printable
    ASCII without spaces."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ACTIVATION_TOKEN_LENGTH:
        return None
    return value if value.isascii() and value.isprintable() and " " not in value else None


def page_number(value: object) -> int | None:
    """A page of the activity log: a whole number from 0 to MAX_ACTIVITY_PAGE."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 0 <= value <= MAX_ACTIVITY_PAGE else None


def log_text(value: object, max_length: int) -> str:
    """Free text for the activity log only (a browser's error message): whatever
    arrived, as storable text, shortened."""
    shown = value if isinstance(value, str) else repr(value)
    storable = shown[: max_length * 2].encode("utf-8", "replace").decode("utf-8")
    return storable.replace("\x00", "")[:max_length]
