"""Outcome note: what the facilitator wrote beside an outcome (and beside a correction,
whose values are the outcome's complete new value).

Columns are only added (``ALTER TABLE ... ADD COLUMN``, in place on SQLite), so the
append-only triggers of 0001 and 0002 stay. Older rows have no note (NULL).

Revision ID: 0004
Revises: 0003

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("outcomes", "outcome_revisions")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "note")  # in place (SQLite >= 3.35), triggers kept
