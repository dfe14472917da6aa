"""sandbox tables (moved to the sandbox's own migrations)

The sandbox's tables are now made by its own alembic branch
(kombo_portal/sandbox/migrations), and only in a sandbox-mode database. This
revision stays so databases already past it keep their history; it changes
nothing. Where it once made the tables, a sandbox-mode upgrade adopts them with
their rows and a real-mode upgrade drops them (kombo_portal.db.migrations).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
