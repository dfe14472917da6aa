"""sign-in handed off from the operator's product: external keys and used token ids

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added columns and indexes only: no table rebuild (others reference these tables).
    for table, key in (("organisation", "external_id"), ("portal_user", "external_subject")):
        op.add_column(table, sa.Column("external_issuer", sa.String(length=200), nullable=True))
        op.add_column(table, sa.Column(key, sa.String(length=200), nullable=True))
        op.create_index(
            f"ix_{table}_external_issuer_{key}", table, ["external_issuer", key], unique=True
        )
    op.create_table(
        "used_handoff",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_handoff")),
    )
    op.create_index(op.f("ix_used_handoff_expires_at"), "used_handoff", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_handoff_expires_at"), table_name="used_handoff")
    op.drop_table("used_handoff")
    for table, key in (("organisation", "external_id"), ("portal_user", "external_subject")):
        op.drop_index(f"ix_{table}_external_issuer_{key}", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(key)
            batch.drop_column("external_issuer")
