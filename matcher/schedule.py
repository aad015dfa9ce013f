"""The timetable of an event: a slot and a table for every planned meeting.

A plan is a bipartite multigraph (UMKM on one side, firms on the other, one edge per
meeting). A timetable gives every edge a slot so that no participant is in two places at
once, i.e. a proper *edge colouring* with slots as colours.

Without limits (:func:`colour_edges`): König's theorem says a bipartite multigraph's edges
can always be coloured with as many colours as its largest degree Δ, and no timetable can
use fewer slots than Δ (the busiest participant needs Δ slots). The colouring is built
exactly: vertices of each side are packed into bins of total degree <= Δ, the sides are
padded to equal size and dummy edges make the graph Δ-regular; a Δ-regular bipartite
multigraph has a perfect matching (Hall), so peeling Δ perfect matchings (Hopcroft-Karp,
``scipy.sparse.csgraph.maximum_bipartite_matching``) colours every edge with Δ slots. A
bin's matched edge is one edge of one of its vertices, so every colour class is a matching
of the original graph too.

With limits (:func:`schedule_meetings` with availability windows, fewer tables than
meetings per slot, or a day too short for Δ slots) the timetable is a small MILP solved by
HiGHS (``scipy.optimize.milp``): one binary per (meeting, slot both sides can attend);
each meeting in at most one slot, each participant in at most one meeting per slot, at most
``tables`` meetings per slot. It maximises the number of meetings placed (so a timetable
placing everything is found whenever one exists), then the pairs' value, then earlier
slots. Meetings it cannot place are returned with the reason: the two sides have no common
free slot at all, or every common slot is taken.

Tables: with a table per firm each firm keeps its table all day. With fewer tables, slot by
slot the firms meeting are assigned tables by a small assignment problem that keeps each
firm at the table it had before where it can (:func:`assign_tables`); the moves are counted.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, linear_sum_assignment, milp
from scipy.sparse.csgraph import connected_components, maximum_bipartite_matching

from matcher.data.errors import MatcherError
from matcher.i18n import Figure, Message, t
from matcher.index import pair_positions as id_pair_positions

# Why a meeting could not be placed.
NO_COMMON_SLOT = "no_common_slot"  # the two sides are never free at the same time
NO_FREE_SLOT = "no_free_slot"  # common slots exist but all are taken (other meetings, tables)
# Solver limits for the limited timetable (seconds); hitting it is reported, never silent.
MILP_TIME_LIMIT = 120.0


# --------------------------------------------------------------------------- clock

_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:.]\s*(\d{2})\s*$")


def parse_clock(text: str, what: str | None = None) -> int:
    """'09:00', '9.00', '13:30' -> minutes after midnight; MatcherError otherwise, naming
    ``what`` (an option such as ``--start``, or a Message; default "time")."""
    m = _CLOCK.match(str(text))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        what = Message("event.day.time") if what is None else what
        raise MatcherError(Message("event.day.clock", what=what, text=repr(text)))
    return int(m.group(1)) * 60 + int(m.group(2))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Day:
    """Slot times: ``slot_minutes`` long from ``start``, skipping the breaks."""

    start: int = 9 * 60
    slot_minutes: int = 20
    breaks: tuple[tuple[int, int], ...] = ((12 * 60, 13 * 60),)
    end: int | None = None  # last moment a slot may end; None = as long as needed

    def __post_init__(self):
        if self.slot_minutes < 1:
            raise MatcherError(Message("event.day.slot_length", got=self.slot_minutes))
        for a, b in self.breaks:
            if b <= a:
                raise MatcherError(
                    Message("event.day.break_backwards", start=clock(a), end=clock(b))
                )
        if self.end is not None and self.end <= self.start:
            raise MatcherError(
                Message("event.day.backwards", end=clock(self.end), start=clock(self.start))
            )

    def slots(self, n: int | None = None) -> np.ndarray:
        """(k, 2) start and end minute of the first ``n`` slots (all slots until ``end``
        when ``n`` is None). Slots never overlap a break nor cross midnight."""
        if n is None and self.end is None:
            raise ValueError("an open-ended day needs a number of slots")
        out, t = [], self.start
        while n is None or len(out) < n:
            for a, b in sorted(self.breaks):
                if t < b and t + self.slot_minutes > a:
                    t = b
            if t + self.slot_minutes > min(self.end or 24 * 60, 24 * 60):
                break
            out.append((t, t + self.slot_minutes))
            t += self.slot_minutes
        return np.array(out, dtype=np.int64).reshape(-1, 2)


def parse_break(text: str) -> tuple[int, int]:
    a, sep, b = str(text).partition("-")
    if not sep:
        raise MatcherError(Message("event.day.break_syntax", text=repr(text)))
    return (
        parse_clock(a, Message("event.day.break_start")),
        parse_clock(b, Message("event.day.break_end")),
    )


# --------------------------------------------------------------------------- colouring


def max_degree(u: np.ndarray, f: np.ndarray) -> int:
    """The largest number of meetings of any one participant (the slot lower bound)."""
    if len(u) == 0:
        return 0
    return int(max(np.bincount(u).max(), np.bincount(f).max()))


def _pack(degree: np.ndarray, capacity: int) -> np.ndarray:
    """Bin of each vertex, bins of total degree <= capacity (first fit, largest first).
    A loop over participants, not pairs."""
    order = np.argsort(-degree, kind="stable")
    bins = np.empty(len(degree), dtype=np.int64)
    load: list[int] = []
    for v in order:
        d = int(degree[v])
        for b, used in enumerate(load):
            if used + d <= capacity:
                load[b] += d
                bins[v] = b
                break
        else:
            bins[v] = len(load)
            load.append(d)
    return bins


def colour_edges(u, f) -> np.ndarray:
    """Slot (0..Δ-1) of each edge (u[k], f[k]) of a bipartite multigraph, with Δ the largest
    degree: no two edges at one vertex share a slot, and Δ is the fewest possible."""
    u = np.asarray(u, dtype=np.int64)
    f = np.asarray(f, dtype=np.int64)
    m = len(u)
    colour = np.full(m, -1, dtype=np.int64)
    if m == 0:
        return colour
    delta = max_degree(u, f)
    bu = _pack(np.bincount(u), delta)[u]
    bf = _pack(np.bincount(f), delta)[f]
    n = int(max(bu.max(), bf.max())) + 1
    # pad to a delta-regular multigraph on n + n bins with dummy edges
    short_u = delta - np.bincount(bu, minlength=n)
    short_f = delta - np.bincount(bf, minlength=n)
    left = np.concatenate([bu, np.repeat(np.arange(n), short_u)])
    right = np.concatenate([bf, np.repeat(np.arange(n), short_f)])
    # edges grouped by bin pair; a matched bin pair takes its next unused edge
    key = left * n + right
    order = np.argsort(key, kind="stable")
    keys, start, count = np.unique(key[order], return_index=True, return_counts=True)
    used = np.zeros(len(keys), dtype=np.int64)
    rows, cols = keys // n, keys % n
    edge_colour = np.full(len(key), -1, dtype=np.int64)
    for c in range(delta):
        left_over = count - used
        live = left_over > 0
        graph = sp.csr_matrix((left_over[live], (rows[live], cols[live])), shape=(n, n))
        match = maximum_bipartite_matching(graph, perm_type="column")
        if (match < 0).any():  # impossible for a regular bipartite multigraph
            raise RuntimeError("edge colouring: no perfect matching in a regular graph")
        g = np.searchsorted(keys, np.arange(n) * n + match)
        edge_colour[order[start[g] + used[g]]] = c
        used[g] += 1
    colour[:] = edge_colour[:m]
    return colour


def balance_colours(u, f, colour: np.ndarray, k: int, most: int) -> np.ndarray:
    """Recolour a proper edge colouring into ``k`` colours of at most ``most`` edges each
    (possible whenever k >= Δ and k * most >= edges: de Werra's equitable colouring).

    Edges of two colours a, b form paths and even cycles; swapping a and b along a path
    with one more a-edge than b-edges moves one edge from a to b and keeps the colouring
    proper. The largest class is balanced against the smallest, all their paths at once
    (connected components, vectorised), until no class exceeds ``most``.
    """
    u = np.asarray(u, dtype=np.int64)
    f = np.asarray(f, dtype=np.int64)
    colour = colour.copy()
    n_u = int(u.max(initial=-1)) + 1
    n = n_u + int(f.max(initial=-1)) + 1
    while True:
        size = np.bincount(colour, minlength=k)
        a, b = int(np.argmax(size)), int(np.argmin(size))
        if size[a] <= most or size[a] - size[b] <= 1:
            return colour
        edges = np.flatnonzero((colour == a) | (colour == b))
        graph = sp.csr_matrix((np.ones(len(edges)), (u[edges], n_u + f[edges])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        c = comp[u[edges]]
        diff = np.bincount(c, weights=np.where(colour[edges] == a, 1, -1), minlength=n)
        heavy = np.flatnonzero(diff > 0.5)[: (size[a] - size[b]) // 2]
        flip = edges[np.isin(c, heavy)]
        colour[flip] = np.where(colour[flip] == a, b, a)


# --------------------------------------------------------------------------- timetable


@dataclass
class Timetable:
    """Slot and table (0-based, -1 = not placed) of each meeting, and why not placed."""

    slot: np.ndarray
    table: np.ndarray
    reason: np.ndarray  # "" when placed, else NO_COMMON_SLOT / NO_FREE_SLOT
    lower_bound: int  # no timetable of all meetings uses fewer slots (max degree; tables)
    info: dict = field(default_factory=dict)

    @property
    def placed(self) -> np.ndarray:
        return self.slot >= 0

    @property
    def slots_used(self) -> int:
        return int(self.slot.max()) + 1 if self.placed.any() else 0


def schedule_meetings(
    u,
    f,
    *,
    n_slots: int | None = None,
    umkm_free: np.ndarray | None = None,
    firm_free: np.ndarray | None = None,
    tables: int | None = None,
    value: np.ndarray | None = None,
    busy_umkm: np.ndarray | None = None,
    busy_firm: np.ndarray | None = None,
    table_taken: np.ndarray | None = None,
    firm_home: np.ndarray | None = None,
) -> Timetable:
    """Timetable for meetings (u[k], f[k]) (participant positions).

    ``n_slots``: slots in the day (None: as many as needed). ``umkm_free`` / ``firm_free``:
    (participants x n_slots) bool, who can attend which slot (None: everyone, always).
    ``tables``: tables in the room (None: one per firm). ``value``: worth of each meeting,
    used to choose which to leave out when not all fit. ``busy_umkm``/``busy_firm``/
    ``table_taken`` mark slots (and per-slot tables used) already taken by fixed meetings
    (re-planning); ``firm_home`` is each firm's table so far (-1 = none).
    """
    t0 = time.perf_counter()
    u = np.asarray(u, dtype=np.int64)
    f = np.asarray(f, dtype=np.int64)
    m = len(u)
    n_u = int(u.max(initial=-1)) + 1 if umkm_free is None else len(umkm_free)
    n_f = int(f.max(initial=-1)) + 1 if firm_free is None else len(firm_free)
    delta = max_degree(u, f)
    n_firms_meeting = len(np.unique(f))
    if tables is not None and tables < 1:
        raise MatcherError(Message("event.day.tables", got=tables))
    windows = (
        umkm_free is not None
        or firm_free is not None
        or busy_umkm is not None
        or busy_firm is not None
    )
    few_tables = tables is not None and tables < n_firms_meeting
    # with only too few tables, k = max(Δ, ceil(m / tables)) slots is a lower bound and
    # always enough (equitable colouring)
    need = max(delta, -(-m // tables) if few_tables else 0)
    if not windows and (n_slots is None or n_slots >= need):
        slot = colour_edges(u, f)
        method = "edge colouring (König), exact"
        if few_tables:
            slot = balance_colours(u, f, slot, need, tables)
            method += f", balanced to {tables} tables"
        reason = np.full(m, "", dtype=object)
    else:
        if n_slots is None:
            n_slots = need
        free_u = np.ones((n_u, n_slots), bool) if umkm_free is None else umkm_free.astype(bool)
        free_f = np.ones((n_f, n_slots), bool) if firm_free is None else firm_free.astype(bool)
        if busy_umkm is not None:
            free_u = free_u & ~busy_umkm
        if busy_firm is not None:
            free_f = free_f & ~busy_firm
        room = None
        if tables is not None:
            room = np.full(n_slots, tables, np.int64)
            if table_taken is not None:
                room -= table_taken.sum(axis=1)
        slot, status = _milp_slots(u, f, free_u[u] & free_f[f], room, value)
        method = f"MILP (HiGHS), {status}"
        common = (free_u[u] & free_f[f]).any(axis=1)
        reason = np.where(slot >= 0, "", np.where(common, NO_FREE_SLOT, NO_COMMON_SLOT))
        reason = reason.astype(object)
    table, moves = assign_tables(f, slot, n_f, tables, table_taken, firm_home)
    info = {
        "method": method,
        "meetings": m,
        "seconds": time.perf_counter() - t0,
        "table_moves": moves,
    }
    return Timetable(slot, table, reason, need, info)


def _milp_slots(
    u, f, allowed: np.ndarray, room: np.ndarray | None, value: np.ndarray | None
) -> tuple[np.ndarray, str]:
    """Slot per meeting (-1 = not placed) maximising placed meetings, then value, then
    earliness; ``allowed`` (meetings x slots) says where each meeting may go."""
    m, n_s = allowed.shape
    slot = np.full(m, -1, dtype=np.int64)
    e, s = np.nonzero(allowed)
    k = len(e)
    if k == 0:
        return slot, "nothing placeable"
    v = np.zeros(m) if value is None else np.nan_to_num(np.asarray(value, float))
    span = np.ptp(v) or 1.0
    v = (v - v.min()) / span
    # each placed meeting counts 1; value and earliness only break ties between timetables
    # that place equally many (their total stays below 1)
    tie = (0.5 * v[e] - 0.25 * s / max(n_s, 1)) / (m + 1)
    cost = -(1.0 + tie)
    x = np.arange(k)
    n_u = int(u.max()) + 1
    n_f = int(f.max()) + 1
    blocks = [
        sp.csr_matrix((np.ones(k), (e, x)), shape=(m, k)),  # a meeting once
        sp.csr_matrix((np.ones(k), (u[e] * n_s + s, x)), shape=(n_u * n_s, k)),  # UMKM per slot
        sp.csr_matrix((np.ones(k), (f[e] * n_s + s, x)), shape=(n_f * n_s, k)),  # firm per slot
    ]
    upper = [np.ones(m), np.ones(n_u * n_s), np.ones(n_f * n_s)]
    if room is not None:
        blocks.append(sp.csr_matrix((np.ones(k), (s, x)), shape=(n_s, k)))
        upper.append(np.maximum(room, 0).astype(float))
    x_on, status = solve_binary(
        cost, sp.vstack(blocks, format="csr"), np.concatenate(upper), gap=min(1e-6, 0.25 / (m + 1))
    )
    slot[e[x_on]] = s[x_on]
    return slot, status


def solve_binary(
    cost: np.ndarray, A: sp.csr_matrix, upper: np.ndarray, gap: float = 1e-6
) -> tuple[np.ndarray, str]:
    """min cost @ x subject to A x <= upper, x binary; returns (x > 0.5, status text).

    The LP relaxation is solved first: these packing problems usually have an integral LP
    optimum, which is then the integer optimum too (proven by the LP bound) at a fraction of
    the MILP's cost. Otherwise the MILP (HiGHS branch and bound) runs, with a time limit
    whose hitting is reported in the status, never silent.
    """
    keep = A.getnnz(axis=1) > 0  # rows without variables only slow the solver down
    A, upper = A[keep], np.asarray(upper, float)[keep]
    constraint = LinearConstraint(A, -np.inf, upper)
    lp = milp(cost, constraints=constraint, integrality=np.zeros(len(cost)), bounds=(0, 1))
    if lp.x is not None and np.all((lp.x < 1e-7) | (lp.x > 1 - 1e-7)):
        return lp.x > 0.5, "optimal (integral LP)"
    res = milp(
        cost,
        constraints=constraint,
        integrality=np.ones(len(cost)),
        bounds=(0, 1),
        options={"time_limit": MILP_TIME_LIMIT, "mip_rel_gap": gap, "presolve": False},
    )
    if res.x is None:
        raise RuntimeError(f"timetable solver failed: {res.message}")
    status = "optimal" if res.status == 0 else f"not proven optimal ({res.message})"
    return res.x > 0.5, status


def assign_tables(
    f,
    slot,
    n_f: int,
    tables: int | None,
    taken: np.ndarray | None = None,
    home: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Table (0-based) of each placed meeting and the number of times a firm changes table.

    Enough tables (or no limit): each firm meeting anyone gets its own table for the day,
    in firm order (a firm's ``home`` table when given). Fewer tables: slot by slot, the firms
    meeting take tables by an assignment that keeps each firm at its previous table,
    else its usual one, where it can (``taken``: (slots x tables) bool already used)."""
    f = np.asarray(f, dtype=np.int64)
    table = np.full(len(f), -1, dtype=np.int64)
    placed = slot >= 0
    if not placed.any():
        return table, 0
    firms = np.unique(f[placed])
    last = np.full(n_f, -1, np.int64) if home is None else np.asarray(home, np.int64).copy()
    if tables is None or (tables >= len(firms) and taken is None and home is None):
        own = np.full(n_f, -1, np.int64)
        own[firms] = np.arange(len(firms))
        table[placed] = own[f[placed]]
        return table, 0
    n_t = tables if tables is not None else n_f
    usual = np.full(n_f, -1, np.int64)
    usual[firms] = np.arange(len(firms)) % n_t
    usual = np.where(last >= 0, last, usual)
    moves = 0
    for s in np.unique(slot[placed]):  # a loop over slots, a dozen or so
        idx = np.flatnonzero(slot == s)
        cost = np.full((len(idx), n_t), 2.0)
        fi = f[idx]
        has_last = last[fi] >= 0
        cost[np.flatnonzero(~has_last), usual[fi[~has_last]]] = 1.0
        cost[np.flatnonzero(has_last), last[fi[has_last]]] = 0.0
        if taken is not None and s < len(taken):
            cost[:, taken[s, :n_t]] = 1e6
        r, c = linear_sum_assignment(cost)
        table[idx[r]] = c
        moves += int(((last[fi[r]] >= 0) & (last[fi[r]] != c)).sum())
        last[fi[r]] = c
    return table, moves


# --------------------------------------------------------------------------- frames

SCHEDULE_COLUMNS = (
    "slot",
    "start",
    "end",
    "table",
    "umkm_id",
    "umkm_name",
    "firm_id",
    "firm_name",
    "score",
    "reasons",
    "status",
    "note",
)
SCHEDULED, UNPLACED = "scheduled", "unplaced"
# optional columns of a plan that a schedule keeps (calibrated chances of each stage)
CHANCE_COLUMNS = ("p_meeting", "p_mou", "p_contract", "expected_value_idr", "chance")


def event_sides(event: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(UMKM IDs, firm IDs) of an event frame, in file order: the row/column order."""
    is_u = (event["party"] == "umkm").to_numpy()
    ids = event["id"].astype(str).to_numpy()
    return ids[is_u].tolist(), ids[~is_u].tolist()


def pair_positions(
    frame: pd.DataFrame, u_ids: list[str], f_ids: list[str], what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column positions of the frame's (umkm_id, firm_id) pairs; a pair outside
    the event is a MatcherError naming it."""
    u, f, inside = id_pair_positions(u_ids, f_ids, frame)
    bad = ~inside
    if bad.any():
        row = frame.iloc[int(np.flatnonzero(bad)[0])]
        raise MatcherError(
            Message(
                "event.pair.outside",
                what=Message(f"event.pair.{what}"),
                umkm=row["umkm_id"],
                firm=row["firm_id"],
                n=Figure(int(bad.sum())),
            )
        )
    return u.astype(np.int64), f.astype(np.int64)


def day_length(day: Day, availability: pd.DataFrame | None, busiest: int = 0) -> int | None:
    """Slots in the day: until ``day.end``; else, with availability windows, until the last
    window closes plus ``busiest`` slots (participants without windows are free all day);
    else open (as many as the timetable needs)."""
    if day.end is not None:
        return len(day.slots())
    if availability is not None and len(availability):
        return busiest + len(
            Day(day.start, day.slot_minutes, day.breaks, int(availability["to"].max())).slots()
        )
    return None


def schedule_plan(
    plan: pd.DataFrame,
    event: pd.DataFrame,
    day: Day = Day(),
    *,
    tables: int | None = None,
    availability: pd.DataFrame | None = None,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    lang: str | None = None,
) -> tuple[pd.DataFrame, Timetable]:
    """The timetable of a plan (umkm_id, firm_id, score, reasons) as a schedule frame
    (``SCHEDULE_COLUMNS``, slots and tables 1-based) and the :class:`Timetable` behind it.
    Meetings that cannot be placed are rows with no slot, status ``unplaced`` and the
    reason in ``note``."""
    from matcher.data.event_files import free_slots

    u_ids, f_ids = event_sides(event)
    u, f = pair_positions(plan, u_ids, f_ids, "plan")
    n_slots = day_length(day, availability, max_degree(u, f))
    free_u = free_f = None
    if availability is not None and len(availability):
        times = day.slots(n_slots)
        n_slots = len(times)
        free_u = free_slots(availability, u_ids, "umkm", times)
        free_f = free_slots(availability, f_ids, "firm", times)
    value = plan["score"].to_numpy(float) if "score" in plan else None
    tt = schedule_meetings(
        u, f, n_slots=n_slots, umkm_free=free_u, firm_free=free_f, tables=tables, value=value
    )
    times = day.slots(max(tt.slots_used, 1))
    return schedule_frame(plan, tt.slot, tt.table, tt.reason, times, umkm, firms, lang), tt


def schedule_frame(
    plan: pd.DataFrame,
    slot: np.ndarray,
    table: np.ndarray,
    reason: np.ndarray,
    times: np.ndarray,
    umkm: pd.DataFrame | None,
    firms: pd.DataFrame | None,
    lang: str | None = None,
    status: np.ndarray | None = None,
) -> pd.DataFrame:
    """Schedule rows for the plan's pairs given 0-based slots/tables (-1 = not placed)."""
    placed = slot >= 0
    start = np.full(len(slot), "", dtype=object)
    end = start.copy()
    start[placed] = [clock(m) for m in times[slot[placed], 0]]
    end[placed] = [clock(m) for m in times[slot[placed], 1]]
    notes = {code: t(f"event.unplaced.{code}", lang) for code in (NO_COMMON_SLOT, NO_FREE_SLOT)}
    out = pd.DataFrame(
        {
            "slot": pd.array(np.where(placed, slot + 1, 0), dtype="Int64"),
            "start": start,
            "end": end,
            "table": pd.array(np.where(placed, table + 1, 0), dtype="Int64"),
            "umkm_id": plan["umkm_id"].astype(str).to_numpy(),
            "umkm_name": participant_names(plan["umkm_id"], umkm, "umkm_id"),
            "firm_id": plan["firm_id"].astype(str).to_numpy(),
            "firm_name": participant_names(plan["firm_id"], firms, "firm_id"),
            "score": plan["score"].to_numpy(float) if "score" in plan else np.nan,
            "reasons": plan["reasons"].to_numpy() if "reasons" in plan else "",
            "status": (np.where(placed, SCHEDULED, UNPLACED) if status is None else status),
            "note": [notes.get(r, "") for r in reason],
        }
    )
    out.loc[~placed, ["slot", "table"]] = pd.NA
    for column in CHANCE_COLUMNS:  # calibrated chances, when the plan carries them, go along
        if column in plan:
            out[column] = pd.to_numeric(plan[column], errors="coerce").to_numpy()
    return out.sort_values(
        ["slot", "table", "umkm_id"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def participant_names(ids, frame: pd.DataFrame | None, key: str) -> np.ndarray:
    """Names for IDs from a profile frame (``key`` its ID column); the ID where unknown."""
    ids = pd.Series(np.asarray(ids, dtype=object)).astype(str)
    if frame is None:
        return ids.to_numpy()
    return ids.map(frame.set_index(key)["name"]).fillna(ids).to_numpy()
