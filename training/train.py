"""Train, evaluate against baselines on a time split, register, and decide promotion.

One function, :func:`train_and_register`, serves ``matcher train``, ``matcher retrain``,
``matcher demo`` and the API's retrain job, so the three agree on what "trained" means:

1. split the outcomes by time (the latest events held out);
2. fit a model on the earlier outcomes and score it, the baselines and — when there is one —
   the current model (champion) on the held-out slice; the challenger is also scored on
   the champion's frozen validation slice;
3. fit the stage calibrator (score -> chance of a meeting / MoU / contract) on the
   challenger's scores of the held-out slice, never on training rows; refit on all outcomes
   (the latest events are the most valuable labels), attach the calibrator and register
   that model with the held-out metrics and its held-out slice frozen for later checks;
4. promote by the gating rule of :mod:`training.gating`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.features.pairs import FEATURE_NAMES
from matcher.i18n import Message, format_number, t
from matcher.ranking import MatchModel
from training.evaluate import (
    METRICS,
    ModelScorer,
    Split,
    crossfit_calibration,
    evaluate_scorers,
    fit_baselines,
    paired_difference,
    time_split,
)
from training.gating import Check, Decision, decide_promotion
from training.registry import Registry, fingerprint_frames


@dataclass
class TrainResult:
    version: str
    decision: Decision
    table: pd.DataFrame  # metrics per method and segment on the held-out slice
    split: Split
    model: MatchModel
    champion: str | None


def _section(table: pd.DataFrame, method: str, segment: str = "all") -> dict:
    row = table[(table["method"] == method) & (table["segment"] == segment)]
    if row.empty:
        return {}
    r = row.iloc[0]
    return {m: float(r[m]) for m in (*METRICS, "coverage", "gini")} | {"n_umkm": int(r["n_umkm"])}


def _frozen_score(model, umkm, firms, frozen: pd.DataFrame | None) -> dict:
    """A model's metrics on a frozen validation slice (pairs whose sides still exist)."""
    if frozen is None or frozen.empty:
        return {}
    frozen = frozen[
        frozen["umkm_id"].isin(umkm["umkm_id"]) & frozen["firm_id"].isin(firms["firm_id"])
    ]
    if frozen.empty:
        return {}
    split = Split(
        train=frozen.iloc[0:0], test=frozen.reset_index(drop=True), cutoff=frozen["date"].min()
    )
    table = evaluate_scorers({"m": ModelScorer(model)}, umkm, firms, split)
    return _section(table, "m")


def _validated_frozen(manifest: dict) -> dict:
    """The champion's score on its frozen slice as measured before it was refitted.

    A registered model was refitted on all its outcomes, its frozen slice included, so
    re-scoring it there is in-sample (it has memorised those labels through its history
    features) and a challenger fitted on more data rarely matches it. The manifest's
    held-out metrics are the out-of-sample figure for exactly that slice.
    """
    return dict((manifest.get("metrics") or {}).get("heldout") or {})


def train_and_register(
    umkm,
    firms,
    outcomes,
    registry: Registry,
    *,
    params: dict | None = None,
    test_share: float = 0.2,
    tolerance: float = 0.01,
    baseline_margin: float = 0.02,
    notes: str = "",
    progress=None,
    promote: bool = True,
    on_heldout=None,
) -> TrainResult:
    """Steps 1-4 of the module docstring; returns what was registered and decided.

    ``promote=False`` registers and decides but leaves promotion to the caller (the retrain
    loop promotes after writing its report, and reports a failed promotion as such).
    ``on_heldout(scorers, split)`` is called after the held-out evaluation with the fitted
    scorers (``"model"`` = challenger fitted on the earlier outcomes, the baselines and
    ``"champion"`` when there is one), so a caller can evaluate more segments without
    refitting anything.
    """
    say = progress or (lambda msg: None)
    params = params or {}
    champion_id = registry.current_version()
    trained_until = None
    if champion_id is not None:
        stamp = (registry.manifest(champion_id).get("extra") or {}).get("trained_until")
        trained_until = pd.Timestamp(stamp) if stamp else None
    # hold out what the champion has not seen, when there is enough of it
    split = time_split(outcomes, test_share, after=trained_until)
    if split.no_heldout:
        return _train_without_heldout(
            umkm,
            firms,
            outcomes,
            registry,
            split,
            params=params,
            champion_id=champion_id,
            notes=notes,
            say=say,
            promote=promote,
        )
    say(
        t(
            "training.progress.split",
            train=format_number(len(split.train)),
            cutoff=f"{split.cutoff:%Y-%m-%d}",
            test=format_number(len(split.test)),
            events=", ".join(map(str, split.test_events)),
        )
    )
    say(t("training.progress.challenger"))
    challenger = MatchModel(**params).fit(umkm, firms, split.train, progress=say)
    scorers = {"model": ModelScorer(challenger), **fit_baselines(umkm, firms, split.train)}

    champion = None
    if champion_id is not None:
        champion = registry.load(champion_id)
        scorers["champion"] = ModelScorer(champion)
    say(t("training.progress.evaluate"))
    per_umkm: dict = {}
    table = evaluate_scorers(scorers, umkm, firms, split, per_umkm=per_umkm)
    if on_heldout is not None:
        on_heldout(scorers, split)

    challenger_metrics = {
        "heldout": _section(table, "model"),
        "heldout_seen": _section(table, "model", "seen"),
        "heldout_unseen": _section(table, "model", "unseen"),
        "baselines": {
            name: _section(table, name) for name in ("facilitator_rule", "tfidf_cosine", "random")
        },
        "coverage": _section(table, "model").get("coverage", 0.0),
        "scores_finite": bool(
            np.isfinite(
                ModelScorer(challenger).score_block(umkm, firms, np.arange(min(len(umkm), 200)))
            ).all()
        ),
        "features": list(FEATURE_NAMES),
    }
    champion_metrics = None
    if champion is not None:
        frozen = registry.frozen_validation(champion_id)
        challenger_metrics["frozen"] = _frozen_score(challenger, umkm, firms, frozen)
        champion_manifest = registry.manifest(champion_id)
        if "model" in per_umkm and "champion" in per_umkm:
            challenger_metrics["heldout_vs_champion"] = paired_difference(
                per_umkm["model"], per_umkm["champion"]
            )
        champion_metrics = {
            "heldout": _section(table, "champion"),
            "frozen": (
                _validated_frozen(champion_manifest) or _frozen_score(champion, umkm, firms, frozen)
            ),
            "coverage": _section(table, "champion").get("coverage", 0.0),
            "features": list(champion_manifest.get("features", [])),
        }
    decision = decide_promotion(
        champion_metrics, challenger_metrics, tolerance=tolerance, baseline_margin=baseline_margin
    )

    say(t("training.progress.calibrate"))
    calibrator = challenger.fit_calibrator(umkm, firms, split.test)
    challenger_metrics["calibration"] = crossfit_calibration(challenger, umkm, firms, split.test)
    say(t("training.progress.refit"))
    final = MatchModel(**params).fit(umkm, firms, outcomes, progress=say)
    final.calibrator_ = calibrator
    version = registry.register(
        final,
        metrics=challenger_metrics,
        features=list(FEATURE_NAMES),
        data_fingerprint=fingerprint_frames(umkm, firms, outcomes),
        frozen_validation=split.test,
        notes=notes,
        extra={
            "params": final.get_params(),
            "champion": champion_id,
            "decision": decision.to_dict(),
            "test_events": [str(e) for e in split.test_events],
            "n_outcomes": int(len(outcomes)),
            "n_umkm": int(len(umkm)),
            "n_firms": int(len(firms)),
            "trained_until": outcomes["date"].max().isoformat(),
        },
    )
    if promote and decision.promote:
        registry.promote(version, reason=decision.reason)
    return TrainResult(
        version=version,
        decision=decision,
        table=table,
        split=split,
        model=final,
        champion=champion_id,
    )


def fit_calibrated(
    umkm, firms, outcomes, *, params: dict | None = None, test_share: float = 0.2, progress=None
) -> MatchModel:
    """A model fitted on all outcomes whose chances are calibrated on held-out events.

    The same recipe as :func:`train_and_register` without the registry: time split, fit on
    the earlier outcomes, calibrate on the latest events, refit on all and attach the
    calibrator. For benchmarks, notebooks and tests that need chances.
    """
    say = progress or (lambda msg: None)
    params = params or {}
    split = time_split(outcomes, test_share)
    say(t("training.progress.calibrate_earlier"))
    calibrator = (
        MatchModel(**params).fit(umkm, firms, split.train).fit_calibrator(umkm, firms, split.test)
    )
    say(t("training.progress.refit"))
    model = MatchModel(**params).fit(umkm, firms, outcomes, progress=say)
    model.calibrator_ = calibrator
    return model


def _train_without_heldout(
    umkm,
    firms,
    outcomes,
    registry: Registry,
    split: Split,
    *,
    params,
    champion_id,
    notes,
    say,
    promote,
) -> TrainResult:
    """Fit on everything and say plainly that nothing was held out. The first model of an
    office is promoted (something must serve); over a champion, an unmeasured challenger
    is registered but not promoted."""
    say(
        t(
            "training.progress.no_heldout",
            why=split.no_heldout,
            n=format_number(len(outcomes)),
        )
    )
    final = MatchModel(**params).fit(umkm, firms, outcomes, progress=say)
    finite = bool(
        np.isfinite(
            ModelScorer(final).score_block(umkm, firms, np.arange(min(len(umkm), 200)))
        ).all()
    )
    unmeasured = Message("training.gate.not_measured", why=split.no_heldout)
    if champion_id is None and finite:
        decision = Decision(
            True,
            Message("training.gate.promote_unmeasured", why=split.no_heldout),
            [Check("heldout", True, unmeasured)],
        )
    else:
        why = (
            Message("training.gate.scores_not_finite")
            if not finite
            else Message("training.gate.no_heldout", why=split.no_heldout)
        )
        decision = Decision(
            False,
            Message(
                "training.gate.keep_unmeasured",
                champion=champion_id or Message("training.retrain.no_current"),
                why=why,
            ),
            [Check("heldout", False, unmeasured)],
        )
    metrics = {
        "heldout": {},
        "no_heldout": split.no_heldout,
        "scores_finite": finite,
        "features": list(FEATURE_NAMES),
    }
    version = registry.register(
        final,
        metrics=metrics,
        features=list(FEATURE_NAMES),
        data_fingerprint=fingerprint_frames(umkm, firms, outcomes),
        frozen_validation=None,
        notes=notes,
        extra={
            "params": final.get_params(),
            "champion": champion_id,
            "decision": decision.to_dict(),
            "test_events": [],
            "n_outcomes": int(len(outcomes)),
            "n_umkm": int(len(umkm)),
            "n_firms": int(len(firms)),
            "trained_until": outcomes["date"].max().isoformat(),
        },
    )
    if promote and decision.promote:
        registry.promote(version, reason=decision.reason)
    table = pd.DataFrame(columns=["method", "segment", "n_umkm", *METRICS, "coverage", "gini"])
    return TrainResult(
        version=version,
        decision=decision,
        table=table,
        split=split,
        model=final,
        champion=champion_id,
    )
