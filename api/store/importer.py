"""``matcher import``: validate a file per the data contract, then write it in ONE
transaction. A file with any problem changes nothing (every problem is reported)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from api.store.db import Store
from api.store.outcomes import append_imported_outcomes
from api.store.profiles import FIRMS, UMKM, upsert_profiles
from matcher.data import rules
from matcher.data.loaders import load_firms, load_outcomes, load_umkm

IMPORT_KINDS = ("umkm", "firms", "outcomes")


@dataclass
class ImportResult:
    kind: str
    rows_in_file: int
    rows_written: int
    warnings: list = field(default_factory=list)


def import_file(store: Store, kind: str, path: str | Path, recorded_by: str | None = None) -> ImportResult:
    """Profiles are upserted by ID; outcomes are appended (rows already stored are skipped).

    Raises :class:`~matcher.data.errors.DataValidationError` before anything is written.
    """
    if kind == "umkm" or kind == "firms":
        profile_kind = UMKM if kind == "umkm" else FIRMS
        frame = load_umkm(path) if kind == "umkm" else load_firms(path)
        with store.transaction() as session:
            written = upsert_profiles(session, frame, profile_kind)
    elif kind == "outcomes":
        with store.transaction() as session:
            umkm_ids = pd.DataFrame({"umkm_id": list(session.scalars(select(UMKM.table.umkm_id)))})
            firm_ids = pd.DataFrame({"firm_id": list(session.scalars(select(FIRMS.table.firm_id)))})
            frame = load_outcomes(path, umkm_ids, firm_ids)
            label = rules.fit(recorded_by or f"import:{Path(path).name}", rules.ID_MAX)
            written = append_imported_outcomes(session, frame, label)
    else:
        raise ValueError(f"kind must be one of {IMPORT_KINDS}, not {kind!r}")
    return ImportResult(kind, len(frame), written, list(frame.attrs.get("warnings", [])))
