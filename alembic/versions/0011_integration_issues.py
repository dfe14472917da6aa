"""Kombo's issues with integrations, and syncs that did not succeed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_issue",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("integration_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("markdown_message", sa.String(length=10000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integration.id"],
            name=op.f("fk_integration_issue_integration_id_integration"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_integration_issue_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_issue")),
    )
    with op.batch_alter_table("integration_issue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_issue_integration_id"), ["integration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integration_issue_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "sync_failure",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("kombo_integration_id", sa.String(length=200), nullable=False),
        sa.Column("sync_state", sa.String(length=64), nullable=False),
        sa.Column("log_url", sa.String(length=2000), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_sync_failure_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_failure")),
    )
    with op.batch_alter_table("sync_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_failure_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_failure_organisation_id"))
    op.drop_table("sync_failure")

    with op.batch_alter_table("integration_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_issue_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_integration_issue_integration_id"))
    op.drop_table("integration_issue")
