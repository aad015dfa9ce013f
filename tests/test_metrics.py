"""Ranking metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.evaluate import Split, evaluate_scorers, time_split
from training.metrics import gini, mrr, ndcg_at_k, recall_at_k


def test_ndcg_hand_computed():
    # one user, items 0..3 with grades 3, 0, 1, 0; ranking puts item 1, then 0, then 2
    scores = np.array([[0.8, 0.9, 0.5, 0.1]])
    rel = np.array([[3, 0, 1, 0]], dtype=float)
    dcg = 0 / math.log2(2) + 7 / math.log2(3) + 1 / math.log2(4)
    idcg = 7 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(scores, rel, 10)[0] == pytest.approx(dcg / idcg)
    # at k=1 only the first item counts: grade 0 -> 0
    assert ndcg_at_k(scores, rel, 1)[0] == 0.0
    # perfect order -> 1
    assert ndcg_at_k(rel, rel, 3)[0] == pytest.approx(1.0)


def test_ndcg_undefined_without_relevant_items():
    assert np.isnan(ndcg_at_k(np.array([[1.0, 2.0]]), np.zeros((1, 2)), 2)[0])


def test_ties_are_broken_by_position_deterministically():
    rel = np.array([[0, 3]], dtype=float)
    assert ndcg_at_k(np.array([[1.0, 1.0]]), rel, 1)[0] == 0.0  # item 0 wins the tie


def test_recall_and_mrr_hand_computed():
    scores = np.array([[0.9, 0.8, 0.7, 0.6, 0.5]])
    rel = np.array([[0, 2, 0, 1, 1]], dtype=float)
    assert recall_at_k(scores, rel, 2)[0] == pytest.approx(1 / 3)
    assert recall_at_k(scores, rel, 5)[0] == pytest.approx(1.0)
    assert mrr(scores, rel)[0] == pytest.approx(1 / 2)


def test_gini():
    assert gini(np.array([5, 5, 5, 5])) == pytest.approx(0.0)
    # all exposure on one of four firms: (n - 1) / n
    assert gini(np.array([0, 0, 0, 8])) == pytest.approx(0.75)
    assert gini(np.array([0, 0])) == 0.0


def _outcomes():
    rows = []
    for ev, date in (("E1", "2023-01-10"), ("E2", "2024-01-10"), ("E3", "2025-01-10")):
        for i in range(10):
            rows.append(
                {
                    "umkm_id": f"U{i}",
                    "firm_id": f"F{i % 3}",
                    "grade": i % 4,
                    "date": pd.Timestamp(date),
                    "event_id": ev,
                }
            )
    return pd.DataFrame(rows)


def test_time_split_holds_out_the_latest_event_and_never_leaks_the_future():
    split = time_split(_outcomes(), test_share=0.2)
    assert split.test_events == ["E3"]
    assert (split.train["date"] < split.test["date"].min()).all()
    assert len(split.train) == 20 and len(split.test) == 10


def test_evaluate_perfect_and_reversed_scorers():
    umkm = pd.DataFrame({"umkm_id": ["U0", "U1"]})
    firms = pd.DataFrame({"firm_id": ["F0", "F1", "F2"]})
    test = pd.DataFrame(
        {
            "umkm_id": ["U0", "U0", "U1"],
            "firm_id": ["F2", "F0", "F1"],
            "grade": [3, 1, 2],
            "date": pd.Timestamp("2025-01-01"),
        }
    )
    train = pd.DataFrame(
        {"umkm_id": ["U0"], "firm_id": ["F0"], "grade": [0], "date": pd.Timestamp("2024-01-01")}
    )
    split = Split(train=train, test=test, cutoff=pd.Timestamp("2025-01-01"))
    truth = np.array([[1, 0, 3], [0, 2, 0]], dtype=float)

    class Fixed:
        def __init__(self, m):
            self.m = m

        def score_block(self, u, f, idx):
            return self.m[idx]

    table = evaluate_scorers(
        {"perfect": Fixed(truth), "reversed": Fixed(-truth)}, umkm, firms, split
    )
    perfect = table[(table.method == "perfect") & (table.segment == "all")].iloc[0]
    assert perfect["ndcg@10"] == pytest.approx(1.0) and perfect["mrr"] == pytest.approx(1.0)
    seen = table[(table.method == "perfect") & (table.segment == "seen")].iloc[0]
    assert seen["n_umkm"] == 1  # U0 has training outcomes, U1 is cold
    rev = table[(table.method == "reversed") & (table.segment == "unseen")].iloc[0]
    # U1's only relevant firm F1 (grade 2) is ranked last of three
    assert rev["ndcg@10"] == pytest.approx((3 / math.log2(4)) / 3)


def test_time_split_after_holds_out_only_what_the_champion_has_not_seen():
    outcomes = pd.concat([_outcomes()] * 4, ignore_index=True)  # 40 outcomes per event
    # by share the two latest events are held out; the champion saw E2, so only E3 stays
    split = time_split(outcomes, test_share=0.5, after=pd.Timestamp("2024-06-01"))
    assert split.test_events == ["E3"]
    assert set(split.train["event_id"]) == {"E1", "E2"}
    # an event that began before the champion's data ended: only its later outcomes are held out
    late = outcomes.copy()
    late.loc[(late["event_id"] == "E3").to_numpy().nonzero()[0][:5], "date"] = pd.Timestamp(
        "2024-03-01"
    )
    split = time_split(late, test_share=0.5, after=pd.Timestamp("2024-06-01"))
    assert split.test_events == ["E3"] and len(split.test) == 35
    assert (split.test["date"] > pd.Timestamp("2024-06-01")).all()
    # nothing new at all: the ordinary split
    same = time_split(outcomes, test_share=0.5, after=pd.Timestamp("2030-01-01"))
    assert same.test_events == ["E3", "E2"]
