"""The API's side of retraining: reading the store into training's inputs, and the background
job runner behind ``POST /models/retrain``.

Training takes frames (:class:`training.retrain.RetrainData`) and never opens the store;
the store belongs to the API, so the queries that turn it into training frames live here
(:func:`read_store`, also used by ``matcher retrain`` without files) and so does the
thread that runs one retrain at a time for the server (:class:`RetrainJobs`).

``training.retrain`` (and through it the whole training stack) is imported when a retrain
reads its data or runs, not when this module is imported: the server starts without it.
"""

from __future__ import annotations

import datetime as dt
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from api.settings import Settings
from api.store import FIRMS, UMKM, load_frame, open_store
from api.store.outcomes import outcomes_frame, outcomes_provenance
from matcher.data.errors import MatcherError
from matcher.i18n import Message, format_number, t, text_in

if TYPE_CHECKING:
    from training.registry import Registry
    from training.retrain import RetrainData, RetrainOutcome


#: what GET /models/retrain/{job_id} may say a job is doing
JOB_STATUSES = ("queued", "running", "done", "failed")


class RetrainBusyError(MatcherError):
    """A retrain is already running; two at once would only compete for the same cores."""


# ----------------------------------------------------------------------- the store as inputs
def load_from_store(database_url: str | None = None, home: str | Path | None = None) -> RetrainData:
    """Profiles and outcomes as canonical frames from the facilitator store.

    ``database_url``/``home`` override ``MATCHER_DATABASE_URL``/``MATCHER_HOME`` as in every
    store command.
    """
    given = {"database_url": database_url, "home": home}
    store = open_store(Settings(**{k: v for k, v in given.items() if v is not None}))
    try:
        return read_store(store)
    finally:
        store.dispose()


def read_store(store) -> RetrainData:
    """Everything a retrain needs from an open :class:`api.store.Store` (the API passes its own;
    ``matcher retrain`` opens one from its options).

    Outcomes are the store's canonical training frame (each outcome's corrected value,
    voided ones left out, then the latest date per pair), so outcomes recorded through the
    API or imported, and their corrections, are all seen here.
    """
    from training.retrain import RetrainData  # the training stack loads here, on first use

    with store.session() as session:
        umkm = load_frame(session, UMKM)
        firms = load_frame(session, FIRMS)
        outcomes = outcomes_frame(session)
        provenance = outcomes_provenance(session)  # the marker of each pair's winning row
    where = _safe_url(store.url)
    if outcomes.empty:
        raise MatcherError(Message("cli.retrain.store_empty", url=where))
    return RetrainData(
        umkm, firms, outcomes, provenance, source=Message("cli.retrain.store", url=where)
    )


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

    def to_dict(self, lang: str | None = None) -> dict:
        """The job as JSON; its decision line (a catalogue Message) in ``lang``."""
        out = {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}
        if self.message is not None:
            out["message"] = text_in(self.message, lang)
        return out


class RetrainJobs:
    """Runs retrains in a background thread, one at a time, and remembers their status.

    The API keeps one instance (e.g. on ``app.state``); ``load`` is called inside the job so
    the data is read when the job runs, not when it is queued. A second ``start`` while one
    job runs raises :class:`RetrainBusyError` (answer 409 with the running job's id).
    ``retrain`` is the function a job runs (default :func:`training.retrain.retrain`, looked
    up when the job runs); tests pass a stand-in.
    """

    MAX_PROGRESS_LINES = 50

    def __init__(self, retrain: Callable[..., RetrainOutcome] | None = None):
        self._retrain = retrain
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
                raise RetrainBusyError(Message("training.retrain.busy", job=self._running))
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
            say(
                t(
                    "training.progress.outcomes_from",
                    n=format_number(len(data.outcomes)),
                    source=data.source,
                )
            )
            outcome = (self._retrain or _training_retrain())(
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
                (exc.args[0] if len(exc.args) == 1 else str(exc))
                if isinstance(exc, MatcherError)
                else f"{type(exc).__name__}: {exc}"
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
                    job.message = Message("training.retrain.switch_failed", detail=str(exc))
            # finished_at first: a poller that sees done/failed also sees when it ended
            job.finished_at = _now()
            job.status = status
            with self._lock:
                self._running = None

    def wait(self, job_id: str, timeout: float | None = None) -> RetrainJob:
        """Block until the job has finished (for tests and scripts)."""
        self._threads[job_id].join(timeout)
        return self._jobs[job_id]


def _training_retrain() -> Callable[..., RetrainOutcome]:
    import training.retrain  # the training stack loads with the first job, not at startup

    return training.retrain.retrain


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
