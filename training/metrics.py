"""Ranking metrics over dense (n_users, n_items) score and relevance matrices.

Gains are graded: ``2**grade - 1`` (declined 0, meeting 1, mou 2, contract 3), discounted
by ``log2(rank + 1)``. Rows without any positive relevance have no defined NDCG and are
excluded by the caller. Ties in scores are broken by item position (stable), so metrics
are deterministic.
"""

from __future__ import annotations

import numpy as np


def _ranked(scores: np.ndarray, k: int) -> np.ndarray:
    order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)
    return order[:, :k]


def ndcg_at_k(scores: np.ndarray, relevance: np.ndarray, k: int) -> np.ndarray:
    """Per-row NDCG@k (NaN where the row has no positive relevance)."""
    top = _ranked(scores, k)
    gains = 2.0 ** np.take_along_axis(relevance, top, axis=1) - 1
    disc = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    dcg = (gains * disc).sum(axis=1)
    ideal = -np.sort(-(2.0**relevance - 1), axis=1)[:, : top.shape[1]]
    idcg = (ideal * disc[: ideal.shape[1]]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(idcg > 0, dcg / idcg, np.nan)


def recall_at_k(
    scores: np.ndarray, relevance: np.ndarray, k: int, threshold: float = 1
) -> np.ndarray:
    """Share of a row's relevant items (relevance >= threshold) found in its top k."""
    top = _ranked(scores, k)
    rel = relevance >= threshold
    hits = np.take_along_axis(rel, top, axis=1).sum(axis=1)
    n = rel.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, hits / n, np.nan)


def mrr(scores: np.ndarray, relevance: np.ndarray, threshold: float = 1) -> np.ndarray:
    """Reciprocal rank of the first relevant item (NaN where none is relevant)."""
    order = _ranked(scores, scores.shape[1])
    rel = np.take_along_axis(relevance >= threshold, order, axis=1)
    first = rel.argmax(axis=1)
    return np.where(rel.any(axis=1), 1.0 / (first + 1), np.nan)


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of exposure counts (0 = equal exposure, ->1 = concentrated)."""
    x = np.sort(np.asarray(counts, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)
