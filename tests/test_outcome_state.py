"""One owner for "the latest outcome per pair wins": corrections and voids applied, then
the latest date, then (same date) the one recorded later. A hand-built history with a
known answer, and the places that must follow it (file loading, the store, the pair
status, the programme report)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from matcher.data.outcome_state import apply_revisions, current_per_pair, latest_per_pair
from matcher.feedback import DECLINED, PARTNER, PairStatus

D = pd.Timestamp


def _history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcomes as recorded (id order) and their revisions (recording order)."""
    outcomes = pd.DataFrame(
        [
            # U1/F1: meeting, then an MoU and a decline entered the same day (decline second),
            # then the decline is voided: the MoU is what holds
            (1, "U1", "F1", "meeting", 1, D("2024-01-10")),
            (2, "U1", "F1", "mou_signed", 2, D("2024-02-01")),
            (3, "U1", "F1", "declined", 0, D("2024-02-01")),
            # U2/F1: an MoU typed with a wrong year (2024-05 instead of 2024-03) would hide the
            # later decline; the correction of its date lets the decline win
            (4, "U2", "F1", "mou_signed", 2, D("2024-05-01")),
            (5, "U2", "F1", "declined", 0, D("2024-04-01")),
            # U3/F2: voided, then corrected (which restores it) as a contract
            (6, "U3", "F2", "meeting", 1, D("2024-06-01")),
            # U4/F2: same day, same... recorded in reverse: the later record wins (a meeting)
            (8, "U4", "F2", "meeting", 1, D("2024-07-01")),
            (7, "U4", "F2", "contract_signed", 3, D("2024-07-01")),
        ],
        columns=["id", "umkm_id", "firm_id", "stage", "grade", "date"],
    )
    revisions = pd.DataFrame(
        [
            (3, "void", None, None, None),
            (4, "correct", "mou_signed", 2, D("2024-03-01")),
            (6, "void", None, None, None),
            (6, "correct", "contract_signed", 3, D("2024-06-01")),
        ],
        columns=["outcome_id", "action", "stage", "grade", "date"],
    )
    return outcomes, revisions


def test_the_rule_on_a_hand_built_history():
    outcomes, revisions = _history()
    now = current_per_pair(outcomes, revisions).set_index(["umkm_id", "firm_id"])
    assert now["id"].to_dict() == {
        ("U1", "F1"): 2,
        ("U2", "F1"): 5,
        ("U3", "F2"): 6,
        ("U4", "F2"): 8,
    }
    assert now.loc[("U1", "F1"), "stage"] == "mou_signed"  # the same-day decline was voided
    assert now.loc[("U2", "F1"), "stage"] == "declined"  # the corrected date no longer hides it
    assert now.loc[("U3", "F2"), "stage"] == "contract_signed"  # void then correct: restored
    assert now.loc[("U4", "F2"), "stage"] == "meeting"  # same date: the later record (id 8)
    # without the revisions, the same-day decline (recorded later) and the mistyped date win
    raw = latest_per_pair(outcomes).set_index(["umkm_id", "firm_id"])["id"].to_dict()
    assert raw == {("U1", "F1"): 3, ("U2", "F1"): 4, ("U3", "F2"): 6, ("U4", "F2"): 8}


def test_revisions_keep_the_history_readable():
    outcomes, revisions = _history()
    current = apply_revisions(outcomes, revisions)
    assert 3 not in set(current["id"])  # voided: out of the state, not out of the history
    assert current.set_index("id")["revised"].to_dict() == {
        1: False,
        2: False,
        4: True,
        5: False,
        6: True,
        8: False,
        7: False,
    }
    assert len(outcomes) == 8  # nothing was changed in place


def test_without_ids_the_later_row_wins_a_same_day_tie_and_order_is_kept():
    rows = pd.DataFrame(
        {
            "umkm_id": ["U1", "U2", "U1", "U1"],
            "firm_id": ["F1"] * 4,
            "stage": ["mou_signed", "meeting", "declined", "meeting"],
            "date": ["2024-03-01", "2024-01-01", "2024-03-01", "2024-02-01"],
        }
    )
    out = latest_per_pair(rows)
    assert out[["umkm_id", "stage"]].values.tolist() == [["U2", "meeting"], ["U1", "declined"]]


def test_the_file_loader_follows_the_rule(tiny_world, tmp_path):
    from matcher.data.loaders import load_outcomes

    umkm, firms = tiny_world
    u, f = umkm["umkm_id"].iloc[0], firms["firm_id"].iloc[0]
    path = tmp_path / "o.csv"
    pd.DataFrame(
        {
            "umkm_id": [u, u, u],
            "firm_id": [f, f, f],
            "stage": ["mou_signed", "declined", "meeting"],
            "date": ["2024-03-01", "2024-03-01", "2024-01-01"],
        }
    ).to_csv(path, index=False)
    out = load_outcomes(path, umkm, firms)
    assert out["stage"].tolist() == ["declined"]


def test_the_pair_status_reads_the_latest_outcome_of_a_whole_ladder():
    outcomes, revisions = _history()
    ladder = apply_revisions(outcomes, revisions)  # several rows per pair, e.g. the store's
    status = PairStatus(ladder).lookup(["U1", "U2", "U3", "U4"], ["F1", "F1", "F2", "F2"])
    assert status.tolist() == [PARTNER, DECLINED, PARTNER, ""]


def test_the_store_follows_the_rule(database_url, tiny_world):
    from api.store import FIRMS, UMKM, Store, upsert_profiles
    from api.store.outcomes import correct_outcome, outcomes_frame, record_outcome, void_outcome

    umkm, firms = tiny_world
    u, f = umkm["umkm_id"].iloc[0], firms["firm_id"].iloc[0]
    store = Store(database_url)
    try:
        with store.transaction() as s:
            upsert_profiles(s, umkm, UMKM)
            upsert_profiles(s, firms, FIRMS)

        def rec(s, stage, date):
            return record_outcome(
                s, umkm_id=u, firm_id=f, stage=stage, date=date, recorded_by="ani", source="api"
            )[0]

        with store.transaction() as s:
            rec(s, "meeting", dt.date(2024, 1, 10))
            mou = rec(s, "mou_signed", dt.date(2024, 2, 1))
            no = rec(s, "declined", dt.date(2024, 2, 1))
            mou_id, no_id = mou.id, no.id
        with store.session() as s:
            assert outcomes_frame(s)["stage"].tolist() == ["declined"]  # same day: recorded later
        with store.transaction() as s:
            void_outcome(s, no_id, reason="wrong pair", by="budi")
        with store.session() as s:
            assert outcomes_frame(s)["stage"].tolist() == ["mou_signed"]
        with store.transaction() as s:
            correct_outcome(
                s, mou_id, reason="it was a contract", by="sari", stage="contract_signed"
            )
        with store.session() as s:
            frame = outcomes_frame(s)
        assert frame["stage"].tolist() == ["contract_signed"] and frame["grade"].tolist() == [3]
    finally:
        store.dispose()


def test_one_outcome_in_force_agrees_with_the_frame_rule():
    """in_force (the store's OutcomeState) and apply_revisions (every frame) pick the same
    values for every sequence of up to four corrections and voids."""
    from itertools import product
    from types import SimpleNamespace

    from matcher.data.outcome_state import CORRECT, VOID, in_force

    outcomes, revisions, expected = [], [], {}
    sequences = [s for n in range(5) for s in product((CORRECT, VOID), repeat=n)]
    for oid, actions in enumerate(sequences, start=1):
        outcomes.append({"id": oid, "umkm_id": f"U{oid}", "firm_id": "F1", "stage": "s0"})
        revs = [
            SimpleNamespace(action=a, stage=f"s{k + 1}" if a == CORRECT else None)
            for k, a in enumerate(actions)
        ]
        revisions += [{"outcome_id": oid, "action": r.action, "stage": r.stage} for r in revs]
        chosen = in_force(SimpleNamespace(stage="s0"), revs)
        expected[oid] = None if chosen is None else chosen.stage
    frame = apply_revisions(
        pd.DataFrame(outcomes), pd.DataFrame(revisions, columns=["outcome_id", "action", "stage"])
    )
    got = dict(zip(frame["id"], frame["stage"]))
    assert got == {oid: stage for oid, stage in expected.items() if stage is not None}
    assert expected[sequences.index((CORRECT, VOID, CORRECT)) + 1] == "s3"
    assert expected[sequences.index((VOID,)) + 1] is None
