"""Outcomes: append-only history of what happened to facilitated pairs.

Every row says who recorded it, when, through which path (``api`` or ``import``) and
whether the engine had recommended the pair under which model version, so retraining can
separate engine-suggested pairs from the facilitators' own picks. Nothing here updates or
deletes a row (and the database's triggers refuse to).
"""
from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.models import Outcome
from matcher.data import rules
from matcher.data.schema import OUTCOME_COLUMNS, STAGE_GRADE

log = logging.getLogger(__name__)


def append_outcome(
    session: Session, *, umkm_id: str, firm_id: str, stage: str, date: dt.date,
    contract_value_idr: float | None = None, event_id: str | None = None,
    declined_by: str | None = None, recorded_by: str | None, source: str,
    recommended_by_engine: bool | None = None, model_version: str | None = None,
) -> Outcome:
    row = Outcome(
        umkm_id=umkm_id, firm_id=firm_id, stage=stage, grade=STAGE_GRADE[stage],
        contract_value_idr=contract_value_idr, date=date, event_id=event_id,
        declined_by=declined_by, recorded_by=recorded_by, source=source,
        recommended_by_engine=recommended_by_engine, model_version=model_version,
    )
    session.add(row)
    session.flush()
    return row


def _none_if_missing(value):
    return None if value is None or pd.isna(value) else value


def append_imported_outcomes(session: Session, frame: pd.DataFrame, recorded_by: str | None) -> int:
    """Append a canonical outcomes frame; rows already stored (same pair, stage and date)
    are skipped so importing the same file twice adds nothing. Returns rows added."""
    stored = {
        (u, f, s, d) for u, f, s, d in session.execute(
            select(Outcome.umkm_id, Outcome.firm_id, Outcome.stage, Outcome.date)
        )
    }
    added = 0
    for r in frame.itertuples(index=False):
        date = pd.Timestamp(r.date).date()
        if (r.umkm_id, r.firm_id, r.stage, date) in stored:
            continue
        session.add(Outcome(
            umkm_id=r.umkm_id, firm_id=r.firm_id, stage=r.stage, grade=STAGE_GRADE[r.stage],
            contract_value_idr=_none_if_missing(r.contract_value_idr), date=date,
            event_id=_none_if_missing(r.event_id), declined_by=_none_if_missing(r.declined_by),
            recorded_by=recorded_by, source="import",
        ))
        added += 1
    session.flush()
    return added


def list_outcomes(session: Session, umkm_id: str) -> list[Outcome]:
    """A UMKM's outcomes in the order they were recorded."""
    return list(session.scalars(
        select(Outcome).where(Outcome.umkm_id == umkm_id).order_by(Outcome.id)
    ))


def outcomes_frame(session: Session) -> pd.DataFrame:
    """The canonical outcomes frame for training: one row per pair, latest date wins
    (on a tie, the later recorded row)."""
    rows = session.execute(
        select(*(getattr(Outcome, c) for c in OUTCOME_COLUMNS)).order_by(Outcome.date, Outcome.id)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(OUTCOME_COLUMNS))
    # rows stored before the date rule existed (an outcome dated 2300 once crashed every
    # retrain, and one dated 2099 hid every later stage of its pair) are left out, loudly
    bad = frame["date"].map(lambda d: rules.date_problem(d) is not None).astype(bool)
    if bad.any():
        log.warning("%d stored outcome(s) dated outside %s are left out of training: %s",
                    int(bad.sum()), rules.date_rule(),
                    ", ".join(f"{u}/{f} {d}" for u, f, d in frame.loc[bad, ["umkm_id", "firm_id", "date"]]
                              .head(5).itertuples(index=False)))
        frame = frame[~bad.to_numpy()]
    frame = frame.drop_duplicates(["umkm_id", "firm_id"], keep="last").reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["grade"] = frame["grade"].astype(int)
    frame["contract_value_idr"] = frame["contract_value_idr"].astype(float)
    for c in ("umkm_id", "firm_id", "stage", "event_id", "declined_by"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame
