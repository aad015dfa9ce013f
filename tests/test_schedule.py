"""The timetable: known answers, invariants and brute force on tiny rooms."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import DataValidationError, MatcherError
from matcher.data.event_files import free_slots, parse_availability
from matcher.schedule import (
    NO_COMMON_SLOT,
    NO_FREE_SLOT,
    Day,
    balance_colours,
    colour_edges,
    max_degree,
    parse_clock,
    schedule_meetings,
    schedule_plan,
)


def _no_clash(u, f, slot, table=None):
    placed = slot >= 0
    for side in (u, f) + (() if table is None else (table,)):
        key = side[placed] * 1000 + slot[placed]
        assert len(np.unique(key)) == len(key), "someone is in two places at once"


def _brute_min_slots(u, f, tables=None) -> int:
    """Fewest slots of a clash-free timetable, by trying every assignment."""
    m = len(u)
    for k in range(1, m + 1):
        for slots in itertools.product(range(k), repeat=m):
            s = np.array(slots)
            if any(len(set(zip(side, s))) < m for side in (u, f)):
                continue
            if tables is not None and np.bincount(s).max() > tables:
                continue
            return k
    return 0


def _brute_max_placed(u, f, allowed, tables=None) -> int:
    """Most meetings placeable (each in an allowed slot or left out), by enumeration."""
    m, n_s = allowed.shape
    best = 0
    for choice in itertools.product(*[[-1, *np.flatnonzero(allowed[e])] for e in range(m)]):
        s = np.array(choice)
        p = s >= 0
        if any(len(set(zip(side[p], s[p]))) < p.sum() for side in (u, f)):
            continue
        if tables is not None and p.any() and np.bincount(s[p]).max() > tables:
            continue
        best = max(best, int(p.sum()))
    return best


def _tiny_rooms(n, seed=0, most=7):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        m = int(rng.integers(1, most))
        yield rng.integers(0, rng.integers(1, 4), m), rng.integers(0, rng.integers(1, 4), m), rng


def test_colouring_uses_exactly_max_degree_slots_and_brute_force_agrees():
    for u, f, _ in _tiny_rooms(60):
        slot = colour_edges(u, f)
        _no_clash(u, f, slot)
        assert slot.max() + 1 == max_degree(u, f) == _brute_min_slots(u, f)


def test_colouring_larger_multigraph_is_proper_with_max_degree_slots():
    rng = np.random.default_rng(1)
    u, f = rng.integers(0, 40, 900), rng.integers(0, 25, 900)  # repeated pairs included
    slot = colour_edges(u, f)
    _no_clash(u, f, slot)
    assert slot.max() + 1 == max_degree(u, f)


def test_fewer_tables_use_the_lower_bound_and_brute_force_agrees():
    for u, f, rng in _tiny_rooms(40, seed=2):
        tables = int(rng.integers(1, 3))
        tt = schedule_meetings(u, f, tables=tables)
        assert tt.placed.all()
        _no_clash(u, f, tt.slot, tt.table)
        assert (np.bincount(tt.slot) <= tables).all()
        assert tt.slots_used == tt.lower_bound == _brute_min_slots(u, f, tables)


def test_balancing_keeps_the_colouring_proper():
    rng = np.random.default_rng(3)
    u, f = rng.integers(0, 30, 300), rng.integers(0, 40, 300)
    k = max(max_degree(u, f), 300 // 7 + 1)
    slot = balance_colours(u, f, colour_edges(u, f), k, 7 + 1)
    _no_clash(u, f, slot)
    assert np.bincount(slot).max() <= 8 and slot.max() < k


def test_availability_places_as_many_as_brute_force_and_says_why_not():
    for u, f, rng in _tiny_rooms(40, seed=4, most=6):
        n_s = int(rng.integers(1, 4))
        free_u = rng.random((u.max() + 1, n_s)) < 0.6
        free_f = rng.random((f.max() + 1, n_s)) < 0.6
        tables = int(rng.integers(1, 3)) if rng.random() < 0.5 else None
        tt = schedule_meetings(u, f, n_slots=n_s, umkm_free=free_u, firm_free=free_f, tables=tables)
        _no_clash(u, f, tt.slot)
        allowed = free_u[u] & free_f[f]
        placed = tt.placed
        assert allowed[np.flatnonzero(placed), tt.slot[placed]].all()
        assert placed.sum() == _brute_max_placed(u, f, allowed, tables)
        never = ~allowed.any(axis=1)
        assert (tt.reason[never] == NO_COMMON_SLOT).all()
        assert set(tt.reason[~placed & ~never]) <= {NO_FREE_SLOT}
        assert (tt.reason[placed] == "").all()


def test_infeasible_availability_is_reported_not_dropped():
    # firm 0 meets UMKM 0, 1, 2 but is there for two slots only
    u, f = np.array([0, 1, 2]), np.array([0, 0, 0])
    firm_free = np.array([[True, True, False]])
    tt = schedule_meetings(u, f, n_slots=3, firm_free=firm_free, value=np.array([0.9, 0.2, 0.5]))
    assert tt.placed.sum() == 2
    assert list(tt.reason) == ["", NO_FREE_SLOT, ""]  # the least valuable one is left out


def test_day_skips_the_break_and_stops_at_the_end():
    day = Day(
        parse_clock("10:40"),
        20,
        ((parse_clock("11:30"), parse_clock("12.30")),),
        end=parse_clock("13:10"),
    )
    assert [tuple(s) for s in day.slots()] == [(640, 660), (660, 680), (750, 770), (770, 790)]
    with pytest.raises(MatcherError, match="HH:MM"):
        parse_clock("25:00")


def _event(n_u, n_f):
    return pd.DataFrame(
        {
            "party": ["umkm"] * n_u + ["firm"] * n_f,
            "id": [f"U{i}" for i in range(n_u)] + [f"F{j}" for j in range(n_f)],
            "capacity": 1,
        }
    )


def test_schedule_plan_with_availability_file():
    event = _event(3, 2)
    plan = pd.DataFrame(
        {
            "umkm_id": ["U0", "U1", "U2", "U0"],
            "firm_id": ["F0", "F0", "F0", "F1"],
            "score": [0.5, 0.4, 0.3, 0.2],
            "reasons": "",
        }
    )
    raw = pd.DataFrame(
        {
            "party": ["firm", "umkm", "umkm"],
            "id": ["F0", "U2", "U2"],
            "from": ["09:00", "09:00", "13.00"],
            "to": ["10:00", "09:20", "14:00"],
        }
    )
    windows = parse_availability(raw, "avail.csv", event)
    frame, tt = schedule_plan(plan, event, Day(), availability=windows)
    assert len(frame) == 4
    placed = frame[frame["status"] == "scheduled"]
    assert placed["slot"].notna().all() and len(placed) == 4
    assert placed.loc[placed["firm_id"] == "F0", "start"].isin(["09:00", "09:20", "09:40"]).all()
    assert placed.loc[placed["umkm_id"] == "U2", "start"].item() == "09:00"
    # the same with a firm window too short for its three meetings
    raw.loc[0, "to"] = "09:40"
    frame, _ = schedule_plan(
        plan, event, Day(), availability=parse_availability(raw, "a.csv", event)
    )
    left = frame[frame["status"] == "unplaced"]
    assert len(left) == 1 and left["slot"].isna().all() and "terisi" in left["note"].item()


def test_availability_file_errors_name_row_and_column():
    event = _event(1, 1)
    raw = pd.DataFrame(
        {
            "party": ["firm", "umkm", "umkm"],
            "id": ["F0", "U9", "U0"],
            "from": ["9:00", "09:00", "11:00"],
            "to": ["8:00", "10:00", "lunch"],
        }
    )
    with pytest.raises(DataValidationError) as err:
        parse_availability(raw, "avail.csv", event)
    text = err.value.summary(lang="en")
    assert "row 2, column 'to'" in text and "row 3, column 'id'" in text
    assert "row 4, column 'to': value 'lunch'" in text


def test_free_slots_unlisted_participants_are_free():
    windows = pd.DataFrame({"party": ["umkm"], "id": ["U1"], "from": [600], "to": [640]})
    slots = np.array([[540, 560], [600, 620], [620, 640]])
    free = free_slots(windows, ["U0", "U1"], "umkm", slots)
    assert free.tolist() == [[True, True, True], [False, True, True]]


def test_schedule_keeps_the_plans_calibrated_chances():
    event = _event(2, 1)
    plan = pd.DataFrame(
        {
            "umkm_id": ["U0", "U1"],
            "firm_id": ["F0", "F0"],
            "score": [0.5, 0.4],
            "reasons": "",
            "p_contract": ["0.3", ""],
        }
    )
    frame, _ = schedule_plan(plan, event, Day())
    assert frame.set_index("umkm_id")["p_contract"].to_dict() == pytest.approx(
        {"U0": 0.3, "U1": np.nan}, nan_ok=True
    )
