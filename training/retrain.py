"""Retraining on new outcomes: champion vs challenger, safe promotion, report.

:func:`retrain` is the loop's one entry point (``matcher retrain``, the API's retrain job):

1. :func:`training.train.train_and_register` fits a challenger on the earlier outcomes,
   scores it, the baselines and the current model (champion) on the latest held-out events
   and the challenger on the champion's frozen slice, refits on everything, registers the
   result and decides by :mod:`training.gating` — all the modelling lives there;
2. the held-out evaluation is extended here to PMA and PMDN firms (the same fitted scorers,
   rankings restricted to one firm type, see :func:`firm_type_table`);
3. the retrain report is written (:mod:`training.retrain_report`) *before* promotion, so it
   exists whatever happens next;
4. the new version is promoted only when the gate says so. Promotion is one atomic rename
   of the registry's ``CURRENT`` file: if it fails half-way the champion stays current and
   loadable, and the failure is reported as :class:`PromotionError` (exit status 2).

Profiles and outcomes are handed in as canonical frames (a :class:`RetrainData`): from files
(with :func:`file_provenance`) or from the facilitator store, read by the API layer
(:func:`api.retrain.read_store`), which is how outcomes recorded through the API or
``matcher import outcomes`` reach the next model. Training never opens the store itself;
the background job runner the API uses is :class:`api.retrain.RetrainJobs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from matcher.i18n import Figure, Message, t
from training.evaluate import Split, evaluate_scorers
from training.gating import Decision, failed_listing
from training.registry import Registry
from training.train import TrainResult, train_and_register

FIRM_TYPES = ("PMA", "PMDN")
# Values of a file's optional `source` column that mean "the engine suggested this pair".
ENGINE_SOURCES = frozenset({"engine", "matcher", "recommended", "model"})


class PromotionError(MatcherError):
    """The gate said promote, but making the new version current failed (champion kept)."""


@dataclass
class RetrainOutcome:
    version: str  # the challenger this retrain registered
    champion: str | None  # the version that was current before
    current: str | None  # the version current now
    promoted: bool
    decision: Decision
    table: pd.DataFrame  # held-out metrics per method and segment, PMA/PMDN included
    message: str  # the one-line decision, as printed by the CLI
    report: Path | None
    result: TrainResult = field(repr=False)


# ----------------------------------------------------------------------- the loop
def retrain(
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    outcomes: pd.DataFrame,
    registry: Registry,
    *,
    report_dir: str | Path | None = None,
    tolerance: float = 0.01,
    baseline_margin: float = 0.02,
    test_share: float = 0.2,
    params: dict | None = None,
    provenance: pd.DataFrame | None = None,
    progress=None,
    lang: str | None = None,
) -> RetrainOutcome:
    """Train a challenger on all outcomes, gate it against the champion, promote if it wins.

    ``provenance`` (optional, see :func:`file_provenance` / :func:`api.retrain.read_store`) says per
    pair whether the engine recommended it; the report uses it for the engine's share of
    the new outcomes. ``params`` go to :class:`matcher.ranking.MatchModel`. ``lang``: the
    report's language (default ``$MATCHER_LANG``, else Indonesian).
    """
    if tolerance < 0 or baseline_margin < 0 or not 0 < test_share < 1:
        raise MatcherError(
            Message(
                "cli.retrain.bad_settings",
                tolerance=Figure(tolerance, 4),
                margin=Figure(baseline_margin, 4),
                share=Figure(test_share, 4),
            )
        )
    say = progress or (lambda msg: None)
    champion = registry.current_version()
    firm_tables: list[pd.DataFrame] = []

    def on_heldout(scorers: dict, split: Split) -> None:
        firm_tables.append(firm_type_table(scorers, umkm, firms, split))

    result = train_and_register(
        umkm,
        firms,
        outcomes,
        registry,
        params=params,
        test_share=test_share,
        tolerance=tolerance,
        baseline_margin=baseline_margin,
        progress=say,
        promote=False,
        on_heldout=on_heldout,
        notes=f"retrain over {champion or 'no champion'}",
    )
    table = pd.concat([result.table, *firm_tables], ignore_index=True)
    message = decision_message(result.decision, result.version, champion)

    report = None
    if report_dir is not None:
        from training.retrain_report import write_retrain_report

        say(t("training.progress.report"))
        report = write_retrain_report(
            report_dir,
            result=result,
            table=table,
            umkm=umkm,
            firms=firms,
            outcomes=outcomes,
            registry=registry,
            provenance=provenance,
            message=message,
            lang=lang,
        )

    if result.decision.promote:
        try:
            registry.promote(result.version, reason=result.decision.reason)
        except Exception as exc:  # noqa: BLE001 - any failure here leaves the champion serving
            detail = exc.args[0] if isinstance(exc, MatcherError) and len(exc.args) == 1 else exc
            raise PromotionError(
                Message(
                    "training.retrain.promotion_failed",
                    version=result.version,
                    detail=detail if isinstance(detail, Message) else str(detail),
                    current=registry.current_version() or Message("training.retrain.no_current"),
                )
            ) from exc
    return RetrainOutcome(
        version=result.version,
        champion=champion,
        current=registry.current_version(),
        promoted=result.decision.promote,
        decision=result.decision,
        table=table,
        message=message,
        report=report,
        result=result,
    )


def decision_message(decision: Decision, version: str, champion: str | None) -> Message:
    """One line: ``promoted v0004-…: …`` or ``kept v0003-…: <failed checks>`` (a Message:
    English as text, rendered in the reader's language by the CLI and the web app)."""
    if decision.promote:
        reason = decision.reason
        why = reason.params["why"] if isinstance(reason, Message) else reason.split(": ", 1)[-1]
        return Message("training.retrain.promoted", version=version, why=why)
    failed = failed_listing(decision.failed)
    if champion is None:
        return Message("training.retrain.not_promoted", version=version, failed=failed)
    return Message("training.retrain.kept", champion=champion, failed=failed, version=version)


class _FirmSubsetScorer:
    """Scores over all firms (``scores_for(u_idx)``), restricted to some firm columns."""

    def __init__(self, scores_for, columns: np.ndarray):
        self.scores_for, self.columns = scores_for, columns

    def score_block(self, umkm, firms, u_idx):
        return self.scores_for(u_idx)[:, self.columns]


def firm_type_table(
    scorers: dict, umkm: pd.DataFrame, firms: pd.DataFrame, split: Split
) -> pd.DataFrame:
    """Held-out metrics with ranking AND relevance restricted to PMA (then PMDN) firms.

    Segment ``PMA`` answers "if a facilitator looks only at foreign-investment firms, how
    good is the model's order of them for UMKM that had a positive outcome with one?".
    Rows: one per scorer and firm type (segment = "PMA"/"PMDN"), columns as
    :func:`training.evaluate.evaluate_scorers`. Each scorer scores the held-out UMKM
    against all firms once; every firm type slices those scores.
    """

    def once(scorer):
        memo: dict[bytes, np.ndarray] = {}

        def scores_for(u_idx):
            key = np.asarray(u_idx).tobytes()
            if key not in memo:
                memo[key] = scorer.score_block(umkm, firms, u_idx)
            return memo[key]

        return scores_for

    full = {name: once(s) for name, s in scorers.items()}
    parts = []
    types = firms["investment_type"].to_numpy()
    for firm_type in FIRM_TYPES:
        columns = np.flatnonzero(types == firm_type)
        if not len(columns):
            continue
        subset = firms.iloc[columns].reset_index(drop=True)
        wrapped = {name: _FirmSubsetScorer(full[name], columns) for name in scorers}
        part = evaluate_scorers(wrapped, umkm, subset, split)
        parts.append(part[part["segment"] == "all"].assign(segment=firm_type))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# ----------------------------------------------------------------------- inputs
@dataclass
class RetrainData:
    umkm: pd.DataFrame
    firms: pd.DataFrame
    outcomes: pd.DataFrame
    provenance: pd.DataFrame | None  # umkm_id, firm_id, recommended_by_engine (float 1/0/NaN)
    source: str  # where the data came from, for messages


def file_provenance(path: str | Path) -> pd.DataFrame | None:
    """The engine marker from an outcomes file's optional extra columns, or None.

    ``recommended_by_engine`` (true/false, 1/0, ya/tidak) wins; else ``source``, where
    ``engine``/``matcher``/``recommended``/``model`` mean recommended by the engine and any
    other non-empty value means a facilitator's own pick. Empty cells are unknown. Rows are
    reduced like the canonical frame (one per pair, latest date wins).
    """
    from matcher.data.loaders import BOOLEANS, excel_integer_text, read_table
    from matcher.data.outcome_state import latest_per_pair

    raw = read_table(path)  # stripped text, lower-case headers
    if not {"umkm_id", "firm_id", "date"} <= set(raw.columns):
        return None
    if "recommended_by_engine" in raw.columns:
        marker = raw["recommended_by_engine"].str.lower().map(BOOLEANS).astype(float).to_numpy()
    elif "source" in raw.columns:
        text = raw["source"].str.lower()
        marker = np.where(text.isin(ENGINE_SOURCES), 1.0, np.where(text != "", 0.0, np.nan))
    else:
        return None
    frame = pd.DataFrame(
        {
            "umkm_id": excel_integer_text(raw["umkm_id"]),
            "firm_id": excel_integer_text(raw["firm_id"]),
            "date": raw["date"].str[:10],
            "recommended_by_engine": marker,
        }
    )
    frame = latest_per_pair(frame)  # the rule training's outcomes follow (one owner)
    return frame.drop(columns="date").reset_index(drop=True)
