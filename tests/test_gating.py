"""Champion/challenger gating: each rule alone can block, a clean challenger is promoted."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from training.gating import decide_promotion

FEATURES = ["kbli_overlap", "distance_km", "text_similarity"]


def champion():
    return {
        "heldout": {"ndcg@10": 0.60},
        "frozen": {"ndcg@10": 0.58},
        "coverage": 0.40,
        "features": list(FEATURES),
    }


def challenger():
    return {
        "heldout": {"ndcg@10": 0.63},
        "frozen": {"ndcg@10": 0.59},
        "baselines": {"rule": {"ndcg@10": 0.50}, "tfidf": {"ndcg@10": 0.55}},
        "coverage": 0.38,
        "scores_finite": True,
        "features": FEATURES + ["scale_fit"],
    }


def test_clean_challenger_is_promoted():
    d = decide_promotion(champion(), challenger())
    assert d.promote, d.reason
    assert {c.name for c in d.checks} == {
        "scores_finite",
        "coverage",
        "feature_schema",
        "beats_baseline:rule",
        "beats_baseline:tfidf",
        "heldout_vs_champion",
        "frozen_vs_champion",
    }
    assert d.failed == []
    assert d.reason.startswith("promote:") and "\n" not in d.reason
    json.dumps(d.to_dict())  # storable in a manifest


def set_path(d, path, value):
    *parents, leaf = path
    for key in parents:
        d = d[key]
    d[leaf] = value


# Each change alone must block promotion, and exactly the named check must fail.
BLOCKERS = [
    (("scores_finite",), False, "scores_finite"),
    (("coverage",), 0.19, "coverage"),  # below 0.5 x 0.40
    (("features",), ["kbli_overlap", "text_similarity"], "feature_schema"),
    (("baselines", "rule", "ndcg@10"), 0.62, "beats_baseline:rule"),  # margin 0.01 < 0.02
    (("baselines", "tfidf", "ndcg@10"), 0.64, "beats_baseline:tfidf"),
    (("heldout", "ndcg@10"), 0.585, "heldout_vs_champion"),  # champion 0.60, tolerance 0.01
    (("frozen", "ndcg@10"), 0.565, "frozen_vs_champion"),  # 0.58 - 0.01 = 0.57 > 0.565
    (("frozen", "ndcg@10"), float("nan"), "frozen_vs_champion"),
    (("frozen",), {}, "frozen_vs_champion"),  # champion has a frozen slice, challenger no score
]


@pytest.mark.parametrize("path,value,failing", BLOCKERS, ids=lambda x: str(x))
def test_each_rule_alone_blocks_promotion(path, value, failing):
    new = challenger()
    set_path(new, path, value)
    d = decide_promotion(champion(), new)
    assert not d.promote
    assert [c.name for c in d.failed] == [failing]
    assert d.reason.startswith("keep champion") and failing in d.reason


def test_worse_within_tolerance_still_promotes():
    new = challenger()
    new["heldout"]["ndcg@10"] = 0.595  # 0.005 below champion, tolerance 0.01
    new["frozen"]["ndcg@10"] = 0.575
    new["baselines"] = {"rule": {"ndcg@10": 0.50}}
    assert decide_promotion(champion(), new).promote
    assert not decide_promotion(champion(), new, tolerance=0.001).promote


def test_margins_met_exactly_count_as_met():
    new = challenger()
    new["heldout"]["ndcg@10"] = 0.62
    new["baselines"] = {"rule": {"ndcg@10": 0.60}}  # 0.62 - 0.60 is 0.01999... in floats
    new["frozen"]["ndcg@10"] = 0.57  # exactly champion 0.58 - tolerance 0.01
    new["coverage"] = 0.20  # exactly 0.5 x 0.40
    d = decide_promotion(champion(), new)
    assert d.promote, d.reason


def test_numpy_numbers_are_accepted():
    new = challenger()
    new["heldout"]["ndcg@10"] = np.float64(0.63)
    new["coverage"] = np.float32(0.38)
    assert decide_promotion(champion(), new).promote


def test_no_baselines_blocks():
    new = challenger()
    new["baselines"] = {}
    d = decide_promotion(champion(), new)
    assert not d.promote and [c.name for c in d.failed] == ["beats_baseline"]


def test_champion_without_frozen_slice_skips_that_check():
    old = champion()
    del old["frozen"]
    d = decide_promotion(old, challenger())
    assert d.promote
    frozen = next(c for c in d.checks if c.name == "frozen_vs_champion")
    assert frozen.passed and "skipped" in frozen.detail


def test_first_model_promoted_when_it_beats_baselines_and_is_sane():
    new = challenger()
    del new["frozen"]
    d = decide_promotion(None, new)
    assert d.promote and d.reason.startswith("promote first model")
    assert not any(c.name.endswith("_vs_champion") for c in d.checks)


@pytest.mark.parametrize(
    "path,value",
    [
        (("baselines", "tfidf", "ndcg@10"), 0.62),
        (("coverage",), 0.0),
        (("scores_finite",), False),
        (("heldout", "ndcg@10"), math.inf),
        (("features",), []),
    ],
)
def test_first_model_blocked_by_baselines_or_sanity(path, value):
    new = challenger()
    set_path(new, path, value)
    d = decide_promotion(None, new)
    assert not d.promote and d.reason.startswith("do not promote")


def test_inputs_are_not_modified():
    old, new = champion(), challenger()
    before = copy.deepcopy((old, new))
    decide_promotion(old, new)
    assert (old, new) == before


def test_invalid_parameters_raise():
    with pytest.raises(ValueError):
        decide_promotion(None, challenger(), min_coverage_ratio=2)


# -- noise allowance (issue 16): a shortfall chance explains does not keep the champion --
def test_shortfall_within_the_held_out_noise_promotes_and_says_why():
    new = challenger()
    new["heldout"]["ndcg@10"] = 0.576  # 0.024 below the champion: beyond the 0.01 tolerance
    assert not decide_promotion(champion(), new).promote  # without a paired difference
    new["heldout_vs_champion"] = {"mean": -0.024, "se": 0.02, "n": 180}  # allowance 0.0329
    d = decide_promotion(champion(), new)
    assert d.promote, d.reason
    assert "within chance" in d.reason and "180 held-out UMKM" in d.reason


def test_a_clearly_worse_challenger_is_still_kept_out():
    new = challenger()
    new["heldout"]["ndcg@10"] = 0.575  # 0.025 below; allowance 1.645 x 0.01 = 0.016
    new["heldout_vs_champion"] = {"mean": -0.025, "se": 0.01, "n": 900}
    d = decide_promotion(champion(), new)
    assert [c.name for c in d.failed] == ["heldout_vs_champion"]


def test_small_noise_never_shrinks_the_tolerance():
    new = challenger()
    new["heldout"]["ndcg@10"] = 0.592  # 0.008 below, tolerance 0.01, 1.645 x se = 0.0016
    new["heldout_vs_champion"] = {"mean": -0.008, "se": 0.001, "n": 5000}
    assert decide_promotion(champion(), new).promote


def test_noise_allowance_does_not_widen_the_baseline_margin():
    new = challenger()
    new["baselines"]["rule"]["ndcg@10"] = 0.62  # challenger 0.63: only +0.01 over the rule
    new["heldout_vs_champion"] = {"mean": 0.03, "se": 0.05, "n": 50}
    assert [c.name for c in decide_promotion(champion(), new).failed] == ["beats_baseline:rule"]


def test_the_decision_reads_in_indonesian_with_indonesian_numbers_and_stays_english_as_text():
    from matcher.i18n import text_in
    from training.retrain import decision_message

    champ = {"heldout": {"ndcg@10": 0.45}, "frozen": {"ndcg@10": 0.5}, "coverage": 0.5}
    chall = {
        "heldout": {"ndcg@10": 0.41},
        "frozen": {"ndcg@10": 0.5},
        "coverage": 0.5,
        "scores_finite": True,
        "baselines": {"rule": {"ndcg@10": 0.2}},
    }
    d = decide_promotion({**champ, "features": ["a"]}, {**chall, "features": ["a"]})
    assert not d.promote
    assert text_in(d.reason, "id").startswith("pertahankan juara: 1 dari ")
    assert "0,4100 dibanding juara 0,4500" in text_in(d.reason, "id")
    assert str(d.reason).startswith("keep champion: 1 of ")  # manifests and logs keep English
    line = text_in(decision_message(d, "v2", "v1"), "id")
    assert line.startswith("v1 dipertahankan: heldout_vs_champion:") and "v2 terdaftar" in line
    first = decide_promotion(None, {**chall, "features": ["a"]})
    assert (
        text_in(first.reason, "id")
        == "promosikan model pertama: ndcg@10 uji 0,4100; lolos semua 4 pemeriksaan"
    )
