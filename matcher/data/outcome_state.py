"""What is true now about facilitated pairs: one owner for "the latest outcome per pair wins".

Outcomes are corrected, never lost: a record stays as first written and *revisions* (a
correction with new values, or a void) are added after it. Every place that needs the
state of a pair now — training's one row per pair, the store's outcomes frame, the pair
status that hides declined pairs and marks partners, the programme report, retraining's
provenance — goes through this module, so they cannot disagree.

The rule, in two steps:

1. :func:`apply_revisions` — an outcome's current value is its **latest revision**: the
   last correction's values, or gone if the last revision is a void (a correction after a
   void restores the outcome). Revisions are ordered as recorded. :func:`in_force` is the
   same rule for one outcome's own revisions (the store's :class:`api.store.outcomes.OutcomeState`).
2. :func:`latest_per_pair` — of a pair's outcomes in force, the one with the **latest
   date** wins; **on the same date, the one recorded later wins** (a higher ``id`` when
   the frame has one, else the later row: a file's row order is its recording order).
   So a "meeting" and a "declined" entered the same day leave the pair declined if the
   decline was entered second, and a mistaken entry is fixed by correcting or voiding it,
   not by entering another one.

:func:`current_per_pair` does both. Rows keep their columns; the result is in recording
order (the order of the input), one row per (umkm_id, firm_id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")

KEYS = ("umkm_id", "firm_id")
#: actions a revision may carry
CORRECT, VOID = "correct", "void"
REVISION_ACTIONS = (CORRECT, VOID)


def _recording_order(frame: pd.DataFrame) -> np.ndarray:
    """Position of each row in recording order: by ``id`` when present, else row order."""
    if "id" in frame.columns:
        ids = pd.to_numeric(frame["id"], errors="coerce").to_numpy(float)
        if np.isfinite(ids).all():
            return np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    return np.arange(len(frame))


def apply_revisions(
    outcomes: pd.DataFrame, revisions: pd.DataFrame | None, fields=None
) -> pd.DataFrame:
    """Outcomes with their current values: voided ones left out, corrected ones carrying
    the last correction's ``fields`` (default: every revision column but ``outcome_id`` and
    ``action``). ``outcomes`` needs an ``id``; ``revisions`` has ``outcome_id``, ``action``
    ("correct" / "void") and the new values, in the order recorded. Adds ``revised``
    (True when an outcome has any revision). Row order is kept."""
    out = outcomes.reset_index(drop=True).copy()
    if revisions is None or not len(revisions):
        out["revised"] = False
        return out
    fields = [c for c in (fields or revisions.columns) if c not in ("outcome_id", "action")]
    last = revisions.drop_duplicates("outcome_id", keep="last").set_index("outcome_id")
    out["revised"] = out["id"].isin(last.index)
    voided = last.index[last["action"] == VOID]
    out = out[~out["id"].isin(voided)].reset_index(drop=True)
    corrections = (
        revisions[revisions["action"] == CORRECT]
        .drop_duplicates("outcome_id", keep="last")
        .set_index("outcome_id")[fields]
    )
    hit = out["id"].isin(corrections.index).to_numpy()
    if hit.any():
        new = corrections.loc[out.loc[hit, "id"]]
        for c in fields:
            out[c] = out[c].astype(object)
            out.loc[hit, c] = new[c].to_numpy()
    return out


def is_voided(actions: Sequence[str]) -> bool:
    """An outcome whose revisions (their actions, oldest first) end in a void is not in force."""
    return bool(len(actions)) and actions[-1] == VOID


def last_correction(actions: Sequence[str]) -> int | None:
    """Position of the last correction among an outcome's revisions (oldest first), whose
    values are the outcome's own; None when there is none (the values as first recorded).
    Counted even when a void follows: a correction after that void restores these values."""
    for position in range(len(actions) - 1, -1, -1):
        if actions[position] == CORRECT:
            return position
    return None


def in_force(original: T, revisions: Sequence[T], action=lambda r: r.action) -> T | None:
    """Of one outcome, the record whose values are in force: the last correction, else the
    outcome as first recorded; None when it is voided. :func:`apply_revisions` for one."""
    actions = [action(r) for r in revisions]
    if is_voided(actions):
        return None
    last = last_correction(actions)
    return original if last is None else revisions[last]


def latest_per_pair(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (umkm_id, firm_id): the latest ``date``; on the same date the one
    recorded later (higher ``id``, else the later row). Input order kept, attrs kept."""
    order = _recording_order(frame)
    dates = pd.to_datetime(frame["date"], errors="coerce").to_numpy("datetime64[ns]")
    ranked = np.lexsort((order, dates))  # by date, then recording order: the winner is last
    keys = frame.iloc[ranked][list(KEYS)].astype(str)
    winners = np.sort(ranked[~keys.duplicated(keep="last").to_numpy()])
    out = frame.iloc[winners].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def current_per_pair(
    outcomes: pd.DataFrame, revisions: pd.DataFrame | None = None, fields=None
) -> pd.DataFrame:
    """The state of every pair now: :func:`apply_revisions`, then :func:`latest_per_pair`."""
    if revisions is not None:
        outcomes = apply_revisions(outcomes, revisions, fields)
    return latest_per_pair(outcomes)
