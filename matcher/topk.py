"""Top-k per row of a score matrix: shared by the model's shortlist (:mod:`matcher.ranking`),
the service and the benchmarks. Its own module so the model does not import the service
that wraps it."""

from __future__ import annotations

import numpy as np


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column positions and values of the k best scores in every row, best first.

    Ties are broken by the lower column position, so results are deterministic.
    """
    n = scores.shape[1]
    k = min(k, n)
    if k <= 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64), np.empty((scores.shape[0], 0))
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    # stable order: by score descending, then by column position ascending
    order = np.lexsort((part, -vals), axis=1)
    cols = np.take_along_axis(part, order, axis=1)
    return cols.astype(np.int64), np.take_along_axis(vals, order, axis=1)
