"""Training with little data: one event fits on everything and says there is no held-out
evaluation; too little data is refused with a message; never a NaT or NaN crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import MatcherError
from matcher.i18n import text_in
from tests.worlds import line_world
from training.evaluate import time_split
from training.registry import Registry
from training.train import train_and_register

PARAMS = {"max_iter": 20, "n_negatives": 4, "random_state": 0}


def _one_event():
    u, f, o = line_world()
    o = o.copy()
    o["event_id"], o["date"] = "E-first", pd.Timestamp("2024-05-01")
    return u, f, o


def test_one_event_gives_a_split_without_held_out_and_says_why():
    _, _, o = _one_event()
    split = time_split(o)
    assert "one event" in split.no_heldout and len(split.train) == len(o) and split.test.empty


def test_held_out_events_without_any_positive_are_not_an_evaluation():
    _, _, o = line_world()
    o = o.copy()
    latest = o["event_id"] == o.loc[o["date"].idxmax(), "event_id"]
    o.loc[latest, ["stage", "grade"]] = ["declined", 0]
    split = time_split(o, test_share=0.05)
    assert split.no_heldout and "held-out events have no meeting" in split.no_heldout


@pytest.mark.slow  # trains a model
def test_first_model_from_one_event_is_fitted_on_everything_and_promoted(tmp_path):
    u, f, o = _one_event()
    said = []
    result = train_and_register(
        u, f, o, Registry(tmp_path / "reg"), params=PARAMS, progress=said.append
    )
    assert result.decision.promote and "without a held-out evaluation" in result.decision.reason
    # the reason a facilitator reads (train, demo, retrain): Indonesian by default
    assert text_in(result.decision.reason, "id").startswith(
        "promosikan model pertama tanpa evaluasi uji: "
    )
    assert text_in(result.decision.checks[0].detail, "id").startswith("tidak terukur: ")
    assert any("TANPA EVALUASI UJI" in s for s in said)
    reg = Registry(tmp_path / "reg")
    assert reg.current_version() == result.version
    assert reg.manifest(result.version)["metrics"]["no_heldout"].startswith("all")
    # a second one-event challenger is registered but does not replace a champion
    again = train_and_register(u, f, o, reg, params=PARAMS)
    assert not again.decision.promote and reg.current_version() == result.version
    assert text_in(again.decision.reason, "id").startswith(
        f"pertahankan {result.version}: tanpa evaluasi uji ("
    )
    assert text_in(again.decision.reason, "en").startswith(
        f"keep {result.version}: no held-out evaluation ("
    )


@pytest.mark.slow  # trains a model
def test_retrain_on_one_event_writes_a_plain_report(tmp_path):
    from training.retrain import retrain

    u, f, o = _one_event()
    outcome = retrain(
        u, f, o, Registry(tmp_path / "reg"), report_dir=tmp_path / "rep", params=PARAMS
    )
    assert outcome.promoted
    report = (tmp_path / "rep" / "retrain.md").read_text()
    assert "**Tanpa evaluasi pada acara yang disisihkan:**" in report
    assert "No held-out" not in report


@pytest.mark.slow  # trains a model
def test_retrain_with_lang_en_says_its_steps_and_decision_in_english(cli_world, tmp_path, capsys):
    from matcher.cli import main

    outcomes = pd.read_csv(cli_world / "outcomes.csv", dtype=str, keep_default_na=False)
    one = outcomes[outcomes["event_id"] == outcomes["event_id"].iloc[-1]]  # one event only
    one.to_csv(tmp_path / "outcomes.csv", index=False)
    files = ["--umkm", str(cli_world / "umkm.csv"), "--firms", str(cli_world / "firms.csv")]
    files += ["--outcomes", str(tmp_path / "outcomes.csv")]
    argv = ["retrain", *files, "--registry", str(tmp_path / "reg"), "--lang", "en"]
    assert main(argv) == 0
    said = capsys.readouterr()
    # the library's progress lines follow --lang too, not only the command's own
    assert "fitting feature pipeline" in said.err and "menyiapkan" not in said.err
    assert said.out.startswith("promoted v") and "outcomes come from one event" in said.out
    argv[-1], argv[-3] = "id", str(tmp_path / "reg-id")
    assert main(argv) == 0
    said = capsys.readouterr()
    assert "menyiapkan pipeline fitur" in said.err and "fitting" not in said.err
    assert "dipromosikan" in said.out and "outcomes" not in said.out


@pytest.mark.parametrize(
    "n, declined, message",
    [(5, False, "at least 10 outcomes"), (40, True, "all 40 outcomes are 'declined'")],
)
def test_too_little_to_learn_from_is_refused(tmp_path, n, declined, message):
    u, f, o = line_world()
    o = o.head(n).copy()
    if declined:
        o[["stage", "grade"]] = ["declined", 0]
    with pytest.raises(MatcherError, match=message):
        train_and_register(u, f, o, Registry(tmp_path / "reg"), params=PARAMS)


@pytest.mark.slow  # trains a model
@pytest.mark.filterwarnings("error::RuntimeWarning")  # numpy's divide by zero in calibration
def test_two_events_give_finite_metrics(tmp_path):
    u, f, o = line_world()
    o = o[o["event_id"].isin(["E0", "E8"])].copy()
    result = train_and_register(u, f, o, Registry(tmp_path / "reg"), params=PARAMS)
    all_rows = result.table[result.table["segment"] == "all"]
    assert not result.split.no_heldout
    assert np.isfinite(all_rows[["ndcg@10", "mrr"]].to_numpy()).all()
