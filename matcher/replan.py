"""Re-planning on the day: someone did not come, someone walked in.

Rules (``replan_schedule``):

- meetings that started before ``now`` are **held**: they never move, whoever they involve;
- later meetings of an absent participant are **cancelled** (their partner is told);
- every other later meeting stays exactly where it is (**unchanged**), so nobody else has
  to be told anything;
- the places that are free (capacity not yet used by held and unchanged meetings, the
  cancelled meetings' partners, walk-ins) are filled **optimally** in the remaining slots:
  a MILP (HiGHS) over (pair, slot both sides are free) maximises the total value of the
  **new** meetings (score x the preference multiplier), each pair at most once, nobody
  beyond their capacity or in two places at once, at most ``tables`` meetings per slot;
  vetoed pairs and pairs below ``min_score`` are never proposed. A firm keeps its table.

The output is the whole schedule with a ``status`` per row: ``held``, ``unchanged``,
``cancelled``, ``new`` (and ``unplaced`` rows carried over), so only the people on
``cancelled`` and ``new`` rows need to be told.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matcher.data.errors import MatcherError
from matcher.i18n import Message
from matcher.schedule import (
    assign_tables,
    clock,
    event_sides,
    pair_positions,
    participant_names,
    solve_binary,
)

HELD, UNCHANGED, CANCELLED, NEW = "held", "unchanged", "cancelled", "new"


def slot_times(schedule: pd.DataFrame) -> np.ndarray:
    """(slots, 2) start/end minutes of the schedule's slots 1..max, from its rows."""
    from matcher.schedule import parse_clock

    placed = schedule[schedule["slot"].notna()]
    if placed.empty:
        raise MatcherError(Message("event.replan.no_slots"))
    firsts = placed.drop_duplicates("slot").set_index("slot")
    n = int(firsts.index.max())
    missing = sorted(set(range(1, n + 1)) - set(firsts.index.astype(int)))
    times = np.zeros((n, 2), dtype=np.int64)
    known = firsts.index.astype(int).to_numpy() - 1
    times[known, 0] = [parse_clock(x, "start") for x in firsts["start"]]
    times[known, 1] = [parse_clock(x, "end") for x in firsts["end"]]
    for k in missing:  # slots are consecutive apart from breaks: use the previous one's length
        prev = times[k - 2]
        times[k - 1] = (prev[1], 2 * prev[1] - prev[0])
    return times


def replan_schedule(
    schedule: pd.DataFrame,
    event: pd.DataFrame,
    scores: np.ndarray,
    now: int,
    absent=(),
    *,
    value: np.ndarray | None = None,
    vetoed: np.ndarray | None = None,
    min_score: float | None = None,
    tables: int | None = None,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    explain=None,
) -> tuple[pd.DataFrame, dict]:
    """The re-planned schedule (module docstring) and facts about it.

    ``event``: everyone expected (walk-ins included), in the order of ``scores``' rows and
    columns (:func:`matcher.schedule.event_sides`); ``absent``: IDs who did not come;
    ``value``: what a new meeting is worth (default the scores); ``explain(u_ids, f_ids)``
    gives reasons for new pairs.
    """
    t0 = time.perf_counter()
    u_ids, f_ids = event_sides(event)
    n_u, n_f = len(u_ids), len(f_ids)
    scores = np.asarray(scores, float)
    if scores.shape != (n_u, n_f):
        raise ValueError(f"scores shape {scores.shape} != event ({n_u}, {n_f})")
    value = scores if value is None else np.asarray(value, float)
    times = slot_times(schedule)
    n_s = len(times)
    s = schedule.reset_index(drop=True).copy()
    was_cancelled = (s["status"] == CANCELLED).to_numpy()  # by an earlier re-plan
    placed = s["slot"].notna().to_numpy() & ~was_cancelled
    slot0 = np.where(placed, s["slot"].fillna(0).astype(int).to_numpy() - 1, -1)
    start = np.where(placed, times[np.maximum(slot0, 0), 0], np.iinfo(np.int64).max)
    absent = set(map(str, absent))
    unknown = absent - set(u_ids) - set(f_ids)
    if unknown:
        raise MatcherError(Message("event.replan.absent_unknown", ids=", ".join(sorted(unknown))))
    gone = (
        s["umkm_id"].astype(str).isin(absent) | s["firm_id"].astype(str).isin(absent)
    ).to_numpy()
    status = s["status"].astype(object).to_numpy().copy()
    status[placed & (start < now)] = HELD
    status[placed & (start >= now) & gone] = CANCELLED
    status[placed & (start >= now) & ~gone] = UNCHANGED
    this_time = placed & (start >= now) & gone
    s["status"] = status
    keep = np.isin(status, [HELD, UNCHANGED])
    u, f = pair_positions(s[keep], u_ids, f_ids, "schedule")
    ks = slot0[keep]

    # what is free: capacity left, slots not yet started and not taken
    is_u = (event["party"] == "umkm").to_numpy()
    cap_u = event.loc[is_u, "capacity"].to_numpy(np.int64)
    cap_f = event.loc[~is_u, "capacity"].to_numpy(np.int64)
    left_u = cap_u - np.bincount(u, minlength=n_u)
    left_f = cap_f - np.bincount(f, minlength=n_f)
    here_u = ~pd.Index(u_ids).isin(list(absent))
    here_f = ~pd.Index(f_ids).isin(list(absent))
    future = times[:, 0] >= now
    free_u = np.tile(future, (n_u, 1))
    free_f = np.tile(future, (n_f, 1))
    free_u[u, ks] = False
    free_f[f, ks] = False
    tables_used = np.zeros(
        (n_s, max(int(s.loc[keep, "table"].max()) if keep.any() else 0, tables or 0)), dtype=bool
    )
    kt = s.loc[keep, "table"].astype(int).to_numpy() - 1
    tables_used[ks, kt] = True
    met = np.zeros((n_u, n_f), dtype=bool)
    met[u, f] = True
    ok = (
        np.isfinite(scores)
        & (value > 0)
        & ~met
        & ((left_u > 0) & here_u)[:, None]
        & ((left_f > 0) & here_f)[None, :]
    )
    if vetoed is not None:
        ok &= ~vetoed
    if min_score is not None:
        ok &= scores >= min_score
    cu, cf = np.nonzero(ok)
    room = None
    if tables is not None:
        room = tables - tables_used[:, :tables].sum(axis=1)
    new_slot, solver = _fill(cu, cf, value[cu, cf], free_u, free_f, left_u, left_f, room)
    chosen = new_slot >= 0
    nu, nf, nsl = cu[chosen], cf[chosen], new_slot[chosen]

    # tables: a firm keeps the table it had; walk-in firms get free ones
    home = np.full(n_f, -1, np.int64)
    home[f] = kt
    n_tables = (
        tables
        if tables is not None
        else max(tables_used.shape[1], 0) + int(len(np.setdiff1d(nf, f)))
    )
    taken = np.zeros((n_s, max(n_tables, 1)), dtype=bool)
    taken[:, : tables_used.shape[1]] = tables_used[:, : taken.shape[1]]
    new_home = home.copy()
    spare = [t for t in range(n_tables) if t not in set(home[home >= 0])]
    for j in np.unique(nf[home[nf] < 0]):  # walk-in or table-less firms, a handful
        if spare:
            new_home[j] = spare.pop(0)
    table, _ = assign_tables(nf, nsl, n_f, n_tables, taken, new_home)

    u_sel = np.asarray(u_ids, dtype=object)[nu]
    f_sel = np.asarray(f_ids, dtype=object)[nf]
    reasons = explain(list(u_sel), list(f_sel)) if explain is not None and len(nu) else ""
    new_rows = pd.DataFrame(
        {
            "slot": pd.array(nsl + 1, dtype="Int64"),
            "start": [clock(m) for m in times[nsl, 0]],
            "end": [clock(m) for m in times[nsl, 1]],
            "table": pd.array(table + 1, dtype="Int64"),
            "umkm_id": u_sel,
            "umkm_name": participant_names(u_sel, umkm, "umkm_id"),
            "firm_id": f_sel,
            "firm_name": participant_names(f_sel, firms, "firm_id"),
            "score": scores[nu, nf],
            "reasons": reasons,
            "status": NEW,
            "note": "",
        }
    )
    out = pd.concat([s, new_rows], ignore_index=True) if len(new_rows) else s
    out["slot"] = out["slot"].astype("Int64")
    out["table"] = out["table"].astype("Int64")
    out = out.sort_values(["slot", "table", "umkm_id"], na_position="last", kind="stable")
    info = {
        "held": int((status == HELD).sum()),
        "unchanged": int((status == UNCHANGED).sum()),
        "cancelled": int(this_time.sum()),
        "new": int(chosen.sum()),
        "candidates": len(cu),
        "slots_left": int(future.sum()),
        "solver": solver,
        "seconds": time.perf_counter() - t0,
    }
    return out.reset_index(drop=True), info


def _fill(cu, cf, v, free_u, free_f, left_u, left_f, room) -> tuple[np.ndarray, str]:
    """Slot (-1 = none) per candidate pair maximising the value of new meetings, and the
    solver's status."""
    n_c = len(cu)
    slot = np.full(n_c, -1, dtype=np.int64)
    allowed = free_u[cu] & free_f[cf]
    c, s = np.nonzero(allowed)
    k = len(c)
    if k == 0:
        return slot, "nothing to fill"
    n_u, n_s = free_u.shape
    n_f = free_f.shape[0]
    x = np.arange(k)
    ones = np.ones(k)
    blocks = [
        sp.csr_matrix((ones, (c, x)), shape=(n_c, k)),
        sp.csr_matrix((ones, (cu[c], x)), shape=(n_u, k)),
        sp.csr_matrix((ones, (cf[c], x)), shape=(n_f, k)),
        sp.csr_matrix((ones, (cu[c] * n_s + s, x)), shape=(n_u * n_s, k)),
        sp.csr_matrix((ones, (cf[c] * n_s + s, x)), shape=(n_f * n_s, k)),
    ]
    upper = [
        np.ones(n_c),
        left_u.clip(min=0),
        left_f.clip(min=0),
        np.ones(n_u * n_s),
        np.ones(n_f * n_s),
    ]
    if room is not None:
        blocks.append(sp.csr_matrix((ones, (s, x)), shape=(n_s, k)))
        upper.append(np.maximum(room, 0))
    # earlier slots break ties between equally valuable plans
    cost = -(v[c] - 1e-9 * s * np.abs(v).max())
    on, status = solve_binary(cost, sp.vstack(blocks, format="csr"), np.concatenate(upper))
    slot[c[on]] = s[on]
    return slot, status
