"""Whether this instance can serve: its database answers and has the schema the code
expects (the health check's question, for load balancers and uptime checks)."""

from __future__ import annotations

from sqlalchemy import Engine

from kombo_portal.db.engine import check_database
from kombo_portal.db.migrations import upgrade_to_head
from kombo_portal.db.threads import in_database_thread


async def check_ready(engine: Engine, *, sandbox: bool) -> None:
    """Raise if the database does not answer, or DatabaseNotMigrated if it is behind.
    `sandbox`: whether the schema to expect has the sandbox's tables."""
    await in_database_thread(check_database, engine, sandbox=sandbox)


async def prepare_database(engine: Engine, *, sandbox: bool, migrate: bool) -> None:
    """At start. `migrate` (development): bring the schema to head, so `reflex run`
    works on a fresh clone. Otherwise raise DatabaseNotMigrated if it is behind: with
    several workers or instances, migrating is `python -m kombo_portal migrate`'s job
    (`serve` runs it once before the workers start)."""
    if migrate:
        await in_database_thread(upgrade_to_head, engine, sandbox=sandbox)
    else:
        await in_database_thread(check_database, engine, sandbox=sandbox)
