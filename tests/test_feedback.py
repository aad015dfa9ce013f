"""Recorded outcomes change what is shown at once: declined pairs left out, partners marked,
and match requests filtered by firm type, province and minimum chance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.feedback import PairStatus
from matcher.service import MatchService
from tests.worlds import line_world, tiny_model


def _outcomes(rows):
    return pd.DataFrame(rows, columns=["umkm_id", "firm_id", "grade"])


@pytest.fixture(scope="module")
def service():
    u, f, _ = line_world()
    return MatchService(tiny_model(), u, f)


def test_pair_status_reads_the_latest_stage_of_each_pair():
    status = PairStatus(
        _outcomes([("U1", "F1", 0), ("U1", "F2", 1), ("U2", "F1", 2), ("U3", "F3", 4)])
    )
    got = status.lookup(["U1", "U1", "U2", "U3", "U9", "F1"], ["F1", "F2", "F1", "F3", "F1", "U1"])
    assert got.tolist() == ["declined", "", "partner", "partner", "", ""]
    assert status.max_declined(["U1", "U2"]) == 1 and status.max_declined(["U2"]) == 0


def test_a_declined_pair_is_absent_from_the_next_recommendations(service):
    before = service.recommend_firms(["U120"], k=4)
    top, second = before["firm_id"].iloc[0], before["firm_id"].iloc[1]
    fed = service.with_outcomes(_outcomes([("U120", top, 0), ("U120", second, 3)]))
    after = fed.recommend_firms(["U120"], k=4)
    assert top not in set(after["firm_id"])
    assert len(after) == 4 and after["rank"].tolist() == [1, 2, 3, 4]
    row = after[after["firm_id"] == second].iloc[0]
    assert row["status"] == "partner" and row["reasons"].startswith("sudah bermitra; ")
    # asked for, the declined pair is shown and flagged
    shown = service.with_outcomes(
        _outcomes([("U120", top, 0)]), include_declined=True
    ).recommend_firms(["U120"], k=4)
    assert shown.iloc[0]["firm_id"] == top and shown.iloc[0]["status"] == "declined"
    assert shown.iloc[0]["reasons"].startswith("pernah ditolak")
    # other UMKM are unaffected
    pd.testing.assert_frame_equal(
        fed.recommend_firms(["U121"], k=4), service.recommend_firms(["U121"], k=4)
    )


def test_the_reverse_question_and_the_plan_leave_declined_pairs_out(service):
    best = service.recommend_umkm("F03", k=3)["umkm_id"].iloc[0]
    fed = service.with_outcomes(_outcomes([(best, "F03", 0)]))
    assert best not in set(fed.recommend_umkm("F03", k=10)["umkm_id"])
    event = pd.DataFrame({"party": ["umkm", "firm"], "id": [best, "F03"], "capacity": [1, 1]})
    assert len(service.plan_event(event, min_chance=0.0)) == 1
    assert len(fed.plan_event(event, min_chance=0.0)) == 0


def test_match_filters_by_investment_type_province_and_chance(service):
    pma = service.firm_mask(investment_type="PMA")
    recs = service.recommend_firms(["U100", "U101"], k=5, firm_mask=pma)
    types = service.firms.set_index("firm_id").loc[recs["firm_id"], "investment_type"]
    assert (types == "PMA").all() and recs.groupby("umkm_id").size().tolist() == [5, 5]
    assert service.firm_mask(province_code="11").sum() == 0  # every firm is in DKI Jakarta
    assert service.recommend_firms(
        ["U100"], k=5, firm_mask=service.firm_mask(province_code="11")
    ).empty
    p = service.recommend_firms(["U100"], k=20)["p_contract"]
    if p.notna().any():
        cut = float(np.nanmedian(p))
        kept = service.recommend_firms(["U100"], k=20, min_chance=cut)
        assert (kept["p_contract"] >= cut).all() and len(kept) == (p >= cut).sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("include_declined", [False, True])
def test_restatus_of_an_outcome_free_list_is_the_answer_scored_with_the_outcomes(
    service, seed, include_declined
):
    """What the API keeps per UMKM (scores, chances, reasons: recommend_ahead) plus the
    outcomes recorded since (restatus) is exactly what scoring with those outcomes gives,
    row for row; a UMKM with more declined pairs than the margin is handed back, never
    answered short."""
    rng = np.random.default_rng(seed)
    ids = [f"U{i}" for i in range(100, 130)]
    firms = service.firms["firm_id"].tolist()
    rows = [
        (u, f, int(rng.choice([0, 0, 1, 2, 3, 4])))
        for u in ids
        for f in rng.choice(firms, int(rng.integers(0, 9)), replace=False)
    ]
    fed = service.with_outcomes(_outcomes(rows), include_declined=include_declined)
    k, margin = 4, 3
    for mask in (None, service.firm_mask(investment_type="PMA")):
        ahead = service.recommend_ahead(ids, k, margin=margin, firm_mask=mask)
        assert (ahead["status"] == "").all()  # nothing recorded shows in what is kept
        got, short = fed.restatus(ahead, k, margin)
        want = fed.recommend_firms(ids, k, firm_mask=mask)
        # handed back exactly when more of the fetched firms were declined than the margin
        fetched = fed.status.lookup(ahead["umkm_id"], ahead["firm_id"]) == "declined"
        lost = pd.Series(fetched).groupby(ahead["umkm_id"].to_numpy()).sum()
        assert set(short) == (set() if include_declined else set(lost.index[lost > margin]))
        want = want[~want["umkm_id"].isin(short)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_restatus_hands_back_a_umkm_whose_declined_pairs_outnumber_the_margin(service):
    ahead = service.recommend_ahead(["U120", "U121"], 2, margin=1)
    declined = ahead[ahead["umkm_id"] == "U120"]["firm_id"].iloc[:2]
    fed = service.with_outcomes(_outcomes([("U120", f, 0) for f in declined]))
    got, short = fed.restatus(ahead, 2, margin=1)
    assert short.tolist() == ["U120"] and set(got["umkm_id"]) == {"U121"}
    one = service.with_outcomes(_outcomes([("U120", declined.iloc[0], 0)]))
    got, short = one.restatus(ahead, 2, margin=1)
    assert len(short) == 0
    pd.testing.assert_frame_equal(got, one.recommend_firms(["U120", "U121"], 2))
