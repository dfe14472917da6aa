"""the sandbox's tables, on a branch of their own

Each table is created only where it is missing: a sandbox-mode database migrated
before the sandbox had migrations of its own got them from the portal's revision
0002, and keeps them with their rows.

Revision ID: sandbox_0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sandbox_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("sandbox",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "sandbox_activation_token" not in existing:
        op.create_table(
            "sandbox_activation_token",
            sa.Column("token", sa.String(length=64), nullable=False),
            sa.Column("integration_id", sa.String(length=100), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("token", name=op.f("pk_sandbox_activation_token")),
        )
    if "sandbox_integration" not in existing:
        op.create_table(
            "sandbox_integration",
            sa.Column("id", sa.String(length=100), nullable=False),
            sa.Column("tool", sa.String(length=64), nullable=False),
            sa.Column("category", sa.String(length=16), nullable=False),
            sa.Column("state", sa.String(length=16), nullable=False),
            sa.Column("setup_status", sa.String(length=32), nullable=False),
            sa.Column("qa_status", sa.String(length=16), nullable=False),
            sa.Column("end_user_email", sa.String(length=320), nullable=True),
            sa.Column("end_user_organization_name", sa.String(length=500), nullable=False),
            sa.Column("end_user_origin_id", sa.String(length=500), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_integration")),
        )
    if "sandbox_link" not in existing:
        op.create_table(
            "sandbox_link",
            sa.Column("token", sa.String(length=64), nullable=False),
            sa.Column("purpose", sa.String(length=16), nullable=False),
            sa.Column("link_type", sa.String(length=16), nullable=False),
            sa.Column("category", sa.String(length=16), nullable=False),
            sa.Column("integration_tool", sa.String(length=64), nullable=True),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("end_user_email", sa.String(length=320), nullable=False),
            sa.Column("end_user_organization_name", sa.String(length=500), nullable=False),
            sa.Column("end_user_origin_id", sa.String(length=500), nullable=True),
            sa.Column("integration_id", sa.String(length=100), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("token", name=op.f("pk_sandbox_link")),
        )
    if "sandbox_webhook_delivery" not in existing:
        op.create_table(
            "sandbox_webhook_delivery",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("event_id", sa.String(length=64), nullable=False),
            sa.Column("event_type", sa.String(length=64), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("target_url", sa.String(length=2000), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_status", sa.Integer(), nullable=True),
            sa.Column("last_error", sa.String(length=500), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_webhook_delivery")),
        )
        op.create_index(
            op.f("ix_sandbox_webhook_delivery_event_id"), "sandbox_webhook_delivery", ["event_id"]
        )
        op.create_index(
            op.f("ix_sandbox_webhook_delivery_next_attempt_at"),
            "sandbox_webhook_delivery",
            ["next_attempt_at"],
        )


def downgrade() -> None:
    op.drop_table("sandbox_webhook_delivery")
    op.drop_table("sandbox_link")
    op.drop_table("sandbox_integration")
    op.drop_table("sandbox_activation_token")
