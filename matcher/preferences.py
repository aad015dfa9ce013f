"""What participants want: vetoes and wishes of both sides, as planner inputs and a tally.

A preferences frame (:func:`matcher.data.event_files.parse_preferences`) says, per side,
``ingin`` (wants to meet) or ``tidak`` (veto). The planner sees two things only:

- **vetoes** are excluded pairs: a pair either side vetoed is never planned (a must-include
  pair that is also vetoed is an error the planner reports);
- **wishes** multiply the pair's value (whatever the planner maximises: score, expected
  value): ``1 + WISH_WEIGHT`` per side that wants the pair, plus ``RECIPROCITY_WEIGHT`` more
  when both do. With the defaults a one-sided wish counts 1.25x and a mutual wish 2x, so of
  two pairs with equal scores the mutual one always wins, a mutual wish beats a one-sided
  one, and a wish tips the balance only between pairs whose scores are close (a one-sided
  wish does not outweigh a pair scoring 25 % more).

:func:`wish_tally` then says how many wishes of each side the plan met, and
:func:`unmet_wishes` lists each unmet wish with the reason (veto, not worthwhile enough to
be planned, capacity taken by better pairs, no slot in the timetable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.i18n import t
from matcher.index import pair_positions

WISH_WEIGHT = 0.25
RECIPROCITY_WEIGHT = 0.5
# reasons an expressed wish is not in the plan
VETOED, NOT_ELIGIBLE, CAPACITY, NO_SLOT = "veto", "not_eligible", "capacity", "no_slot"
UNMET_REASONS = (VETOED, NOT_ELIGIBLE, CAPACITY, NO_SLOT)


@dataclass
class PreferenceMatrices:
    """Preferences over the event's (UMKM rows x firm columns)."""

    umkm_wants: np.ndarray  # bool: the UMKM wants to meet the firm
    firm_wants: np.ndarray  # bool: the firm wants to meet the UMKM
    vetoed: np.ndarray  # bool: either side said 'tidak'

    def multiplier(self) -> np.ndarray:
        """Value multiplier per pair: 1, 1.25 (one side wants it) or 2 (both do)."""
        u, f = self.umkm_wants, self.firm_wants
        return 1.0 + WISH_WEIGHT * (u.astype(float) + f) + RECIPROCITY_WEIGHT * (u & f)

    def veto_pairs(self) -> np.ndarray:
        """(k, 2) positions of vetoed pairs: the planner's exclusions."""
        return np.argwhere(self.vetoed)


def preference_matrices(prefs: pd.DataFrame | None, u_ids, f_ids) -> PreferenceMatrices:
    """Boolean matrices from a preferences frame; rows naming others are ignored."""
    shape = (len(u_ids), len(f_ids))
    out = PreferenceMatrices(np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape, bool))
    if prefs is None or prefs.empty:
        return out
    i, j, inside = pair_positions(u_ids, f_ids, prefs)
    wish = (prefs["preference"] == "ingin").to_numpy() & inside
    by_u = (prefs["from_party"] == "umkm").to_numpy()
    out.umkm_wants[i[wish & by_u], j[wish & by_u]] = True
    out.firm_wants[i[wish & ~by_u], j[wish & ~by_u]] = True
    veto = (prefs["preference"] == "tidak").to_numpy() & inside
    out.vetoed[i[veto], j[veto]] = True
    return out


def _wishes(prefs: pd.DataFrame | None) -> pd.DataFrame:
    if prefs is None or prefs.empty:
        return pd.DataFrame(columns=["from_party", "from_id", "to_id", "umkm_id", "firm_id"])
    return prefs[prefs["preference"] == "ingin"]


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["umkm_id"].astype(str) + "\x00" + frame["firm_id"].astype(str)


def wish_tally(prefs: pd.DataFrame | None, plan: pd.DataFrame) -> dict:
    """Wishes stated and met per side, and mutual wishes: plain numbers for summaries."""
    wishes = _wishes(prefs)
    met = _keys(wishes).isin(set(_keys(plan))) if len(wishes) else pd.Series(dtype=bool)
    out = {}
    for side in ("umkm", "firm"):
        mine = (wishes["from_party"] == side).to_numpy()
        out[f"{side}_wishes"] = int(mine.sum())
        out[f"{side}_wishes_met"] = int(met[mine].sum()) if len(wishes) else 0
    keys = _keys(wishes)
    mutual = keys.duplicated(keep=False)  # stated by both sides
    out["mutual_pairs"] = int(keys[mutual].nunique())
    out["mutual_pairs_met"] = int(keys[mutual & met].nunique()) if len(wishes) else 0
    return out


def unmet_wishes(
    prefs: pd.DataFrame | None,
    plan: pd.DataFrame,
    *,
    eligible: pd.DataFrame | None = None,
    schedule: pd.DataFrame | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Each wish not met, with why: ``veto`` (the other side said no), ``not_eligible`` (the
    pair is below the plan's minimum score/chance or has no value), ``capacity`` (the
    planner gave both sides' places to pairs worth more), ``no_slot`` (planned but not
    placed in the timetable). ``eligible``: frame of (umkm_id, firm_id) pairs the planner
    could choose (None: all); ``schedule``: a timetable frame, for ``no_slot``."""
    columns = ["from_party", "from_id", "to_id", "reason", "explanation"]
    wishes = _wishes(prefs)
    if wishes.empty:
        return pd.DataFrame(columns=columns)
    keys = _keys(wishes)
    planned = set(_keys(plan))
    placed = planned
    if schedule is not None:
        placed = set(_keys(schedule[schedule["slot"].notna()]))
    vetoes = set(_keys(prefs[prefs["preference"] == "tidak"]))
    ok = set(_keys(eligible)) if eligible is not None else None
    reason = np.where(
        keys.isin(vetoes),
        VETOED,
        np.where(
            keys.isin(planned) & ~keys.isin(placed),
            NO_SLOT,
            np.where(
                keys.isin(placed),
                "",
                np.where(
                    np.ones(len(keys), bool) if ok is None else keys.isin(ok),
                    CAPACITY,
                    NOT_ELIGIBLE,
                ),
            ),
        ),
    )
    out = wishes.assign(reason=reason)[["from_party", "from_id", "to_id", "reason"]]
    out = out[out["reason"] != ""].reset_index(drop=True)
    out["explanation"] = [t(f"event.wish_unmet.{r}", lang) for r in out["reason"]]
    return out
