"""the addresses Kombo calls a customer's system from, kept with the connect attempt

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connect_attempt") as table:
        table.add_column(sa.Column("static_ips", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connect_attempt") as table:
        table.drop_column("static_ips")
