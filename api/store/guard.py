"""The store's last line: every value written is checked against its column with the
field rules of :mod:`matcher.data.rules` before the database sees it.

Files and API bodies are checked where they come in; this catches whatever reaches the
store some other way (a new code path, a CLI command, a migration script), so that
PostgreSQL and SQLite refuse the same values the same way — with a
:class:`StoreValueError` (a user error: CLI exit 2, API 4xx) instead of a driver error
(SQLite stores a 70-character ID happily, PostgreSQL raises; neither takes a NUL byte in
the same way).

ORM objects are checked on flush (a session event); bulk Core inserts of frames call
:func:`check_records` themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from sqlalchemy import Date, Float, Integer, String, event
from sqlalchemy.orm import Session

from matcher.data import rules
from matcher.data.errors import MatcherError
from matcher.i18n import Joined, Message


class StoreValueError(MatcherError):
    """A value the store's columns cannot hold."""


# date columns of things that happened (the others are planned: events, next steps)
_HAPPENED = {("outcomes", "date"), ("outcome_revisions", "date"), ("followups", "date")}


def _column_problem(column, value) -> str | None:
    if value is None:
        return None
    kind = column.type
    if isinstance(value, str):
        # a column with a width holds at most that; unbounded text (notes, next steps,
        # reasons) follows the field rule of its name, as files and API bodies do
        width = getattr(kind, "length", None) if isinstance(kind, String) else None
        return rules.text_problem(value, column.name, max_len=width)
    if isinstance(value, bool):
        return None
    if isinstance(kind, Integer) and isinstance(value, int):
        return rules.number_problem(value, integer=True)
    if isinstance(kind, Float) and isinstance(value, float) and not math.isfinite(value):
        return rules.number_problem(value)
    if isinstance(kind, Date) and isinstance(value, dt.date):
        if (column.table.name, column.name) in _HAPPENED:  # not before 2000, not in the future
            return rules.date_problem(value)
        return rules.event_date_problem(value)
    return None


def check_records(table, records: Iterable[dict]) -> None:
    """Raise :class:`StoreValueError` naming every bad value of ``records`` for ``table``."""
    columns = table.__table__.columns
    problems = []
    for i, rec in enumerate(records):
        for name, value in rec.items():
            if name in columns:
                problem = _column_problem(columns[name], value)
                if problem:
                    problems.append(
                        Message("api.store.record_problem", n=i + 1, name=name, expected=problem)
                    )
                    if len(problems) >= 20:
                        break
    if problems:
        raise StoreValueError(Message("api.store.refused", problems=Joined(problems, "; ")))


def check_frame(table, frame) -> None:
    """:func:`check_records` for a whole frame at once (vectorised: 1M rows take seconds,
    not minutes); ``frame`` columns are named as the table's. List columns (tuples) are
    checked as the ';'-joined text they are stored as."""
    import numpy as np
    from pandas.api import types

    columns = table.__table__.columns
    problems = []
    for name in frame.columns:
        if name not in columns:
            continue
        column, values = columns[name], frame[name]
        if values.dtype == object or types.is_string_dtype(values.dtype):
            text = _checked_text(values)
            width = (
                getattr(column.type, "length", None) if isinstance(column.type, String) else None
            )
            bad = rules.text_problems(text, name) if width is None else _problems_width(text, width)
            bad = bad[bad.notna()]
            problems += [_row(i, name, e) for i, e in bad.head(5).items()]
        elif types.is_float_dtype(values.dtype):
            arr = values.to_numpy(dtype=float)
            bad = np.flatnonzero(np.isinf(arr))
            problems += [_row(i, name, Message("api.store.finite")) for i in bad[:5]]
        elif types.is_integer_dtype(values.dtype):
            arr = values.to_numpy()
            bad = np.flatnonzero((arr < rules.INT32_MIN) | (arr > rules.INT32_MAX))
            problems += [_row(i, name, Message("api.store.int32")) for i in bad[:5]]
    if problems:
        raise StoreValueError(Message("api.store.refused", problems=Joined(problems, "; ")))


def _row(i: int, name: str, expected) -> Message:
    return Message("api.store.row_problem", n=i + 1, name=name, expected=expected)


def _checked_text(values):
    """The text cells of an object or string column (tuples ';'-joined, others left out),
    aligned by index: what the store will hold as text. A column that is all text (or
    missing) costs no Python per cell."""
    import pandas as pd

    filled = values[values.notna()]
    if pd.api.types.infer_dtype(filled, skipna=False) == "string":
        return filled.astype(str)
    joined = [";".join(v) if isinstance(v, tuple) else v for v in values.to_numpy(dtype=object)]
    keep = [isinstance(v, str) for v in joined]
    return pd.Series(joined, index=values.index, dtype=object)[keep].astype(str)


def _problems_width(text, width: int):
    problems = rules.text_problems(text, "")
    long_ = (text.str.len() > width).to_numpy()
    problems[long_] = f"at most {width} characters"
    return problems


def _check_object(obj) -> None:
    table = getattr(obj, "__table__", None)
    if table is None:
        return
    check_records(type(obj), [{c.name: getattr(obj, c.key, None) for c in table.columns}])


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        _check_object(obj)
