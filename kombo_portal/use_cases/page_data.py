"""What the Integrations page reads, each in one read transaction, in a database
thread (database calls block, and one event loop serves every open page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from kombo_portal.db.models import Integration, MagicLink
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading
from kombo_portal.records.activity import ActivityEntry, activity_page
from kombo_portal.records.card_states import latest_removed_of
from kombo_portal.records.integrations import every_integration
from kombo_portal.records.invitations import open_invitations
from kombo_portal.records.overview import Overview, overview, people_names
from kombo_portal.records.versions import organisation_version


@dataclass(frozen=True)
class Activity:
    entries: list[ActivityEntry]
    has_older: bool


@dataclass(frozen=True)
class PageData:
    version: int  # the organisation's version this is as of (or older)
    overview: Overview
    removed: dict[str, Integration]  # per category, the latest removed integration
    invitations: list[MagicLink]
    activity: Activity


@dataclass
class PageAfter:
    """Asks a use case to read the organisation's page right after its change, in the
    same database thread: under load each hand-off to a database thread waits its
    turn in the queue, so this is one wait fewer before the page shows the change.
    `data`: the page read (None: not read, the change did not happen)."""

    activity_page_number: int
    data: PageData | None = None

    async def read_page(self, engine: Engine, organisation_id: str, number: int) -> PageData:
        """The page read with the change if it is the one asked for, else read now."""
        if self.data is not None and number == self.activity_page_number:
            return self.data
        return await read_page(engine, organisation_id, number)


async def read_page(engine: Engine, organisation_id: str, activity_page_number: int) -> PageData:
    return await in_database_thread(read_page_now, engine, organisation_id, activity_page_number)


def read_page_now(engine: Engine, organisation_id: str, activity_page_number: int) -> PageData:
    with reading(engine) as session:
        # The version first: a change committed between the reads then shows at the
        # next refresh instead of never.
        version = organisation_version(session, organisation_id)
        # Read once for the cards, the removed ones and the log alike: the page is read
        # after every change, by every open tab's push.
        every, people = (
            every_integration(session, organisation_id),
            people_names(session, organisation_id),
        )
        entries = activity_page(
            session, organisation_id, activity_page_number, every=every, people=people
        )
        return PageData(
            version=version,
            overview=overview(session, organisation_id, every, people),
            removed=latest_removed_of(every),
            invitations=list(open_invitations(session, organisation_id)),
            activity=Activity(*entries),
        )


async def read_activity(engine: Engine, organisation_id: str, page_number: int) -> Activity:
    def read() -> Activity:
        with reading(engine) as session:
            return Activity(*activity_page(session, organisation_id, page_number))

    return await in_database_thread(read)
