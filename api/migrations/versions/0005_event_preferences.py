"""Event preferences: who wants to meet whom at an event (``ingin``) and who vetoes whom
(``tidak``), as the preferences file of ``matcher plan-event --preferences`` says it; the
API (``PUT /events/{id}/preferences``) and the web app's Acara page store them here, and
the event's plans use them.

Revision ID: 0005
Revises: 0004

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_preferences",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("from_party", sa.String(length=8), nullable=False),
        sa.Column("from_id", sa.String(length=64), nullable=False),
        sa.Column("to_id", sa.String(length=64), nullable=False),
        sa.Column("preference", sa.String(length=8), nullable=False),
        sa.Column("umkm_id", sa.String(length=64), nullable=False),
        sa.Column("stated_by", sa.String(length=64), nullable=True),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.event_id"]),
        sa.PrimaryKeyConstraint("event_id", "from_party", "from_id", "to_id"),
    )
    op.create_index("ix_event_preferences_umkm", "event_preferences", ["event_id", "umkm_id"])


def downgrade() -> None:
    op.drop_index("ix_event_preferences_umkm", table_name="event_preferences")
    op.drop_table("event_preferences")
