"""Canonical frames written back as a clean contract file, so a facilitator fixes a
master sheet once (``matcher validate FILE --kind K --normalised OUT.csv``).

The file holds the canonical values (official province and regency names with their
Kemendagri codes beside them, KBLI codes with leading zeros, certificate tokens,
plain numbers, ISO dates) in the contract's columns; reading it back gives the same
canonical frame. Derived values are not written as if they were observed: coordinates
only where the file gave them (a centroid stays a centroid on re-reading), and
``location_precision``/``grade`` are left out (they are recomputed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.atomic import write_atomic

_DERIVED = ("location_precision", "grade")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ";".join(map(str, value))
    if isinstance(value, float):
        if not np.isfinite(value):
            return ""
        return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d")
    if value is pd.NaT:
        return ""
    return str(value)


def normalised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A canonical frame (any kind) -> a frame of text cells in the contract's columns."""
    out = frame.drop(columns=[c for c in _DERIVED if c in frame.columns])
    if "location_precision" in frame.columns:
        exact = (frame["location_precision"] == "exact").to_numpy()
        out = out.assign(lat=frame["lat"].where(exact), lon=frame["lon"].where(exact))
    return pd.DataFrame(
        {c: [_cell(v) for v in out[c].tolist()] for c in out.columns}, index=out.index
    )


def write_normalised(frame: pd.DataFrame, path) -> None:
    """Write :func:`normalised_frame` as UTF-8 CSV (Excel opens it: BOM included)."""
    text = normalised_frame(frame)
    write_atomic(path, lambda tmp: text.to_csv(tmp, index=False, encoding="utf-8-sig"))
