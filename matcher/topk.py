"""Top-k per row of a score matrix: shared by the model's shortlist (:mod:`matcher.ranking`),
the service and the benchmarks. Its own module so the model does not import the service
that wraps it."""

from __future__ import annotations

import numpy as np


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column positions and values of the k best scores in every row, best first.

    Ties are broken by the lower column position, also at the k-th place, so results are
    deterministic and the top k is always the first k of the top k + 1.
    """
    n = scores.shape[1]
    k = min(k, n)
    if k <= 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64), np.empty((scores.shape[0], 0))
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        # argpartition picks any of the scores tied with the k-th best; take the lowest
        # columns among them, so a top-k is always the first k of a longer top list
        kth = np.take_along_axis(scores, part, axis=1).min(axis=1, keepdims=True)
        tied = scores == kth
        if (tied.sum(axis=1) > 1).any() and not np.isnan(kth).any():
            above = scores > kth
            room = k - above.sum(axis=1, keepdims=True)
            chosen = above | (tied & (np.cumsum(tied, axis=1) <= room))
            part = np.nonzero(chosen)[1].reshape(scores.shape[0], k)
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    # stable order: by score descending, then by column position ascending
    order = np.lexsort((part, -vals), axis=1)
    cols = np.take_along_axis(part, order, axis=1)
    return cols.astype(np.int64), np.take_along_axis(vals, order, axis=1)
