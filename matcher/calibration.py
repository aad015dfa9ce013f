"""Chances a facilitator can read: P(reach at least a meeting / an MoU / a contract).

The ranker's score orders firms well but is not a probability (a regression output on the
0-3 grade, roughly -0.5 to 3.1). :class:`StageCalibrator` maps it to the chance that a
proposed pair reaches *at least* each stage, fitted on outcomes the ranker did **not**
train on (the time-split validation events; see :func:`training.train.fit_calibrated`).

The map is an ordinal (proportional-odds, cumulative-logit) model of the grade on the
score::

    P(grade >= k | score s) = sigmoid(a * s - c_k),   a > 0,   c_1 < c_2 < c_3

One slope shared by the three stages, one cut per stage. Why this and not one isotonic
curve per stage (what it replaced):

- the held-out events hold few contracts (about 40 of 950 outcomes on the demo world), so
  a contract curve of its own is a handful of steps whose heights are noise; with the
  expected-value objective weighting the contract chance most, those steps reordered the
  values of pairs the score had ordered well. Sharing the slope lets the contract chance
  borrow its shape from every outcome and keeps one number per stage to learn from the
  scarce ones;
- it is strictly increasing in the score (no flat ends or steps where many pairs tie, so a
  planner maximising expected value keeps the model's fine ordering), extrapolates
  sensibly beyond the scores seen at calibration, and the stages stay ordered by
  construction (``p_meeting >= p_mou >= p_contract``).

The population is *proposed* pairs (the history holds only tried pairs): "if a
facilitator puts this UMKM and this firm together, how likely is a contract".

:class:`ContractValueModel` predicts the size of a contract from past contract values by
firm, the UMKM's KBLI division and its scale (shrunken means of log value), capped by the
firm's budget per partner; ``expected_value_idr = p_contract x predicted value``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from matcher.index import pair_positions

# (name, grade threshold): reaching at least the stage = grade >= threshold
STAGES = ("meeting", "mou", "contract")
STAGE_GRADES = (1, 2, 3)
CHANCE_COLUMNS = tuple(f"p_{s}" for s in STAGES)


class StageCalibrator(BaseEstimator):
    """Score -> P(grade >= 1), P(grade >= 2), P(grade >= 3): an ordinal logit on the score.

    Fitted by maximum likelihood (L-BFGS) with a weak ridge penalty ``alpha`` on the
    standardised parameters, so a stage nobody reached in the calibration rows gets a
    chance near 0 instead of a diverging cut. Grades above 3 (realised) count as contracts.

    Parameters
    ----------
    alpha : float
        Ridge penalty per parameter, relative to the mean log-likelihood of one row.
    """

    _parameter_constraints: dict = {"alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha: float = 1e-4):
        self.alpha = alpha

    def fit(self, scores, grades, sample_weight=None):
        self._validate_params()
        s = np.asarray(scores, dtype=float).ravel()
        g = np.asarray(grades, dtype=float).ravel()
        if len(s) != len(g):
            raise ValueError(f"{len(s)} scores but {len(g)} grades")
        w = np.ones(len(s)) if sample_weight is None else np.asarray(sample_weight, float).ravel()
        ok = np.isfinite(s) & np.isfinite(g) & np.isfinite(w) & (w > 0)
        s, g, w = s[ok], g[ok], w[ok]
        if len(s) < 2:
            raise ValueError(f"need at least 2 scored outcomes to calibrate, got {len(s)}")
        g = np.clip(np.rint(g), 0, len(STAGE_GRADES)).astype(np.int64)
        self.center_ = float(np.average(s, weights=w))
        self.scale_ = float(np.sqrt(np.average((s - self.center_) ** 2, weights=w))) or 1.0
        z = (s - self.center_) / self.scale_
        w = w / w.sum()
        res = minimize(self._loss, self._start(g, w), args=(z, g, w), jac=True, method="L-BFGS-B")
        self.slope_, self.cuts_ = self._unpack(res.x)
        self.n_rows_ = int(len(s))
        self.base_rates_ = [float(np.sum(w * (g >= t))) for t in STAGE_GRADES]
        return self

    @staticmethod
    def _unpack(theta):
        """theta = [log slope, c_1, log(c_2 - c_1), log(c_3 - c_2)] -> (slope, cuts)."""
        slope = float(np.exp(theta[0]))
        cuts = np.cumsum(np.r_[theta[1], np.exp(theta[2:])])
        return slope, cuts

    @staticmethod
    def _start(g, w):
        """Cuts at the logits of the observed shares (slope 1): close to the optimum."""
        share = np.array([np.sum(w * (g >= t)) for t in STAGE_GRADES])
        share = np.clip(share, 1e-3, 1 - 1e-3)
        c = -np.log(share / (1 - share))
        # strictly increasing, each cut at least 0.01 above the one before it *as moved*:
        # equal shares (every positive outcome a contract, or none at all) used to leave
        # two cuts equal, log(0) = -inf in the start, and the fit never moved from it
        for j in range(1, len(c)):
            c[j] = max(c[j], c[j - 1] + 1e-2)
        return np.r_[0.0, c[0], np.log(np.diff(c))]

    def _loss(self, theta, z, g, w):
        """Weighted mean negative log-likelihood (+ ridge) and its gradient."""
        slope, cuts = self._unpack(theta)
        n, k = len(z), len(cuts)
        eta = slope * z[:, None] - cuts[None, :]  # (n, 3)
        p = expit(eta)  # P(grade >= stage)
        upper = np.column_stack([np.ones(n), p])[np.arange(n), g]  # P(grade >= g)
        lower = np.column_stack([p, np.zeros(n)])[np.arange(n), g]  # P(grade >= g + 1)
        prob = np.clip(upper - lower, 1e-300, None)
        loss = -np.sum(w * np.log(prob)) + self.alpha * float(theta @ theta)
        # d prob / d eta_j = p_j (1 - p_j) times +1 for the upper bound, -1 for the lower
        dens = p * (1 - p)
        d_eta = np.zeros((n, k))
        rows = np.arange(n)
        up = g >= 1  # the upper bound is stage g's chance (not the constant 1)
        d_eta[rows[up], g[up] - 1] += dens[rows[up], g[up] - 1]
        lo = g < k
        d_eta[rows[lo], g[lo]] -= dens[rows[lo], g[lo]]
        d_eta *= (-w / prob)[:, None]
        d_slope = float(np.sum(d_eta * z[:, None]))
        d_cuts = -d_eta.sum(axis=0)
        grad = np.empty_like(theta)
        grad[0] = d_slope * slope
        # c_j = theta_1 + sum_{i<=j, i>=2} exp(theta_i)
        grad[1] = d_cuts.sum()
        for i in range(2, len(theta)):  # 2 increments
            grad[i] = d_cuts[i - 1 :].sum() * np.exp(theta[i])
        return loss, grad + 2 * self.alpha * theta

    def predict(self, scores) -> np.ndarray:
        """(n, 3) float32 chances [p_meeting, p_mou, p_contract], each row non-increasing,
        each column strictly increasing in the score (up to float32 rounding)."""
        s = np.asarray(scores, dtype=float).ravel()
        if not hasattr(self, "slope_") and hasattr(self, "knots_"):
            return self._predict_isotonic(s)  # an artifact registered before the ordinal model
        check_is_fitted(self, "slope_")
        z = (s - self.center_) / self.scale_
        out = expit(self.slope_ * z[:, None] - self.cuts_[None, :]).astype(np.float32)
        # the cuts are ordered, so are the chances; make it exact after rounding
        np.minimum.accumulate(out, axis=1, out=out)
        out[~np.isfinite(s)] = np.nan
        return out

    def _predict_isotonic(self, s) -> np.ndarray:
        """Chances from the centred isotonic knots an older artifact carries."""
        out = np.empty((len(s), len(STAGES)), dtype=np.float32)
        for k, (x, y) in enumerate(self.knots_):
            out[:, k] = np.interp(s, x, y)
        np.minimum.accumulate(out, axis=1, out=out)
        out[~np.isfinite(s)] = np.nan
        return out


# --------------------------------------------------------------------------- value


def _division(kbli_lists) -> np.ndarray:
    return np.array([c[0][:2] if len(c) else "" for c in kbli_lists], dtype=object)


def _scale(values) -> np.ndarray:
    return pd.Series(values, dtype=object).fillna("").astype(str).to_numpy(dtype=object)


def _per_partner(firms: pd.DataFrame) -> np.ndarray:
    """The firm's budget per partner (budget_idr / max_partners), NaN when unknown."""
    budget = pd.to_numeric(firms["budget_idr"], errors="coerce").to_numpy(float)
    partners = pd.to_numeric(firms["max_partners"], errors="coerce").fillna(1).to_numpy(float)
    out = budget / np.clip(partners, 1, None)
    out[~(out > 0)] = np.nan
    return out


class ContractValueModel(BaseEstimator):
    """Predicted contract value (IDR) of a pair: shrunken means of log(value).

    log value = overall mean + firm effect + KBLI-division effect + scale effect, each
    effect the mean residual of its group shrunk toward 0 by ``shrinkage`` pseudo-rows
    (a firm with one past contract moves the estimate a little, one with twenty a lot).
    Without any past contract value, the firm's budget per partner times the typical share
    ``default_share`` is used. The prediction never exceeds the firm's budget per partner.
    """

    _parameter_constraints: dict = {
        "shrinkage": [Interval(Real, 0, None, closed="left")],
        "default_share": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, shrinkage: float = 5.0, default_share: float = 0.5):
        self.shrinkage = shrinkage
        self.default_share = default_share

    def fit(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame):
        self._validate_params()
        v = pd.to_numeric(outcomes.get("contract_value_idr"), errors="coerce")
        rows = outcomes[(v > 0).to_numpy() if v is not None else np.zeros(len(outcomes), bool)]
        u_pos, f_pos, ok = pair_positions(umkm["umkm_id"], firms["firm_id"], rows)
        y = np.log(pd.to_numeric(rows["contract_value_idr"]).to_numpy(float)[ok])
        self.n_contracts_ = int(len(y))
        self.effects_ = {}
        if not len(y):
            self.mean_ = np.nan
            return self
        self.mean_ = float(y.mean())
        keys = {
            "firm": firms["firm_id"].astype(str).to_numpy(dtype=object)[f_pos[ok]],
            "division": _division(umkm["kbli"].to_numpy()[u_pos[ok]]),
            "scale": _scale(umkm["scale"].to_numpy()[u_pos[ok]]),
        }
        resid = y - self.mean_
        for name, key in keys.items():  # backfitting, one pass: each group on what is left
            grp = pd.DataFrame({"k": key, "r": resid}).groupby("k")["r"].agg(["sum", "count"])
            effect = grp["sum"] / (grp["count"] + self.shrinkage)
            self.effects_[name] = effect
            resid = resid - effect.reindex(key).to_numpy()
        return self

    def predict(
        self, umkm: pd.DataFrame, firms: pd.DataFrame, u_idx=None, f_idx=None
    ) -> np.ndarray:
        """Values of pairs (``umkm`` row ``u_idx[i]`` with ``firms`` row ``f_idx[i]``; rows
        aligned when no positions are given), NaN if unknown. Effects are looked up once
        per UMKM and per firm, then combined for the pairs (no loop per pair)."""
        check_is_fitted(self, "effects_")
        u_idx = np.arange(len(umkm)) if u_idx is None else np.asarray(u_idx, dtype=np.int64)
        f_idx = np.arange(len(firms)) if f_idx is None else np.asarray(f_idx, dtype=np.int64)
        cap = _per_partner(firms)[f_idx]
        if not np.isfinite(self.mean_):
            return cap * self.default_share
        u_effect = np.zeros(len(umkm))
        f_effect = np.zeros(len(firms))
        for name, key, out in (
            ("firm", firms["firm_id"].astype(str).to_numpy(dtype=object), f_effect),
            ("division", _division(umkm["kbli"].to_numpy()), u_effect),
            ("scale", _scale(umkm["scale"].to_numpy()), u_effect),
        ):
            effect = self.effects_.get(name)
            if effect is not None and len(effect):
                out += effect.reindex(key).fillna(0.0).to_numpy()
        value = np.exp(self.mean_ + u_effect[u_idx] + f_effect[f_idx])
        return np.fmin(value, cap)  # fmin: the cap where known, else the estimate


# --------------------------------------------------------------------------- checks


def expected_calibration_error(p, y, n_bins: int = 10) -> float:
    """ECE over ``n_bins`` equal-count bins of the predicted chance: the row-weighted mean
    of |mean predicted - observed share| (equal-count bins, so a chance that is almost
    always near 0, like a contract's, cannot hide in one wide bin)."""
    p = np.asarray(p, float).ravel()
    y = np.asarray(y, float).ravel()
    ok = np.isfinite(p)
    p, y = p[ok], y[ok]
    if not len(p):
        return float("nan")
    order = np.argsort(p, kind="stable")
    bins = np.array_split(order, min(n_bins, len(p)))
    return float(sum(len(b) * abs(p[b].mean() - y[b].mean()) for b in bins) / len(p))


def reliability_table(p, y, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-count bin: n, mean predicted chance, observed share (for the diagram)."""
    p = np.asarray(p, float).ravel()
    y = np.asarray(y, float).ravel()
    ok = np.isfinite(p)
    p, y = p[ok], y[ok]
    order = np.argsort(p, kind="stable")
    bins = [b for b in np.array_split(order, min(n_bins, max(len(p), 1))) if len(b)]
    return pd.DataFrame(
        {
            "n": [len(b) for b in bins],
            "predicted": [float(p[b].mean()) for b in bins],
            "observed": [float(y[b].mean()) for b in bins],
        }
    )


def calibration_report(chances: np.ndarray, grades, n_bins: int = 10) -> dict:
    """ECE per stage and overall base rates for chances (n, 3) against realised grades."""
    g = np.asarray(grades, float)
    out = {}
    for k, (stage, t) in enumerate(zip(STAGES, STAGE_GRADES)):
        y = g >= t
        out[stage] = {
            "ece": expected_calibration_error(chances[:, k], y, n_bins),
            "mean_predicted": float(np.nanmean(chances[:, k])),
            "observed": float(y.mean()),
            "n": int(len(g)),
        }
    return out
