"""Champion/challenger gating: should a freshly trained model replace the current one?

Pure functions over plain metric dicts, so the rule is testable without training anything
and the same decision can be re-derived from two manifests.

Metric dict shape (one per model; every number is a float, higher is better)::

    {
        "heldout":  {"ndcg@10": 0.61, ...},   # on the NEW held-out slice (same slice for both)
        "frozen":   {"ndcg@10": 0.58, ...},   # on the CHAMPION's frozen validation slice
        "baselines": {"rule":  {"ndcg@10": 0.52},   # challenger only: baselines scored on
                      "tfidf": {"ndcg@10": 0.55}},  # the same held-out slice
        "coverage": 0.34,          # catalogue coverage: share of firms in >= 1 top-10 list
        "scores_finite": True,     # challenger only: no NaN/inf among its scores
        "features": ["kbli_overlap", "distance_km", ...],   # the model's feature names
        # challenger only, optional: per-UMKM paired difference challenger - champion on
        # the held-out slice (training.evaluate.paired_difference)
        "heldout_vs_champion": {"mean": -0.012, "se": 0.014, "n": 180},
    }

For the champion, ``heldout`` is the champion re-scored on the new held-out slice and
``frozen`` its score on its own frozen slice (from its manifest, or re-scored); ``frozen``
may be absent when the champion was registered without a frozen slice, and then that
check is skipped (reported as passed with "skipped").

Rules (all must pass):

=====================  ================================================================
check                  passes when
=====================  ================================================================
scores_finite          the challenger's scores are all finite
coverage               first model: coverage > 0; else challenger coverage >=
                       ``min_coverage_ratio`` x champion coverage (no collapse onto a few
                       popular firms)
feature_schema         first model: at least one feature; else the challenger's features
                       are a superset of (or equal to) the champion's. Adding features is
                       a deliberate code change; *losing* one during a retrain usually
                       means an input column went empty or missing, so an automatic
                       retrain must not ship it. A human can still ``matcher models
                       promote`` a smaller model on purpose.
beats_baseline:<name>  challenger held-out metric >= baseline + ``baseline_margin``, for
                       every baseline given (at least one is required)
heldout_vs_champion    challenger held-out metric >= champion held-out metric - allowance,
                       where allowance = max(``tolerance``, ``NOISE_Z`` x the standard
                       error of the per-UMKM paired difference, when it is given)
frozen_vs_champion     challenger on the champion's frozen slice >= champion there -
                       ``tolerance`` (guards against a new held-out slice that is easier)
=====================  ================================================================

Why the noise allowance: the challenger that is scored is fitted on the outcomes before the
held-out events, which are (nearly) the champion's own training data; the challenger that
gets registered is refitted on everything, new events included. On the held-out slice the
two are therefore alike in expectation, and their difference is largely the luck of a few
hundred held-out UMKM, which a fixed 0.01 tolerance ignores (issue 16 saw a fair challenger
kept out at 0.2475 vs 0.2715). The allowance only forgives a shortfall that chance explains
(one-sided, about 95 %); a challenger clearly worse than the champion is still kept out,
and a model that fails to beat the baselines still fails (that margin is not widened).
``bench/bench_gate.py`` measures how often fair cycles promote (docs/retrain.md).

Margins and tolerances are absolute differences in the metric (NDCG@10 lives in [0, 1]).
A missing or non-finite metric fails its check rather than raising, so a broken
evaluation blocks a promotion instead of crashing the retrain loop.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

from matcher.i18n import Figure, Message, text_in

DEFAULT_METRIC = "ndcg@10"
# One-sided ~95 %: a challenger may trail the champion by this many standard errors of the
# per-UMKM paired difference (see the module docstring).
NOISE_Z = 1.645
# Float sums like 0.60 + 0.02 land a hair off; a margin "met exactly" must count as met.
_SLACK = 1e-12


class Check(NamedTuple):
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str  # one line, for logs and the CLI
    checks: list[Check]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict:
        """JSON-friendly form, e.g. to store in the challenger's manifest ``extra``."""
        return {
            "promote": self.promote,
            "reason": self.reason,
            "checks": [c._asdict() for c in self.checks],
        }


def decide_promotion(
    champion: dict | None,
    challenger: dict,
    *,
    tolerance: float = 0.01,
    baseline_margin: float = 0.02,
    min_coverage_ratio: float = 0.5,
    metric: str = DEFAULT_METRIC,
) -> Decision:
    """Apply the rules in the module docstring; ``champion=None`` means no model yet."""
    if tolerance < 0 or baseline_margin < 0 or not 0 <= min_coverage_ratio <= 1:
        raise ValueError("tolerance and baseline_margin must be >= 0, min_coverage_ratio in [0, 1]")
    checks = [
        _check_finite(challenger),
        _check_coverage(champion, challenger, min_coverage_ratio),
        _check_features(champion, challenger),
        *_check_baselines(challenger, metric, baseline_margin),
    ]
    if champion is not None:
        checks.append(_check_vs_champion("heldout", champion, challenger, metric, tolerance))
        checks.append(_check_vs_champion("frozen", champion, challenger, metric, tolerance))
    promote = all(c.passed for c in checks)
    return Decision(promote, _reason(promote, champion, challenger, checks, metric), checks)


def _number(value: object) -> float | None:
    """A finite float, or None for anything missing, non-numeric, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy floats are Real
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _metric(model: dict, section: str, metric: str) -> float | None:
    return _number((model.get(section) or {}).get(metric))


def _fmt(value: float | None) -> Message | Figure:
    """A metric as its reader writes it ("0,7123" / "0.7123"), or "missing"."""
    return Message("training.gate.missing") if value is None else Figure(value, 4, trim=False)


def _check_finite(challenger: dict) -> Check:
    ok = challenger.get("scores_finite") is True
    return Check(
        "scores_finite",
        ok,
        Message("training.gate.finite_ok" if ok else "training.gate.finite_bad"),
    )


def _check_coverage(champion: dict | None, challenger: dict, ratio: float) -> Check:
    new = _number(challenger.get("coverage"))
    if champion is None:
        ok = new is not None and new > 0
        return Check("coverage", ok, Message("training.gate.coverage_first", new=_fmt(new)))
    old = _number(champion.get("coverage"))
    if new is None or old is None:
        return Check(
            "coverage",
            False,
            Message("training.gate.coverage_missing", new=_fmt(new), old=_fmt(old)),
        )
    floor = ratio * old
    return Check(
        "coverage",
        new >= floor - _SLACK,
        Message(
            "training.gate.coverage",
            new=_fmt(new),
            floor=_fmt(floor),
            ratio=Figure(ratio, 2),
            old=_fmt(old),
        ),
    )


def _check_features(champion: dict | None, challenger: dict) -> Check:
    new = list(challenger.get("features") or [])
    if champion is None:
        return Check("feature_schema", bool(new), Message("training.gate.features", n=len(new)))
    missing = [f for f in champion.get("features") or [] if f not in set(new)]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        return Check(
            "feature_schema",
            False,
            Message("training.gate.features_missing", n=len(missing), shown=shown),
        )
    added = len(set(new) - set(champion.get("features") or []))
    return Check("feature_schema", True, Message("training.gate.features_superset", added=added))


def _check_baselines(challenger: dict, metric: str, margin: float) -> list[Check]:
    baselines = challenger.get("baselines") or {}
    if not baselines:
        return [Check("beats_baseline", False, Message("training.gate.no_baselines"))]
    new = _metric(challenger, "heldout", metric)
    checks = []
    for name, scores in sorted(baselines.items()):
        base = _number((scores or {}).get(metric))
        ok = new is not None and base is not None and new - base >= margin - _SLACK
        checks.append(
            Check(
                f"beats_baseline:{name}",
                ok,
                Message(
                    "training.gate.baseline",
                    metric=metric,
                    new=_fmt(new),
                    name=name,
                    base=_fmt(base),
                    margin=Figure(margin, 3),
                ),
            )
        )
    return checks


def _check_vs_champion(
    section: str, champion: dict, challenger: dict, metric: str, tolerance: float
) -> Check:
    name = f"{section}_vs_champion"
    old = _metric(champion, section, metric)
    new = _metric(challenger, section, metric)
    if section == "frozen" and champion.get("frozen") is None:
        return Check(name, True, Message("training.gate.no_frozen"))
    allowance, why = tolerance, Message("training.gate.tolerance", tolerance=Figure(tolerance, 3))
    paired = challenger.get(name) if section == "heldout" and metric == DEFAULT_METRIC else None
    se = _number((paired or {}).get("se"))
    if se is not None and NOISE_Z * se > tolerance:
        allowance = NOISE_Z * se
        why = Message(
            "training.gate.within_chance",
            allowance=_fmt(allowance),
            z=Figure(NOISE_Z, 3),
            se=_fmt(se),
            n=int(paired.get("n", 0)),
        )
    ok = new is not None and old is not None and new >= old - allowance - _SLACK
    return Check(
        name,
        ok,
        Message(
            "training.gate.vs_champion",
            section=section,
            metric=metric,
            new=_fmt(new),
            old=_fmt(old),
            why=why,
        ),
    )


def _reason(
    promote: bool, champion: dict | None, challenger: dict, checks: list[Check], metric: str
) -> Message:
    new = _fmt(_metric(challenger, "heldout", metric))
    if promote:
        if champion is None:
            why = Message("training.gate.why_first", metric=metric, new=new, n=len(checks))
            return Message("training.gate.promote_first", why=why)
        detail = next((c.detail for c in checks if c.name == "heldout_vs_champion"), None)
        allowance = detail.params.get("why") if isinstance(detail, Message) else None
        within = isinstance(allowance, Message) and allowance.key == "training.gate.within_chance"
        why = Message(
            "training.gate.why_within" if within else "training.gate.why",
            metric=metric,
            new=new,
            old=_fmt(_metric(champion, "heldout", metric)),
            within=allowance if within else "",
            n=len(checks),
        )
        return Message("training.gate.promote", why=why)
    failed = [c for c in checks if not c.passed]
    return Message(
        "training.gate.keep" if champion is not None else "training.gate.do_not_promote",
        failed=len(failed),
        n=len(checks),
        listing=failed_listing(failed),
    )


def failed_listing(failed: list[Check]) -> Message:
    """``coverage: …; feature_schema: …``: the failed checks, each in the reader's language."""
    return Message(
        "training.gate.listing",
        items=_Joined(
            [Message("training.gate.item", name=c.name, detail=c.detail) for c in failed]
        ),
    )


class _Joined(list):
    """Messages joined by "; " when rendered (a Message parameter that is a list of them)."""

    def in_(self, lang: str | None = None) -> str:
        return "; ".join(text_in(m, lang) for m in self)

    def __str__(self) -> str:
        return self.in_("en")
