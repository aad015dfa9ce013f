"""top_k_rows: best first, ties by the lower column, and a top k is the prefix of a longer
one even when scores tie at the k-th place (what keeping a longer list per UMKM and
cutting it later relies on)."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.topk import top_k_rows


def test_ties_at_the_kth_place_go_to_the_lower_columns():
    scores = np.array([[1.0, 5.0, 1.0, 1.0, 3.0, 1.0]])
    cols, vals = top_k_rows(scores, 3)
    assert cols.tolist() == [[1, 4, 0]] and vals.tolist() == [[5.0, 3.0, 1.0]]
    assert top_k_rows(scores, 4)[0].tolist() == [[1, 4, 0, 2]]


@pytest.mark.parametrize("seed", range(5))
def test_every_top_k_is_the_prefix_of_the_full_order(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(40, 30)).astype(float)  # many ties
    scores[0] = 2.0  # a row of one value
    full_cols, full_vals = top_k_rows(scores, 30)
    # the full order: score descending, then column ascending
    want = np.lexsort((np.broadcast_to(np.arange(30), scores.shape), -scores), axis=1)
    assert (full_cols == want).all()
    for k in (1, 2, 7, 29):
        cols, vals = top_k_rows(scores, k)
        assert (cols == full_cols[:, :k]).all() and (vals == full_vals[:, :k]).all()
