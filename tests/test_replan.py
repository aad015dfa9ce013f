"""Re-planning on the day: held meetings never move; freed places are refilled optimally."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.replan import CANCELLED, HELD, NEW, UNCHANGED, replan_schedule
from matcher.schedule import Day, schedule_plan


def _event(n_u, n_f, cap_f=2, cap_u=1):
    return pd.DataFrame(
        {
            "party": ["umkm"] * n_u + ["firm"] * n_f,
            "id": [f"U{i}" for i in range(n_u)] + [f"F{j}" for j in range(n_f)],
            "capacity": [cap_u] * n_u + [cap_f] * n_f,
        }
    )


def _clash_free(s):
    live = s[s["slot"].notna() & (s["status"] != CANCELLED)]
    for who in ("umkm_id", "firm_id", "table"):
        assert not live.duplicated([who, "slot"]).any(), who


def test_absent_firm_frees_its_partner_who_gets_the_best_free_place():
    event = _event(5, 3)
    # F0 meets U0 (09:00) and U1 (09:20); F1 meets U2, U3; F2 meets U4 only
    plan = pd.DataFrame(
        {
            "umkm_id": ["U0", "U1", "U2", "U3", "U4"],
            "firm_id": ["F0", "F0", "F1", "F1", "F2"],
            "score": [0.9, 0.8, 0.7, 0.6, 0.5],
            "reasons": "",
        }
    )
    schedule, _ = schedule_plan(plan, event, Day())
    u1_slot = schedule.loc[schedule["umkm_id"] == "U1", "slot"].item()
    assert u1_slot == 2 or schedule.loc[schedule["umkm_id"] == "U0", "slot"].item() == 2
    scores = np.full((5, 3), 0.1)
    scores[:, 2] = [0.2, 0.9, 0.3, 0.3, 0.5]  # F2, with a place left, suits U1 best
    late = schedule[(schedule["firm_id"] == "F0") & (schedule["slot"] == 2)]
    freed = late["umkm_id"].item()
    new, info = replan_schedule(schedule, event, scores, now=9 * 60 + 10, absent=["F0"])
    by_pair = new.set_index(["umkm_id", "firm_id"])
    early = schedule[(schedule["firm_id"] == "F0") & (schedule["slot"] == 1)]["umkm_id"].item()
    assert by_pair.loc[(early, "F0"), "status"] == HELD  # it happened: it stays
    assert by_pair.loc[(freed, "F0"), "status"] == CANCELLED
    added = new[new["status"] == NEW]
    assert len(added) == 1 and added["firm_id"].item() == "F2"
    assert added["umkm_id"].item() == freed if freed == "U1" else True
    assert info["cancelled"] == 1 and info["new"] == 1
    _clash_free(new)


def test_replan_never_moves_a_held_meeting_and_respects_capacity():
    rng = np.random.default_rng(0)
    for _ in range(15):
        n_u, n_f = 14, 4
        event = _event(n_u, n_f, cap_f=3)
        pairs = [(f"U{i}", f"F{k % n_f}") for k, i in enumerate(rng.permutation(n_u)[:10])]
        plan = pd.DataFrame(pairs, columns=["umkm_id", "firm_id"]).assign(score=0.5, reasons="")
        schedule, _ = schedule_plan(plan, event, Day(start=9 * 60, breaks=()))
        # a walk-in firm
        event2 = pd.concat(
            [event, pd.DataFrame({"party": ["firm"], "id": ["F9"], "capacity": [2]})],
            ignore_index=True,
        )
        scores = rng.random((n_u, n_f + 1))
        now = 9 * 60 + 20 * int(rng.integers(0, 3))
        absent = list(
            rng.choice(
                [f"U{i}" for i in range(n_u)] + [f"F{j}" for j in range(n_f)], 2, replace=False
            )
        )
        new, _ = replan_schedule(schedule, event2, scores, now=now, absent=absent)
        before = schedule.set_index(["umkm_id", "firm_id"])
        held = new[new["status"] == HELD].set_index(["umkm_id", "firm_id"])
        starts = pd.to_datetime(schedule["start"], format="%H:%M")
        n_held = int(((starts.dt.hour * 60 + starts.dt.minute) < now).sum())
        assert len(held) == n_held
        for col in ("slot", "start", "table"):
            assert (held[col] == before.loc[held.index, col]).all()
        kept = new[new["status"] == UNCHANGED].set_index(["umkm_id", "firm_id"])
        for col in ("slot", "table"):
            assert (kept[col] == before.loc[kept.index, col]).all()
        live = new[new["status"].isin([HELD, UNCHANGED, NEW])]
        assert not live[live["status"] != HELD][["umkm_id", "firm_id"]].isin(absent).any().any()
        assert (live["firm_id"].value_counts() <= 3).all()
        assert (live["umkm_id"].value_counts() <= 1).all()
        added = new[new["status"] == NEW]
        assert (added["start"] >= f"{now // 60:02d}:{now % 60:02d}").all()
        _clash_free(new)


def test_replan_fills_with_the_optimum_not_the_first_pair():
    # one freed firm place, two free UMKM; the better pair must be chosen
    event = _event(3, 1, cap_f=2)
    plan = pd.DataFrame(
        {"umkm_id": ["U0", "U1"], "firm_id": ["F0", "F0"], "score": [0.5, 0.5], "reasons": ""}
    )
    schedule, _ = schedule_plan(plan, event, Day(breaks=()))
    absent = schedule.loc[schedule["slot"] == 2, "umkm_id"].item()
    scores = np.array([[0.5], [0.5], [0.8]])
    new, info = replan_schedule(schedule, event, scores, now=9 * 60 + 5, absent=[absent])
    added = new[new["status"] == NEW]
    assert added["umkm_id"].tolist() == ["U2"] and added["slot"].tolist() == [2]
    assert added["table"].tolist() == new.loc[new["status"] == HELD, "table"].tolist()


def test_replan_never_proposes_a_vetoed_pair():
    event = _event(3, 1, cap_f=2)
    plan = pd.DataFrame(
        {"umkm_id": ["U0", "U1"], "firm_id": ["F0", "F0"], "score": [0.5, 0.5], "reasons": ""}
    )
    schedule, _ = schedule_plan(plan, event, Day(breaks=()))
    absent = schedule.loc[schedule["slot"] == 2, "umkm_id"].item()
    scores = np.array([[0.5], [0.5], [0.9]])
    vetoed = np.array([[False], [False], [True]])
    new, info = replan_schedule(
        schedule, event, scores, now=9 * 60 + 5, absent=[absent], vetoed=vetoed
    )
    assert info["new"] == 0 and "U2" not in set(new["umkm_id"])
