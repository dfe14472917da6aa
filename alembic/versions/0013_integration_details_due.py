"""when to fetch an integration's tool details again, kept across restarts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("integration") as table:
        table.add_column(sa.Column("details_due_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("details_failures", sa.Integer(), nullable=False, server_default="0")
        )
        table.create_index(table.f("ix_integration_details_due_at"), ["details_due_at"])
    # Records made from a webhook alone before this revision, whose details fetch may
    # have failed for good: their label is still the tool id and they have no logo.
    # A typed table, so the time is stored as the application stores times (the
    # claim on a fetch compares it for equality).
    integration = sa.table(
        "integration",
        sa.column("details_due_at", sa.DateTime(timezone=True)),
        sa.column("removed_at", sa.DateTime(timezone=True)),
        sa.column("tool_logo_url", sa.String()),
        sa.column("tool_label", sa.String()),
        sa.column("tool_id", sa.String()),
    )
    op.execute(
        integration.update()
        .where(integration.c.removed_at.is_(None))
        .where(integration.c.tool_logo_url.is_(None))
        .where(integration.c.tool_label == integration.c.tool_id)
        .values(details_due_at=datetime.now(UTC))
    )


def downgrade() -> None:
    with op.batch_alter_table("integration") as table:
        table.drop_index(table.f("ix_integration_details_due_at"))
        table.drop_column("details_failures")
        table.drop_column("details_due_at")
