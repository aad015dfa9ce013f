"""PSI: zero for identical data, hand-computed values, shifted data flagged."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import MatcherError
from training.drift import drift_table, plot_drift, psi, psi_categorical

# expected shares (.5, .5), actual (.75, .25):
# (.75-.5) ln(.75/.5) + (.25-.5) ln(.25/.5) = .25 ln 1.5 + .25 ln 2
HAND_PSI = 0.25 * math.log(1.5) + 0.25 * math.log(2)  # 0.274653...


def test_identical_distributions_have_zero_psi():
    x = np.random.default_rng(1).normal(size=1000)
    assert psi(x, x) == pytest.approx(0, abs=1e-12)
    cats = ["halal", "pirt", "halal", None, "sni"]
    assert psi_categorical(cats, cats) == pytest.approx(0, abs=1e-12)


def test_numeric_psi_matches_hand_computation():
    # bins=2 -> one edge at the median of expected (2.5): shares (.5,.5) vs (.75,.25)
    assert psi([1, 2, 3, 4], [1, 1, 1, 4], bins=2) == pytest.approx(HAND_PSI)
    assert HAND_PSI == pytest.approx(0.274653, abs=1e-6)


def test_categorical_psi_matches_hand_computation():
    assert psi_categorical(list("aabb"), list("aaab")) == pytest.approx(HAND_PSI)


def test_empty_bin_uses_epsilon_not_infinity():
    # expected shares (1, 0 -> 1e-4), actual (.5, .5)
    want = (0.5 - 1) * math.log(0.5 / 1) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi_categorical(["a", "a"], ["a", "b"]) == pytest.approx(want)


def test_values_outside_training_range_land_in_the_end_bins():
    # everything above the training maximum: all in the last of 2 bins -> (.5,.5) vs (0,1)
    want = (1e-4 - 0.5) * math.log(1e-4 / 0.5) + (1 - 0.5) * math.log(1 / 0.5)
    assert psi([1, 2, 3, 4], [10, 20, 30, 40], bins=2) == pytest.approx(want)


def test_newly_missing_values_count_as_drift():
    before = np.arange(100.0)
    after = before.copy()
    after[::2] = np.nan  # the feed stopped filling half the rows
    assert psi(before, after) > 0.2


def test_shifted_distribution_flagged_and_same_distribution_stable():
    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        {
            "distance_km": rng.normal(0, 1, 5000),
            "scale": rng.choice(["mikro", "kecil", "menengah"], 5000),
        }
    )
    same = pd.DataFrame(
        {
            "distance_km": rng.normal(0, 1, 5000),
            "scale": rng.choice(["mikro", "kecil", "menengah"], 5000),
        }
    )
    shifted = same.assign(distance_km=same["distance_km"] + 1.0)
    stable = drift_table(train, same)
    assert (stable["status"] == "stable").all() and not stable["flagged"].any()
    table = drift_table(train, shifted, ["scale", "distance_km"])
    assert list(table.columns) == ["feature", "kind", "psi", "status", "flagged"]
    assert table.iloc[0]["feature"] == "distance_km"  # worst first
    assert table.iloc[0]["flagged"] and table.iloc[0]["status"] == "drift"
    assert table.set_index("feature").loc["scale", "status"] == "stable"


def test_watch_band_between_thresholds():
    table = drift_table(
        pd.DataFrame({"x": list("aabb")}), pd.DataFrame({"x": list("aaab")}), watch=0.1, flag=0.3
    )
    assert table.loc[0, "status"] == "watch" and not table.loc[0, "flagged"]


def test_tuple_columns_compare_their_items():
    train = pd.DataFrame({"kbli": [("10110", "10750"), ("10110",)]})
    same_items = pd.DataFrame({"kbli": [("10750",), ("10110",), ("10110",)]})
    table = drift_table(train, same_items)
    assert table.loc[0, "kind"] == "categorical"
    assert table.loc[0, "psi"] == pytest.approx(0, abs=1e-12)


def test_datetimes_are_binned_numerically():
    dates = pd.Series(pd.date_range("2025-01-01", periods=100, freq="D"))
    table = drift_table(
        pd.DataFrame({"d": dates}), pd.DataFrame({"d": dates + pd.Timedelta(days=365)})
    )
    assert table.loc[0, "kind"] == "numeric" and table.loc[0, "flagged"]


def test_missing_column_is_a_clear_error():
    with pytest.raises(MatcherError, match="'budget_idr'.*current data"):
        drift_table(pd.DataFrame({"budget_idr": [1.0]}), pd.DataFrame({"x": [1.0]}), ["budget_idr"])
    with pytest.raises(MatcherError, match="empty"):
        psi([1.0, 2.0], [])


def test_plot_drift_writes_a_png(tmp_path):
    table = drift_table(
        pd.DataFrame({"x": list("aabb"), "y": [1.0, 2, 3, 4]}),
        pd.DataFrame({"x": list("aaab"), "y": [1.0, 2, 3, 4]}),
    )
    out = plot_drift(table, tmp_path / "drift.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["drift.png"]  # no temp file left


def test_drift_chart_shows_the_top_features_at_a_readable_size(tmp_path):
    """Issue 16: 60 features gave an 840x2370 chart of invisible bars; now the 15 that moved
    most, with the thresholds, at a size a person can read."""
    from PIL import Image

    rng = np.random.default_rng(0)
    before = pd.DataFrame({f"f{i:02d}": rng.normal(size=400) for i in range(60)})
    after = before.copy()
    after["f07"] = after["f07"] + 2.0  # one feature drifts hard
    table = drift_table(before, after)
    out = plot_drift(table, tmp_path / "drift.png")
    width, height = Image.open(out).size
    assert width <= 1100 and height <= 1100 and height >= 300
