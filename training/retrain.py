"""Retraining on new outcomes: champion vs challenger, safe promotion, report, background jobs.

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

Profiles and outcomes come from files or from the store (:func:`load_from_store`), which is
how outcomes recorded through the API or ``matcher import outcomes`` reach the next model.
"""

from __future__ import annotations

import datetime as dt
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from training.evaluate import Split, evaluate_scorers
from training.gating import Decision
from training.registry import Registry
from training.train import TrainResult, train_and_register

FIRM_TYPES = ("PMA", "PMDN")
# Values of a file's optional `source` column that mean "the engine suggested this pair".
ENGINE_SOURCES = frozenset({"engine", "matcher", "recommended", "model"})


class PromotionError(MatcherError):
    """The gate said promote, but making the new version current failed (champion kept)."""


class RetrainBusyError(MatcherError):
    """A retrain is already running; two at once would only compete for the same cores."""


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
) -> RetrainOutcome:
    """Train a challenger on all outcomes, gate it against the champion, promote if it wins.

    ``provenance`` (optional, see :func:`file_provenance` / :func:`load_from_store`) says per
    pair whether the engine recommended it; the report uses it for the engine's share of
    the new outcomes. ``params`` go to :class:`matcher.ranking.MatchModel`.
    """
    if tolerance < 0 or baseline_margin < 0 or not 0 < test_share < 1:
        raise MatcherError(
            f"tolerance ({tolerance}) and baseline margin ({baseline_margin}) must be "
            f">= 0 and the test share ({test_share}) between 0 and 1"
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

        say("writing the retrain report")
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
        )

    if result.decision.promote:
        try:
            registry.promote(result.version, reason=result.decision.reason)
        except Exception as exc:  # noqa: BLE001 - any failure here leaves the champion serving
            raise PromotionError(
                f"{result.version} passed the gate but promoting it failed ({exc}); "
                f"the current model is still {registry.current_version() or 'none'}. "
                f"Promote by hand with `matcher models promote {result.version}`"
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


def decision_message(decision: Decision, version: str, champion: str | None) -> str:
    """One line: ``promoted v0004-…: …`` or ``kept v0003-…: <failed checks>``."""
    if decision.promote:
        why = decision.reason.split(": ", 1)[-1]
        return f"promoted {version}: {why}"
    failed = "; ".join(f"{c.name}: {c.detail}" for c in decision.failed)
    if champion is None:
        return f"not promoted {version} (no model is current): {failed}"
    return f"kept {champion}: {failed} (challenger {version} registered, not promoted)"


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


def load_from_store(database_url: str | None = None, home: str | Path | None = None) -> RetrainData:
    """Profiles and outcomes as canonical frames from the facilitator store.

    ``database_url``/``home`` override ``MATCHER_DATABASE_URL``/``MATCHER_HOME`` as in every
    store command.
    """
    from api.settings import Settings
    from api.store import open_store

    given = {"database_url": database_url, "home": home}
    store = open_store(Settings(**{k: v for k, v in given.items() if v is not None}))
    try:
        return read_store(store)
    finally:
        store.dispose()


def read_store(store) -> RetrainData:
    """Everything a retrain needs from an open :class:`api.store.Store` (the API passes its own).

    Outcomes are the store's canonical training frame (each outcome's corrected value,
    voided ones left out, then the latest date per pair), so outcomes recorded through the
    API or imported, and their corrections, are all seen here.
    """
    from api.store import FIRMS, UMKM, load_frame
    from api.store.outcomes import outcomes_frame

    with store.session() as session:
        umkm = load_frame(session, UMKM)
        firms = load_frame(session, FIRMS)
        outcomes = outcomes_frame(session)
        provenance = _store_provenance(session)
    where = _safe_url(store.url)
    if outcomes.empty:
        raise MatcherError(
            f"the store ({where}) has no outcomes yet: record them through "
            "the API or `matcher import outcomes FILE`, or pass --umkm/--firms/--outcomes"
        )
    return RetrainData(umkm, firms, outcomes, provenance, source=f"store {where}")


def _store_provenance(session) -> pd.DataFrame:
    """The engine-recommended marker of the row that wins per pair in ``outcomes_frame``
    (the same current, corrected values)."""
    from api.store.outcomes import outcomes_provenance

    return outcomes_provenance(session)


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


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ----------------------------------------------------------------------- background jobs
@dataclass
class RetrainJob:
    """One background retrain, as the API reports it (``GET /models/retrain/{job_id}``)."""

    job_id: str
    status: str = "queued"  # queued | running | done | failed
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    progress: list[str] = field(default_factory=list)  # the last progress lines
    message: str | None = None  # the decision line when done, the error when failed
    version: str | None = None
    promoted: bool | None = None
    report: str | None = None

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}


class RetrainJobs:
    """Runs retrains in a background thread, one at a time, and remembers their status.

    The API keeps one instance (e.g. on ``app.state``); ``load`` is called inside the job so
    the data is read when the job runs, not when it is queued. A second ``start`` while one
    job runs raises :class:`RetrainBusyError` (answer 409 with the running job's id).
    """

    MAX_PROGRESS_LINES = 50

    def __init__(self):
        self._jobs: dict[str, RetrainJob] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._running: str | None = None

    def start(
        self,
        load: Callable[[], RetrainData],
        registry: Registry,
        *,
        on_done: Callable[[RetrainJob, RetrainOutcome | None], None] | None = None,
        **retrain_kwargs,
    ) -> RetrainJob:
        with self._lock:
            if self._running is not None:
                raise RetrainBusyError(f"retrain job {self._running} is still running")
            job = RetrainJob(job_id=uuid.uuid4().hex[:12], created_at=_now())
            self._jobs[job.job_id] = job
            self._running = job.job_id
        thread = threading.Thread(
            target=self._run,
            name=f"retrain-{job.job_id}",
            daemon=True,
            args=(job, load, registry, on_done, retrain_kwargs),
        )
        self._threads[job.job_id] = thread
        thread.start()
        return job

    def get(self, job_id: str) -> RetrainJob | None:
        return self._jobs.get(job_id)

    def list(self) -> list[RetrainJob]:
        return sorted(self._jobs.values(), key=lambda j: j.created_at)

    @property
    def running(self) -> str | None:
        return self._running

    def _run(self, job: RetrainJob, load, registry, on_done, kwargs) -> None:
        job.status, job.started_at = "running", _now()

        def say(msg: str) -> None:
            job.progress.append(msg)
            del job.progress[: -self.MAX_PROGRESS_LINES]

        outcome, status = None, "failed"
        try:
            data = load()
            say(f"{len(data.outcomes):,} outcomes from {data.source}")
            outcome = retrain(
                data.umkm,
                data.firms,
                data.outcomes,
                registry,
                provenance=data.provenance,
                progress=say,
                **kwargs,
            )
            job.message, job.version, job.promoted = (
                outcome.message,
                outcome.version,
                outcome.promoted,
            )
            job.report = str(outcome.report) if outcome.report else None
            status = "done"
        except Exception as exc:  # noqa: BLE001 - a job must record its failure, not vanish
            job.message = (
                str(exc) if isinstance(exc, MatcherError) else f"{type(exc).__name__}: {exc}"
            )
            say("".join(traceback.format_exception_only(type(exc), exc)).strip())
        finally:
            # the callback (e.g. the API switching to the promoted model) runs before the
            # job says done, so a poller that sees "done" is served by the new model
            if on_done is not None:
                try:
                    on_done(job, outcome)
                except Exception as exc:  # noqa: BLE001
                    status = "failed"
                    job.message = f"finished, but switching to the new model failed: {exc}"
            # finished_at first: a poller that sees done/failed also sees when it ended
            job.finished_at = _now()
            job.status = status
            with self._lock:
                self._running = None

    def wait(self, job_id: str, timeout: float | None = None) -> RetrainJob:
        """Block until the job has finished (for tests and scripts)."""
        self._threads[job_id].join(timeout)
        return self._jobs[job_id]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
