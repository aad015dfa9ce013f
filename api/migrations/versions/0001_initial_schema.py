"""Initial schema: profiles, append-only outcomes, events, accounts, model state.

Revision ID: 0001
Revises:

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=True),
        sa.Column("regency", sa.String(length=128), nullable=True),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_key_prefix"), ["key_prefix"], unique=False)

    op.create_table(
        "events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "firms",
        sa.Column("firm_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("investment_type", sa.String(length=4), nullable=False),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("kbli", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("needed_kbli", sa.Text(), nullable=False),
        sa.Column("required_certifications", sa.Text(), nullable=False),
        sa.Column("preferred_scale", sa.String(length=16), nullable=True),
        sa.Column("budget_idr", sa.Float(), nullable=True),
        sa.Column("max_partners", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency", sa.String(length=128), nullable=True),
        sa.Column("regency_code", sa.String(length=4), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("location_precision", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("firm_id"),
    )
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_firms_province"), ["province"], unique=False)
        batch_op.create_index(batch_op.f("ix_firms_regency"), ["regency"], unique=False)

    op.create_table(
        "model_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("current_version", sa.String(length=64), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "profile_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "umkm",
        sa.Column("umkm_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nib", sa.String(length=13), nullable=True),
        sa.Column("kbli", sa.Text(), nullable=False),
        sa.Column("products", sa.Text(), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=True),
        sa.Column("annual_revenue_idr", sa.Float(), nullable=True),
        sa.Column("employees", sa.Float(), nullable=True),
        sa.Column("monthly_capacity_idr", sa.Float(), nullable=True),
        sa.Column("certifications", sa.Text(), nullable=False),
        sa.Column("year_founded", sa.Float(), nullable=True),
        sa.Column("export_experience", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency", sa.String(length=128), nullable=True),
        sa.Column("regency_code", sa.String(length=4), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("location_precision", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("umkm_id"),
    )
    with op.batch_alter_table("umkm", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_umkm_province"), ["province"], unique=False)
        batch_op.create_index(batch_op.f("ix_umkm_regency"), ["regency"], unique=False)

    op.create_table(
        "event_participants",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.event_id"],
        ),
        sa.PrimaryKeyConstraint("event_id", "party", "participant_id"),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("umkm_id", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("contract_value_idr", sa.Float(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("declined_by", sa.String(length=8), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("recommended_by_engine", sa.Boolean(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.firm_id"],
        ),
        sa.ForeignKeyConstraint(
            ["umkm_id"],
            ["umkm.umkm_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index("ix_outcomes_pair", ["umkm_id", "firm_id"], unique=False)

    _forbid_outcome_changes()
    op.execute(
        "INSERT INTO model_state (id, current_version, updated_at) "
        "VALUES (1, NULL, CURRENT_TIMESTAMP)"
    )
    op.execute(
        "INSERT INTO profile_revision (id, revision, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
    )


def _forbid_outcome_changes() -> None:
    """Outcomes are append-only: the database itself refuses UPDATE and DELETE."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER outcomes_no_{action.lower()} BEFORE {action} ON outcomes "
                "BEGIN SELECT RAISE(ABORT, 'outcomes are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION outcomes_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'outcomes are append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER outcomes_no_change BEFORE UPDATE OR DELETE ON outcomes "
            "FOR EACH ROW EXECUTE FUNCTION outcomes_append_only()"
        )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_change ON outcomes")
        op.execute("DROP FUNCTION IF EXISTS outcomes_append_only()")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_outcomes_pair")

    op.drop_table("outcomes")
    op.drop_table("event_participants")
    with op.batch_alter_table("umkm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_umkm_regency"))
        batch_op.drop_index(batch_op.f("ix_umkm_province"))

    op.drop_table("umkm")
    op.drop_table("profile_revision")
    op.drop_table("model_state")
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_firms_regency"))
        batch_op.drop_index(batch_op.f("ix_firms_province"))

    op.drop_table("firms")
    op.drop_table("events")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_key_prefix"))

    op.drop_table("accounts")
