"""Which one state each category's card is in, decided in one place.

A card shows exactly one state with one obvious next step; the page maps the state
to its words, icon and primary action. Kept free of Reflex and of the page's words,
so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlmodel import Session, col, select

from kombo_portal.db.models import FlowFailure, Integration, as_utc


class CardState(StrEnum):
    NOT_CONNECTED = "not_connected"
    CONNECTING = "connecting"  # this page is opening or showing a Connect flow for it
    ACTIVE = "active"
    SETUP_INCOMPLETE = "setup_incomplete"
    NEEDS_RECONNECTION = "needs_reconnection"  # Kombo: INVALID
    DISABLED = "disabled"  # Kombo: INACTIVE
    FAILED = "failed"  # a Connect flow failed, and nothing is connected since
    REMOVED = "removed"  # deleted at Kombo or disconnected here


class CardAction(StrEnum):
    """A card's one primary next step (admins only)."""

    NONE = ""
    CONNECT = "connect"
    CONNECT_AGAIN = "connect_again"
    TRY_AGAIN = "try_again"  # connect again after a failed flow
    RECONNECT = "reconnect"
    FINISH_SETUP = "finish_setup"
    ENABLE = "enable"


def card_state(
    live: Integration | None,
    failure: FlowFailure | None = None,
    removed: Integration | None = None,
) -> CardState:
    """The state of a category's card as the database has it, from its live integration
    (if any), the latest failed flow not followed by a success, and the latest removed
    integration.

    Precedence: what a live integration needs, most blocking first (credentials,
    switched off, setup); else it is active, even after a failed attempt to reconnect
    it (it still works: see failed_since_connected). Without one: a failure newer than
    the last removal; then a removal; else nothing. (A flow open on the page comes
    before all: shown_state.)
    """
    if live is not None:
        if live.state == "INVALID":
            return CardState.NEEDS_RECONNECTION
        if live.state == "INACTIVE":
            return CardState.DISABLED
        if live.setup_status == "INCOMPLETE":
            return CardState.SETUP_INCOMPLETE
        # Kombo documents ACTIVE, INVALID and INACTIVE only; a state added later is
        # shown as connected until the portal learns what it means.
        return CardState.ACTIVE
    if failure is not None and (
        removed is None or removed.removed_at is None or _later(failure, removed)
    ):
        return CardState.FAILED
    if removed is not None:
        return CardState.REMOVED
    return CardState.NOT_CONNECTED


def failed_since_connected(live: Integration | None, failure: FlowFailure | None) -> bool:
    """Whether a Connect flow failed after `live` was connected: an attempt to reconnect
    it that left it as it was, which its card notes without changing its state."""
    return (
        live is not None
        and failure is not None
        and as_utc(failure.failed_at) > as_utc(live.connected_at)
    )


def shown_state(resting: CardState, *, flow_open: bool, failed_since: bool = False) -> CardState:
    """What the card shows: CONNECTING while this page has a Connect flow open (or is
    getting its link) for it, whatever the database says, as the person is busy with
    it; unless Kombo reported that a flow for a card with nothing connected failed
    (`failed_since` the flow opened): that news shows at once, as the person may try
    again in the same window. A failed reconnect shows once the window closes (the
    window itself says so meanwhile), as a note on the still active card."""
    if flow_open and not (failed_since and resting is CardState.FAILED):
        return CardState.CONNECTING
    return resting


def primary_action(state: CardState) -> CardAction:
    """The step an admin is offered first in `state` (NONE: nothing is needed, or a
    flow is already open)."""
    return {
        CardState.NOT_CONNECTED: CardAction.CONNECT,
        CardState.FAILED: CardAction.TRY_AGAIN,
        CardState.SETUP_INCOMPLETE: CardAction.FINISH_SETUP,
        CardState.NEEDS_RECONNECTION: CardAction.RECONNECT,
        CardState.DISABLED: CardAction.ENABLE,
        CardState.REMOVED: CardAction.CONNECT_AGAIN,
    }.get(state, CardAction.NONE)


def _later(failure: FlowFailure, removed: Integration) -> bool:
    return removed.removed_at is None or as_utc(failure.failed_at) > as_utc(removed.removed_at)


def latest_removed(session: Session, organisation_id: str) -> dict[str, Integration]:
    """The most recently removed integration of each category, so a card can say what
    was removed and when."""
    removed = session.exec(
        select(Integration)
        .where(Integration.organisation_id == organisation_id)
        .where(col(Integration.removed_at).is_not(None))
    ).all()
    return latest_removed_of(removed)


def latest_removed_of(integrations: Iterable[Integration]) -> dict[str, Integration]:
    """latest_removed, of integrations already read."""
    removed = sorted(
        (
            (as_utc(removed_at), integration)
            for integration in integrations
            if (removed_at := integration.removed_at) is not None
        ),
        key=lambda pair: pair[0],
    )
    return {integration.category: integration for _, integration in removed}
