"""Profiles in the store <-> canonical frames (:mod:`matcher.data.schema`).

Writes are upserts keyed by ``umkm_id`` / ``firm_id`` and bump the profile revision in the
same transaction, so a running server notices new profiles and rebuilds its service.
Reads give back canonical frames (for :class:`matcher.service.MatchService`) or plain
records (for API responses) through the same conversion.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Select, false, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.store.guard import check_frame
from api.store.models import Firm, ProfileRevision, Umkm, utcnow
from api.store.regions import Region
from matcher.data.schema import FIRM_COLUMNS, UMKM_COLUMNS


@dataclass(frozen=True)
class ProfileKind:
    """How one profile table maps to its canonical frame."""

    table: type
    id_column: str
    columns: tuple[str, ...]
    list_columns: tuple[str, ...]
    float_columns: tuple[str, ...]
    int_columns: tuple[str, ...]
    kbli_columns: tuple[str, ...]  # searched by KBLI prefix
    certificate_column: str
    scale_column: str
    text_columns: tuple[str, ...]  # searched by free text q


UMKM = ProfileKind(
    table=Umkm,
    id_column="umkm_id",
    columns=UMKM_COLUMNS,
    list_columns=("kbli", "certifications"),
    float_columns=(
        "lat",
        "lon",
        "annual_revenue_idr",
        "employees",
        "monthly_capacity_idr",
        "year_founded",
        "export_experience",
        "modal_usaha_idr",
    ),
    int_columns=(),
    kbli_columns=("kbli",),
    certificate_column="certifications",
    scale_column="scale",
    text_columns=("name", "products"),
)
FIRMS = ProfileKind(
    table=Firm,
    id_column="firm_id",
    columns=FIRM_COLUMNS,
    list_columns=("kbli", "needed_kbli", "required_certifications"),
    float_columns=("lat", "lon", "budget_idr"),
    int_columns=("max_partners",),
    kbli_columns=("kbli", "needed_kbli"),
    certificate_column="required_certifications",
    scale_column="preferred_scale",
    text_columns=("name", "needs"),
)
_UPSERT_BATCH = 500


# -- conversion ------------------------------------------------------------------------
def _to_db(value: object, column: str, kind: ProfileKind) -> object:
    if column in kind.list_columns:
        return ";".join(value or ())
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records_for_db(frame: pd.DataFrame, kind: ProfileKind) -> list[dict]:
    cols = list(kind.columns)
    return [
        {c: _to_db(v, c, kind) for c, v in zip(cols, row)}
        for row in frame[cols].itertuples(index=False, name=None)
    ]


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(p for p in (text or "").split(";") if p)


def rows_to_frame(rows: Iterable, kind: ProfileKind) -> pd.DataFrame:
    """Rows (anything with the column attributes) -> canonical frame.

    Lists become tuples, unknown numbers NaN, text stays object dtype with None for missing
    (not pandas' string dtype, so frames from the store equal frames from the loaders).
    """
    rows = list(rows)
    data = {}
    for c in kind.columns:
        values = [getattr(r, c) for r in rows]
        if c in kind.list_columns:
            data[c] = pd.Series([_split(v) for v in values], dtype=object)
        elif c in kind.float_columns:
            data[c] = pd.Series(values, dtype=float)
        elif c in kind.int_columns:
            data[c] = pd.Series(values, dtype=np.int64)
        else:
            data[c] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(kind.columns))


def record(row, kind: ProfileKind) -> dict:
    """One ORM row as a JSON-ready dict (lists as lists, unknown numbers as None)."""
    out = {}
    for c in kind.columns:
        v = getattr(row, c)
        out[c] = list(_split(v)) if c in kind.list_columns else v
    return out


# -- writes ----------------------------------------------------------------------------
def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def upsert_profiles(session: Session, frame: pd.DataFrame, kind: ProfileKind) -> int:
    """Insert or replace profiles by ID inside the caller's transaction; returns row count."""
    check_frame(kind.table, frame[list(kind.columns)])
    records = _records_for_db(frame, kind)
    insert = _insert(session)
    now = utcnow()
    for start in range(0, len(records), _UPSERT_BATCH):
        batch = [dict(r, updated_at=now) for r in records[start : start + _UPSERT_BATCH]]
        stmt = insert(kind.table).values(batch)
        stmt = stmt.on_conflict_do_update(
            index_elements=[kind.id_column],
            set_={
                c: stmt.excluded[c] for c in (*kind.columns, "updated_at") if c != kind.id_column
            },
        )
        session.execute(stmt)
    bump_revision(session)
    return len(records)


def _rows_for_db(frame: pd.DataFrame, kind: ProfileKind) -> list[tuple]:
    """The frame as database rows (tuples in ``kind.columns`` order), built column by
    column: lists joined with ';', missing values None, numpy scalars as Python ones (the
    per-cell :func:`_to_db` took a third of a big import's time)."""
    columns = []
    for c in kind.columns:
        values = frame[c]
        if c in kind.list_columns:
            columns.append([";".join(v or ()) for v in values.tolist()])
        else:
            columns.append(values.astype(object).where(values.notna(), None).tolist())
    return list(zip(*columns))


class Staging:
    """A staging table for one big profile import: :meth:`add` chunks in short
    transactions of their own (other writers — an outcome posted meanwhile — get the
    database between them), then :meth:`merge` upserts the lot into the profiles and bumps
    the revision in ONE short transaction: readers see all of the file or none of it. Use
    as a context manager: the staging table is dropped whatever happens, so a file found
    bad half-way changes nothing. The import owns its table through a lock that dies with
    its process (:func:`api.store.staging.owned`): a process killed before the merge
    leaves the profiles as they were and an orphan ``staging_*`` table that nothing reads,
    dropped the next time any process opens the store
    (:func:`api.store.staging.drop_orphan_staging`)."""

    def __init__(self, store, kind: ProfileKind):
        import uuid

        from sqlalchemy import Column, MetaData, Table

        self.store, self.kind, self.rows = store, kind, 0
        target = kind.table.__table__
        self.md = MetaData()
        self.table = Table(
            f"staging_{kind.table.__tablename__}_{uuid.uuid4().hex[:10]}",
            self.md,
            *(Column(c.name, c.type) for c in target.columns if c.name in kind.columns),
        )

    def __enter__(self) -> Staging:
        from api.store.staging import owned

        with contextlib.ExitStack() as stack:
            stack.enter_context(owned(self.store.engine, self.table.name))  # before it exists
            self.md.create_all(self.store.engine)
            self._owned = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        with self._owned:  # let go of the table only once it is gone
            self.md.drop_all(self.store.engine)

    def add(self, frame: pd.DataFrame, batch: int = 20_000) -> None:
        check_frame(self.kind.table, frame[list(self.kind.columns)])
        cols = list(self.kind.columns)
        with self.store.transaction() as session:
            conn = session.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            sql = (
                f"INSERT INTO {self.table.name} ({', '.join(cols)}) "
                f"VALUES ({', '.join([mark] * len(cols))})"
            )
            for start in range(0, len(frame), batch):
                rows = _rows_for_db(frame.iloc[start : start + batch], self.kind)
                conn.exec_driver_sql(sql, rows)
        self.rows += len(frame)

    def merge(self) -> int:
        from sqlalchemy import true

        kind, target = self.kind, self.kind.table.__table__
        with self.store.transaction() as session:
            insert = _insert(session)
            cols = list(kind.columns)
            source = select(*(self.table.c[c] for c in cols), _now_literal()).where(true())
            stmt = insert(target).from_select([*cols, "updated_at"], source)
            stmt = stmt.on_conflict_do_update(
                index_elements=[kind.id_column],
                set_={c: stmt.excluded[c] for c in (*cols, "updated_at") if c != kind.id_column},
            )
            session.execute(stmt)
            bump_revision(session)
        return self.rows


def stage_and_merge(store, frame: pd.DataFrame, kind: ProfileKind, batch: int = 20_000) -> int:
    """Upsert a large frame without holding the write lock for long, atomically as a whole
    (see :class:`Staging`)."""
    check_frame(kind.table, frame[list(kind.columns)])
    with Staging(store, kind) as staging:
        for start in range(0, len(frame), batch):
            staging.add(frame.iloc[start : start + batch])
        return staging.merge()


def _now_literal():
    from sqlalchemy import DateTime, literal

    return literal(utcnow(), DateTime(timezone=True))


def bump_revision(session: Session) -> None:
    session.execute(
        update(ProfileRevision)
        .where(ProfileRevision.id == 1)
        .values(revision=ProfileRevision.revision + 1, updated_at=utcnow())
    )


def profile_revision(session: Session) -> int:
    return int(session.scalar(select(ProfileRevision.revision).where(ProfileRevision.id == 1)))


# -- reads -----------------------------------------------------------------------------
def load_frame(session: Session, kind: ProfileKind) -> pd.DataFrame:
    """All profiles of one kind as a canonical frame, ordered by ID (stable across reads)."""
    table = kind.table
    columns = [getattr(table, c) for c in kind.columns]
    rows = session.execute(select(*columns).order_by(getattr(table, kind.id_column))).all()
    return rows_to_frame(rows, kind)


def get_profile(session: Session, kind: ProfileKind, id_: str, region: Region | None = None):
    """One ORM row, or None when missing or outside ``region`` (callers answer 404 alike)."""
    table = kind.table
    stmt = select(table).where(getattr(table, kind.id_column) == id_)
    if region is not None:
        stmt = stmt.where(region.sql_filter(table))
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class ProfileFilter:
    """What to look for. ``kbli_prefix`` and ``q`` take one value or a tuple of
    alternatives (any may match): a KBLI title becomes the codes it names, a product word
    its synonyms in both languages (see :func:`api.routers.listing.ListParams.to_filter`)."""

    province: str | None = None
    regency: str | None = None
    kbli_prefix: str | tuple[str, ...] | None = None
    certificate: str | None = None
    scale: str | None = None
    q: str | tuple[str, ...] | None = None
    investment_type: str | None = None  # firms only: PMA or PMDN


def _alternatives(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


def _listed(column, value: str):
    """``value`` is one element of the ';'-joined list in ``column``."""
    return (";" + column + ";").like(f"%;{value};%")


def _filtered(kind: ProfileKind, f: ProfileFilter, region: Region | None) -> Select:
    t = kind.table
    stmt = select(t)
    if region is not None:
        stmt = stmt.where(region.sql_filter(t))
    if f.province:
        stmt = stmt.where(Region(f.province, f.regency).sql_filter(t))
    elif f.regency:
        stmt = stmt.where(func.lower(t.regency) == f.regency.lower())
    if f.kbli_prefix is not None:  # an empty tuple (a title naming no code) matches nothing
        stmt = stmt.where(
            or_(
                false(),
                *(
                    or_(getattr(t, c).like(f"{p}%"), getattr(t, c).like(f"%;{p}%"))
                    for p in _alternatives(f.kbli_prefix)
                    for c in kind.kbli_columns
                ),
            )
        )
    if f.certificate:
        stmt = stmt.where(_listed(getattr(t, kind.certificate_column), f.certificate.lower()))
    if f.scale:
        stmt = stmt.where(getattr(t, kind.scale_column) == f.scale.lower())
    if f.q:
        stmt = stmt.where(
            or_(
                *(
                    func.lower(getattr(t, c)).like(f"%{term.lower()}%")
                    for term in _alternatives(f.q)
                    for c in kind.text_columns
                )
            )
        )
    if f.investment_type and hasattr(t, "investment_type"):
        stmt = stmt.where(t.investment_type == f.investment_type.upper())
    return stmt


def search_profiles(
    session: Session,
    kind: ProfileKind,
    f: ProfileFilter,
    region: Region | None,
    limit: int,
    offset: int,
) -> tuple[list[dict], int]:
    """One page of matching profiles (ordered by ID) and the total count of matches."""
    stmt = _filtered(kind, f, region)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    id_col = getattr(kind.table, kind.id_column)
    rows = session.scalars(stmt.order_by(id_col).limit(limit).offset(offset)).all()
    return [record(r, kind) for r in rows], int(total)


def existing_ids(session: Session, kind: ProfileKind, ids: Iterable[str]) -> set[str]:
    col = getattr(kind.table, kind.id_column)
    ids = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(ids), _UPSERT_BATCH):
        found.update(
            session.scalars(select(col).where(col.in_(ids[start : start + _UPSERT_BATCH])))
        )
    return found
