"""Preferences of both sides: vetoes are absolute, mutual wishes come first; known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import DataValidationError
from matcher.data.event_files import parse_preferences
from matcher.preferences import preference_matrices, unmet_wishes, wish_tally
from matcher.service import MatchService
from tests.fakes import MatrixModel


def _room(scores, firm_capacity=1):
    scores = np.asarray(scores, float)
    n_u, n_f = scores.shape
    u_ids, f_ids = [f"U{i}" for i in range(n_u)], [f"F{j}" for j in range(n_f)]
    service = MatchService(
        MatrixModel.from_array(scores, u_ids, f_ids),
        pd.DataFrame({"umkm_id": u_ids}),
        pd.DataFrame({"firm_id": f_ids}),
    )
    event = pd.DataFrame(
        {
            "party": ["umkm"] * n_u + ["firm"] * n_f,
            "id": u_ids + f_ids,
            "capacity": [1] * n_u + [firm_capacity] * n_f,
        }
    )
    return service, event


def _prefs(rows, event):
    raw = pd.DataFrame(rows, columns=["from_party", "from_id", "to_id", "preference"])
    return parse_preferences(raw, "preferences.csv", event)


def _pairs(plan):
    return set(zip(plan["umkm_id"], plan["firm_id"]))


def test_a_veto_is_never_planned_even_for_the_best_pair():
    service, event = _room([[0.9, 0.2], [0.1, 0.3]])
    assert ("U0", "F0") in _pairs(service.plan_event(event))
    for side in (("firm", "F0", "U0", "tidak"), ("umkm", "U0", "F0", "tidak")):
        # the other side's wish does not override a veto
        prefs = _prefs(
            [
                side,
                ("umkm", "U0", "F0", "ingin")
                if side[0] == "firm"
                else ("firm", "F0", "U0", "ingin"),
            ],
            event,
        )
        plan = service.plan_event(event, preferences=prefs)
        assert ("U0", "F0") not in _pairs(plan)
        assert _pairs(plan) == {("U0", "F1"), ("U1", "F0")}
        unmet = plan.attrs["unmet_wishes"]
        assert list(unmet["reason"]) == ["veto"] and "veto" in unmet["explanation"].item()


def test_a_mutual_wish_beats_a_one_sided_one_of_equal_score():
    service, event = _room([[0.5], [0.5], [0.5]])
    for mutual in ("U0", "U1", "U2"):
        rows = [("umkm", u, "F0", "ingin") for u in ("U0", "U1", "U2")]
        rows.append(("firm", "F0", mutual, "ingin"))
        plan = service.plan_event(event, preferences=_prefs(rows, event))
        assert _pairs(plan) == {(mutual, "F0")}
        tally = plan.attrs["wishes"]
        assert tally == {
            "umkm_wishes": 3,
            "umkm_wishes_met": 1,
            "firm_wishes": 1,
            "firm_wishes_met": 1,
            "mutual_pairs": 1,
            "mutual_pairs_met": 1,
        }
        unmet = plan.attrs["unmet_wishes"]
        assert set(unmet["reason"]) == {"capacity"} and len(unmet) == 2


def test_a_one_sided_wish_beats_no_wish_of_equal_score_but_not_a_much_better_pair():
    service, event = _room([[0.5], [0.5], [0.7]])
    prefs = _prefs([("umkm", "U1", "F0", "ingin")], event)
    assert _pairs(service.plan_event(event, preferences=prefs)) == {("U2", "F0")}
    service, event = _room([[0.5], [0.5], [0.6]])
    prefs = _prefs([("umkm", "U1", "F0", "ingin")], event)
    assert _pairs(service.plan_event(event, preferences=prefs)) == {("U1", "F0")}


def test_wish_below_min_score_is_reported_as_not_eligible():
    service, event = _room([[0.1, 0.8]])
    prefs = _prefs([("umkm", "U0", "F0", "ingin")], event)
    plan = service.plan_event(event, preferences=prefs, min_score=0.3)
    assert list(plan.attrs["unmet_wishes"]["reason"]) == ["not_eligible"]


def test_random_rooms_never_plan_a_veto():
    rng = np.random.default_rng(0)
    for _ in range(10):
        scores = rng.random((12, 4))
        service, event = _room(scores, firm_capacity=3)
        rows = [
            (
                "umkm" if rng.random() < 0.5 else "firm",
                f"U{i}",
                f"F{j}",
                "tidak" if rng.random() < 0.5 else "ingin",
            )
            for i, j in zip(rng.integers(0, 12, 15), rng.integers(0, 4, 15))
        ]
        rows = [(p, a, b, w) if p == "umkm" else (p, b, a, w) for p, a, b, w in rows]
        rows = list({r[:3]: r for r in rows}.values())  # one statement per side and pair
        prefs = _prefs(rows, event)
        vetoes = set(
            zip(
                prefs.loc[prefs["preference"] == "tidak", "umkm_id"],
                prefs.loc[prefs["preference"] == "tidak", "firm_id"],
            )
        )
        assert not (_pairs(service.plan_event(event, preferences=prefs)) & vetoes)


def test_multiplier_values():
    event = pd.DataFrame(
        {"party": ["umkm", "firm", "firm"], "id": ["U0", "F0", "F1"], "capacity": 1}
    )
    prefs = _prefs(
        [
            ("umkm", "U0", "F0", "ingin"),
            ("firm", "F0", "U0", "ingin"),
            ("umkm", "U0", "F1", "ingin"),
        ],
        event,
    )
    m = preference_matrices(prefs, ["U0"], ["F0", "F1"]).multiplier()
    assert m.tolist() == [[2.0, 1.25]]


def test_preferences_file_rules():
    event = pd.DataFrame({"party": ["umkm", "firm"], "id": ["U0", "F0"], "capacity": 1})
    prefs = _prefs([("UMKM", "U0", "F0", "Mau"), ("umkm", "U0", "F0", "ingin")], event)
    assert len(prefs) == 1 and prefs["preference"].item() == "ingin"
    assert "dibaca sebagai 'ingin'" in str(prefs.attrs["warnings"][0])  # Indonesian by default
    assert "read as 'ingin'" in prefs.attrs["warnings"][0].text("en")
    with pytest.raises(DataValidationError) as err:
        _prefs(
            [
                ("umkm", "U0", "F0", "ingin"),
                ("umkm", "U0", "F0", "tidak"),
                ("firm", "U0", "F0", "ingin"),
                ("umkm", "U0", "F0", "maybe"),
            ],
            event,
        )
    text = err.value.summary(lang="en")
    assert "row 2, column 'preference'" in text and "both 'ingin' and 'tidak'" in text
    assert "row 4, column 'from_id': value 'U0'" in text
    assert "row 5, column 'preference': value 'maybe'" in text


def test_tally_without_preferences_is_zero():
    plan = pd.DataFrame({"umkm_id": ["U0"], "firm_id": ["F0"]})
    assert wish_tally(None, plan)["umkm_wishes"] == 0
    assert unmet_wishes(None, plan).empty


def test_a_planned_wish_without_a_slot_is_reported_as_no_slot():
    event = pd.DataFrame(
        {"party": ["umkm", "umkm", "firm"], "id": ["U0", "U1", "F0"], "capacity": [1, 1, 2]}
    )
    prefs = _prefs([("umkm", "U0", "F0", "ingin"), ("umkm", "U1", "F0", "ingin")], event)
    plan = pd.DataFrame({"umkm_id": ["U0", "U1"], "firm_id": ["F0", "F0"]})
    schedule = plan.assign(slot=pd.array([1, None], dtype="Int64"))
    unmet = unmet_wishes(prefs, plan, schedule=schedule)
    assert unmet[["from_id", "reason"]].values.tolist() == [["U1", "no_slot"]]
    assert wish_tally(prefs, plan)["umkm_wishes_met"] == 2
