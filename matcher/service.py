"""The one façade used by the CLI, the API and the web app.

A :class:`MatchService` binds a fitted model to a set of profiles (canonical frames, see
:mod:`matcher.data.schema`). It owns the ID<->index maps (:class:`matcher.index.IdIndex`)
and the per-entity encodings, so every request only scores pairs. It does no I/O: callers
load files or rows from the store and hand frames in.

The model it wraps follows the protocol of :class:`matcher.ranking.MatchModel`:

- ``encode_umkm(umkm) -> EncodedSide`` / ``encode_firms(firms) -> EncodedSide``:
  per-entity features, computed once per profile set;
- ``score_block(U, F, u_idx, f_idx=None) -> ndarray (len(u_idx), n_firms or len(f_idx))``:
  dense scores for a block of UMKM against firms (vectorised; no loop per pair);
- ``score_pairs(U, F, u_idx, f_idx) -> ndarray``: scores of aligned pairs;
- ``top_firms(U, F, u_idx, k, return_features=False) -> (firm positions, scores[, X])``,
  each ``(len(u_idx), k)``, best first: uses the candidate shortlist when the firm set is
  large; with ``return_features`` also the chosen pairs' feature rows;
- ``explain_features(X, U, F, u_idx, f_idx) -> list[str]``: reasons from those rows;
- ``explain_pairs(U, F, u_idx, f_idx) -> list[str]``: Bahasa Indonesia reasons per pair.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from matcher.data.schema import UMKM_COLUMNS
from matcher.index import IdIndex

RECOMMENDATION_COLUMNS = ("umkm_id", "firm_id", "rank", "score", "reasons")


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


class MatchService:
    """Recommend firms for UMKM, UMKM for firms, and score event rooms."""

    model_version: str | None = None

    def __init__(self, model, umkm: pd.DataFrame | None, firms: pd.DataFrame, *,
                 encode_umkm_upfront: bool = True, encoded_firms=None):
        """``umkm=None`` binds the firms only: a firm-side service that answers for UMKM
        profiles handed in (:meth:`match_profile`; what batch engines ship and stream).
        ``encode_umkm_upfront=False`` (batch runs) encodes UMKM chunk by chunk in
        :meth:`recommend_chunk`, so memory does not grow with the number of UMKM; other
        questions then encode all UMKM on first use. ``encoded_firms``: the firms'
        encodings when already made (another service's), so they are not made again."""
        self.model = model
        self.umkm = (pd.DataFrame(columns=list(UMKM_COLUMNS)) if umkm is None
                     else umkm.reset_index(drop=True))
        self.firms = firms.reset_index(drop=True)
        self.umkm_index = IdIndex(self.umkm["umkm_id"], kind="umkm")
        self.firm_index = IdIndex(self.firms["firm_id"], kind="firm")
        upfront = encode_umkm_upfront and umkm is not None
        self._U_all = model.encode_umkm(self.umkm) if upfront else None
        self._F = model.encode_firms(self.firms) if encoded_firms is None else encoded_firms

    def firm_side(self) -> "MatchService":
        """This service's model and firms (encodings shared), without its UMKM."""
        service = MatchService(self.model, None, self.firms, encoded_firms=self._F)
        service.model_version = self.model_version
        return service

    @property
    def _U(self):
        if self._U_all is None:
            self._U_all = self.model.encode_umkm(self.umkm)
        return self._U_all

    @classmethod
    def from_registry(cls, registry=None, umkm: pd.DataFrame | None = None,
                      firms: pd.DataFrame | None = None, version: str | None = None,
                      **options) -> "MatchService":
        """Bind the registry's current (or given) model version to these profiles.

        ``registry`` is a :class:`training.registry.Registry` or a folder path (None: the
        default registry). The loaded artifact is checksum-verified by the registry.
        """
        from training.registry import Registry  # the registry lives with training

        reg = registry if isinstance(registry, Registry) else Registry(registry)
        service = cls(reg.load(version), umkm, firms, **options)
        service.model_version = reg.resolve(version)
        return service

    # -- scoring -------------------------------------------------------------------
    def score_matrix(self, umkm_ids: Sequence[str], firm_ids: Sequence[str]) -> np.ndarray:
        """Dense scores, rows in the order of ``umkm_ids``, columns of ``firm_ids``."""
        u = self.umkm_index.to_index(list(umkm_ids))
        f = self.firm_index.to_index(list(firm_ids))
        return self.model.score_block(self._U, self._F, u, f)

    def explain(self, umkm_ids: Sequence[str], firm_ids: Sequence[str]) -> list[str]:
        """Reasons for aligned pairs (umkm_ids[i], firm_ids[i])."""
        u = self.umkm_index.to_index(list(umkm_ids))
        f = self.firm_index.to_index(list(firm_ids))
        return self.model.explain_pairs(self._U, self._F, u, f)

    # -- recommendations -----------------------------------------------------------
    def iter_recommend_firms(
        self, umkm_ids: Sequence[str] | None = None, k: int = 10, chunk_size: int = 2048
    ) -> Iterator[pd.DataFrame]:
        """Top-k firms per UMKM, yielded chunk by chunk so memory stays bounded."""
        for u_idx in self.chunk_positions(umkm_ids, chunk_size):
            yield self.recommend_chunk(u_idx, k)

    def chunk_positions(self, umkm_ids: Sequence[str] | None, chunk_size: int) -> list[np.ndarray]:
        """UMKM positions per chunk, in input order: the unit every batch engine scores."""
        if chunk_size < 1:
            raise MatcherError(f"chunk size must be at least 1, got {chunk_size}")
        u_all = (np.arange(len(self.umkm_index)) if umkm_ids is None
                 else self.umkm_index.to_index(list(umkm_ids)))
        return [u_all[s : s + chunk_size] for s in range(0, len(u_all), chunk_size)]

    def recommend_chunk(self, u_idx: np.ndarray, k: int = 10) -> pd.DataFrame:
        """Top-k firms for the UMKM at positions ``u_idx``: the unit of work of every batch
        engine (local chunks here, Dask tasks in :mod:`matcher.scale`), so they agree row
        for row."""
        u_idx = np.asarray(u_idx, dtype=np.int64)
        if self._U_all is None:  # batch mode: encode just this chunk
            U, local = self.model.encode_umkm(self.umkm.iloc[u_idx]), np.arange(len(u_idx))
        else:
            U, local = self._U_all, u_idx
        cols, vals, X = self.model.top_firms(U, self._F, local, k, return_features=True)
        return self._frame(u_idx, cols, vals, X, U, local)

    def recommend_firms(self, umkm_ids: Sequence[str] | None = None, k: int = 10) -> pd.DataFrame:
        parts = list(self.iter_recommend_firms(umkm_ids, k))
        if not parts:
            return pd.DataFrame(columns=list(RECOMMENDATION_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    def recommend_umkm(self, firm_id: str, k: int = 10, umkm_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Top-k UMKM for one firm (the reverse question), best first; among ``umkm_ids``
        only when given (e.g. the UMKM of a facilitator's region)."""
        f = self.firm_index.to_index([firm_id])
        pool = (np.arange(len(self.umkm_index)) if umkm_ids is None
                else self.umkm_index.to_index(list(umkm_ids)))
        if len(pool) == 0:
            return pd.DataFrame(columns=["firm_id", "umkm_id", "rank", "score", "reasons"])
        scores = self.model.score_block(self._U, self._F, pool, f)[:, 0]
        rows, vals = top_k_rows(scores[None, :], k)
        u = pool[rows[0]]
        reasons = self.model.explain_pairs(self._U, self._F, u, np.repeat(f, len(u)))
        return pd.DataFrame(
            {
                "firm_id": firm_id,
                "umkm_id": self.umkm_index.to_ids(u),
                "rank": np.arange(1, len(u) + 1),
                "score": vals[0],
                "reasons": reasons,
            }
        )

    def plan_event(self, event: pd.DataFrame, *, min_score: float | None = None,
                   must_include: Sequence[tuple[str, str]] = (), exclude: Sequence[tuple[str, str]] = (),
                   quotas: Sequence[str] = (),
                   preferences: pd.DataFrame | None = None) -> pd.DataFrame:
        """Optimal capacity-aware plan for an event (canonical event frame).

        Scores every (UMKM, firm) pair among the participants, solves the assignment with
        :func:`matcher.planning.plan_event` and explains the chosen pairs. ``must_include``
        and ``exclude`` are (umkm_id, firm_id) pairs; ``quotas`` are ``"REGION:N"`` specs
        (at least N matched UMKM from that province or kabupaten/kota). ``preferences``
        (:func:`matcher.data.event_files.parse_preferences`): vetoes are never planned and
        wishes weigh in (:mod:`matcher.preferences`); the plan's ``attrs`` then carry
        ``wishes`` (tally) and ``unmet_wishes``. Returns the event plan format: umkm_id,
        firm_id, score, reasons (firm, then score order).
        """
        from matcher.planning import parse_quota, plan_event
        from matcher.preferences import preference_matrices, unmet_wishes, wish_tally

        is_u = event["party"] == "umkm"
        u_ids = event.loc[is_u, "id"].astype(str).tolist()
        f_ids = event.loc[~is_u, "id"].astype(str).tolist()
        scores = self.score_matrix(u_ids, f_ids)
        u_pos, f_pos = pd.Index(u_ids), pd.Index(f_ids)

        def positions(pairs, what):
            if len(pairs) == 0:
                return np.empty((0, 2), dtype=np.int64)
            a = np.asarray(pairs, dtype=object).reshape(-1, 2)
            i, j = u_pos.get_indexer(a[:, 0]), f_pos.get_indexer(a[:, 1])
            bad = (i < 0) | (j < 0)
            if bad.any():
                raise MatcherError(f"{what} pair {tuple(a[bad][0])} is not among the event's participants")
            return np.stack([i, j], axis=1)

        room = self.umkm.iloc[self.umkm_index.to_index(u_ids)].reset_index(drop=True)
        prefs = preference_matrices(preferences, u_ids, f_ids)
        plan = plan_event(
            scores,
            event.loc[is_u, "capacity"].to_numpy(dtype=np.int64),
            event.loc[~is_u, "capacity"].to_numpy(dtype=np.int64),
            min_score=min_score,
            must_include=positions(must_include, "must-include"),
            exclude=np.vstack([positions(exclude, "excluded"), prefs.veto_pairs()]),
            quotas=[parse_quota(q, room) for q in quotas],
            values=scores * prefs.multiplier() if preferences is not None else None,
            ids=(u_ids, f_ids),
        )
        u_sel = np.asarray(u_ids, dtype=object)[plan.pairs[:, 0]]
        f_sel = np.asarray(f_ids, dtype=object)[plan.pairs[:, 1]]
        out = pd.DataFrame({
            "umkm_id": u_sel, "firm_id": f_sel,
            "score": scores[plan.pairs[:, 0], plan.pairs[:, 1]],
            "reasons": self.explain(list(u_sel), list(f_sel)),
        })
        out = out.sort_values(["firm_id", "score"], ascending=[True, False], kind="stable")
        out = out.reset_index(drop=True)
        out.attrs["plan_info"] = plan.info
        if preferences is not None:
            ok = np.argwhere(np.isfinite(scores) & (scores > 0) & (
                scores >= min_score if min_score is not None else True))
            eligible = pd.DataFrame({"umkm_id": np.asarray(u_ids, object)[ok[:, 0]],
                                     "firm_id": np.asarray(f_ids, object)[ok[:, 1]]})
            out.attrs["wishes"] = wish_tally(preferences, out)
            out.attrs["unmet_wishes"] = unmet_wishes(preferences, out, eligible=eligible)
        return out

    def match_profile(self, profile: pd.DataFrame, k: int = 10) -> pd.DataFrame:
        """Top-k firms for ad-hoc UMKM profiles (canonical frame) not in this service."""
        other = MatchService(self.model, profile, self.firms, encoded_firms=self._F)
        return other.recommend_firms(None, k)

    def _frame(self, u: np.ndarray, cols: np.ndarray, vals: np.ndarray, X: np.ndarray, U, local) -> pd.DataFrame:
        """Rows for UMKM ``u`` (global positions; ``local`` are their rows in ``U``)."""
        k = cols.shape[1]
        uu = np.repeat(u, k)
        ff = cols.ravel()
        return pd.DataFrame(
            {
                "umkm_id": self.umkm_index.to_ids(uu),
                "firm_id": self.firm_index.to_ids(ff),
                "rank": np.tile(np.arange(1, k + 1), len(u)),
                "score": vals.ravel(),
                "reasons": self.model.explain_features(X, U, self._F, np.repeat(local, k), ff),
            }
        )
