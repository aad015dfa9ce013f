"""Formula-safe CSV (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written with a leading ``'``, so Excel or
LibreOffice shows it as text instead of running it as a formula (``=HYPERLINK(...)`` in a
firm's name would otherwise become a live link in a facilitator's spreadsheet).

Only text cells are touched: numbers (a negative score) stay numbers. Every CSV writer of
the project goes through :func:`formula_safe`; machine consumers that want the cells
verbatim opt out per call (``formula_safe=False``, the CLI's ``--raw-csv``) or for a whole
process with ``MATCHER_CSV_RAW=1``.
"""

from __future__ import annotations

import os

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
RAW_HELP = "write CSV cells verbatim (for programs; by default text starting with = + - @ is prefixed with ' so spreadsheets do not run it)"
_process_raw = False


def use_raw(raw: bool) -> None:
    """The CLI's ``--raw-csv``: this process writes CSV cells verbatim."""
    global _process_raw
    _process_raw = bool(raw)


def wanted(formula_safe: bool | None = None) -> bool:
    """Whether to escape: the explicit choice, else on unless ``--raw-csv`` or
    ``MATCHER_CSV_RAW=1``."""
    if formula_safe is not None:
        return formula_safe
    if _process_raw:
        return False
    return os.environ.get("MATCHER_CSV_RAW", "").strip().lower() not in ("1", "true", "yes")


def escape_cell(value):
    """One value, escaped when it is text starting with a formula trigger."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def formula_safe(frame: pd.DataFrame, enabled: bool | None = None) -> pd.DataFrame:
    """``frame`` with its text cells escaped (a copy; the header too). Vectorised per column."""
    if not wanted(enabled):
        return frame
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            is_text = s.map(lambda v: isinstance(v, str)).astype(bool)
            text = s[is_text].astype(str)
            hit = text.str.startswith(TRIGGERS)
            if hit.any():
                s = s.astype(object).copy()
                s.loc[hit[hit].index] = "'" + text[hit]
                out[col] = s
    out.columns = [escape_cell(c) for c in out.columns]
    return out
