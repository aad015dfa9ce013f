"""The event planner: optimal (not greedy), every constraint honoured, clear infeasibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.data.errors import MatcherError
from matcher.planning import (
    PlanInfeasibleError,
    Quota,
    firm_capped_values,
    greedy_plan,
    parse_quota,
    parse_stage_weights,
    plan_event,
    region_quota,
    stage_values,
)


def _pairs(plan) -> set[tuple[int, int]]:
    return {tuple(p) for p in plan.pairs.tolist()}


def _loads(plan, shape):
    u = np.bincount(plan.pairs[:, 0], minlength=shape[0])
    f = np.bincount(plan.pairs[:, 1], minlength=shape[1])
    return u, f


# --------------------------------------------------------------------------- optimality


def test_optimal_beats_greedy_on_hand_checked_room():
    # Greedy takes the single best pair (U0,F0)=0.9 and is left with (U1,F1)=0.1: 1.0.
    # The optimum swaps partners: (U0,F1)+(U1,F0) = 0.8 + 0.7 = 1.5.
    scores = np.array([[0.9, 0.8], [0.7, 0.1]])
    ones = np.ones(2, int)
    greedy = greedy_plan(scores, ones, ones)
    best = plan_event(scores, ones, ones)
    assert _pairs(greedy) == {(0, 0), (1, 1)} and greedy.objective == pytest.approx(1.0)
    assert _pairs(best) == {(0, 1), (1, 0)} and best.objective == pytest.approx(1.5)
    assert best.status == "optimal"
    np.testing.assert_allclose(best.values, [0.8, 0.7])


def test_firm_capacity_shared_optimally():
    # F0 takes 2, F1 takes 1. Greedy fills F0 with U0 (.9) and U1 (.85), leaving U2 only
    # F1 (.05): 1.8. Optimal gives F0 to U0 and U2 (.9 + .8) and F1 to U1 (.6): 2.3.
    scores = np.array([[0.90, 0.10], [0.85, 0.60], [0.80, 0.05]])
    best = plan_event(scores, np.ones(3, int), np.array([2, 1]))
    assert _pairs(best) == {(0, 0), (1, 1), (2, 0)}
    assert best.objective == pytest.approx(2.3)
    assert greedy_plan(scores, np.ones(3, int), np.array([2, 1])).objective == pytest.approx(1.8)


def test_values_replace_scores_in_the_objective():
    scores = np.array([[0.9, 0.5]])
    budget_weighted = np.array([[1.0, 10.0]])  # the lower-scored firm is worth far more
    plan = plan_event(scores, [1], [1, 1], values=budget_weighted)
    assert _pairs(plan) == {(0, 1)} and plan.objective == pytest.approx(10.0)


def test_column_generation_reaches_the_full_lp_optimum():
    # Seeding with one column per participant forces several pricing rounds; the answer must
    # equal the LP over every pair solved directly.
    rng = np.random.default_rng(7)
    scores = rng.random((60, 20))
    cap_u, cap_f = rng.integers(1, 3, 60), rng.integers(1, 5, 20)
    narrow = plan_event(scores, cap_u, cap_f, initial_columns=1)
    ii, jj = np.indices(scores.shape).reshape(2, -1)
    m = ii.size
    A = sp.vstack(
        [
            sp.csr_matrix((np.ones(m), (ii, np.arange(m))), shape=(60, m)),
            sp.csr_matrix((np.ones(m), (jj, np.arange(m))), shape=(20, m)),
        ]
    )
    full = linprog(-scores.ravel(), A_ub=A, b_ub=np.r_[cap_u, cap_f], bounds=(0, 1), method="highs")
    assert narrow.info["rounds"] > 1
    assert narrow.objective == pytest.approx(-full.fun, rel=1e-9)
    assert narrow.status == "optimal"


# --------------------------------------------------------------------------- brute force


def _brute_force(scores, values, cap_u, cap_f, min_score, must, exclude, quotas):
    """Best objective over every subset of pairs, or None when nothing is feasible."""
    n_u, n_f = scores.shape
    ii, jj = np.indices(scores.shape).reshape(2, -1)
    m = ii.size
    chosen = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)
    flat = ii * n_f + jj
    forced = np.isin(flat, [i * n_f + j for i, j in must])
    allowed = (values.ravel() > 0) & (
        scores.ravel() >= (min_score if min_score is not None else -np.inf)
    )
    allowed &= ~np.isin(flat, [i * n_f + j for i, j in exclude])
    ok = ~(chosen & ~(allowed | forced)).any(axis=1) & chosen[:, forced].all(axis=1)
    load_u = chosen.astype(int) @ np.eye(n_u, dtype=int)[ii]
    load_f = chosen.astype(int) @ np.eye(n_f, dtype=int)[jj]
    ok &= (load_u <= cap_u).all(axis=1) & (load_f <= cap_f).all(axis=1)
    for q in quotas:
        ok &= (load_u[:, q.mask] > 0).sum(axis=1) >= q.min_count
    if not ok.any():
        return None
    return float((chosen[ok] @ values.ravel()).max())


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_and_never_exceeds_capacity(seed):
    rng = np.random.default_rng(seed)
    n_u, n_f = rng.integers(2, 5), rng.integers(1, 4)  # at most 12 pairs: 4096 subsets
    scores = rng.random((n_u, n_f)).round(2)
    values = scores if seed % 3 else (scores - 0.3).round(2)  # some non-positive values
    cap_u = rng.integers(1, 3, n_u)
    cap_f = rng.integers(0, 3, n_f)
    min_score = 0.25 if seed % 4 == 0 else None
    all_pairs = np.argwhere(np.ones((n_u, n_f)))
    picks = rng.permutation(len(all_pairs))
    must = all_pairs[picks[:1]] if seed % 5 == 0 else np.empty((0, 2), int)
    exclude = all_pairs[picks[1:3]] if seed % 2 == 0 else np.empty((0, 2), int)
    quotas = []
    if seed % 3 == 1:
        mask = rng.random(n_u) < 0.5
        quotas = [Quota(mask, int(min(mask.sum(), 1 + seed % 2)), "region")]

    expected = _brute_force(scores, values, cap_u, cap_f, min_score, must, exclude, quotas)
    kwargs = dict(
        min_score=min_score, must_include=must, exclude=exclude, quotas=quotas, values=values
    )
    if expected is None:
        with pytest.raises(PlanInfeasibleError):
            plan_event(scores, cap_u, cap_f, **kwargs)
        return
    plan = plan_event(scores, cap_u, cap_f, **kwargs)
    assert plan.objective == pytest.approx(expected, abs=1e-9)
    load_u, load_f = _loads(plan, scores.shape)
    assert (load_u <= cap_u).all() and (load_f <= cap_f).all()
    assert len(_pairs(plan)) == len(plan.pairs)  # no pair twice


# --------------------------------------------------------------------------- constraints

ROOM = np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.1], [0.5, 0.4, 0.7], [0.05, 0.35, 0.2]])


def test_min_score_is_honoured():
    plan = plan_event(ROOM, np.ones(4, int), np.full(3, 2), min_score=0.5)
    assert (ROOM[plan.pairs[:, 0], plan.pairs[:, 1]] >= 0.5).all()
    assert _pairs(plan) == {(0, 0), (1, 1), (2, 2)}  # U3 has nothing >= 0.5


def test_must_include_and_exclude_are_honoured():
    plan = plan_event(
        ROOM,
        np.ones(4, int),
        np.ones(3, int),
        must_include=[(3, 0)],
        exclude=[(1, 1)],
        min_score=0.5,
    )
    pairs = _pairs(plan)
    assert (3, 0) in pairs  # forced although below min_score
    assert (1, 1) not in pairs
    # F0 is full with U3; U1's only pair >= 0.5 is excluded; U0 (.6) and U2 (.7) both want
    # F2 (capacity 1), so U2 gets it.
    assert pairs == {(3, 0), (2, 2)}


def test_non_positive_values_are_never_chosen():
    scores = np.array([[0.0, -0.5], [0.4, 0.0]])
    plan = plan_event(scores, np.ones(2, int), np.ones(2, int))
    assert _pairs(plan) == {(1, 0)}


def test_quota_changes_the_plan_and_is_met():
    # Without the quota U1 (Pamekasan) loses F0 to U0; with "Pamekasan >= 1" it is matched.
    scores = np.array([[0.9], [0.6]])
    pamekasan = np.array([False, True])
    free = plan_event(scores, [1, 1], [1])
    assert _pairs(free) == {(0, 0)}
    plan = plan_event(scores, [1, 1], [1], quotas=[Quota(pamekasan, 1, "Pamekasan")])
    assert _pairs(plan) == {(1, 0)} and plan.objective == pytest.approx(0.6)


def test_quota_counts_distinct_umkm_not_pairs():
    # U0 (in the quota, capacity 2) could take both firms, but the quota wants 2 distinct
    # matched UMKM from the region, so U1 must get one firm.
    scores = np.array([[0.9, 0.9], [0.2, 0.1]])
    quota = Quota(np.array([True, True]), 2, "Jawa Timur")
    plan = plan_event(scores, [2, 1], [1, 1], quotas=[quota])
    assert _pairs(plan) == {(0, 1), (1, 0)}
    assert plan.objective == pytest.approx(1.1)


# --------------------------------------------------------------------------- infeasible


def test_quota_larger_than_region_attendance_is_reported():
    with pytest.raises(PlanInfeasibleError, match=r"'Pamekasan'.*3 matched.*only 1 UMKM"):
        plan_event(
            ROOM,
            np.ones(4, int),
            np.ones(3, int),
            quotas=[Quota(np.array([0, 0, 0, 1], bool), 3, "Pamekasan")],
        )


def test_quota_without_allowed_pairs_is_reported():
    with pytest.raises(PlanInfeasibleError, match=r"'Sampang'.*min-score"):
        plan_event(
            ROOM,
            np.ones(4, int),
            np.ones(3, int),
            min_score=0.5,
            quotas=[Quota(np.array([0, 0, 0, 1], bool), 1, "Sampang")],
        )


def test_quota_beyond_firm_capacity_is_reported():
    # Three region UMKM all have allowed pairs, but firms have room for only two partners.
    with pytest.raises(PlanInfeasibleError, match=r"'Madura'.*at most 2"):
        plan_event(
            ROOM,
            np.ones(4, int),
            np.array([1, 1, 0]),
            quotas=[Quota(np.array([1, 1, 1, 0], bool), 3, "Madura")],
        )


def test_must_include_over_capacity_is_reported():
    with pytest.raises(
        PlanInfeasibleError, match=r"firm at position 0 is forced into 2.*capacity is 1"
    ):
        plan_event(ROOM, np.ones(4, int), np.ones(3, int), must_include=[(0, 0), (1, 0)])
    with pytest.raises(PlanInfeasibleError, match=r"firm 'PT B' is forced into 2") as err:
        plan_event(
            ROOM,
            np.ones(4, int),
            np.ones(3, int),
            must_include=[(0, 1), (1, 1)],
            ids=(["u0", "u1", "u2", "u3"], ["PT A", "PT B", "PT C"]),
        )
    from matcher.i18n import text_in  # a facilitator reads it in Indonesian

    assert text_in(err.value.args[0], "id") == (
        "pasangan wajib melebihi kapasitas: perusahaan 'PT B' dipaksa masuk 2 pasangan, "
        "padahal kapasitasnya 1"
    )


def test_must_include_that_is_excluded_is_reported():
    with pytest.raises(
        PlanInfeasibleError,
        match=r"both must-include and excluded.*UMKM at position 2 with firm at position 1",
    ):
        plan_event(
            ROOM, np.ones(4, int), np.ones(3, int), must_include=[(2, 1)], exclude=[(2, 1), (0, 0)]
        )


def test_infeasible_is_a_matcher_error():
    assert issubclass(PlanInfeasibleError, MatcherError)


def test_empty_room_gives_empty_plan():
    plan = plan_event(np.zeros((3, 2)), np.ones(3, int), np.ones(2, int))
    assert len(plan) == 0 and plan.objective == 0.0


# --------------------------------------------------------------------------- helpers

UMKM_FRAME = pd.DataFrame(
    {
        "umkm_id": ["a", "b", "c", "d"],
        "province_code": ["35", "35", "33", "35"],
        "regency_code": ["3528", "3578", "3374", None],
    }
)


def test_region_quota_by_regency_and_province():
    pam = region_quota(UMKM_FRAME, "pamekasan", 1)
    assert pam.mask.tolist() == [True, False, False, False] and "Pamekasan" in pam.label
    jatim = region_quota(UMKM_FRAME, "Jatim", 2)
    assert jatim.mask.tolist() == [True, True, False, True] and jatim.label == "Jawa Timur"


def test_parse_quota_syntax_and_unknown_region():
    q = parse_quota("Pamekasan:5", UMKM_FRAME)
    assert q.min_count == 5 and q.mask.sum() == 1
    with pytest.raises(MatcherError, match="REGION:N"):
        parse_quota("Pamekasan", UMKM_FRAME)
    with pytest.raises(MatcherError, match="REGION:N"):
        parse_quota("Pamekasan:lima", UMKM_FRAME)
    with pytest.raises(MatcherError, match="neither a province nor") as err:
        parse_quota("Atlantis:2", UMKM_FRAME)
    # said to a facilitator in Indonesian, from the catalogue
    from matcher.i18n import text_in

    assert text_in(err.value.args[0], "id").startswith(
        "wilayah kuota 'Atlantis' bukan provinsi maupun kabupaten/kota"
    )
    with pytest.raises(MatcherError) as err:
        parse_quota("Pamekasan", UMKM_FRAME)
    assert "yang diharapkan WILAYAH:N" in text_in(err.value.args[0], "id")


def test_stage_values_make_a_likely_contract_outweigh_two_likely_meetings():
    chances = np.array([[0.9, 0.8, 0.7], [0.9, 0.3, 0.1]])
    v = stage_values(chances)
    assert v[0] > 2 * v[1]
    # one firm, capacity 2; UMKM 0 is likely to sign, UMKM 1 and 2 likely only to meet;
    # the UMKM 0 pair beats either meeting-only pair, so it must be planned
    plan = plan_event(
        np.zeros((3, 1)), [1, 1, 1], [1], values=stage_values(chances[[1, 0, 1]])[:, None]
    )
    assert plan.pairs.tolist() == [[1, 0]]
    assert stage_values(chances, (1, 1, 1)) == pytest.approx([2.4, 1.3])
    assert parse_stage_weights("1; 2; 4") == (1.0, 2.0, 4.0)
    with pytest.raises(MatcherError, match="three numbers"):
        parse_stage_weights("1,2")


def test_weights_and_allowed_compose_with_values():
    scores = np.array([[0.9, 0.2], [0.8, 0.7]])
    # a zero weight vetoes a pair; not allowed pairs are never planned
    plan = plan_event(scores, [1, 1], [1, 1], weights=np.array([[0.0, 1.0], [1.0, 1.0]]))
    assert [0, 0] not in plan.pairs.tolist()
    plan = plan_event(scores, [1, 1], [1, 1], allowed=scores >= 0.75)
    assert plan.pairs.tolist() == [[0, 0]]


def test_firm_capped_values_never_exceed_the_budget_and_sum_to_the_total():
    values = np.array([400e6, 300e6, 100e6, 50e6])
    firm = np.array([0, 0, 1, 2])
    budget = np.array([500e6, 1e9, np.nan])
    capped = firm_capped_values(values, firm, budget)
    per_firm = np.bincount(firm, weights=capped)
    assert per_firm[0] == pytest.approx(500e6) and per_firm[1] == 100e6 and per_firm[2] == 50e6
    assert capped[0] / capped[1] == pytest.approx(4 / 3)  # scaled in proportion


def test_overlapping_quotas_solved_as_milp_match_brute_force():
    # Two overlapping quotas with multi-partner UMKM: the LP vertex is fractional (bound
    # 2.15), so the MILP path runs; brute force confirms 2.1 is the best integral plan.
    scores = np.array([[0.0, 0.3], [0.2, 0.8], [0.2, 0.5], [0.3, 0.2], [0.1, 0.4], [0.7, 0.7]])
    cap_u, cap_f = np.array([2, 1, 2, 1, 1, 2]), np.array([2, 2])
    quotas = [
        Quota(np.array([1, 1, 0, 0, 1, 0], bool), 2, "A"),
        Quota(np.array([1, 0, 1, 0, 0, 0], bool), 1, "B"),
    ]
    plan = plan_event(scores, cap_u, cap_f, quotas=quotas)
    assert "milp" in plan.info["method"] and plan.info["lp_bound"] == pytest.approx(2.15)
    assert plan.objective == pytest.approx(2.1)
    assert plan.objective == pytest.approx(
        _brute_force(scores, scores, cap_u, cap_f, None, [], [], quotas)
    )
    load_u, _ = _loads(plan, scores.shape)
    assert all((load_u[q.mask] > 0).sum() >= q.min_count for q in quotas)
