"""Tables of the facilitator store (SQLAlchemy 2 typed declarative).

Profiles mirror the canonical frames of :mod:`matcher.data.schema` column for column;
tuple columns (KBLI codes, certificates) are stored as ``;``-joined text, the same
notation as the data contract's files. Outcomes are append-only: the store exposes no
update or delete for them and the database refuses both (triggers, see the first
migration), so the history retraining learns from cannot be rewritten. A mistake is put
right by a *revision* (correction or void, who, when, why), itself append-only; an
outcome's current value is its latest revision (see :mod:`api.store.outcomes`).
Follow-ups of a pair by the responsible office are append-only too: the latest is current.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from matcher.data.schema import DEFAULT_MAX_PARTNERS


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class _Location:
    """Location columns shared by UMKM and firms (canonical frame names)."""

    province: Mapped[str] = mapped_column(String(64), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    regency: Mapped[str | None] = mapped_column(String(128), index=True)
    regency_code: Mapped[str | None] = mapped_column(String(4))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    location_precision: Mapped[str] = mapped_column(String(16))


class Umkm(_Location, Base):
    __tablename__ = "umkm"

    umkm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    nib: Mapped[str | None] = mapped_column(String(13))
    kbli: Mapped[str] = mapped_column(Text)
    products: Mapped[str] = mapped_column(Text)
    scale: Mapped[str | None] = mapped_column(String(16))
    annual_revenue_idr: Mapped[float | None] = mapped_column(Float)
    employees: Mapped[float | None] = mapped_column(Float)
    monthly_capacity_idr: Mapped[float | None] = mapped_column(Float)
    certifications: Mapped[str] = mapped_column(Text, default="")
    year_founded: Mapped[float | None] = mapped_column(Float)
    export_experience: Mapped[float | None] = mapped_column(Float)
    modal_usaha_idr: Mapped[float | None] = mapped_column(Float)
    nib_scale: Mapped[str | None] = mapped_column(String(16))
    legal_form: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Firm(_Location, Base):
    __tablename__ = "firms"

    firm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    investment_type: Mapped[str] = mapped_column(String(4))
    country: Mapped[str | None] = mapped_column(String(64))
    kbli: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text)
    needed_kbli: Mapped[str] = mapped_column(Text, default="")
    required_certifications: Mapped[str] = mapped_column(Text, default="")
    preferred_scale: Mapped[str | None] = mapped_column(String(16))
    budget_idr: Mapped[float | None] = mapped_column(Float)
    max_partners: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_PARTNERS)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Outcome(Base):
    """One recorded stage for a pair, as first recorded. Append-only."""

    __tablename__ = "outcomes"
    __table_args__ = (
        Index("ix_outcomes_pair", "umkm_id", "firm_id"),
        Index("ux_outcomes_natural_key", "natural_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    umkm_id: Mapped[str] = mapped_column(ForeignKey("umkm.umkm_id"))
    firm_id: Mapped[str] = mapped_column(ForeignKey("firms.firm_id"))
    stage: Mapped[str] = mapped_column(String(16))
    grade: Mapped[int] = mapped_column(Integer)
    contract_value_idr: Mapped[float | None] = mapped_column(Float)
    date: Mapped[dt.date] = mapped_column(Date)
    event_id: Mapped[str | None] = mapped_column(String(64))
    declined_by: Mapped[str | None] = mapped_column(String(8))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(8))  # "api" | "import"
    recommended_by_engine: Mapped[bool | None] = mapped_column(Boolean)
    model_version: Mapped[str | None] = mapped_column(String(64))
    scheme: Mapped[str | None] = mapped_column(String(32))
    realised_value_idr: Mapped[float | None] = mapped_column(Float)
    # hash of pair, stage and date: the same outcome posted twice collides here (NULL on rows
    # recorded before revision 0002, which the store checks by value instead)
    natural_key: Mapped[str | None] = mapped_column(String(200))
    # the facilitator's note (revision 0004; at most rules.max_length("note") characters)
    note: Mapped[str | None] = mapped_column(Text)


class OutcomeRevision(Base):
    """A correction (the outcome's complete new value) or a void of one outcome. Append-only."""

    __tablename__ = "outcome_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))  # "correct" | "void"
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    contract_value_idr: Mapped[float | None] = mapped_column(Float)
    realised_value_idr: Mapped[float | None] = mapped_column(Float)
    scheme: Mapped[str | None] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(String(64))
    declined_by: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    revised_by: Mapped[str | None] = mapped_column(String(64))
    revised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Followup(Base):
    """What the responsible office (OPD) knows of a pair's progress. Append-only; latest is current."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_pair", "umkm_id", "firm_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    umkm_id: Mapped[str] = mapped_column(ForeignKey("umkm.umkm_id"))
    firm_id: Mapped[str] = mapped_column(ForeignKey("firms.firm_id"))
    status: Mapped[str] = mapped_column(String(16))  # matcher.data.lifecycle.FOLLOWUP_STATUSES
    office: Mapped[str | None] = mapped_column(String(128))
    person: Mapped[str | None] = mapped_column(String(128))
    next_step: Mapped[str | None] = mapped_column(Text)
    next_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(8))  # "api" | "import"


class Event(Base):
    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventParticipant(Base):
    __tablename__ = "event_participants"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"), primary_key=True)
    party: Mapped[str] = mapped_column(String(8), primary_key=True)  # "umkm" | "firm"
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


class EventPreference(Base):
    """One side's preference about one partner at an event (revision 0005): ``ingin``
    (wants to meet) or ``tidak`` (veto). ``umkm_id`` is the pair's UMKM (``from_id`` or
    ``to_id``), for region scoping."""

    __tablename__ = "event_preferences"
    __table_args__ = (Index("ix_event_preferences_umkm", "event_id", "umkm_id"),)

    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"), primary_key=True)
    from_party: Mapped[str] = mapped_column(String(8), primary_key=True)  # "umkm" | "firm"
    from_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    to_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    preference: Mapped[str] = mapped_column(String(8))  # "ingin" | "tidak"
    umkm_id: Mapped[str] = mapped_column(String(64))
    stated_by: Mapped[str | None] = mapped_column(String(64))
    stated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # "facilitator" | "admin"
    province: Mapped[str | None] = mapped_column(String(64))
    regency: Mapped[str | None] = mapped_column(String(128))
    key_prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ModelState(Base):
    """Mirror of the registry's current-version pointer (the registry stays the truth)."""

    __tablename__ = "model_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    current_version: Mapped[str | None] = mapped_column(String(64))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProfileRevision(Base):
    """Counter bumped by every profile write, so servers notice changed profiles cheaply."""

    __tablename__ = "profile_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
