"""accounts and integrations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempt")),
    )
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_attempt_email_key"), ["email_key"], unique=False
        )

    op.create_table(
        "portal_user",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_portal_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_user")),
        sa.UniqueConstraint("email", name=op.f("uq_portal_user_email")),
    )
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_user_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "connect_attempt",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("kombo_integration_id", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_connect_attempt_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["portal_user.id"], name=op.f("fk_connect_attempt_user_id_portal_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connect_attempt")),
    )
    with op.batch_alter_table("connect_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connect_attempt_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "integration",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kombo_integration_id", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tool_id", sa.String(length=100), nullable=False),
        sa.Column("tool_label", sa.String(length=200), nullable=False),
        sa.Column("tool_logo_url", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("setup_status", sa.String(length=32), nullable=False),
        sa.Column("connected_by_user_id", sa.String(), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connected_by_user_id"],
            ["portal_user.id"],
            name=op.f("fk_integration_connected_by_user_id_portal_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_integration_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration")),
        sa.UniqueConstraint(
            "kombo_integration_id", name=op.f("uq_integration_kombo_integration_id")
        ),
    )
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_user.id"],
            name=op.f("fk_user_session_user_id_portal_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))

    op.drop_table("user_session")
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_organisation_id"))

    op.drop_table("integration")
    with op.batch_alter_table("connect_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connect_attempt_organisation_id"))

    op.drop_table("connect_attempt")
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_user_organisation_id"))

    op.drop_table("portal_user")
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_attempt_email_key"))

    op.drop_table("sign_in_attempt")
