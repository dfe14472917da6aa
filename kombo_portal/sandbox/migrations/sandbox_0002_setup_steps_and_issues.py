"""setup steps, scope config and tool environment on links and integrations; issues

Every new column is nullable or false by default, so the rows already there stay
valid: links and integrations without setup steps, as before.

Revision ID: sandbox_0002
Revises: sandbox_0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sandbox_0002"
down_revision: str | None = "sandbox_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _shared_columns() -> list[sa.Column]:
    return [
        sa.Column("scope_config_id", sa.String(length=200), nullable=True),
        sa.Column("remote_environment", sa.String(length=200), nullable=True),
        sa.Column("enable_filtering", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("enable_field_mapping", sa.Boolean(), server_default=sa.false(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("sandbox_link") as table:
        for column in _shared_columns():
            table.add_column(column)
        table.add_column(sa.Column("setup_step", sa.String(length=32), nullable=True))
    with op.batch_alter_table("sandbox_integration") as table:
        for column in _shared_columns():
            table.add_column(column)
        table.add_column(sa.Column("employee_filter", sa.String(length=1000), nullable=True))
        table.add_column(sa.Column("field_mapping", sa.String(length=1000), nullable=True))
    op.create_table(
        "sandbox_issue",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("integration_id", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("markdown_message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_issue")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_issue")
    with op.batch_alter_table("sandbox_integration") as table:
        for name in ("field_mapping", "employee_filter"):
            table.drop_column(name)
        for column in reversed(_shared_columns()):
            table.drop_column(column.name)
    with op.batch_alter_table("sandbox_link") as table:
        table.drop_column("setup_step")
        for column in reversed(_shared_columns()):
            table.drop_column(column.name)
