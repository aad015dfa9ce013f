"""The ranker: a gradient-boosted model over pair features, trained on past outcomes.

Training data is what facilitators chose to propose (exposure bias): the tried pairs with
grades 0–4 (declined … realised; see matcher.data.lifecycle). The model must rank *every* firm, so each UMKM in
the history also gets sampled untried pairs as weak negatives (grade 0, low weight), drawn
partly from the same province and the same KBLI division as the UMKM — the places the old
facilitator rule looked — so that "same province" or "same division" is not learned as good
merely because every untried example came from elsewhere.

History-based features (learned KBLI affinities, firms' track record) are computed
out-of-fold for training rows (folds by UMKM), so a pair's own label never leaks into its
features. At serving time they are learned from all outcomes.

The score is the trees' prediction plus the domain prior (``prior_fit``) at equal weight,
each in units of its spread over untried pairs (``prior_weight``): the trees know the
history facilitators made, the prior knows what they never tried (README, "The prior in
the score").

Scoring large firm sets uses a shortlist: a linear model distilled from the ranker's own
scores picks each UMKM's top candidates from the full feature block, and only those are
scored by the boosted trees (see :meth:`MatchModel.top_firms`).

The score only orders pairs. The chances a facilitator reads (``p_meeting``, ``p_mou``,
``p_contract``) come from a :class:`~matcher.calibration.StageCalibrator` fitted on
held-out outcomes and stored on the model (``calibrator_``; see
:func:`training.train.fit_calibrated`), and a contract's likely size from a
:class:`~matcher.calibration.ContractValueModel` fitted here on past contract values.
"""

from __future__ import annotations

import copy
import datetime
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from matcher.calibration import STAGES, ContractValueModel, StageCalibrator
from matcher.features.pairs import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    MAX_PAIRS_PER_BLOCK,
    MONOTONE,  # domain directions the trees respect, declared with each feature group
    EncodedSide,
    PairFeatureBuilder,
    prior_fit,
)
from matcher.i18n import format_number, t
from matcher.index import pair_positions
from matcher.reasons import explain_rows
from matcher.topk import top_k_rows


def _strata(umkm, firms, U, F, users) -> tuple:
    """(keys per UMKM in ``users``, firm pools per key) for same-province and same-division
    negative draws: one vectorised draw per group of UMKM."""
    by_province = pd.Series(np.arange(F.n)).groupby(F.province).apply(np.array).to_dict()
    by_division: dict[str, list[int]] = {}
    for j, codes in enumerate(firms["kbli"]):
        for d in {c[:2] for c in codes}:
            by_division.setdefault(d, []).append(j)
    first_division = np.array([c[0][:2] if len(c) else "" for c in umkm["kbli"].to_numpy()[users]])
    return (U.province[users], by_province), (first_division, by_division)


_PRIOR_COL = FEATURE_NAMES.index("prior_fit")


def _score_scale(trees: np.ndarray, prior: np.ndarray, prior_weight: float) -> tuple:
    """(factor of the trees' prediction, factor of the prior) in the score: the prior is
    brought to the trees' spread over ``trees``/``prior`` (random pairs) and weighted by
    ``prior_weight``, so the score is in the trees' units (grades, plus the prior's share)
    and the two parts weigh as ``1 : prior_weight``. No spread on either side: the prior
    gets no say."""
    sd_t, sd_p = float(np.std(trees)), float(np.nanstd(prior))
    return (1.0, prior_weight * sd_t / sd_p if sd_t > 1e-9 and sd_p > 1e-9 else 0.0)


def _fold_of(ids: np.ndarray, n_folds: int) -> np.ndarray:
    """Stable fold number per ID (hash-based, independent of row order)."""
    h = pd.util.hash_array(np.asarray(ids, dtype=object)).astype(np.uint64)
    return (h % np.uint64(n_folds)).astype(np.int64)


class MatchModel(BaseEstimator):
    """Feature pipeline + boosted ranker + distilled shortlist, persisted as one object.

    Parameters
    ----------
    n_negatives : int
        Untried firms sampled per UMKM in the history, as weak negatives.
    negative_weight : float
        Sample weight of those negatives relative to a tried pair.
    negative_strategy : {"mixed", "uniform"}
        "uniform" draws untried firms uniformly; "mixed" adds draws from the UMKM's
        province and KBLI division.
    n_folds : int
        Folds (by UMKM) for out-of-fold history features.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization, early_stopping :
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
    prior_weight : float
        Weight of the domain prior (``prior_fit``) next to the trees in the score, both
        each in units of its spread over the untried pairs (a random draw of all pairs):
        the score is ``trees + prior_weight * prior * sd(trees) / sd(prior)``. The trees learn from a
        history facilitators chose (mostly near, mostly by KBLI code), so they know least
        where a cold-start ranking over every firm needs them most; the prior, built from
        domain knowledge rather than that history, keeps its say there. 0: trees alone.
    monotone : bool
        Constrain the trees to be monotone in the features of ``MONOTONE``.
    shortlist_size : int
        Candidates per UMKM scored by the trees when the firm set is large.
    shortlist_min_firms : int
        Below this many firms every firm is scored by the trees.
    block_size : int
        UMKM per block when scoring (bounds memory).
    random_state : int or None
    reference_date : date-like or None
        The date features count from (a UMKM's age); None: the latest outcome date of the
        training history. Fixed at fit and saved with the model (``features_``).
    ablate : tuple of str
        Modelling choices switched off, for measuring their gain (see
        :data:`matcher.features.groups.ABLATIONS`; ``bench/bench_quality.py --ablate``).

    Parameters are checked against ``_parameter_constraints`` when :meth:`fit` starts,
    before any data is read or random number drawn (scikit-learn's
    ``InvalidParameterError``, a ``ValueError``); ``fit`` only reads them, so
    :func:`sklearn.base.clone` of a fitted model gives an unfitted one with the same
    parameters. Methods that need a fitted model raise
    :class:`~sklearn.exceptions.NotFittedError` on an unfitted one.
    """

    _parameter_constraints: dict = {
        "n_negatives": [Interval(Integral, 0, None, closed="left")],
        "negative_weight": [Interval(Real, 0, None, closed="left")],
        "negative_strategy": [StrOptions({"uniform", "mixed"})],
        "n_folds": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "prior_weight": [Interval(Real, 0, None, closed="left")],
        "monotone": ["boolean"],
        "shortlist_size": [Interval(Integral, 1, None, closed="left")],
        "shortlist_min_firms": [Interval(Integral, 0, None, closed="left")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "reference_date": [str, datetime.date, np.datetime64, None],
        "ablate": [tuple, list],
    }

    def __init__(
        self,
        n_negatives=20,
        negative_weight=0.03,
        negative_strategy="uniform",
        n_folds=5,
        max_iter=200,
        learning_rate=0.08,
        max_leaf_nodes=31,
        min_samples_leaf=30,
        l2_regularization=1.0,
        early_stopping="auto",
        prior_weight=1.0,
        monotone=True,
        shortlist_size=100,
        shortlist_min_firms=300,
        block_size=256,
        random_state=0,
        reference_date=None,
        ablate=(),
    ):
        self.n_negatives = n_negatives
        self.negative_weight = negative_weight
        self.negative_strategy = negative_strategy
        self.n_folds = n_folds
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.early_stopping = early_stopping
        self.prior_weight = prior_weight
        self.monotone = monotone
        self.shortlist_size = shortlist_size
        self.shortlist_min_firms = shortlist_min_firms
        self.block_size = block_size
        self.random_state = random_state
        self.reference_date = reference_date
        self.ablate = ablate

    def __setstate__(self, state):
        state.setdefault("reference_date", None)  # saved before it was a parameter
        state.setdefault("ablate", ())
        state.setdefault("prior_weight", 0.0)  # saved before the prior joined the score
        super().__setstate__(state)

    # ------------------------------------------------------------------ training
    def training_pairs(self, umkm, firms, outcomes, U: EncodedSide, F: EncodedSide):
        """Tried pairs plus sampled untried ones: (u_idx, f_idx, grade, weight)."""
        self._validate_params()  # public: checked here too, before the first draw
        rng = np.random.default_rng(self.random_state)
        u_pos, f_pos, keep = pair_positions(umkm["umkm_id"], firms["firm_id"], outcomes)
        u_t, f_t = u_pos[keep], f_pos[keep]
        g_t = outcomes["grade"].to_numpy(dtype=np.float32)[keep]
        users = np.unique(u_t)
        n_f = F.n
        # per UMKM: k uniform draws ("mixed": plus k/3 from its province and k/3 from its division)
        k = self.n_negatives
        uni = rng.integers(0, n_f, size=(len(users), k))
        neg_u, neg_f = [np.repeat(users, k)], [uni.ravel()]
        for keys, pools in (
            _strata(umkm, firms, U, F, users) if self.negative_strategy == "mixed" else ()
        ):
            for key in np.unique(keys):
                pool = np.asarray(pools.get(key, []), dtype=np.int64)
                if len(pool) == 0:
                    continue
                members = users[keys == key]
                draws = pool[rng.integers(0, len(pool), size=(len(members), k // 3))]
                neg_u.append(np.repeat(members, k // 3))
                neg_f.append(draws.ravel())
        neg_u, neg_f = np.concatenate(neg_u), np.concatenate(neg_f)
        pair_key = neg_u * n_f + neg_f
        _, first = np.unique(pair_key, return_index=True)
        first = np.sort(first)
        fresh = ~np.isin(pair_key[first], u_t * n_f + f_t)
        neg_u, neg_f = neg_u[first][fresh], neg_f[first][fresh]
        u_all = np.concatenate([u_t, neg_u])
        f_all = np.concatenate([f_t, neg_f])
        y = np.concatenate([g_t, np.zeros(len(neg_u), np.float32)])
        w = np.concatenate(
            [np.ones(len(u_t), np.float32), np.full(len(neg_u), self.negative_weight, np.float32)]
        )
        return u_all, f_all, y, w, (u_t, f_t, g_t)

    def fit(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame, progress=None):
        """Fit features and ranker on profiles and outcomes (canonical frames)."""
        self._validate_params()  # before any work or random draw
        say = progress or (lambda msg: None)
        umkm = umkm.reset_index(drop=True)
        firms = firms.reset_index(drop=True)
        say(t("training.progress.pipeline"))
        self.features_ = PairFeatureBuilder(
            reference_date=self.reference_date, ablate=tuple(self.ablate)
        ).fit(umkm, firms, outcomes)
        U = self.features_.encode_umkm(umkm)
        F = self.features_.encode_firms(firms)
        u_all, f_all, y, w, (u_t, f_t, g_t) = self.training_pairs(umkm, firms, outcomes, U, F)
        say(t("training.progress.features", n=format_number(len(y))))
        X = np.empty((len(y), len(FEATURE_NAMES)), dtype=np.float32)
        fold_all = _fold_of(U.ids[u_all], self.n_folds)
        fold_t = _fold_of(U.ids[u_t], self.n_folds)
        for k in range(self.n_folds):
            hist = copy.copy(self.features_)
            out = fold_t != k
            hist.fit_history(U, F, u_t[out], f_t[out], g_t[out])
            rows = np.flatnonzero(fold_all == k)
            if len(rows):
                X[rows] = self.features_.pairs(U, F, u_all[rows], f_all[rows], history=hist)
        say(t("training.progress.ranker"))
        # a feature no profile filled in (e.g. no UMKM states revenue) carries nothing;
        # it is fixed at 0 so the trees' binning never sees an all-missing column
        self.empty_features_ = np.flatnonzero(np.isnan(X).all(axis=0))
        X[:, self.empty_features_] = 0.0
        self.ranker_ = HistGradientBoostingRegressor(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=self.early_stopping,
            monotonic_cst=[MONOTONE.get(n, 0) for n in FEATURE_NAMES] if self.monotone else None,
            random_state=self.random_state,
        ).fit(X, y, sample_weight=w)
        # neutral reference pair for contribution estimates: the typical untried pair
        neg = X[y == 0] if (y == 0).any() else X
        self.reference_ = np.nanmedian(neg, axis=0).astype(np.float32)
        self.reference_[np.isnan(self.reference_)] = 0.0
        # the score: trees and prior, each in units of its spread over random (untried) pairs
        untried = np.arange(len(u_t), len(y)) if len(y) > len(u_t) else np.arange(len(y))
        self.score_scale_ = _score_scale(
            self.ranker_.predict(X[untried]), X[untried, _PRIOR_COL], self.prior_weight
        )
        # distilled linear shortlist: approximates the score from the same features
        pred = self._predict(X)
        self.shortlist_mean_ = np.nan_to_num(np.nanmean(X, axis=0)).astype(np.float32)
        Xs = self._impute(X)
        self.shortlister_ = Ridge(alpha=1.0).fit(Xs, pred)
        self.feature_names_ = FEATURE_NAMES
        self.n_training_pairs_ = int(len(y))
        self.value_model_ = ContractValueModel().fit(umkm, firms, outcomes)
        self.calibrator_ = None  # set from held-out outcomes: calibrate() / fit_calibrated
        return self

    # ------------------------------------------------------------------ chances
    def fit_calibrator(
        self, umkm: pd.DataFrame, firms: pd.DataFrame, heldout: pd.DataFrame
    ) -> StageCalibrator:
        """A stage calibrator for *this* model's scores, fitted on ``heldout`` outcomes
        (outcomes the model did not train on: the time split's validation events)."""
        scores, grades = self.outcome_scores(umkm, firms, heldout)
        return StageCalibrator().fit(scores, grades)

    def outcome_scores(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame):
        """(scores, grades) of the outcome pairs whose both sides are in the frames."""
        umkm, firms = umkm.reset_index(drop=True), firms.reset_index(drop=True)
        u, f, keep = pair_positions(umkm["umkm_id"], firms["firm_id"], outcomes)
        U, F = self.encode_umkm(umkm), self.encode_firms(firms)
        scores = self.score_pairs(U, F, u[keep], f[keep])
        return scores, outcomes["grade"].to_numpy(float)[keep]

    @property
    def is_calibrated(self) -> bool:
        return getattr(self, "calibrator_", None) is not None

    def chances(self, scores) -> np.ndarray:
        """(n, 3) chances [p_meeting, p_mou, p_contract] for scores; NaN when the model
        carries no calibrator (an artifact trained before chances existed)."""
        check_is_fitted(self, "ranker_")
        s = np.asarray(scores, dtype=float).ravel()
        if not self.is_calibrated:
            return np.full((len(s), len(STAGES)), np.nan, dtype=np.float32)
        return self.calibrator_.predict(s)

    def contract_values(
        self, umkm: pd.DataFrame, firms: pd.DataFrame, u_idx=None, f_idx=None
    ) -> np.ndarray:
        """Predicted contract value (IDR) of pairs (``umkm`` row ``u_idx[i]``, ``firms`` row
        ``f_idx[i]``; aligned rows when None), capped by the firm's budget per partner;
        NaN when nothing is known."""
        check_is_fitted(self, "ranker_")
        vm = getattr(self, "value_model_", None)
        if vm is None:
            return np.full(len(firms) if f_idx is None else len(f_idx), np.nan)
        return vm.predict(umkm, firms, u_idx, f_idx)

    def _impute(self, X):
        return np.where(np.isnan(X), self.shortlist_mean_[None, :], X)

    def _shortlist_scores(self, X: np.ndarray) -> np.ndarray:
        """The distilled linear model's scores, ``shortlister_.predict(_impute(X))`` up to
        rounding, feature by feature: on the block's feature-major layout this reads each
        feature once, instead of writing an imputed copy of the block and a float64 copy
        of that."""
        Xt = X.T
        if not Xt.flags.c_contiguous:
            Xt = np.ascontiguousarray(Xt)
        out = np.full(Xt.shape[1], float(self.shortlister_.intercept_))
        for coef, mean, col in zip(self.shortlister_.coef_, self.shortlist_mean_, Xt):
            out += coef * np.where(np.isnan(col), mean, col)
        return out

    # ------------------------------------------------------------------ serving
    def encode_umkm(self, umkm: pd.DataFrame) -> EncodedSide:
        check_is_fitted(self, "ranker_")
        return self.features_.encode_umkm(umkm.reset_index(drop=True))

    def encode_firms(self, firms: pd.DataFrame) -> EncodedSide:
        check_is_fitted(self, "ranker_")
        return self.features_.encode_firms(firms.reset_index(drop=True))

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if len(self.empty_features_):
            X = X.copy()
            X[:, self.empty_features_] = 0.0
        trees = self.ranker_.predict(X)
        scale = getattr(self, "score_scale_", None)  # None: saved before the prior joined
        if scale is None:
            return trees.astype(np.float32)
        return (scale[0] * trees + scale[1] * X[:, _PRIOR_COL]).astype(np.float32)

    def score_block(self, U, F, u_idx, f_idx=None) -> np.ndarray:
        """Exact tree scores for every pair of ``u_idx`` x ``f_idx`` (all firms if None)."""
        check_is_fitted(self, "ranker_")
        u_idx = np.asarray(u_idx, dtype=np.int64)
        n_f = F.n if f_idx is None else len(f_idx)
        out = np.empty((len(u_idx), n_f), dtype=np.float32)
        step = max(1, min(self.block_size, MAX_PAIRS_PER_BLOCK // max(n_f, 1)))
        for s in range(0, len(u_idx), step):
            blk = u_idx[s : s + step]
            X = self.features_.block(U, F, blk, f_idx)
            out[s : s + len(blk)] = self._predict(X).reshape(len(blk), n_f)
        return out

    def score_pairs(self, U, F, u_idx, f_idx) -> np.ndarray:
        """Exact tree scores of the aligned pairs (``u_idx[i]``, ``f_idx[i]``)."""
        check_is_fitted(self, "ranker_")
        return self._predict(self.features_.pairs(U, F, u_idx, f_idx))

    def top_firms(self, U, F, u_idx, k: int, return_features: bool = False):
        """Best ``k`` firms per UMKM: (positions, scores), each (len(u_idx), k).

        With at least ``shortlist_min_firms`` firms, the distilled linear model picks
        ``shortlist_size`` candidates per UMKM from the full feature block and only those
        are scored by the trees. ``return_features=True`` also returns the feature rows of
        the chosen pairs (len(u_idx) * k, n_features), UMKM-major, so reasons need not
        rebuild them.
        """
        check_is_fitted(self, "ranker_")
        u_idx = np.asarray(u_idx, dtype=np.int64)
        n_f = F.n
        k = min(k, n_f)
        shortlist = n_f >= self.shortlist_min_firms and self.shortlist_size < n_f
        L = max(self.shortlist_size, k)
        cols_out = np.empty((len(u_idx), k), dtype=np.int64)
        vals_out = np.empty((len(u_idx), k), dtype=np.float32)
        X_out = (
            np.empty((len(u_idx) * k, len(FEATURE_NAMES)), dtype=np.float32)
            if return_features
            else None
        )
        step = max(1, min(self.block_size, MAX_PAIRS_PER_BLOCK // n_f))
        for s in range(0, len(u_idx), step):
            blk = u_idx[s : s + step]
            X = self.features_.block(U, F, blk)
            if shortlist:
                cheap = self._shortlist_scores(X).reshape(len(blk), n_f)
                cand, _ = top_k_rows(cheap, L)
            else:
                cand = np.broadcast_to(np.arange(n_f), (len(blk), n_f))
            rows = (np.arange(len(blk))[:, None] * n_f + cand).ravel()
            exact = self._predict(X[rows]).reshape(len(blk), cand.shape[1])
            pos, vals = top_k_rows(exact, k)
            chosen = np.take_along_axis(cand, pos, axis=1)
            cols_out[s : s + len(blk)] = chosen
            vals_out[s : s + len(blk)] = vals
            if return_features:
                X_out[s * k : (s + len(blk)) * k] = X[
                    (np.arange(len(blk))[:, None] * n_f + chosen).ravel()
                ]
        return (cols_out, vals_out, X_out) if return_features else (cols_out, vals_out)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per feature group: score minus the score with that group set to the reference
        (typical untried pair) values, the derived prior recomputed from the changed
        features. (n_pairs, n_groups), groups as in FEATURE_GROUPS; the prior's own column
        stays 0 (its effect is attributed to the groups it is built from)."""
        check_is_fitted(self, "ranker_")
        groups = [
            (g, names)
            for g, (group, names) in enumerate(FEATURE_GROUPS.items())
            if group != "prior"
        ]
        prior_col = FEATURE_NAMES.index("prior_fit")
        n = len(X)
        # a pair whose group already holds the reference values is unchanged by ablating
        # it: its contribution is exactly 0 and the trees need not score it again
        changed = np.zeros((len(groups) + 1, n), dtype=bool)
        changed[0] = True
        for r, (_, names) in enumerate(groups, start=1):
            cols = [FEATURE_NAMES.index(c) for c in names]
            changed[r] = (X[:, cols] != self.reference_[cols]).any(axis=1)  # NaN counts as changed
        # one predict call for the pairs and all their ablations (per-call overhead dominates)
        stack = np.broadcast_to(X, (len(groups) + 1, n, X.shape[1]))[changed]
        which = np.repeat(np.arange(len(groups) + 1), changed.sum(axis=1))
        for r, (_, names) in enumerate(groups, start=1):
            cols = [FEATURE_NAMES.index(c) for c in names]
            stack[np.ix_(which == r, cols)] = self.reference_[cols]
        ablated = stack[n:]  # the prior is row-wise: one call recomputes it for all
        ablated[:, prior_col] = prior_fit({c: ablated[:, i] for i, c in enumerate(FEATURE_NAMES)})
        scored = self._predict(stack)
        pred = np.empty((len(groups) + 1, n), dtype=np.float32)
        pred[:] = scored[:n]  # rows left out: the pair's own score
        pred[changed] = scored
        out = np.zeros((n, len(FEATURE_GROUPS)), dtype=np.float32)
        for r, (g, _) in enumerate(groups, start=1):
            out[:, g] = pred[0] - pred[r]
        return out

    def explain_pairs(self, U, F, u_idx, f_idx) -> list[str]:
        """Short Bahasa Indonesia reasons for aligned pairs, from features and contributions."""
        check_is_fitted(self, "ranker_")
        u_idx = np.asarray(u_idx, dtype=np.int64)
        f_idx = np.asarray(f_idx, dtype=np.int64)
        if len(u_idx) == 0:
            return []
        return self.explain_features(self.features_.pairs(U, F, u_idx, f_idx), U, F, u_idx, f_idx)

    def explain_features(self, X, U, F, u_idx, f_idx) -> list[str]:
        """Reasons for aligned pairs whose feature rows ``X`` are already built."""
        check_is_fitted(self, "ranker_")
        if len(X) == 0:
            return []
        return explain_rows(X, self.contributions(X), U, F, np.asarray(u_idx), np.asarray(f_idx))
