"""Honest evaluation: a time split, every firm ranked, seen vs never-seen UMKM, baselines.

The latest events are held out (:func:`time_split`). Models are fitted on the earlier
outcomes only, then each held-out UMKM ranks **all** firms; relevance is the held-out
grade of the pairs that were tried (untried firms count 0, as in production). Results
are reported separately for UMKM that appear in the training outcomes ("seen") and UMKM
that never do ("unseen", the cold start most UMKM are in), side by side with the
baselines of :mod:`training.baselines` on the same split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from matcher.i18n import Message, format_number, t
from matcher.index import IdIndex, pair_positions
from training.baselines import BASELINES, SeededScorer
from training.metrics import gini, mrr, ndcg_at_k, recall_at_k

METRICS = ("ndcg@5", "ndcg@10", "recall@10", "mrr")
MIN_OUTCOMES = 10


@dataclass
class Split:
    train: pd.DataFrame
    test: pd.DataFrame
    cutoff: pd.Timestamp
    test_events: list = field(default_factory=list)
    no_heldout: str | None = None
    """Why nothing could be held out (one event only, ...): then ``train`` holds every
    outcome, ``test`` is empty, and a model is fitted without a held-out evaluation."""


def _without_heldout(outcomes: pd.DataFrame, why: str) -> Split:
    return Split(
        train=outcomes.reset_index(drop=True),
        test=outcomes.iloc[0:0].reset_index(drop=True),
        cutoff=pd.NaT,
        test_events=[],
        no_heldout=why,
    )


def event_key(outcomes: pd.DataFrame) -> pd.Series:
    """The event an outcome belongs to: its event_id, else its date (one day, one event)."""
    return outcomes["event_id"].fillna(outcomes["date"].dt.strftime("%Y-%m-%d")).astype(str)


def time_split(
    outcomes: pd.DataFrame,
    test_share: float = 0.2,
    after: pd.Timestamp | None = None,
    min_test: int = 30,
) -> Split:
    """Hold out the latest events (by event date) until about ``test_share`` of outcomes.

    Outcomes without an event_id are grouped by their date. Training keeps only outcomes
    dated before the first held-out event, so nothing from the future leaks in. With
    ``after`` (the date up to which the current model was trained), held-out events the
    current model has already seen are dropped from the slice when what remains holds at
    least ``min_test`` outcomes: then the current model and a challenger are compared on
    outcomes neither has seen, and the challenger still learns from the older new events.
    Within those events, outcomes dated up to ``after`` (an old event recorded late) are
    not held out either: the current model may have trained on them.
    """
    if len(outcomes) < MIN_OUTCOMES:
        raise MatcherError(Message("training.split.too_few", minimum=MIN_OUTCOMES, n=len(outcomes)))
    if not (outcomes["grade"] > 0).any():
        raise MatcherError(Message("training.split.all_declined", n=len(outcomes)))
    key = event_key(outcomes)
    when = outcomes.groupby(key)["date"].max().sort_values(ascending=False)
    if len(when) < 2:
        return _without_heldout(
            outcomes,
            Message("training.split.one_event", n=len(outcomes), event=str(when.index[0])),
        )
    sizes = outcomes.groupby(key).size()
    held, n = [], 0
    for ev in when.index:
        if n >= test_share * len(outcomes) or len(held) == len(when) - 1:
            break
        held.append(ev)
        n += sizes[ev]
    only_unseen = False
    if after is not None:
        fresh = [ev for ev in held if when[ev] > after]
        if 0 < len(fresh) < len(held) and sizes[fresh].sum() >= min_test:
            held, only_unseen = fresh, True
    test_mask = key.isin(held).to_numpy()
    if only_unseen:  # an event that began before ``after`` may have been partly trained on
        test_mask = test_mask & (outcomes["date"] > after).to_numpy()
    cutoff = outcomes.loc[test_mask, "date"].min()
    train = outcomes[~test_mask & (outcomes["date"] < cutoff).to_numpy()]
    test = outcomes[test_mask]
    if not (train["grade"] > 0).any() or not (test["grade"] > 0).any():
        side = "earlier" if not (train["grade"] > 0).any() else "held_out"
        return _without_heldout(
            outcomes,
            Message("training.split.nothing_positive", side=Message(f"training.split.side.{side}")),
        )
    return Split(
        train=train.reset_index(drop=True),
        test=outcomes[test_mask].reset_index(drop=True),
        cutoff=cutoff,
        test_events=held,
    )


class ModelScorer:
    """Adapter giving a fitted :class:`matcher.ranking.MatchModel` the baseline interface."""

    def __init__(self, model):
        self.model = model
        self._cache = None

    def fit(self, umkm, firms, outcomes=None):
        return self

    def score_block(self, umkm, firms, u_idx):
        if self._cache is None or self._cache[0] is not umkm or self._cache[1] is not firms:
            self._cache = (
                umkm,
                firms,
                self.model.encode_umkm(umkm),
                self.model.encode_firms(firms),
            )
        _, _, U, F = self._cache
        return self.model.score_block(U, F, u_idx)


def relevance_matrix(test: pd.DataFrame, umkm_ids, firms: pd.DataFrame) -> np.ndarray:
    rel = np.zeros((len(umkm_ids), len(firms)), dtype=np.float32)
    r, c, ok = pair_positions(umkm_ids, firms["firm_id"], test)
    rel[r[ok], c[ok]] = test["grade"].to_numpy()[ok]
    return rel


def score_metrics(scores: np.ndarray, rel: np.ndarray) -> dict:
    return {
        "ndcg@5": ndcg_at_k(scores, rel, 5),
        "ndcg@10": ndcg_at_k(scores, rel, 10),
        "recall@10": recall_at_k(scores, rel, 10),
        "mrr": mrr(scores, rel),
    }


def evaluate_scorers(
    scorers: dict,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    split: Split,
    k: int = 10,
    per_umkm: dict | None = None,
) -> pd.DataFrame:
    """Metrics per scorer and segment (all / seen / unseen) on the held-out slice.

    Returns a long DataFrame: method, segment, n_umkm, ndcg@5, ndcg@10, recall@10, mrr,
    coverage (share of firms in any held-out UMKM's top 10), gini (exposure concentration).
    ``per_umkm``, when given, receives each scorer's per-UMKM NDCG@10 over the "all" segment
    (same UMKM, same order for every scorer), for paired comparisons (:func:`paired_difference`).
    """
    test_ids = pd.unique(split.test["umkm_id"])
    u_idx = IdIndex(umkm["umkm_id"], kind="umkm").positions(test_ids)
    keep = u_idx >= 0
    test_ids, u_idx = test_ids[keep], u_idx[keep]
    rel = relevance_matrix(split.test, test_ids, firms)
    has_pos = rel.max(axis=1) > 0
    seen = np.isin(test_ids, split.train["umkm_id"].unique())
    rows = []
    for name, scorer in scorers.items():
        scores = scorer.score_block(umkm, firms, u_idx)
        m = score_metrics(scores, rel)
        if per_umkm is not None:
            per_umkm[name] = m["ndcg@10"][has_pos]
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        exposure = np.bincount(top.ravel(), minlength=len(firms))
        for seg, mask in (("all", has_pos), ("seen", has_pos & seen), ("unseen", has_pos & ~seen)):
            row = {"method": name, "segment": seg, "n_umkm": int(mask.sum())}
            for metric in METRICS:
                row[metric] = float(np.nanmean(m[metric][mask])) if mask.any() else float("nan")
            row["coverage"] = float((exposure > 0).mean())
            row["gini"] = gini(exposure)
            rows.append(row)
    return pd.DataFrame(rows)


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict:
    """Mean of ``a - b`` over the same held-out UMKM and its standard error: how far two
    models' NDCG@10 differ, and how much of that a different draw of a few hundred
    held-out UMKM could move by chance."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return {"mean": float(d.mean()) if n else float("nan"), "se": se, "n": int(n)}


def fit_baselines(umkm, firms, train_outcomes, random_state=0) -> dict:
    def make(cls):
        return cls(random_state=random_state) if issubclass(cls, SeededScorer) else cls()

    return {name: make(cls).fit(umkm, firms, train_outcomes) for name, cls in BASELINES.items()}


# --------------------------------------------------------------------------- calibration


def _umkm_halves(outcomes: pd.DataFrame) -> np.ndarray:
    """0/1 per outcome row by a stable hash of its UMKM (a UMKM is wholly in one half)."""
    h = pd.util.hash_array(outcomes["umkm_id"].astype(str).to_numpy(dtype=object))
    return (h % np.uint64(2)).astype(np.int64)


def crossfit_calibration(model, umkm, firms, heldout: pd.DataFrame, n_bins: int = 10) -> dict:
    """ECE per stage on held-out outcomes, each half of the UMKM scored by a calibrator
    fitted on the other half: an honest figure for a calibrator fitted on held-out data,
    at no extra model fit. {stage: {"ece", "mean_predicted", "observed", "n"}}."""
    from matcher.calibration import StageCalibrator, calibration_report

    scores, grades = model.outcome_scores(umkm, firms, heldout)
    kept = heldout[
        heldout["umkm_id"].isin(umkm["umkm_id"]) & heldout["firm_id"].isin(firms["firm_id"])
    ]
    half = _umkm_halves(kept)
    chances = np.full((len(scores), 3), np.nan, dtype=np.float32)
    for h in (0, 1):
        fit_rows, test_rows = half != h, half == h
        if fit_rows.sum() < 2 or not test_rows.any():
            continue
        cal = StageCalibrator().fit(scores[fit_rows], grades[fit_rows])
        chances[test_rows] = cal.predict(scores[test_rows])
    ok = np.isfinite(chances[:, 0])
    if ok.sum() < 2:  # too few held-out outcomes to check anything
        return {}
    return calibration_report(chances[ok], grades[ok], n_bins)


@dataclass
class CalibrationCheck:
    """Chances on the held-out events from a model + calibrator that never saw them."""

    report: dict  # segment ("all", "unseen") -> stage -> {"ece", "mean_predicted", "observed", "n"}
    chances: np.ndarray  # (n, 3) per held-out outcome kept
    grades: np.ndarray
    unseen: np.ndarray  # bool per row: the UMKM has no earlier outcome
    calibration_events: list


def evaluate_calibration(
    umkm, firms, split: Split, params: dict | None = None, progress=None, n_bins: int = 10
) -> CalibrationCheck:
    """The time-honest calibration check: the training outcomes are split by time again;
    a model fitted on the earliest part is calibrated on the next events and its chances
    are compared with what happened at the held-out events of ``split`` (which neither
    the model nor the calibrator saw)."""
    from matcher.calibration import calibration_report
    from matcher.ranking import MatchModel

    say = progress or (lambda msg: None)
    inner = time_split(split.train, test_share=0.25)
    say(
        t(
            "training.progress.calibration_check",
            train=format_number(len(inner.train)),
            test=format_number(len(inner.test)),
            events=", ".join(map(str, inner.test_events)),
        )
    )
    model = MatchModel(**(params or {})).fit(umkm, firms, inner.train)
    model.calibrator_ = model.fit_calibrator(umkm, firms, inner.test)
    scores, grades = model.outcome_scores(umkm, firms, split.test)
    kept = split.test[
        split.test["umkm_id"].isin(umkm["umkm_id"]) & split.test["firm_id"].isin(firms["firm_id"])
    ]
    unseen = ~kept["umkm_id"].isin(split.train["umkm_id"]).to_numpy()
    chances = model.chances(scores)
    report = {"all": calibration_report(chances, grades, n_bins)}
    if unseen.any():
        report["unseen"] = calibration_report(chances[unseen], grades[unseen], n_bins)
    return CalibrationCheck(report, chances, grades, unseen, list(inner.test_events))
