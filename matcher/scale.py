"""The Dask engine of the batch pipeline (:mod:`matcher.batch`): the same chunks, on a cluster.

``matcher recommend --engine dask`` runs :func:`matcher.batch.run_batch` with a
:class:`DaskEngine`. The work is split exactly as the local engine splits it (the same
:class:`~matcher.batch.Batch` es, in order), and every chunk is scored by
:func:`matcher.batch.score_chunk` (hence :meth:`matcher.service.MatchService.recommend_chunk`),
so the file written is identical, byte for byte, to the local engine's.

What travels where, and why:

* the model and the firm encodings go to each worker **once** (``client.scatter(...,
  broadcast=True)``), as a firm-side :class:`~matcher.service.MatchService` holding no
  UMKM — shipping them with every task would cost more than the scoring;
* each task carries only its chunk's UMKM profile rows and encodes them on the worker, so
  no process ever holds the encodings of every UMKM;
* the driver hands chunks over as the source yields them (the CLI streams a whole UMKM
  file this way), so it never holds the whole profile table;
* at most a few chunks per worker thread are in flight (submitted but not yet written);
  finished chunks wait in a small buffer until every earlier chunk is handed to the sink
  (:class:`~matcher.output.TableWriter`: temporary file, moved into place only on
  success). Memory on the driver is bounded by the window, not by the number of UMKM.

Dask is optional (``pip install 'matcher[scale]'``); it is imported only when used.
:func:`recommend_dask` and :func:`recommend_dask_frames` are the pipeline with this engine
and a file sink, kept for callers of the earlier API.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.batch import Batch, frame_batches, run_batch, score_chunk, service_batches
from matcher.data.errors import MatcherError
from matcher.i18n import Figure, Message
from matcher.output import TableWriter
from matcher.service import MatchService

__all__ = [
    "DaskEngine",
    "DaskEngineError",
    "recommend_dask",
    "recommend_dask_frames",
    "score_chunk",
]

INSTALL_HINT = "pip install 'matcher[scale]'  (or: pip install 'dask[distributed]')"
# Chunks in flight per worker thread: enough to keep every worker busy while the driver
# writes, few enough that buffered results stay small.
CHUNKS_PER_THREAD = 2


class DaskEngineError(MatcherError):
    """The Dask engine could not run or a chunk failed on a worker (message says which)."""


def recommend_dask(
    service: MatchService,
    umkm_ids: Sequence[str] | None,
    k: int,
    out_path: str | Path,
    *,
    scheduler: str | None = None,
    chunk_size: int = 2048,
    n_workers: int = 2,
    progress: Callable[[int], None] | None = None,
    decorate: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None,
) -> int:
    """Top-k firms for ``umkm_ids`` (all UMKM when None) written to ``out_path`` via Dask.

    ``scheduler``: address of a running Dask scheduler; None starts a local cluster of
    ``n_workers`` single-threaded processes and closes it afterwards. Returns the number of
    rows written. The file equals the local engine's; nothing is left behind on failure.
    ``progress(n)`` is called as each chunk of n UMKM is written.
    """
    engine = DaskEngine(scheduler=scheduler, n_workers=n_workers)  # fails early without Dask
    with TableWriter(out_path) as sink:
        return run_batch(
            service,
            service_batches(service, umkm_ids, chunk_size),
            k,
            sink,
            engine=engine,
            progress=progress,
            decorate=decorate,
        )


def recommend_dask_frames(
    firms_service: MatchService,
    frames: Iterable[pd.DataFrame],
    k: int,
    out_path: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    progress: Callable[[int], None] | None = None,
    decorate: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None,
) -> int:
    """Top-k firms for UMKM profile frames (canonical, one chunk each, in order) via Dask.

    ``frames`` may be read lazily from a file (the CLI streams it), so the driver holds
    only the chunks in flight. ``firms_service`` is a firm-side service
    (:meth:`MatchService.firm_side`), shipped once to every worker. ``progress(n)`` is
    called as each chunk of n UMKM is written. ``decorate(recs, umkm_rows)``, if given,
    adds columns on the driver before a chunk is written (the CLI adds names). Returns the
    number of rows written.
    """
    engine = DaskEngine(scheduler=scheduler, n_workers=n_workers)  # fails early without Dask
    with TableWriter(out_path) as sink:
        return run_batch(
            firms_service,
            frame_batches(frames),
            k,
            sink,
            engine=engine,
            progress=progress,
            decorate=decorate,
        )


class DaskEngine:
    """Runs the batch scorer on a Dask cluster: ``scheduler``'s, else a local cluster of
    ``n_workers`` single-threaded processes started for the run and closed afterwards.
    Results come back in the order of the batches (see the module doc)."""

    def __init__(self, scheduler: str | None = None, n_workers: int = 2):
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise DaskEngineError(
                Message("cli.dask.missing", reason=str(exc), install=INSTALL_HINT)
            ) from None
        self.scheduler, self.n_workers = scheduler, n_workers

    def run(
        self, service: MatchService, batches: Iterable[Batch], k: int
    ) -> Iterator[tuple[Batch, pd.DataFrame]]:
        from distributed import Client, LocalCluster, as_completed

        batches = iter(batches)
        first = next(batches, None)
        if first is None:  # nothing to score: no cluster started
            return
        batches = itertools.chain([first], batches)
        firms_service = service.firm_side()
        with _connect(Client, LocalCluster, self.scheduler, self.n_workers) as client:
            shared = client.scatter(firms_service, broadcast=True, hash=False)
            window = max(2, CHUNKS_PER_THREAD * sum(client.nthreads().values()))
            per_umkm = min(k, len(firms_service.firm_index))
            asked: dict[int, Batch] = {}  # chunk number -> its batch, while in flight

            def submit(i: int):
                batch = next(batches, None)
                if batch is None:
                    return None
                asked[i] = batch
                return client.submit(score_chunk, shared, batch.rows, k, pure=False)

            for i, frame in _in_order(submit, window, as_completed):
                batch = asked.pop(i)
                _check_chunk(frame, batch.rows["umkm_id"].to_numpy(dtype=object), per_umkm)
                yield batch, frame


# ---------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _connect(Client, LocalCluster, scheduler: str | None, n_workers: int) -> Iterator:
    """A client on ``scheduler``, or on a local cluster started here and closed afterwards."""
    import logging
    import warnings

    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
            cluster = None
        else:
            with warnings.catch_warnings():
                # the scheduler's HTTP endpoint moves to a free port when 8787 is taken: fine
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        where = (
            Message("cli.dask.scheduler", address=scheduler)
            if scheduler
            else Message("cli.dask.local")
        )
        raise DaskEngineError(Message("cli.dask.connect", where=where, reason=str(exc))) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _in_order(submit, window: int, as_completed) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield (chunk number, frame) in chunk order while at most ``window`` chunks are
    submitted-but-not-yet-yielded, so finished chunks buffered out of order stay few.
    ``submit(i)`` submits chunk ``i`` and returns its future, or None when there is none."""
    pending = as_completed()
    chunk_of: dict[str, int] = {}  # future key -> chunk number
    done: dict[int, pd.DataFrame] = {}
    next_submit = next_yield = 0
    exhausted = False
    while True:
        while not exhausted and next_submit - next_yield < window:
            fut = submit(next_submit)
            if fut is None:
                exhausted = True
                break
            chunk_of[fut.key] = next_submit
            pending.add(fut)
            next_submit += 1
        if next_yield == next_submit:  # everything submitted has been handed on
            return
        fut = next(pending)
        i = chunk_of.pop(fut.key)
        done[i] = _result(fut, i)
        while next_yield in done:
            yield next_yield, done.pop(next_yield)
            next_yield += 1


def _result(fut, chunk: int) -> pd.DataFrame:
    """The chunk's frame, or a one-line error naming the chunk (no remote traceback dump)."""
    try:
        return fut.result()
    except MatcherError:
        raise
    except Exception as exc:  # a worker-side failure: say what failed, not where in Dask
        hint = Message("cli.dask.killed_hint") if type(exc).__name__ == "KilledWorker" else ""
        raise DaskEngineError(
            Message(
                "cli.dask.chunk_failed",
                n=Figure(chunk + 1),
                reason=f"{type(exc).__name__}: {exc}",
                hint=hint,
            )
        ) from None


def _check_chunk(frame: pd.DataFrame, umkm_ids: np.ndarray, per_umkm: int) -> None:
    """Guard the file's integrity: a chunk must hold the rows of the UMKM asked, in order."""
    expected = np.repeat(umkm_ids, per_umkm)
    if not np.array_equal(frame["umkm_id"].to_numpy(dtype=object), expected):
        raise DaskEngineError(Message("cli.dask.wrong_rows"))
