"""The stand-ins for the model that tests share, each implementing the whole model protocol
(:class:`matcher.protocols.MatchingModel`) and checked against it by the contract tests in
``tests/test_model_contract.py`` — so a fake cannot quietly drift from what the service
relies on.

- :class:`FakeModel`: scores from a rule anyone can check (KBLI meets, same province, a
  boost), for API and service plumbing;
- :class:`MatrixModel`: scores looked up by (umkm_id, firm_id) in a given table, or
  pseudo-random per pair when no table is given, to drive the planner;
- :class:`FakeModelSource`: the registry's place in the API (versions of any models).

Module level, so they pickle (registry round trips, Dask workers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _top_firms(model, U, F, u_idx, k, return_features):
    """``top_firms`` of a fake: the full score block, best k per row (ties: lower position)."""
    from matcher.topk import top_k_rows

    cols, vals = top_k_rows(model.score_block(U, F, u_idx), k)
    # the "feature rows" a fake hands back are the pairs themselves: what its
    # explain_features needs to give the reasons of explain_pairs
    X = np.column_stack([np.repeat(np.asarray(u_idx, np.int64), cols.shape[1]), cols.ravel()])
    return (cols, vals, X) if return_features else (cols, vals)


class FakeModel:
    """A rule anyone can check: score = 1 if the UMKM's KBLI meets the firm's (needed)
    KBLI, + 0.5 if same province, + ``boost`` for firms in ``boosted`` (lets a "new model
    version" change the ranking)."""

    def __init__(self, boosted: tuple[str, ...] = (), boost: float = 5.0):
        self.boosted, self.boost = boosted, boost

    def encode_umkm(self, umkm):
        return umkm.reset_index(drop=True)

    def encode_firms(self, firms):
        return firms.reset_index(drop=True)

    def score_block(self, U, F, u_idx, f_idx=None):
        f_idx = np.arange(len(F)) if f_idx is None else np.asarray(f_idx)
        u, f = U.iloc[np.asarray(u_idx, np.int64)], F.iloc[f_idx]
        u_kbli = [set(k) for k in u["kbli"]]
        f_kbli = [set(a) | set(b) for a, b in zip(f["kbli"], f["needed_kbli"])]
        kbli = np.array([[bool(a & b) for b in f_kbli] for a in u_kbli], dtype=float)
        same = np.equal.outer(u["province"].to_numpy(), f["province"].to_numpy())
        boost = np.isin(f["firm_id"].to_numpy(), self.boosted) * self.boost
        return (kbli + 0.5 * same + boost[None, :]).reshape(len(u), len(f))

    def score_pairs(self, U, F, u_idx, f_idx):
        u_idx, f_idx = np.asarray(u_idx, np.int64), np.asarray(f_idx, np.int64)
        if len(u_idx) == 0:
            return np.empty(0)
        return self.score_block(U, F, u_idx, f_idx)[np.arange(len(u_idx)), np.arange(len(f_idx))]

    def top_firms(self, U, F, u_idx, k, return_features=False):
        return _top_firms(self, U, F, u_idx, k, return_features)

    def explain_features(self, X, U, F, u_idx, f_idx):
        return self.explain_pairs(U, F, u_idx, f_idx)

    def explain_pairs(self, U, F, u_idx, f_idx):
        out = []
        for u, f in zip(u_idx, f_idx):
            reasons = []
            if set(U["kbli"].iloc[u]) & (set(F["kbli"].iloc[f]) | set(F["needed_kbli"].iloc[f])):
                reasons.append("KBLI cocok")
            if U["province"].iloc[u] == F["province"].iloc[f]:
                reasons.append("provinsi sama")
            out.append("; ".join(reasons) or "tidak ada kecocokan")
        return out


class MatrixModel:
    """Scores looked up by (umkm_id, firm_id) in ``scores`` (a frame: index umkm_id,
    columns firm_id); without one, a fixed pseudo-random score in [0, 1) per pair, from a
    hash of both IDs and ``seed`` (the same pair scores the same in any frame or order)."""

    def __init__(self, scores: pd.DataFrame | None = None, seed: int = 0):
        self.scores, self.seed = scores, seed

    @classmethod
    def from_array(cls, scores, umkm_ids, firm_ids) -> MatrixModel:
        return cls(pd.DataFrame(np.asarray(scores, float), index=umkm_ids, columns=firm_ids))

    def encode_umkm(self, umkm):
        return umkm["umkm_id"].astype(str).to_numpy(dtype=object)

    def encode_firms(self, firms):
        return firms["firm_id"].astype(str).to_numpy(dtype=object)

    def _lookup(self, u_ids, f_ids) -> np.ndarray:
        """Scores of aligned (umkm_id, firm_id) pairs."""
        if self.scores is None:
            keys = np.asarray(u_ids, dtype=object) + "|" + np.asarray(f_ids, dtype=object)
            h = pd.util.hash_array(keys.astype(object), hash_key=f"{self.seed:016d}"[-16:])
            return (h % np.uint64(1_000_003)).astype(float) / 1_000_003
        rows = self.scores.index.get_indexer(u_ids)
        cols = self.scores.columns.get_indexer(f_ids)
        return self.scores.to_numpy(float)[rows, cols]

    def score_block(self, U, F, u_idx, f_idx=None):
        u = U[np.asarray(u_idx, np.int64)]
        f = F if f_idx is None else F[np.asarray(f_idx, np.int64)]
        return self._lookup(np.repeat(u, len(f)), np.tile(f, len(u))).reshape(len(u), len(f))

    def score_pairs(self, U, F, u_idx, f_idx):
        return self._lookup(U[np.asarray(u_idx, np.int64)], F[np.asarray(f_idx, np.int64)])

    def top_firms(self, U, F, u_idx, k, return_features=False):
        return _top_firms(self, U, F, u_idx, k, return_features)

    def explain_features(self, X, U, F, u_idx, f_idx):
        return self.explain_pairs(U, F, u_idx, f_idx)

    def explain_pairs(self, U, F, u_idx, f_idx):
        return [f"skor uji {s:.3f}" for s in self.score_pairs(U, F, u_idx, f_idx)]


class FakeModelSource:
    """A registry stand-in (the API's ``ModelSource``): versions map to models (default:
    two FakeModels, v2 boosting F3); ``promote`` moves the pointer."""

    def __init__(self, models: dict | None = None, current: str | None = "v1"):
        self.models = models or {"v1": FakeModel(), "v2": FakeModel(boosted=("F3",))}
        self.current = current
        self.builds = 0

    def token(self):
        return self.current

    def build(self, umkm, firms, token):
        from api.engine import ServiceUnavailable
        from matcher.service import MatchService

        if token is None:
            raise ServiceUnavailable("no model is current")
        self.builds += 1
        return MatchService(self.models[token], umkm, firms), token

    def versions(self):
        return [
            {
                "version": v,
                "created_at": "2026-01-01T00:00:00Z",
                "metrics": {"ndcg@10": 0.5},
                "is_current": v == self.current,
            }
            for v in self.models
        ]

    def promote(self, version, reason=""):
        previous, self.current = self.current, version
        return previous
