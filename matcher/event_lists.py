"""The lists a facilitator acts on after planning: who still has room, who has nothing.

- firms with unused capacity, each with its best remaining UMKM (who still have room
  themselves and are not vetoed);
- UMKM without a worthwhile meeting (no planned meeting at or above the minimum score),
  each with its best remaining firms (firms that still have room).

Both are computed from the room's score matrix in one vectorised pass
(:func:`matcher.service.top_k_rows`); unmet wishes come from :mod:`matcher.preferences`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.service import top_k_rows

OPTIONS = 3


def _options(score: np.ndarray, ids, k: int) -> tuple[list[list[str]], list[list[float]]]:
    cols, vals = top_k_rows(score, k)
    ok = np.isfinite(vals)
    ids = np.asarray(ids, dtype=object)
    return ([list(ids[c[m]]) for c, m in zip(cols, ok)],
            [list(v[m]) for v, m in zip(vals, ok)])


def action_lists(scores: np.ndarray, u_ids, f_ids, pairs: np.ndarray, cap_u, cap_f, *,
                 vetoed: np.ndarray | None = None, min_score: float | None = None,
                 k: int = OPTIONS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(firms with room, UMKM without a worthwhile meeting), each row with up to ``k``
    options: ``option_ids`` and ``option_scores`` (lists, best first).

    ``pairs``: (m, 2) planned (row, column) positions (meetings that take place);
    ``vetoed``: bool matrix of pairs never to suggest; ``min_score``: what counts as
    worthwhile (None: any planned meeting does).
    """
    scores = np.asarray(scores, float)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    cap_u, cap_f = np.asarray(cap_u), np.asarray(cap_f)
    n_u, n_f = scores.shape
    used_u = np.bincount(pairs[:, 0], minlength=n_u)
    used_f = np.bincount(pairs[:, 1], minlength=n_f)
    free_u, free_f = cap_u - used_u, cap_f - used_f
    open_pair = np.isfinite(scores) & (scores > 0)
    open_pair[pairs[:, 0], pairs[:, 1]] = False
    if vetoed is not None:
        open_pair &= ~vetoed
    if min_score is not None:
        open_pair &= scores >= min_score
    usable = np.where(open_pair, scores, -np.inf)

    firms = np.flatnonzero(free_f > 0)
    ids, vals = _options(np.where(free_u[:, None] > 0, usable, -np.inf)[:, firms].T, u_ids, k)
    firm_rows = pd.DataFrame({
        "firm_id": np.asarray(f_ids, dtype=object)[firms], "capacity": cap_f[firms],
        "meetings": used_f[firms], "free": free_f[firms], "option_ids": ids,
        "option_scores": vals})

    worth = np.zeros(n_u, dtype=bool)
    good = pairs if min_score is None else pairs[scores[pairs[:, 0], pairs[:, 1]] >= min_score]
    worth[good[:, 0]] = True
    lonely = np.flatnonzero(~worth)
    ids, vals = _options(np.where(free_f[None, :] > 0, usable, -np.inf)[lonely], f_ids, k)
    umkm_rows = pd.DataFrame({
        "umkm_id": np.asarray(u_ids, dtype=object)[lonely], "meetings": used_u[lonely],
        "option_ids": ids, "option_scores": vals})
    return firm_rows, umkm_rows


def event_action_lists(service, event: pd.DataFrame, schedule: pd.DataFrame,
                       preferences: pd.DataFrame | None = None, *,
                       min_score: float | None = None, k: int = OPTIONS):
    """:func:`action_lists` for an event and its schedule (meetings with a slot count as
    taking place), scored by ``service`` (:class:`matcher.service.MatchService`)."""
    from matcher.preferences import preference_matrices
    from matcher.schedule import event_sides, pair_positions

    u_ids, f_ids = event_sides(event)
    scores = service.score_matrix(u_ids, f_ids)
    held = schedule[schedule["slot"].notna()] if "slot" in schedule else schedule
    u, f = pair_positions(held, u_ids, f_ids, "schedule")
    is_u = (event["party"] == "umkm").to_numpy()
    vetoed = preference_matrices(preferences, u_ids, f_ids).vetoed
    return action_lists(scores, u_ids, f_ids, np.column_stack([u, f]),
                        event.loc[is_u, "capacity"].to_numpy(), event.loc[~is_u, "capacity"].to_numpy(),
                        vetoed=vetoed, min_score=min_score, k=k)
