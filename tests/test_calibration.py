"""Calibrated chances: the calibrator, the contract value model, and the model's chances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.calibration import (
    ContractValueModel,
    StageCalibrator,
    expected_calibration_error,
    reliability_table,
)
from matcher.service import chance_texts


def _ordinal_sample(n, seed=0):
    """Grades from a known ordinal model: P(grade >= k) = sigmoid(s - c_k)."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 2, n)
    cuts = np.array([0.0, 1.5, 3.0])
    p = 1 / (1 + np.exp(-(s[:, None] - cuts[None, :])))
    grade = (rng.random(n)[:, None] < p).sum(axis=1)  # nested: one uniform for all stages
    return s, grade, p


def test_calibrator_recovers_known_chances_and_keeps_stages_ordered():
    s, g, _ = _ordinal_sample(20_000)
    cal = StageCalibrator().fit(s, g)
    s2, g2, p_true = _ordinal_sample(5_000, seed=1)
    p = cal.predict(s2)
    assert p.shape == (5_000, 3)
    assert np.abs(p - p_true).mean() < 0.02
    assert (
        np.diff(p, axis=1) <= 0
    ).all()  # contract never likelier than an MoU, nor MoU than a meeting
    order = np.argsort(s2)
    assert (np.diff(p[order], axis=0) >= -1e-7).all()  # never falls as the score rises
    for k, t in enumerate((1, 2, 3)):
        assert expected_calibration_error(p[:, k], g2 >= t) < 0.02


def test_chances_rise_strictly_with_the_score_so_a_planner_keeps_the_order():
    s, g, _ = _ordinal_sample(2_000)
    p = StageCalibrator().fit(s, g).predict(np.linspace(-4, 4, 200))
    # no flat steps or clamped ends where different scores would tie
    assert (np.diff(p[:, 2]) > 0).all() and (np.diff(p[:, 0]) > 0).all()


def test_a_stage_nobody_reached_gets_a_chance_near_zero():
    rng = np.random.default_rng(0)
    s = rng.normal(0, 1, 500)
    g = (s > 0).astype(int)  # meetings, never an MoU or a contract
    p = StageCalibrator().fit(s, g).predict(np.array([-2.0, 0.0, 2.0]))
    assert np.isfinite(p).all()
    assert p[2, 0] > 0.9 and p[0, 0] < 0.1
    assert (p[:, 1:] < 0.01).all()


@pytest.mark.parametrize("top", [3, 0])
def test_equal_stage_shares_fit_without_a_warning_and_recover_the_chance(top):
    """Every positive outcome a contract (or no positive at all) gives equal shares for the
    three stages: the start used to hold log(0), numpy warned "divide by zero" and the
    fit never left its start (slope 1 whatever the data said)."""
    import warnings

    rng = np.random.default_rng(0)
    s = rng.normal(0, 1, 4_000)
    p_true = 1 / (1 + np.exp(-(2.0 * s - 0.5)))  # known: slope 2 on the raw score
    g = np.where(rng.random(len(s)) < p_true, top, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = StageCalibrator().fit(s, g)
        p = cal.predict(np.array([-1.0, 0.0, 1.0]))
    assert np.isfinite(p).all()
    if top == 0:  # nobody reached a meeting: every chance near zero
        assert (p < 0.01).all()
        return
    assert cal.slope_ / cal.scale_ == pytest.approx(2.0, abs=0.2)
    expected = 1 / (1 + np.exp(-(2.0 * np.array([-1.0, 0.0, 1.0]) - 0.5)))
    for k in range(3):  # a meeting is as likely as a contract: each is the contract's chance
        np.testing.assert_allclose(p[:, k], expected, atol=0.04)


def test_an_artifact_with_the_older_isotonic_curves_still_predicts():
    cal = StageCalibrator()
    cal.knots_ = [(np.array([0.0, 1.0]), np.array([0.2, 0.8]))] * 3  # as pickled before
    assert cal.predict(np.array([0.5]))[0, 2] == pytest.approx(0.5)


def test_ece_sees_a_miscalibrated_chance():
    rng = np.random.default_rng(0)
    y = rng.random(10_000) < 0.1
    assert expected_calibration_error(np.full(10_000, 0.1), y) < 0.01
    assert expected_calibration_error(np.full(10_000, 0.4), y) == pytest.approx(0.3, abs=0.01)
    tab = reliability_table(np.full(100, 0.4), np.ones(100))
    assert tab["n"].sum() == 100 and (tab["observed"] == 1).all()


def test_contract_value_learns_by_firm_and_never_exceeds_the_budget_per_partner():
    umkm = pd.DataFrame(
        {
            "umkm_id": ["U1", "U2", "U3"],
            "kbli": [("10794",), ("13134",), ()],
            "scale": ["mikro", "kecil", None],
        }
    )
    firms = pd.DataFrame(
        {"firm_id": ["F1", "F2", "F3"], "budget_idr": [1e9, 4e9, np.nan], "max_partners": [2, 4, 3]}
    )
    outcomes = pd.DataFrame(
        {
            "umkm_id": ["U1", "U2"] * 10,
            "firm_id": ["F1"] * 10 + ["F2"] * 10,
            "contract_value_idr": [1e8] * 10 + [9e8] * 10,
        }
    )
    vm = ContractValueModel().fit(umkm, firms, outcomes)
    pairs_u = umkm.iloc[[0, 1, 2]].reset_index(drop=True)
    v = vm.predict(pairs_u, firms.reset_index(drop=True))
    assert v[0] < v[1]  # F1's contracts are small, F2's large
    assert v[0] <= 1e9 / 2 and v[1] <= 4e9 / 4
    assert np.isfinite(v[2]) and v[2] > 0  # no budget: the learned estimate, uncapped
    big = ContractValueModel().fit(umkm, firms, outcomes.assign(contract_value_idr=5e9))
    assert big.predict(pairs_u, firms)[1] == pytest.approx(1e9)  # capped at 4e9 / 4


def test_chance_texts_say_the_chance_in_words_and_percent():
    out = chance_texts(np.array([0.34, 0.34, 0.05, np.nan]))
    assert out[0] == out[1] == "peluang kontrak 34% (sedang)"
    assert out[2] == "peluang kontrak 5% (sangat rendah)"
    assert "belum tersedia" in out[3]


@pytest.fixture(scope="module")
def calibrated():
    from tests.worlds import demo_frames
    from training.train import fit_calibrated

    umkm, firms, outcomes, event, _ = demo_frames()
    return (
        fit_calibrated(umkm, firms, outcomes, params={"max_iter": 60}),
        umkm,
        firms,
        outcomes,
        event,
    )


@pytest.mark.slow  # trains a calibrated model on the demo world
def test_trained_model_carries_calibrated_chances_from_held_out_events(calibrated):
    from training.evaluate import crossfit_calibration, time_split

    model, umkm, firms, outcomes, _ = calibrated
    assert model.is_calibrated
    split = time_split(outcomes)
    # the calibrator saw only the held-out events' rows, never the training rows
    assert model.calibrator_.n_rows_ == len(split.test)
    p = model.chances(np.array([-1.0, 0.5, 3.0]))
    assert (np.diff(p, axis=0) >= 0).all() and (p[:, 0] >= p[:, 2]).all()
    report = crossfit_calibration(model, umkm, firms, split.test)
    assert set(report) == {"meeting", "mou", "contract"}


@pytest.mark.slow  # trains a calibrated model on the demo world
def test_event_plan_expected_value_is_honest_per_firm_and_in_total(calibrated):
    from matcher.planning import DEFAULT_MIN_CHANCE
    from matcher.service import MatchService

    model, umkm, firms, _, event = calibrated
    # one partner a year and room for many at the event: only the per-firm cap keeps the
    # firm's expected value within its budget (scaling is tested in test_planning)
    firms = firms.assign(max_partners=1)
    event = event.assign(capacity=np.where(event["party"] == "firm", event["capacity"] * 5, 1))
    service = MatchService(model, umkm, firms)
    plan = service.plan_event(event)
    assert len(plan) > 0
    per_firm = plan.groupby("firm_id")["expected_value_idr"].sum()
    budget = firms.set_index("firm_id")["budget_idr"].reindex(per_firm.index)
    known = budget.notna()
    assert known.sum() > 10
    assert (per_firm[known] <= budget[known] * (1 + 1e-9)).all()
    assert (plan["p_meeting"] >= DEFAULT_MIN_CHANCE).all()
    # a stricter minimum chance plans no pair below it
    strict = service.plan_event(event, min_chance=0.3)
    assert (strict["p_meeting"] >= 0.3).all() and len(strict) < len(plan)
    # everyone left out is listed, each with alternatives to try
    is_u = event["party"] == "umkm"
    for p in (plan, strict):
        left = set(event.loc[is_u, "id"]) - set(p["umkm_id"])
        unmatched = p.attrs["unmatched_umkm"]
        assert set(unmatched["umkm_id"]) == left
        assert unmatched["alternatives"].astype(str).str.contains("peluang kontrak").all()
        cap = event.loc[~is_u].set_index("id")["capacity"]
        used = p["firm_id"].value_counts().reindex(cap.index, fill_value=0)
        assert set(p.attrs["unused_firms"]["firm_id"]) == set(cap.index[used < cap])
    assert len(strict.attrs["unmatched_umkm"]) > 0
