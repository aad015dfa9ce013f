"""Chances a facilitator can read: P(reach at least a meeting / an MoU / a contract).

The ranker's score orders firms well but is not a probability (a regression output on the
0-3 grade, roughly -0.5 to 3.1). :class:`StageCalibrator` maps it to the chance that a
proposed pair reaches *at least* each stage, one monotone curve per stage, fitted on
outcomes the ranker did **not** train on (the time-split validation events; see
:func:`training.train.fit_calibrated`). The curves are centred isotonic regressions:
the isotonic fit's blocks, each placed at its mean score and joined by straight lines,
so the chance never falls as the score rises, rises smoothly between blocks (no big flat
steps that would tie many pairs), and is evaluated with one ``np.interp`` per stage.

The population is *proposed* pairs (the history holds only tried pairs): "if a
facilitator puts this UMKM and this firm together, how likely is a contract".

:class:`ContractValueModel` predicts the size of a contract from past contract values by
firm, the UMKM's KBLI division and its scale (shrunken means of log value), capped by the
firm's budget per partner; ``expected_value_idr = p_contract x predicted value``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.validation import check_is_fitted

# (name, grade threshold): reaching at least the stage = grade >= threshold
STAGES = ("meeting", "mou", "contract")
STAGE_GRADES = (1, 2, 3)
CHANCE_COLUMNS = tuple(f"p_{s}" for s in STAGES)


class StageCalibrator(BaseEstimator):
    """Score -> P(grade >= 1), P(grade >= 2), P(grade >= 3), monotone in the score.

    Parameters
    ----------
    min_block : int
        Isotonic blocks smaller than this are merged with a neighbour before the curve is
        drawn, so a handful of rows cannot make a spike.
    """

    def __init__(self, min_block: int = 20):
        self.min_block = min_block

    def fit(self, scores, grades, sample_weight=None):
        s = np.asarray(scores, dtype=float).ravel()
        g = np.asarray(grades, dtype=float).ravel()
        if len(s) != len(g):
            raise ValueError(f"{len(s)} scores but {len(g)} grades")
        ok = np.isfinite(s) & np.isfinite(g)
        s, g = s[ok], g[ok]
        if len(s) < 2:
            raise ValueError(f"need at least 2 scored outcomes to calibrate, got {len(s)}")
        w = np.ones(len(s)) if sample_weight is None else np.asarray(sample_weight, float).ravel()[ok]
        self.knots_ = [self._curve(s, (g >= t).astype(float), w) for t in STAGE_GRADES]
        self.n_rows_ = int(len(s))
        self.base_rates_ = [float(np.average(g >= t, weights=w)) for t in STAGE_GRADES]
        return self

    def _curve(self, s, y, w) -> tuple[np.ndarray, np.ndarray]:
        """Centred isotonic knots (x, y) for one stage."""
        order = np.argsort(s, kind="stable")
        s, y, w = s[order], y[order], w[order]
        fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y, w).predict(s)
        # blocks = runs of equal fitted value; merge small ones into the previous block
        start = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
        size = np.add.reduceat(w, start)
        keep = [0]
        acc = size[0]
        for b in range(1, len(start)):  # one pass over blocks (tens), not over pairs
            if acc < self.min_block:
                acc += size[b]
                continue
            keep.append(b)
            acc = size[b]
        if len(keep) > 1 and acc < self.min_block:
            keep.pop()  # the last block is too small: fold it into the one before
        starts = start[keep]
        ws = np.add.reduceat(w, starts)
        x = np.add.reduceat(w * s, starts) / ws
        yk = np.add.reduceat(w * y, starts) / ws
        yk = np.maximum.accumulate(yk)  # merging keeps the curve monotone; make it exact
        return x, yk

    def predict(self, scores) -> np.ndarray:
        """(n, 3) float32 chances [p_meeting, p_mou, p_contract], each row non-increasing."""
        check_is_fitted(self, "knots_")
        s = np.asarray(scores, dtype=float).ravel()
        out = np.empty((len(s), len(STAGES)), dtype=np.float32)
        for k, (x, y) in enumerate(self.knots_):
            out[:, k] = np.interp(s, x, y)
        # reaching a later stage implies the earlier ones
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

    def __init__(self, shrinkage: float = 5.0, default_share: float = 0.5):
        self.shrinkage = shrinkage
        self.default_share = default_share

    def fit(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame):
        v = pd.to_numeric(outcomes.get("contract_value_idr"), errors="coerce")
        rows = outcomes[(v > 0).to_numpy() if v is not None else np.zeros(len(outcomes), bool)]
        u_pos = pd.Index(umkm["umkm_id"]).get_indexer(rows["umkm_id"])
        f_pos = pd.Index(firms["firm_id"]).get_indexer(rows["firm_id"])
        ok = (u_pos >= 0) & (f_pos >= 0)
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

    def predict(self, umkm: pd.DataFrame, firms: pd.DataFrame, u_idx=None, f_idx=None) -> np.ndarray:
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
        for name, key, out in (("firm", firms["firm_id"].astype(str).to_numpy(dtype=object), f_effect),
                               ("division", _division(umkm["kbli"].to_numpy()), u_effect),
                               ("scale", _scale(umkm["scale"].to_numpy()), u_effect)):
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
    return pd.DataFrame({"n": [len(b) for b in bins],
                         "predicted": [float(p[b].mean()) for b in bins],
                         "observed": [float(y[b].mean()) for b in bins]})


def calibration_report(chances: np.ndarray, grades, n_bins: int = 10) -> dict:
    """ECE per stage and overall base rates for chances (n, 3) against realised grades."""
    g = np.asarray(grades, float)
    out = {}
    for k, (stage, t) in enumerate(zip(STAGES, STAGE_GRADES)):
        y = g >= t
        out[stage] = {"ece": expected_calibration_error(chances[:, k], y, n_bins),
                      "mean_predicted": float(np.nanmean(chances[:, k])),
                      "observed": float(y.mean()), "n": int(len(g))}
    return out
