"""Field rules, defined once for every way data comes in: files, API bodies, query
parameters and the store.

Each rule is a plain constant or function here; the file loaders
(:mod:`matcher.data.loaders`), the API's request schemas and query parameters
(``api.schemas``, ``api.limits``) and the store's last-line guard (``api.store.guard``)
all call these, so a value one of them accepts the others accept too, and a value the
database cannot hold (over-long text, a NUL byte, an integer beyond its column, a date
pandas cannot represent) is refused where it enters, with a message naming what was
expected — never a traceback from deep inside.

The rules:

* **Text** has no control characters (NUL and the other C0 codes except tab, line feed
  and carriage return, plus DEL) and is at most :func:`max_length` characters: the width
  of its database column for IDs and short codes, a generous bound for free text (a 10 MB
  product description would otherwise cost seconds of scoring per request).
* **Numbers** are finite (no NaN, no Infinity) and integers fit a 32-bit column.
* **Dates** lie between :data:`DATE_MIN` (2000-01-01) and tomorrow (:func:`date_max`):
  earlier or later dates are typos (``0001-01-01``, ``2300-01-01``) that would crash
  pandas (whose timestamps end in 2262) or hide every later stage of a pair.
  ``today`` is injectable: every date function takes it, and :func:`frozen_today` (or
  ``MATCHER_TODAY=YYYY-MM-DD`` in the environment) fixes it for tests.
* **Paging**: ``k``, ``limit`` and ``offset`` have bounds (``offset`` ≥ 2^63 used to
  reach the database and fail there).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from matcher.i18n.message import Message

# -- text ----------------------------------------------------------------------------
ID_MAX = 64
"""Width of every ID column (umkm_id, firm_id, event_id, participant id, model version)."""
NAME_MAX = 200
FREE_TEXT_MAX = 4000
"""products / needs / any other free text: long enough for a real description."""
CELL_MAX = 4000
"""Any other cell of an input file (lists of KBLI codes, certificates ...)."""
FILE_MAX_BYTES = 1024 * 2**20
"""An input file: 1 GiB holds millions of profiles; larger is a mistake or an attack."""

TEXT_MAX: dict[str, int] = {
    "umkm_id": ID_MAX,
    "firm_id": ID_MAX,
    "event_id": ID_MAX,
    "id": ID_MAX,
    "country": 64,
    "province": 128,
    "regency": 128,
    # a choice may be written in its long Indonesian form ("Penanaman Modal Asing",
    # "Kontrak ditandatangani"); what is stored is the short canonical value
    "investment_type": 64,
    "stage": 64,
    "scale": 64,
    "preferred_scale": 64,
    "declined_by": 64,
    "party": 64,
    "nib_scale": 64,
    "legal_form": 64,
    "name": NAME_MAX,
    "products": FREE_TEXT_MAX,
    "needs": FREE_TEXT_MAX,
    # a facilitator's note on an outcome or a follow-up ("bertemu di pameran, tunggu sampel")
    "note": FREE_TEXT_MAX,
}

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_PATTERN = f"[{_CONTROL}]"
NO_CONTROL_PATTERN = f"^[^{_CONTROL}]*$"
"""For pydantic ``pattern=``: text without control characters."""
_CONTROL_RE = re.compile(CONTROL_PATTERN)


def max_length(column: str) -> int:
    """The longest text a ``column`` may hold (its DB width, else the free-text bound)."""
    return TEXT_MAX.get(column, CELL_MAX)


def text_problem(value: str, column: str | None = None, max_len: int | None = None) -> str | None:
    """What is wrong with one text value (None when it is fine)."""
    limit = max_len if max_len is not None else max_length(column or "")
    if _CONTROL_RE.search(value):
        return Message("data.rule.no_control")
    if len(value) > limit:
        return Message("data.rule.at_most_chars", limit=limit, got=len(value))
    return None


def check_text(value: str, column: str | None = None, max_len: int | None = None) -> str:
    """``value`` unchanged, or ValueError saying what is wrong (for pydantic validators)."""
    problem = text_problem(value, column, max_len)
    if problem:
        raise ValueError(problem)
    return value


def text_problems(values: pd.Series, column: str) -> pd.Series:
    """Vectorised :func:`text_problem` over a column of strings: the expectation per bad
    cell, None for the good ones."""
    limit = max_length(column)
    # built as an object array: a list set into a Series is inferred as plain text, and
    # the Messages (rendered in the reader's language) would become English strings
    out = np.full(len(values), None, dtype=object)
    lengths = values.str.len()
    long_ = (lengths > limit).to_numpy()
    if long_.any():
        out[long_] = [
            Message("data.rule.at_most_chars", limit=limit, got=int(n)) for n in lengths[long_]
        ]
    control = values.str.contains(CONTROL_PATTERN, regex=True).to_numpy()
    if control.any():
        out[control] = Message("data.rule.no_control")
    return pd.Series(out, index=values.index, dtype=object)


def cleaned(values: pd.Series, column: str) -> pd.Series:
    """Control characters removed and the text cut to its limit: what later checks of a
    refused cell look at, so one bad cell does not derail (or slow) every other check."""
    return values.str.replace(CONTROL_PATTERN, "", regex=True).str.slice(0, max_length(column))


def fit(value: str | None, width: int) -> str | None:
    """A label the system itself writes (e.g. ``import:<file name>``) cut to its column."""
    if value is None:
        return None
    value = _CONTROL_RE.sub("", value)
    return value if len(value) <= width else value[: width - 1] + "…"


# -- numbers -------------------------------------------------------------------------
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
"""Integer columns (capacity, max_partners, grade ...) are 32-bit in every backend."""
K_MAX = 100
LIMIT_MAX = 500
PARTICIPANTS_MAX = 20_000
"""Participants of one event (and pairs in a plan's must-include / exclude lists)."""
OFFSET_MAX = 1_000_000_000
"""Beyond any real list; far below the 2^63 the database rejects."""


def number_problem(value: float | int | None, *, integer: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "a finite number (not NaN or Infinity)"
    if integer and not (INT32_MIN <= value <= INT32_MAX):
        return f"an integer in {INT32_MIN}..{INT32_MAX}"
    return None


# -- dates ---------------------------------------------------------------------------
DATE_MIN = dt.date(2000, 1, 1)
_today_override: Callable[[], dt.date] | None = None


def today() -> dt.date:
    """Today's date, unless frozen (:func:`frozen_today`, or ``MATCHER_TODAY``)."""
    if _today_override is not None:
        return _today_override()
    fixed = os.environ.get("MATCHER_TODAY")
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.date.today()


@contextmanager
def frozen_today(day: dt.date) -> Iterator[None]:
    """Within the block :func:`today` is ``day`` (for tests)."""
    global _today_override
    previous, _today_override = _today_override, (lambda: day)
    try:
        yield
    finally:
        _today_override = previous


def date_max(today_: dt.date | None = None) -> dt.date:
    """The latest acceptable date: tomorrow (a time-zone's head start, not a typo's)."""
    return (today_ or today()) + dt.timedelta(days=1)


def date_rule(today_: dt.date | None = None) -> str:
    return Message(
        "data.rule.date_past", start=DATE_MIN.isoformat(), end=date_max(today_).isoformat()
    )


def date_problem(value: dt.date | None, today_: dt.date | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not (DATE_MIN <= value <= date_max(today_)):
        return date_rule(today_)
    return None


def check_date(value: dt.date | None, today_: dt.date | None = None) -> dt.date | None:
    """``value`` unchanged, or ValueError (for pydantic validators and outcome flows)."""
    problem = date_problem(value, today_)
    if problem:
        raise ValueError(Message("data.rule.date_expected", expected=problem))
    return value


EVENT_HORIZON = dt.timedelta(days=3 * 366)
"""Events are planned ahead: an event date may lie up to three years in the future."""


def event_date_problem(value: dt.date | None, today_: dt.date | None = None) -> str | None:
    """What an event's date should be (a Message) when ``value`` is outside :data:`DATE_MIN`
    to three years ahead; None when it is fine."""
    if value is None:
        return None
    hi = (today_ or today()) + EVENT_HORIZON
    if DATE_MIN <= value <= hi:
        return None
    return Message("data.rule.date_range", start=DATE_MIN.isoformat(), end=hi.isoformat())


def check_event_date(value: dt.date | None, today_: dt.date | None = None) -> dt.date | None:
    """An event's date: from :data:`DATE_MIN` to three years ahead (ValueError otherwise)."""
    problem = event_date_problem(value, today_)
    if problem:
        raise ValueError(Message("data.rule.date_expected", expected=problem))
    return value


def dates_out_of_range(text: pd.Series, today_: dt.date | None = None) -> np.ndarray:
    """Mask of ISO ``YYYY-MM-DD`` strings outside the date range. Compares the text (ISO
    dates sort as text), so years pandas cannot represent (9999) are caught before parsing."""
    lo, hi = DATE_MIN.isoformat(), date_max(today_).isoformat()
    iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    return iso & ((text < lo) | (text > hi)).to_numpy(dtype=bool)
