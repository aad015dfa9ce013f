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
