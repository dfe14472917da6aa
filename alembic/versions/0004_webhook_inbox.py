"""webhook inbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_failure",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tool_id", sa.String(length=100), nullable=False),
        sa.Column("log_url", sa.String(length=2000), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_flow_failure_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_failure")),
    )
    with op.batch_alter_table("flow_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flow_failure_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "webhook_event",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.String(), nullable=True),
        sa.Column("kombo_integration_id", sa.String(length=200), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_webhook_event_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_event")),
    )
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_event_kombo_integration_id"),
            ["kombo_integration_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_event_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_event_type"), ["type"], unique=False)

    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qa_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("last_data_activity_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.drop_column("last_data_activity_at")
        batch_op.drop_column("qa_status")

    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_event_type"))
        batch_op.drop_index(batch_op.f("ix_webhook_event_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_event_kombo_integration_id"))

    op.drop_table("webhook_event")
    with op.batch_alter_table("flow_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_failure_organisation_id"))

    op.drop_table("flow_failure")
