"""``matcher import``: validate a file per the data contract, then write it in ONE
transaction. A file with any problem changes nothing (every problem is reported).

Big UMKM files are streamed: read and checked chunk by chunk into a staging table, merged
into the profiles in one short transaction only when every chunk was clean (memory holds
one chunk, not the file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from api.store.db import Store
from api.store.outcomes import append_imported_followups, append_imported_outcomes
from api.store.profiles import FIRMS, UMKM, Staging, stage_and_merge, upsert_profiles
from matcher.data import rules
from matcher.data.loaders import load_firms, load_followups, load_outcomes, load_umkm, scan_umkm

IMPORT_KINDS = ("umkm", "firms", "outcomes", "followups")
STAGE_ABOVE = 5_000
"""Files with more profiles than this are written through a staging table."""
STREAM_ABOVE_BYTES = 4 * 2**20
"""UMKM CSV/Parquet files larger than this are read, checked and staged in chunks of
:data:`STREAM_CHUNK_ROWS` rows, never held whole (a 1M-row file peaked at 2.2 GB read
whole)."""
STREAM_CHUNK_ROWS = 50_000


@dataclass
class ImportResult:
    kind: str
    rows_in_file: int
    rows_written: int
    warnings: list = field(default_factory=list)
    already_stored: int = 0
    conflicts: list[str] = field(
        default_factory=list
    )  # rows not imported: they contradict the store


def import_file(
    store: Store,
    kind: str,
    path: str | Path,
    recorded_by: str | None = None,
    *,
    stream_above_bytes: int = STREAM_ABOVE_BYTES,
    chunk_rows: int = STREAM_CHUNK_ROWS,
) -> ImportResult:
    """Profiles are upserted by ID; outcomes and follow-ups are appended (rows already
    stored are skipped; an outcome row contradicting a stored one is listed in
    ``conflicts`` and not imported). Outcome files keep every row (a pair's whole ladder).

    A UMKM CSV/Parquet file larger than ``stream_above_bytes`` is read, checked and staged
    ``chunk_rows`` rows at a time.

    Raises :class:`~matcher.data.errors.DataValidationError` before anything is written.
    """
    if kind == "umkm" and _streamable(path, stream_above_bytes):
        with Staging(store, UMKM) as staging:  # merged only when the whole file is clean
            n, warnings = scan_umkm(path, chunk_rows, on_chunk=staging.add)
            return ImportResult(kind, n, staging.merge(), list(warnings))
    if kind == "umkm" or kind == "firms":
        profile_kind = UMKM if kind == "umkm" else FIRMS
        frame = load_umkm(path) if kind == "umkm" else load_firms(path)
        if len(frame) > STAGE_ABOVE:  # a big file: short transactions, one atomic merge
            written = stage_and_merge(store, frame, profile_kind)
        else:
            with store.transaction() as session:
                written = upsert_profiles(session, frame, profile_kind)
    elif kind in ("outcomes", "followups"):
        with store.transaction() as session:
            umkm_ids = pd.DataFrame({"umkm_id": list(session.scalars(select(UMKM.table.umkm_id)))})
            firm_ids = pd.DataFrame({"firm_id": list(session.scalars(select(FIRMS.table.firm_id)))})
            by = rules.fit(recorded_by or f"import:{Path(path).name}", rules.ID_MAX)
            if kind == "followups":
                frame = load_followups(path, umkm_ids, firm_ids)
                written = append_imported_followups(session, frame, by)
            else:
                frame = load_outcomes(path, umkm_ids, firm_ids, latest_only=False)
                done = append_imported_outcomes(session, frame, by)
                return ImportResult(
                    kind,
                    len(frame),
                    done.added,
                    list(frame.attrs.get("warnings", [])),
                    done.already_stored,
                    done.conflicts,
                )
    else:
        raise ValueError(f"kind must be one of {IMPORT_KINDS}, not {kind!r}")
    return ImportResult(kind, len(frame), written, list(frame.attrs.get("warnings", [])))


def _streamable(path: str | Path, above_bytes: int) -> bool:
    path = Path(path)
    return (
        path.suffix.lower() in (".csv", ".parquet")
        and path.is_file()
        and path.stat().st_size > above_bytes
    )
