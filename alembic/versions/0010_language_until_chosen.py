"""a user's language is empty until they choose one (pages follow the browser)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Languages stored so far stay: they were set by an operator (`user add --language`).
    with op.batch_alter_table("portal_user") as table:
        table.alter_column("language", existing_type=sa.String(length=2), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE portal_user SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table("portal_user") as table:
        table.alter_column("language", existing_type=sa.String(length=2), nullable=False)
