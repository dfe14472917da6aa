"""The Integrations page's lists besides the cards, as its reader sees them: the
activity log's lines and the open invitations (plain data, no Reflex)."""

from __future__ import annotations

from collections.abc import Iterable

from kombo_portal.db.models import MagicLink, as_utc
from kombo_portal.i18n import format_date, format_moment, translate
from kombo_portal.records.activity import ActivityEntry


def activity_rows(
    entries: Iterable[ActivityEntry], language: str, *, is_admin: bool
) -> list[dict[str, str]]:
    """Who did what and when; Kombo's log links for admins only."""
    return [
        {
            "when": format_moment(language, entry.at),
            "who": entry.who_in(language),
            "what": entry.what_in(language),
            "log_url": (entry.log_url or "") if is_admin else "",
        }
        for entry in entries
    ]


def invitation_rows(links: Iterable[MagicLink], language: str) -> list[dict[str, str]]:
    """Each open invitation: its colleague, when it was made, and its link to copy."""
    return [
        {
            "id": link.id,
            "category": link.category,
            "email": link.colleague_email,
            "url": link.url,
            "label": translate(
                language,
                "invitation.row",
                email=link.colleague_email,
                date=format_date(language, as_utc(link.created_at)),
            ),
        }
        for link in links
    ]
