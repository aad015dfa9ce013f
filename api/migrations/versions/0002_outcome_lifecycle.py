"""Outcome lifecycle: corrections and voids (revisions), schemes, realised value,
idempotent posting (natural key), and follow-ups per pair.

Outcome rows stay append-only; columns are only added (``ALTER TABLE ... ADD COLUMN``,
which SQLite does in place, so the append-only triggers of 0001 stay). Rows recorded
before this revision keep a NULL natural key; the store checks them by value.

Revision ID: 0002
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = ("outcome_revisions", "followups")


def upgrade() -> None:
    op.add_column("outcomes", sa.Column("scheme", sa.String(length=32), nullable=True))
    op.add_column("outcomes", sa.Column("realised_value_idr", sa.Float(), nullable=True))
    op.add_column("outcomes", sa.Column("natural_key", sa.String(length=200), nullable=True))
    op.create_index("ux_outcomes_natural_key", "outcomes", ["natural_key"], unique=True)

    op.create_table(
        "outcome_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("contract_value_idr", sa.Float(), nullable=True),
        sa.Column("realised_value_idr", sa.Float(), nullable=True),
        sa.Column("scheme", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("declined_by", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revised_by", sa.String(length=64), nullable=True),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outcome_revisions_outcome_id", "outcome_revisions", ["outcome_id"])

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("umkm_id", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("office", sa.String(length=128), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.firm_id"]),
        sa.ForeignKeyConstraint(["umkm_id"], ["umkm.umkm_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_followups_pair", "followups", ["umkm_id", "firm_id"])
    _forbid_changes()


def _forbid_changes() -> None:
    """Revisions and follow-ups are append-only, like outcomes: the database refuses changes."""
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} are append-only'; END; $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index("ix_followups_pair", table_name="followups")
    op.drop_table("followups")
    op.drop_index("ix_outcome_revisions_outcome_id", table_name="outcome_revisions")
    op.drop_table("outcome_revisions")
    op.drop_index("ux_outcomes_natural_key", table_name="outcomes")
    for column in ("natural_key", "realised_value_idr", "scheme"):
        op.drop_column("outcomes", column)  # in place (SQLite >= 3.35), triggers kept
