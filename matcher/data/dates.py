"""The one rule for dates of things that happened (outcomes, follow-ups).

A date is plausible from 2000-01-01 to tomorrow: tomorrow, because an office in Jayapura
(UTC+9) is already on the next day while a server on UTC is not. Anything later is a
typing mistake (2030 for 2023) that would otherwise win every "latest date" comparison.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

EARLIEST = dt.date(2000, 1, 1)


def latest(today: dt.date | None = None) -> dt.date:
    """The last date accepted for something that already happened."""
    return (today or dt.date.today()) + dt.timedelta(days=1)


def rule_text(today: dt.date | None = None) -> str:
    return f"a date from {EARLIEST:%Y-%m-%d} to {latest(today):%Y-%m-%d} (not in the future)"


def out_of_range(dates: pd.Series, today: dt.date | None = None) -> pd.Series:
    """True where a parsed date (datetime64; NaT = not given) lies outside the rule."""
    lo, hi = pd.Timestamp(EARLIEST), pd.Timestamp(latest(today))
    return dates.notna() & ((dates < lo) | (dates > hi))


def check(value: dt.date, today: dt.date | None = None) -> str | None:
    """None when ``value`` is acceptable, else what was expected (for an error message)."""
    if EARLIEST <= value <= latest(today):
        return None
    return rule_text(today)
