"""The batch pipeline: source -> scorer -> sink, with the engine as a parameter.

Every batch of recommendations (``matcher recommend``, its Dask form, the benchmarks
through the CLI) runs :func:`run_batch`::

    source                    engine runs the scorer             sink (in chunk order)
    ------                    ------------------------           ---------------------
    service_batches(...)  ->  LocalEngine  (this process)   ->   TableWriter (file)
    file_batches(...)         DaskEngine   (matcher.scale)       CallbackSink (a function)

- a **source** yields :class:`Batch` es in order: canonical UMKM profile rows, and their
  positions in the service's own UMKM when they come from it;
- the **scorer** is one function, :meth:`matcher.service.MatchService.recommend_chunk`
  (through :func:`score_chunk` for profiles that are not the service's own), so every engine
  gives the same rows;
- the **engine** decides where the scorer runs: :class:`LocalEngine` here, chunk after chunk;
  :class:`matcher.scale.DaskEngine` on a Dask cluster (the model and firms shipped once);
  :func:`make_engine` builds one from its name (``--engine local|dask``);
- the **sink** receives each chunk's rows, in chunk order, optionally ``decorate``d first
  (the CLI adds names): anything with ``write(frame)``, e.g. :class:`matcher.output.TableWriter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from matcher.index import IdIndex
from matcher.service import MatchService

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Batch:
    """One chunk of UMKM to score: canonical profile rows (input order, may repeat an ID)
    and, when they are the scoring service's own UMKM, their positions there (None for
    profiles read from a file: they are encoded as they come)."""

    rows: pd.DataFrame
    positions: np.ndarray | None = None


class Sink(Protocol):
    def write(self, frame: pd.DataFrame) -> None: ...


class Engine(Protocol):
    def run(
        self, service: MatchService, batches: Iterable[Batch], k: int
    ) -> Iterator[tuple[Batch, pd.DataFrame]]:
        """Each batch with its top-k rows, in the order of ``batches``."""
        ...


# ---------------------------------------------------------------------------- sources


def service_batches(
    service: MatchService, umkm_ids: Sequence[str] | None = None, chunk_size: int = 2048
) -> Iterator[Batch]:
    """The service's own UMKM (all, or ``umkm_ids`` in their order, repeats kept) in chunks
    of ``chunk_size`` (:meth:`MatchService.chunk_positions`: unknown IDs and a bad chunk
    size are refused here, before anything is scored)."""
    chunks = service.chunk_positions(umkm_ids, chunk_size)
    return (Batch(service.umkm.iloc[positions], positions) for positions in chunks)


def frame_batches(frames: Iterable[pd.DataFrame]) -> Iterator[Batch]:
    """Canonical UMKM profile frames (one chunk each, e.g. read lazily from a file); empty
    frames are skipped."""
    return (Batch(frame) for frame in frames if len(frame))


def file_batches(path: str | Path, chunk_size: int) -> Iterator[Batch]:
    """A UMKM file read ``chunk_size`` rows at a time. Check the whole file first
    (:func:`matcher.data.loaders.scan_umkm`): IDs are not checked across chunks here."""
    from matcher.data.loaders import iter_umkm

    return frame_batches(iter_umkm(path, chunk_size, unique_across_chunks=False))


# ---------------------------------------------------------------------------- scorer


def score_chunk(service: MatchService, umkm_rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """Top-k rows for ``umkm_rows`` (canonical UMKM profiles, input order; may repeat an ID).

    Encodes these rows only, then scores them through :meth:`MatchService.match_profile`
    (hence ``recommend_chunk``); what a Dask worker runs, with a firm-side service.
    """
    once = umkm_rows.drop_duplicates("umkm_id")
    if len(once) == len(umkm_rows):
        return service.match_profile(umkm_rows, k)
    # the same UMKM asked for twice: score it once, repeat its block of rows where asked
    scored = service.match_profile(once, k)
    per_umkm = len(scored) // len(once)
    block = IdIndex(once["umkm_id"], kind="umkm").positions(umkm_rows["umkm_id"])
    rows = (block[:, None] * per_umkm + np.arange(per_umkm)).ravel()
    return scored.iloc[rows].reset_index(drop=True)


def score_batch(service: MatchService, batch: Batch, k: int) -> pd.DataFrame:
    """The batch's top-k rows: by position when they are the service's own UMKM (their
    encodings may be made already), else from the profile rows."""
    if batch.positions is not None:
        return service.recommend_chunk(batch.positions, k)
    return score_chunk(service, batch.rows, k)


# ---------------------------------------------------------------------------- engines


class LocalEngine:
    """Scores in this process, one chunk after the other (lazily: a source may stop early)."""

    def run(
        self, service: MatchService, batches: Iterable[Batch], k: int
    ) -> Iterator[tuple[Batch, pd.DataFrame]]:
        for batch in batches:
            yield batch, score_batch(service, batch, k)


def make_engine(name: str = "local", *, scheduler: str | None = None, n_workers: int = 2) -> Engine:
    """An engine by name: ``local``, or ``dask`` (on ``scheduler``, else a local cluster of
    ``n_workers`` processes; needs the ``scale`` extra)."""
    if name == "local":
        return LocalEngine()
    if name == "dask":
        from matcher.scale import DaskEngine

        return DaskEngine(scheduler=scheduler, n_workers=n_workers)
    from matcher.data.errors import MatcherError
    from matcher.i18n import Message

    raise MatcherError(
        Message("cli.args.unknown_engine", name=repr(name), choices=", ".join(ENGINES))
    )


# ---------------------------------------------------------------------------- sinks


class CallbackSink:
    """A sink that hands each chunk's rows to a function (e.g. one filling a cache)."""

    def __init__(self, write: Callable[[pd.DataFrame], None]):
        self.write = write


# ---------------------------------------------------------------------------- pipeline


def run_batch(
    service: MatchService,
    batches: Iterable[Batch],
    k: int,
    sink: Sink,
    *,
    engine: Engine | None = None,
    decorate: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score ``batches`` with ``engine`` (default local) and write each chunk's top-k rows to
    ``sink`` in order; returns the number of rows written.

    ``decorate(rows, umkm_rows)`` adds columns before a chunk is written (the CLI adds names);
    ``progress(n)`` is called as each chunk of n UMKM is written."""
    written = 0
    for batch, frame in (engine or LocalEngine()).run(service, batches, k):
        frame = decorate(frame, batch.rows) if decorate is not None else frame
        sink.write(frame)
        written += len(frame)
        if progress is not None:
            progress(len(batch.rows))
    return written
