"""Outcomes: what happened to facilitated pairs; corrected, never lost.

One function API shared by the routes, the CLI and the web pages:

- :func:`record_outcome` — record a stage for a pair; posting the same outcome twice
  returns the first record (``created=False``); the same pair, stage and date with other
  values is an :class:`OutcomeConflict` (HTTP 409) naming the stored record to correct.
- :func:`correct_outcome`, :func:`void_outcome` — a revision saying who, when and why; the
  outcome's *current value* is its latest revision (a correction after a void restores it).
- :func:`pair_history` — every outcome of a pair with its revisions and current value.
- :func:`current_outcomes` — every outcome's current value (voided ones left out);
  :func:`outcomes_frame` reduces it to training's one row per pair (latest date wins).
- :func:`record_followup`, :func:`followups_frame` — the office's follow-up of a pair.

Every row says who recorded it, when, through which path (``api`` or ``import``) and
whether the engine had recommended the pair under which model version, so retraining can
separate engine-suggested pairs from the facilitators' own picks. Nothing here updates or
deletes a row (and the database's triggers refuse to).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store.guard import check_records
from api.store.models import Followup, Outcome, OutcomeRevision
from matcher.data import lifecycle, rules
from matcher.data.errors import MatcherError
from matcher.data.outcome_state import (
    CORRECT,
    VOID,
    apply_revisions,
    in_force,
    is_voided,
    last_correction,
    latest_per_pair,
)
from matcher.data.schema import DECLINED_BY, FOLLOWUP_COLUMNS, OUTCOME_COLUMNS, STAGE_GRADE
from matcher.feedback import PairStatus
from matcher.i18n import Message

#: the values of an outcome that a correction may change (pair and provenance are fixed)
VALUE_FIELDS = (
    "stage",
    "date",
    "contract_value_idr",
    "realised_value_idr",
    "scheme",
    "event_id",
    "declined_by",
    "note",
)
#: the values an outcomes file carries (it has no note: a file row matches a stored outcome
#: whatever note the facilitator wrote beside it)
FILE_VALUE_FIELDS = tuple(f for f in VALUE_FIELDS if f != "note")

log = logging.getLogger(__name__)


class OutcomeError(MatcherError):
    """A request about outcomes that cannot be honoured as asked (HTTP 400, CLI exit 2)."""


class OutcomeNotFound(OutcomeError):
    """No outcome with that ID (HTTP 404)."""


class OutcomeConflict(OutcomeError):
    """The request contradicts what is stored (HTTP 409); ``outcome_id`` names the record."""

    def __init__(self, message: str, outcome_id: int):
        super().__init__(message)
        self.outcome_id = outcome_id


# --------------------------------------------------------------------------- values


def natural_key(umkm_id: str, firm_id: str, stage: str, date: dt.date) -> str:
    """What makes two outcomes the same one: pair, stage and date (hashed: any IDs fit)."""
    return hashlib.sha256(
        json.dumps([umkm_id, firm_id, stage, date.isoformat()]).encode()
    ).hexdigest()


def _bad(field: str, value: str, expected) -> Message:
    """ "stage 'signed': expected one of …" in the reader's words (``expected`` a Message)."""
    return Message("outcomes.error.value", field=field, value=value, expected=expected)


def _one_of(kind: str) -> Message:
    return Message("data.rule.one_of", choices=lifecycle.describe(kind))


_AT_LEAST_ZERO = Message(
    "data.rule.number_min", kind=Message("data.rule.a_number"), min=0, examples=""
)


def _clean_values(values: dict) -> dict:
    """Canonical, checked outcome values (stage/scheme in any known spelling); OutcomeError if not."""
    out = dict(values)
    stage = lifecycle.canonical_value("stage", out.get("stage"))
    if stage is None:
        raise OutcomeError(_bad("stage", repr(out.get("stage")), _one_of("stage")))
    out["stage"] = stage
    if out.get("scheme") not in (None, ""):
        scheme = lifecycle.canonical_value("scheme", out["scheme"])
        if scheme is None:
            raise OutcomeError(_bad("scheme", repr(out["scheme"]), _one_of("scheme")))
        out["scheme"] = scheme
    else:
        out["scheme"] = None
    date = out.get("date")
    if not isinstance(date, dt.date):
        raise OutcomeError(_bad("date", repr(date), Message("data.rule.iso_date")))
    if isinstance(date, dt.datetime):
        out["date"] = date = date.date()
    problem = rules.date_problem(date)
    if problem:
        raise OutcomeError(_bad("date", f"{date:%Y-%m-%d}", problem))
    for money in ("contract_value_idr", "realised_value_idr"):
        v = out.get(money)
        if v is not None and (pd.isna(v) or v < 0):
            raise OutcomeError(_bad(money, repr(v), _AT_LEAST_ZERO))
        out[money] = None if v is None or pd.isna(v) else float(v)
    if out.get("declined_by") is not None:
        if out["declined_by"] not in DECLINED_BY:
            raise OutcomeError(
                _bad(
                    "declined_by",
                    repr(out["declined_by"]),
                    Message("data.list.or2", a="umkm", b="firm"),
                )
            )
        if stage != "declined":
            raise OutcomeError(Message("outcomes.error.declined_by_stage", stage=repr(stage)))
    out["event_id"] = out.get("event_id") or None
    note = (out.get("note") or "").strip() or None
    if note is not None:
        problem = rules.text_problem(note, "note")
        if problem:
            raise OutcomeError(Message("outcomes.error.field", field="note", expected=problem))
    out["note"] = note
    return {k: out.get(k) for k in VALUE_FIELDS}


def _values_of(row) -> dict:
    return {k: getattr(row, k) for k in VALUE_FIELDS}


def _same(a: dict, b: dict) -> bool:
    def norm(v):
        return None if v is None or (isinstance(v, float) and pd.isna(v)) else v

    return all(norm(a.get(k)) == norm(b.get(k)) for k in VALUE_FIELDS)


@dataclass
class OutcomeState:
    """An outcome as first recorded, its revisions (oldest first) and its current value."""

    outcome: Outcome
    revisions: list[OutcomeRevision] = field(default_factory=list)

    @property
    def voided(self) -> bool:
        return is_voided([r.action for r in self.revisions])

    @property
    def current(self) -> dict | None:
        """The values in force (None when voided): :func:`matcher.data.outcome_state.in_force`."""
        chosen = in_force(self.outcome, self.revisions)
        return None if chosen is None else _values_of(chosen)

    @property
    def last_values(self) -> dict:
        """The values it had before any void: the last correction's, else as first recorded."""
        last = last_correction([r.action for r in self.revisions])
        return _values_of(self.outcome if last is None else self.revisions[last])


def _states(session: Session, outcomes: list[Outcome]) -> list[OutcomeState]:
    ids = [o.id for o in outcomes]
    revs: dict[int, list[OutcomeRevision]] = {i: [] for i in ids}
    if ids:
        for r in session.scalars(
            select(OutcomeRevision)
            .where(OutcomeRevision.outcome_id.in_(ids))
            .order_by(OutcomeRevision.id)
        ):
            revs[r.outcome_id].append(r)
    return [OutcomeState(o, revs[o.id]) for o in outcomes]


def outcome_state(session: Session, outcome_id: int) -> OutcomeState:
    row = session.get(Outcome, outcome_id)
    if row is None:
        raise OutcomeNotFound(Message("outcomes.error.not_found", id=outcome_id))
    return _states(session, [row])[0]


# --------------------------------------------------------------------------- recording


def record_outcome(
    session: Session,
    *,
    umkm_id: str,
    firm_id: str,
    stage: str,
    date: dt.date,
    contract_value_idr: float | None = None,
    realised_value_idr: float | None = None,
    scheme: str | None = None,
    event_id: str | None = None,
    declined_by: str | None = None,
    note: str | None = None,
    recorded_by: str | None,
    source: str,
    recommended_by_engine: bool | None = None,
    model_version: str | None = None,
) -> tuple[Outcome, bool]:
    """Record one outcome; ``(row, created)``. Idempotent: the same outcome again returns
    the stored row with ``created=False``. Raises OutcomeError (bad value, date in the
    future) or OutcomeConflict (same pair, stage and date already stored with other values,
    or as first recorded before a correction or void changed it)."""
    values = _clean_values(
        dict(
            stage=stage,
            date=date,
            contract_value_idr=contract_value_idr,
            realised_value_idr=realised_value_idr,
            scheme=scheme,
            event_id=event_id,
            declined_by=declined_by,
            note=note,
        )
    )
    existing = _matching(session, umkm_id, firm_id, values)
    if existing is not None:
        return existing, False
    key = natural_key(umkm_id, firm_id, values["stage"], values["date"])
    row = Outcome(
        umkm_id=umkm_id,
        firm_id=firm_id,
        grade=STAGE_GRADE[values["stage"]],
        recorded_by=recorded_by,
        source=source,
        natural_key=key,
        recommended_by_engine=recommended_by_engine,
        model_version=model_version,
        **values,
    )
    try:
        with session.begin_nested():  # a concurrent identical post loses the race here
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = _matching(session, umkm_id, firm_id, values)
        if existing is None:
            raise
        return existing, False
    return row, True


def append_outcome(session: Session, **kwargs) -> Outcome:
    """:func:`record_outcome` returning just the row (older callers)."""
    return record_outcome(session, **kwargs)[0]


def _matching(session: Session, umkm_id: str, firm_id: str, values: dict) -> Outcome | None:
    """The stored outcome of this pair with the same stage and date (current value, or as
    first recorded): returned when its values agree; OutcomeConflict when they do not."""
    rows = list(
        session.scalars(
            select(Outcome)
            .where(Outcome.umkm_id == umkm_id, Outcome.firm_id == firm_id)
            .order_by(Outcome.id)
        )
    )
    for state in _states(session, rows):
        current = state.current
        if current and current["stage"] == values["stage"] and current["date"] == values["date"]:
            if _same(current, values):
                return state.outcome
            raise OutcomeConflict(
                Message(
                    "outcomes.error.conflict",
                    id=state.outcome.id,
                    stage=values["stage"],
                    date=f"{values['date']:%Y-%m-%d}",
                    pair=f"{umkm_id}/{firm_id}",
                ),
                state.outcome.id,
            )
    for state in _states(session, rows):
        first = _values_of(state.outcome)
        if first["stage"] == values["stage"] and first["date"] == values["date"]:
            key = (
                "outcomes.error.conflict_voided"
                if state.voided
                else "outcomes.error.conflict_corrected"
            )
            raise OutcomeConflict(
                Message(
                    key,
                    id=state.outcome.id,
                    stage=values["stage"],
                    date=f"{values['date']:%Y-%m-%d}",
                    pair=f"{umkm_id}/{firm_id}",
                ),
                state.outcome.id,
            )
    return None


def correct_outcome(
    session: Session, outcome_id: int, *, reason: str, by: str | None, **changes
) -> OutcomeRevision:
    """Record a correction of ``outcome_id``: ``changes`` (any of :data:`VALUE_FIELDS`)
    over its current value (over its last value when it was voided: this restores it)."""
    reason = _reason(reason)
    unknown = set(changes) - set(VALUE_FIELDS)
    if unknown:
        raise OutcomeError(
            Message(
                "outcomes.error.cannot_correct",
                fields=", ".join(sorted(unknown)),
                allowed=", ".join(VALUE_FIELDS),
            )
        )
    state = outcome_state(session, outcome_id)
    before = state.current or state.last_values
    merged = {**before, **changes}
    if "stage" in changes and changes["stage"] != "declined" and "declined_by" not in changes:
        merged["declined_by"] = None
    values = _clean_values(merged)
    if state.current is not None and _same(values, state.current):
        raise OutcomeConflict(
            Message("outcomes.error.nothing_to_correct", id=outcome_id), outcome_id
        )
    rev = OutcomeRevision(
        outcome_id=outcome_id,
        action=CORRECT,
        grade=STAGE_GRADE[values["stage"]],
        reason=reason,
        revised_by=by,
        **values,
    )
    session.add(rev)
    session.flush()
    return rev


def void_outcome(
    session: Session, outcome_id: int, *, reason: str, by: str | None
) -> OutcomeRevision:
    """Record that ``outcome_id`` should not count (entered by mistake, wrong pair ...)."""
    reason = _reason(reason)
    state = outcome_state(session, outcome_id)
    if state.voided:
        raise OutcomeConflict(Message("outcomes.error.already_void", id=outcome_id), outcome_id)
    rev = OutcomeRevision(outcome_id=outcome_id, action=VOID, reason=reason, revised_by=by)
    session.add(rev)
    session.flush()
    return rev


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OutcomeError(Message("outcomes.error.reason_required"))
    return reason


# --------------------------------------------------------------------------- reading


def pair_history(session: Session, umkm_id: str, firm_id: str) -> list[OutcomeState]:
    """Every outcome of the pair in the order recorded, each with its revisions."""
    rows = list(
        session.scalars(
            select(Outcome)
            .where(Outcome.umkm_id == umkm_id, Outcome.firm_id == firm_id)
            .order_by(Outcome.id)
        )
    )
    return _states(session, rows)


def umkm_history(session: Session, umkm_id: str) -> list[OutcomeState]:
    """Every outcome of a UMKM in the order recorded, each with its revisions (the web
    page's history)."""
    return _states(session, list_outcomes(session, umkm_id))


def outcomes_version(
    session: Session, umkm_id: str | None = None, firm_id: str | None = None
) -> tuple[int, int, int, int]:
    """A value that changes whenever an outcome of this UMKM (or firm) is recorded,
    corrected or voided: (count, newest id) of its outcome rows and of their revisions.

    Both tables are append-only (the database's triggers refuse updates and deletes), so
    the counts only grow; the count also catches a row whose id is lower than one already
    seen (PostgreSQL sequences hand out ids before commit). One indexed query."""
    owned = [] if umkm_id is None else [Outcome.umkm_id == umkm_id]
    owned += [] if firm_id is None else [Outcome.firm_id == firm_id]
    row = session.execute(select(*_version_columns(owned))).one()
    return tuple(int(v or 0) for v in row)


def _version_columns(owned: list) -> list:
    """The four scalar subqueries of :func:`outcomes_version` for outcome rows ``owned``."""
    from sqlalchemy import func

    ids = select(Outcome.id).where(*owned)
    return [
        select(agg).where(*where).scalar_subquery()
        for agg, where in (
            (func.count(Outcome.id), owned),
            (func.max(Outcome.id), owned),
            (func.count(OutcomeRevision.id), [OutcomeRevision.outcome_id.in_(ids)]),
            (func.max(OutcomeRevision.id), [OutcomeRevision.outcome_id.in_(ids)]),
        )
    ]


def visible_outcomes_version(
    session: Session, umkm_id: str, region=None
) -> tuple[int, int, int, int] | None:
    """:func:`outcomes_version` of a UMKM the caller may see, in the same query as the
    visibility check: None when the UMKM does not exist or lies outside ``region`` (an
    :class:`api.store.regions.Region`; callers answer 404 alike, and both cases run the
    very same statement). What a cached match read needs from the database, in one trip."""
    row = session.execute(_visible_version_statement(region), {"umkm_id": umkm_id}).one()
    if not row[0]:
        return None
    return tuple(int(v or 0) for v in row[1:])


@lru_cache(maxsize=1024)
def _visible_version_statement(region):
    """The statement of :func:`visible_outcomes_version` for one region (None: every
    region), with the UMKM as a bound parameter: built once, so each read skips building
    the statement and its cache key (a third of the read's database time)."""
    from api.store.models import Umkm

    umkm_id = bindparam("umkm_id", type_=Umkm.umkm_id.type)
    where = [Umkm.umkm_id == umkm_id]
    if region is not None:
        where.append(region.sql_filter(Umkm))
    visible = select(Umkm.umkm_id).where(*where).exists()
    return select(visible, *_version_columns([Outcome.umkm_id == umkm_id]))


def outcomes_versions(session: Session) -> dict[str, tuple[int, int, int, int]]:
    """:func:`outcomes_version` of every UMKM that has outcomes, in two grouped queries
    (a UMKM without any has ``(0, 0, 0, 0)``)."""
    from sqlalchemy import func

    out = {
        u: [int(n), int(m or 0), 0, 0]
        for u, n, m in session.execute(
            select(Outcome.umkm_id, func.count(Outcome.id), func.max(Outcome.id)).group_by(
                Outcome.umkm_id
            )
        )
    }
    for u, n, m in session.execute(
        select(Outcome.umkm_id, func.count(OutcomeRevision.id), func.max(OutcomeRevision.id))
        .join(Outcome, Outcome.id == OutcomeRevision.outcome_id)
        .group_by(Outcome.umkm_id)
    ):
        out[u][2:] = [int(n), int(m or 0)]
    return {u: tuple(v) for u, v in out.items()}


def list_outcomes(session: Session, umkm_id: str) -> list[Outcome]:
    """A UMKM's outcomes in the order they were recorded (as first recorded)."""
    return list(
        session.scalars(select(Outcome).where(Outcome.umkm_id == umkm_id).order_by(Outcome.id))
    )


_REVISED = (
    "stage",
    "grade",
    "date",
    "contract_value_idr",
    "realised_value_idr",
    "scheme",
    "event_id",
    "declined_by",
)


def current_outcomes(
    session: Session, umkm_id: str | None = None, firm_id: str | None = None
) -> pd.DataFrame:
    """Every outcome's current value, voided ones left out, in recording order: the
    canonical outcome columns plus ``id``, ``recommended_by_engine`` and ``revised``.
    ``umkm_id`` / ``firm_id`` read only that UMKM's (firm's) outcomes (a match request
    needs no others)."""
    base_cols = ["id", *OUTCOME_COLUMNS, "recommended_by_engine"]
    owned = [] if umkm_id is None else [Outcome.umkm_id == umkm_id]
    owned += [] if firm_id is None else [Outcome.firm_id == firm_id]
    rows = session.execute(
        select(*(getattr(Outcome, c) for c in base_cols)).where(*owned).order_by(Outcome.id)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=base_cols)
    rev_cols = ["outcome_id", "action", *_REVISED]
    revised = select(*(getattr(OutcomeRevision, c) for c in rev_cols)).order_by(OutcomeRevision.id)
    if owned:
        revised = revised.where(OutcomeRevision.outcome_id.in_(select(Outcome.id).where(*owned)))
    revs = pd.DataFrame([tuple(r) for r in session.execute(revised)], columns=rev_cols)
    frame = apply_revisions(frame, revs, _REVISED)  # the core owns the rule (voids, corrections)
    # rows stored before the date rule existed (an outcome dated 2300 once crashed every
    # retrain, and one dated 2099 hid every later stage of its pair) are left out, loudly
    bad = frame["date"].map(lambda d: rules.date_problem(d) is not None).astype(bool)
    if bad.any():
        log.warning(
            "%d stored outcome(s) dated outside %s are left out: %s",
            int(bad.sum()),
            rules.date_rule(),
            ", ".join(
                f"#{i} {u}/{f} {d}"
                for i, u, f, d in frame.loc[bad, ["id", "umkm_id", "firm_id", "date"]]
                .head(5)
                .itertuples(index=False)
            ),
        )
        frame = frame[~bad.to_numpy()].reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["grade"] = frame["grade"].astype(int)
    for c in ("contract_value_idr", "realised_value_idr"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    for c in ("umkm_id", "firm_id", "stage", "event_id", "declined_by", "scheme"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def outcomes_frame(
    session: Session, umkm_id: str | None = None, firm_id: str | None = None
) -> pd.DataFrame:
    """The canonical outcomes frame for training: every outcome's current value (corrected,
    voided ones left out), then one row per pair, the latest date winning (on a tie, the
    later recorded outcome). ``umkm_id`` / ``firm_id``: only that UMKM's (firm's) pairs."""
    return latest_per_pair(current_outcomes(session, umkm_id, firm_id))[list(OUTCOME_COLUMNS)]


def umkm_pair_status(session: Session, umkm_id: str) -> PairStatus:
    """The statuses of one UMKM's pairs (declined, partner): what a match answer needs of
    its outcomes, equal to ``PairStatus(outcomes_frame(session, umkm_id=umkm_id))``.

    Built row by row with the core's own rules (:func:`is_voided`, :func:`last_correction`,
    the date rule, the latest date then the later recorded winning, as in
    :func:`latest_per_pair`) instead of through frames: a UMKM has a handful of outcomes,
    and a read after each recorded outcome asks for them, where the frame path spent
    ~9 ms of pandas overhead on four rows."""
    owned = Outcome.umkm_id == umkm_id
    rows = session.execute(
        select(Outcome.id, Outcome.firm_id, Outcome.grade, Outcome.date).where(owned)
    ).all()
    history: dict[int, list] = {}
    if rows:
        revised = (
            select(
                OutcomeRevision.outcome_id,
                OutcomeRevision.action,
                OutcomeRevision.grade,
                OutcomeRevision.date,
            )
            .where(OutcomeRevision.outcome_id.in_(select(Outcome.id).where(owned)))
            .order_by(OutcomeRevision.id)
        )
        for outcome_id, action, grade, date in session.execute(revised):
            history.setdefault(outcome_id, []).append((action, grade, date))
    latest: dict[str, tuple] = {}  # firm -> ((date, id), grade)
    for outcome_id, firm_id, grade, date in rows:
        revisions = history.get(outcome_id, [])
        actions = [r[0] for r in revisions]
        if is_voided(actions):
            continue
        at = last_correction(actions)
        if at is not None:
            _, grade, date = revisions[at]
        if rules.date_problem(date) is not None:  # as current_outcomes leaves them out
            continue
        key = (date, outcome_id)
        if firm_id not in latest or key > latest[firm_id][0]:
            latest[firm_id] = (key, grade)
    return PairStatus.of_pairs(
        [umkm_id] * len(latest), list(latest), [grade for _, grade in latest.values()]
    )


def outcomes_provenance(session: Session) -> pd.DataFrame:
    """``umkm_id, firm_id, recommended_by_engine`` (1.0/0.0/NaN) of the outcome that wins
    per pair in :func:`outcomes_frame`."""
    frame = latest_per_pair(current_outcomes(session))
    marker = frame["recommended_by_engine"].map({True: 1.0, False: 0.0}).astype(float)
    return pd.DataFrame(
        {"umkm_id": frame["umkm_id"], "firm_id": frame["firm_id"], "recommended_by_engine": marker}
    )


# --------------------------------------------------------------------------- import


@dataclass
class ImportedOutcomes:
    added: int
    already_stored: int
    conflicts: list[str]  # one line per file row that contradicts a stored outcome


def append_imported_outcomes(
    session: Session, frame: pd.DataFrame, recorded_by: str | None, source: str = "file"
) -> ImportedOutcomes:
    """Append a canonical outcomes frame (every row, not only the latest per pair).

    A row equal to a stored outcome (same pair, stage and date, same values: its current
    value or as first recorded) is skipped, so importing a file twice adds nothing; a row
    with the same pair, stage and date but other values is not imported and is listed in
    ``conflicts`` (correct the stored outcome instead). Repeats inside the file count once.
    """
    key_cols = ["umkm_id", "firm_id", "stage", "date"]
    value_cols = [c for c in FILE_VALUE_FIELDS if c not in ("stage", "date")]
    rows = frame.assign(file_row=frame.attrs.get("rows") or [i + 2 for i in range(len(frame))])
    rows = rows.drop_duplicates(key_cols + value_cols, keep="first")
    stored = current_outcomes(session)
    firsts = pd.DataFrame(
        [
            tuple(r)
            for r in session.execute(
                select(
                    Outcome.id,
                    *(getattr(Outcome, c) for c in ("umkm_id", "firm_id", *FILE_VALUE_FIELDS)),
                )
            )
        ],
        columns=["id", "umkm_id", "firm_id", *FILE_VALUE_FIELDS],
    )
    firsts["date"] = pd.to_datetime(firsts["date"]).astype("datetime64[ns]")
    for money in ("contract_value_idr", "realised_value_idr"):  # all NULL reads as object
        firsts[money] = pd.to_numeric(firsts[money], errors="coerce").astype(float)
    known = pd.concat(
        [stored[["id", *key_cols, *value_cols]], firsts[["id", *key_cols, *value_cols]]]
    )
    known = known.drop_duplicates(key_cols + value_cols)
    same = (
        rows.merge(
            known[key_cols + value_cols].drop_duplicates(),
            how="left",
            on=key_cols + value_cols,
            indicator=True,
        )["_merge"]
        .eq("both")
        .to_numpy()
    )
    clash = rows.merge(known[["id", *key_cols]].drop_duplicates(key_cols), how="left", on=key_cols)
    clash_id = clash["id"].to_numpy()
    conflict = ~same & pd.notna(clash_id)
    conflicts = [
        Message(
            "outcomes.import.stored_other",
            row=int(r),
            pair=f"{u}/{f} {s} {d:%Y-%m-%d}",
            id=int(i),
        )
        for r, u, f, s, d, i in zip(
            rows["file_row"][conflict],
            rows["umkm_id"][conflict],
            rows["firm_id"][conflict],
            rows["stage"][conflict],
            rows["date"][conflict],
            clash_id[conflict],
        )
    ]
    new = rows[~same & ~conflict]
    again = new.duplicated(key_cols, keep="first").to_numpy()  # one value per key from one file
    if again.any():
        kept_rows = new[~again].set_index(key_cols)["file_row"]
        for r in new[again].itertuples(index=False):
            kept = int(kept_rows.loc[(r.umkm_id, r.firm_id, r.stage, r.date)])
            conflicts.append(
                Message(
                    "outcomes.import.twice_in_file",
                    row=r.file_row,
                    pair=f"{r.umkm_id}/{r.firm_id} {r.stage} {r.date:%Y-%m-%d}",
                    kept=kept,
                )
            )
    new = new[~again]
    records = [
        dict(
            umkm_id=r.umkm_id,
            firm_id=r.firm_id,
            stage=r.stage,
            grade=STAGE_GRADE[r.stage],
            date=r.date.date(),
            contract_value_idr=_none(r.contract_value_idr),
            realised_value_idr=_none(r.realised_value_idr),
            scheme=_none(r.scheme),
            event_id=_none(r.event_id),
            declined_by=_none(r.declined_by),
            recorded_by=recorded_by,
            source="import",
            recorded_at=dt.datetime.now(dt.UTC),
            natural_key=natural_key(r.umkm_id, r.firm_id, r.stage, r.date.date()),
        )
        for r in new.itertuples(index=False)
    ]
    if records:
        check_records(Outcome, records)
        session.execute(insert(Outcome), records)
    return ImportedOutcomes(len(records), int(same.sum()) + len(frame) - len(rows), conflicts)


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


# --------------------------------------------------------------------------- follow-ups


def record_followup(
    session: Session,
    *,
    umkm_id: str,
    firm_id: str,
    status: str,
    office: str | None = None,
    person: str | None = None,
    next_step: str | None = None,
    next_date: dt.date | None = None,
    note: str | None = None,
    date: dt.date | None = None,
    recorded_by: str | None,
    source: str,
) -> Followup:
    """Append the office's follow-up of a pair (status in any known spelling)."""
    canonical = lifecycle.canonical_value("status", status)
    if canonical is None:
        raise OutcomeError(_bad("status", repr(status), _one_of("status")))
    date = date or rules.today()
    problem = rules.date_problem(date)
    if problem:
        raise OutcomeError(_bad("date", f"{date:%Y-%m-%d}", problem))
    row = Followup(
        umkm_id=umkm_id,
        firm_id=firm_id,
        status=canonical,
        office=office,
        person=person,
        next_step=next_step,
        next_date=next_date,
        note=note,
        date=date,
        recorded_by=recorded_by,
        source=source,
    )
    session.add(row)
    session.flush()
    return row


def append_imported_followups(
    session: Session, frame: pd.DataFrame, recorded_by: str | None
) -> int:
    """Append a canonical follow-up frame; rows already stored (all values equal) are skipped."""
    cols = list(FOLLOWUP_COLUMNS)
    stored = followups_frame(session)[cols]
    rows = frame[cols].drop_duplicates()
    merged = rows.merge(stored.drop_duplicates(), how="left", on=cols, indicator=True)
    new = rows[merged["_merge"].eq("left_only").to_numpy()]
    records = [
        dict(
            umkm_id=r.umkm_id,
            firm_id=r.firm_id,
            status=r.status,
            office=_none(r.office),
            person=_none(r.person),
            next_step=_none(r.next_step),
            next_date=None if pd.isna(r.next_date) else r.next_date.date(),
            note=_none(r.note),
            date=r.date.date(),
            recorded_by=recorded_by,
            source="import",
            recorded_at=dt.datetime.now(dt.UTC),
        )
        for r in new.itertuples(index=False)
    ]
    if records:
        check_records(Followup, records)
        session.execute(insert(Followup), records)
    return len(records)


def followups_frame(
    session: Session, umkm_id: str | None = None, firm_id: str | None = None
) -> pd.DataFrame:
    """Follow-ups in the canonical columns plus ``id``, ``recorded_by``, ``recorded_at``,
    oldest first (optionally of one pair)."""
    cols = ["id", *FOLLOWUP_COLUMNS, "recorded_by", "recorded_at"]
    q = select(*(getattr(Followup, c) for c in cols)).order_by(Followup.date, Followup.id)
    if umkm_id is not None:
        q = q.where(Followup.umkm_id == umkm_id)
    if firm_id is not None:
        q = q.where(Followup.firm_id == firm_id)
    frame = pd.DataFrame([tuple(r) for r in session.execute(q)], columns=cols)
    for c in ("next_date", "date"):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
    for c in ("office", "person", "next_step", "note"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame
