"""Retraining: champion vs challenger on the demo world, safe promotion, rollback, the CLI,
and the loop closing through the store.

One small demo world and one champion (trained on the first three of its six events) are
built once per module; each test works on its own copy of that champion's registry.
Models are kept small (``PARAMS``) so the file stays quick.
"""

from __future__ import annotations

import dataclasses
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from api.retrain import RetrainBusyError, RetrainJobs, load_from_store
from matcher.demo import write_world
from matcher.ranking import MatchModel
from tests.worlds import demo_frames
from training.registry import Registry
from training.retrain import (
    PromotionError,
    RetrainData,
    decision_message,
    file_provenance,
    retrain,
)
from training.retrain_report import engine_share, known_to_champion
from training.train import train_and_register

pytestmark = pytest.mark.slow  # trains a dozen models on a 2,000 x 80 world (~2 min)

PARAMS = dict(max_iter=40, learning_rate=0.1, n_negatives=10, n_folds=3)
WORLD = dict(n_umkm=2000, n_firms=80, seed=3)
CHAMPION_EVENTS = ("EVT-2022-1", "EVT-2023-1", "EVT-2023-2")  # 3 of 6 events


@pytest.fixture(scope="module")
def world():
    umkm, firms, outcomes, _, w = demo_frames(WORLD["n_umkm"], WORLD["n_firms"], WORLD["seed"])
    return w, umkm, firms, outcomes


@pytest.fixture(scope="module")
def champion_root(world, tmp_path_factory):
    """A registry whose current model was trained on genuine outcomes of the first 4 events."""
    _, umkm, firms, outcomes = world
    root = tmp_path_factory.mktemp("champion") / "models"
    early = outcomes[outcomes["event_id"].isin(CHAMPION_EVENTS)].reset_index(drop=True)
    result = train_and_register(umkm, firms, early, Registry(root), params=PARAMS)
    assert result.decision.promote, result.decision.reason
    return root


@pytest.fixture
def registry(champion_root, tmp_path) -> Registry:
    root = tmp_path / "models"
    shutil.copytree(champion_root, root)
    return Registry(root)


@pytest.fixture(scope="module")
def promoted(world, champion_root, tmp_path_factory):
    """A retrain on all six events over the champion, with fixed-pair scores taken before."""
    _, umkm, firms, outcomes = world
    root = tmp_path_factory.mktemp("promoted") / "models"
    shutil.copytree(champion_root, root)
    registry = Registry(root)
    before = _fixed_scores(registry, umkm, firms)
    outcome = retrain(
        umkm, firms, outcomes, registry, params=PARAMS, report_dir=root.parent / "report"
    )
    return registry, outcome, before


def _fixed_scores(registry: Registry, umkm, firms) -> np.ndarray:
    """The current model, freshly loaded, scoring the same 30 UMKM x all firms."""
    model = registry.load()
    return model.score_block(model.encode_umkm(umkm), model.encode_firms(firms), np.arange(30))


def _ndcg(outcome, method: str, segment: str = "all") -> float:
    t = outcome.table
    return float(t[(t["method"] == method) & (t["segment"] == segment)]["ndcg@10"].iloc[0])


# ---------------------------------------------------------------------- gating on real data
def test_more_genuine_outcomes_promote_and_hold_or_improve_ndcg(promoted):
    registry, outcome, _ = promoted
    assert outcome.promoted, outcome.message
    assert registry.current_version() == outcome.version != outcome.champion
    assert outcome.message.startswith(f"promoted {outcome.version}: ")
    # same held-out events for both: the challenger (two more events) is at least as good,
    # not merely within the gate's 0.01 tolerance (which `promoted` already implies)
    assert _ndcg(outcome, "model") >= _ndcg(outcome, "champion")
    # every report segment is there for both models
    for segment in ("all", "seen", "unseen", "PMA", "PMDN"):
        assert {"model", "champion"} <= set(
            outcome.table.loc[outcome.table["segment"] == segment, "method"]
        )


def test_shuffled_stages_do_not_promote_over_a_genuine_champion(world, registry):
    _, umkm, firms, outcomes = world
    champion = registry.current_version()
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(outcomes))
    shuffled = outcomes.assign(
        stage=outcomes["stage"].to_numpy()[perm], grade=outcomes["grade"].to_numpy()[perm]
    )
    outcome = retrain(umkm, firms, shuffled, registry, params=PARAMS)
    assert not outcome.promoted
    assert registry.current_version() == champion
    assert outcome.message.startswith(f"kept {champion}: ")
    failed = {c.name for c in outcome.decision.failed}
    # on the champion's frozen slice (genuine labels) noise-trained rankings collapse
    assert "frozen_vs_champion" in failed
    assert all(name in outcome.message for name in failed)


def test_rollback_restores_the_previous_models_exact_scores(promoted, tmp_path, world):
    _, umkm, firms, _ = world
    registry, outcome, before = promoted
    root = tmp_path / "models"
    shutil.copytree(registry.root, root)
    copy = Registry(root)
    after_promotion = _fixed_scores(copy, umkm, firms)
    assert not np.array_equal(after_promotion, before)  # the promotion did change the model
    assert copy.rollback(reason="test") == outcome.champion
    np.testing.assert_array_equal(_fixed_scores(copy, umkm, firms), before)


# ---------------------------------------------------------------------- promotion killed
def test_promotion_killed_half_way_leaves_the_champion_current_and_loadable(
    world, registry, monkeypatch
):
    _, umkm, firms, outcomes = world
    champion = registry.current_version()
    before = _fixed_scores(registry, umkm, firms)
    real_replace = os.replace

    def crash_on_current(src, dst, *args, **kwargs):
        if os.path.basename(dst) == "CURRENT":
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", crash_on_current)
    with pytest.raises(
        PromotionError
    ) as caught:  # tolerance 1: about the promotion step, not the gate
        retrain(umkm, firms, outcomes, registry, params=PARAMS, tolerance=1.0)
    monkeypatch.undo()

    assert champion in str(caught.value) and "matcher models promote" in str(caught.value)
    assert registry.current_version() == champion
    np.testing.assert_array_equal(_fixed_scores(Registry(registry.root), umkm, firms), before)
    # the challenger is registered, complete, and can be promoted by hand as the error says
    new = registry.versions()[-1]["version"]
    assert new != champion
    registry.promote(new)
    assert registry.current_version() == new


# ---------------------------------------------------------------------- report
def test_report_has_segments_volumes_drift_and_plots(promoted):
    """In Indonesian by default: the words come from the catalogue (training.report.*)."""
    _, outcome, _ = promoted
    text = outcome.report.read_text(encoding="utf-8")
    for png in ("metrics_by_segment.png", "volumes.png", "drift.png"):
        assert (outcome.report.parent / png).stat().st_size > 1000
        assert f"({png})" in text
    for segment in ("| semua |", "| dikenal |", "| belum dikenal |", "| PMA |", "| PMDN |"):
        assert segment in text
    assert "## Juara vs penantang, NDCG@10 per segmen" in text
    # the events after the champion's are exactly the new ones
    rows = [line for line in text.splitlines() if line.startswith("| EVT-")]
    new = sorted(r.split(" | ")[0][2:] for r in rows if r.endswith("| baru |"))
    assert len(rows) == 6 and new == ["EVT-2024-1", "EVT-2024-2", "EVT-2025-1"]
    share = text.split("## Bagian hasil baru dari pasangan yang disarankan mesin")[1]
    assert "tidak diketahui" in share.split("##")[0]
    assert f"**Keputusan:** {outcome.version} dipromosikan" in text
    # no English sentence left in the body (metric and feature names are the same in both)
    english_phrases = (
        "Champion:",
        " outcomes now",
        "**Decision:**",
        "Gating",
        "flagged",
        "Drift (",
    )
    for english in english_phrases:
        assert english not in text, english


def test_report_in_english_on_request(promoted, world, tmp_path):
    from training.retrain_report import write_retrain_report

    registry, outcome, _ = promoted
    _, umkm, firms, outcomes = world
    path = write_retrain_report(
        tmp_path / "en",
        result=outcome.result,
        table=outcome.table,
        umkm=umkm,
        firms=firms,
        outcomes=outcomes,
        registry=registry,
        provenance=None,
        message=outcome.message,
        lang="en",
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Retrain report — ")
    assert f"**Decision:** promoted {outcome.version}: " in text
    for segment in ("| all |", "| seen |", "| unseen |", "| PMA |", "| PMDN |"):
        assert segment in text
    rows = [line for line in text.splitlines() if line.startswith("| EVT-")]
    assert sum(r.endswith("| new |") for r in rows) == 3
    assert "unknown" in text.split("## Engine-recommended share")[1].split("##")[0]
    assert "## Drift (PSI)" in text and "dipromosikan" not in text
    assert "umkm.province" in text and "pair." in text


def test_known_to_champion_uses_its_test_events_and_cutoff():
    outcomes = pd.DataFrame(
        {
            "event_id": ["A", "A", "B", "C", None],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-06-30", "2024-03-01", "2024-09-01", "2024-10-01"]
            ),
        }
    )
    manifest = {"extra": {"test_events": ["B"]}}
    frozen = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-04-01"])})
    # A started before the champion's cutoff (its late row included), B was its test event,
    # C and the undated-event row came later
    np.testing.assert_array_equal(
        known_to_champion(outcomes, manifest, frozen), [True, True, True, False, False]
    )
    assert not known_to_champion(outcomes, None, None).any()


def test_engine_share_counts_only_new_outcomes_with_a_marker():
    outcomes = pd.DataFrame({"umkm_id": ["U1", "U2", "U3", "U4"], "firm_id": ["F1"] * 4})
    provenance = pd.DataFrame(
        {
            "umkm_id": ["U1", "U2", "U3"],
            "firm_id": ["F1"] * 3,
            "recommended_by_engine": [1.0, 0.0, 1.0],
        }
    )
    new = np.array([False, True, True, True])
    share = engine_share(outcomes, provenance, new)
    assert share == {"n_new": 3, "n_known": 2, "share": 0.5, "n_recommended": 1}
    assert engine_share(outcomes, None, new)["share"] is None


def test_file_provenance_reads_marker_or_source_latest_date_wins(tmp_path):
    path = tmp_path / "outcomes.csv"
    pd.DataFrame(
        {
            "umkm_id": ["U1", "U1", "U2", "U3"],
            "firm_id": ["F1", "F1", "F1", "F1"],
            "date": ["2024-01-01", "2024-05-01", "2024-01-01", "2024-01-01"],
            "recommended_by_engine": ["ya", "false", "TRUE", ""],
        }
    ).to_csv(path, index=False)
    got = file_provenance(path).set_index("umkm_id")["recommended_by_engine"]
    assert got["U1"] == 0.0 and got["U2"] == 1.0 and np.isnan(got["U3"])
    pd.DataFrame(
        {
            "umkm_id": ["U1", "U2"],
            "firm_id": ["F1", "F1"],
            "date": ["2024-01-01"] * 2,
            "source": ["engine", "facilitator"],
        }
    ).to_csv(path, index=False)
    assert file_provenance(path)["recommended_by_engine"].tolist() == [1.0, 0.0]
    pd.DataFrame({"umkm_id": ["U1"], "firm_id": ["F1"], "date": ["2024-01-01"]}).to_csv(
        path, index=False
    )
    assert file_provenance(path) is None


def test_decision_message_names_the_kept_champion_and_failed_checks():
    from training.gating import decide_promotion

    champ = {
        "heldout": {"ndcg@10": 0.45},
        "frozen": {"ndcg@10": 0.5},
        "coverage": 0.5,
        "features": ["a"],
    }
    chall = {
        "heldout": {"ndcg@10": 0.41},
        "frozen": {"ndcg@10": 0.5},
        "coverage": 0.5,
        "features": ["a"],
        "scores_finite": True,
        "baselines": {"rule": {"ndcg@10": 0.2}},
    }
    msg = decision_message(decide_promotion(champ, chall), "v0004-x", "v0003-x")
    assert msg.startswith(
        "kept v0003-x: heldout_vs_champion: heldout ndcg@10 0.4100 vs champion 0.4500"
    )
    assert "v0004-x registered, not promoted" in msg


# ---------------------------------------------------------------------- CLI
def _small_match_model(**params) -> MatchModel:
    """A MatchModel with the small PARAMS as defaults: a real MatchModel, so what is
    registered pickles and clones like the one `matcher train` makes."""
    return MatchModel(**{**PARAMS, **params})


@pytest.fixture
def small_model(monkeypatch):
    """`matcher retrain` has no model-size options: make its MatchModel the small one."""
    import training.train

    monkeypatch.setattr(training.train, "MatchModel", _small_match_model)


def _write_world_files(world, folder, outcomes=None):
    w, *_ = world
    if outcomes is not None:
        w = dataclasses.replace(w, outcomes=outcomes)
    return write_world(w, folder)


def test_cli_retrain_on_files_exits_0_and_prints_the_decision(
    world, registry, tmp_path, capsys, small_model
):
    from matcher.cli import main

    w = world[0]
    marked = w.outcomes.assign(
        source=np.where(np.arange(len(w.outcomes)) % 2 == 0, "engine", "facilitator")
    )
    paths = _write_world_files(world, tmp_path / "data", marked)
    champion = registry.current_version()
    code = main(
        [
            "retrain",
            "--umkm",
            str(paths["umkm"]),
            "--firms",
            str(paths["firms"]),
            "--outcomes",
            str(paths["outcomes"]),
            "--registry",
            str(registry.root),
            "--report",
            str(tmp_path / "report"),
        ]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert len(out) == 1
    new = registry.versions()[-1]["version"]
    # the champion saw the first three events; all six genuine events beat it (as in
    # `promoted` above, same PARAMS), so the files' retrain promotes
    assert new != champion and out[0].startswith(f"{new} dipromosikan: "), out[0]
    assert registry.current_version() == new
    report = (tmp_path / "report" / "retrain.md").read_text(encoding="utf-8")
    share = report.split("## Bagian hasil baru dari pasangan yang disarankan mesin")[1]
    assert "adalah pasangan yang disarankan mesin" in share.split("##")[0]


def test_cli_retrain_bad_input_exits_2(registry, tmp_path, capsys):
    from matcher.cli import main

    assert main(["retrain", "--umkm", "u.csv", "--registry", str(registry.root)]) == 2
    assert "--firms, --outcomes" in capsys.readouterr().err
    assert (
        main(
            [
                "retrain",
                "--umkm",
                str(tmp_path / "nope.csv"),
                "--firms",
                "f.csv",
                "--outcomes",
                "o.csv",
                "--registry",
                str(registry.root),
            ]
        )
        == 2
    )
    assert "berkas tidak ditemukan" in capsys.readouterr().err


# ---------------------------------------------------------------------- closing the loop
def test_retrain_from_the_store_sees_a_newly_recorded_outcome(world, tmp_path, capsys, small_model):
    """Outcomes recorded through the store's API path reach the next retrain."""
    import datetime as dt

    from api.store import FIRMS, UMKM, Store, upsert_profiles
    from api.store.outcomes import append_imported_outcomes, append_outcome
    from matcher.cli import main

    _, umkm, firms, outcomes = world
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    store = Store(url)
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
        append_imported_outcomes(s, outcomes, recorded_by="test")
    before = load_from_store(url)
    tried = set(zip(outcomes["umkm_id"], outcomes["firm_id"]))
    pair = next((u, f) for u in umkm["umkm_id"] for f in firms["firm_id"] if (u, f) not in tried)
    with store.transaction() as s:
        append_outcome(
            s,
            umkm_id=pair[0],
            firm_id=pair[1],
            stage="contract_signed",
            date=dt.date(2025, 10, 1),
            event_id="EVT-2025-2",
            recorded_by="fasilitator-jatim",
            source="api",
            recommended_by_engine=True,
            model_version="v0001",
        )
    store.dispose()

    after = load_from_store(url)
    assert len(after.outcomes) == len(before.outcomes) + 1
    row = after.outcomes[
        (after.outcomes["umkm_id"] == pair[0]) & (after.outcomes["firm_id"] == pair[1])
    ]
    assert row["stage"].tolist() == ["contract_signed"] and row["grade"].tolist() == [3]
    marker = after.provenance.set_index(["umkm_id", "firm_id"]).loc[pair, "recommended_by_engine"]
    assert marker == 1.0

    registry_root = tmp_path / "models"
    assert main(["retrain", "--database-url", url, "--registry", str(registry_root)]) == 0
    assert capsys.readouterr().out.split(" ", 2)[1] == "dipromosikan:"
    manifest = Registry(registry_root).manifest(Registry(registry_root).current_version())
    assert manifest["extra"]["n_outcomes"] == len(outcomes) + 1
    assert "EVT-2025-2" in manifest["extra"]["test_events"]


def test_retrain_from_an_empty_store_is_a_clear_error(tmp_path, capsys):
    from matcher.cli import main

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    # no store there at all: the error names where it looked, and none is created
    assert main(["retrain", "--database-url", url, "--registry", str(tmp_path / "models")]) == 2
    assert (
        str(tmp_path / "empty.db") in capsys.readouterr().err
        and not (tmp_path / "empty.db").exists()
    )
    assert main(["init", "--database-url", url]) == 0
    assert main(["retrain", "--database-url", url, "--registry", str(tmp_path / "models")]) == 2
    assert "belum berisi hasil" in capsys.readouterr().err


# ---------------------------------------------------------------------- background job
def test_background_job_reports_failure_and_refuses_a_second_run(tmp_path):
    import threading

    gate = threading.Event()
    too_few = pd.DataFrame({"umkm_id": ["U1"] * 5})

    def load():
        gate.wait(10)
        return RetrainData(pd.DataFrame(), pd.DataFrame(), too_few, None, source="test")

    jobs = RetrainJobs()
    job = jobs.start(load, Registry(tmp_path / "models"))
    assert jobs.get(job.job_id).status in ("queued", "running")
    with pytest.raises(RetrainBusyError, match=job.job_id):
        jobs.start(load, Registry(tmp_path / "models"))
    gate.set()
    done = jobs.wait(job.job_id, timeout=30)
    assert done.status == "failed" and "at least 10 outcomes" in done.message
    assert done.finished_at is not None and jobs.running is None


def test_background_job_done_records_the_decision_and_calls_back(tmp_path, monkeypatch):
    from types import SimpleNamespace

    seen = {}

    def fake_retrain(umkm, firms, outcomes, registry, **kwargs):
        kwargs["progress"]("fitting")
        seen["kwargs"] = kwargs
        return SimpleNamespace(
            message="promoted v0002: better",
            version="v0002",
            promoted=True,
            report=tmp_path / "retrain.md",
        )

    data = RetrainData(
        pd.DataFrame(), pd.DataFrame(), pd.DataFrame({"x": [1, 2]}), None, source="test"
    )
    jobs = RetrainJobs(retrain=fake_retrain)
    job = jobs.start(
        lambda: data,
        Registry(tmp_path / "models"),
        tolerance=0.05,
        on_done=lambda j, outcome: seen.setdefault("done", (j.status, outcome.version)),
    )
    done = jobs.wait(job.job_id, timeout=30)
    assert (done.status, done.message, done.version, done.promoted) == (
        "done",
        "promoted v0002: better",
        "v0002",
        True,
    )
    assert done.progress == ["2 hasil dari test", "fitting"]  # in $MATCHER_LANG (Indonesian)
    assert seen["kwargs"]["tolerance"] == 0.05 and seen["done"] == (
        "running",
        "v0002",
    )  # called before done
    assert done.to_dict()["report"] == str(tmp_path / "retrain.md")
