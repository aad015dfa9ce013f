"""Cells as Indonesian offices write them: numbers, money, words, delimiters.

Every function here reads *one distinct value* and is applied column-wide through
:func:`map_unique` (a 100,000-row column usually holds a few hundred distinct values).

Numbers (:func:`read_number`)
    Indonesian and English separators are told apart by their shape, not by a list:
    both "." and "," present -> the last one is the decimal mark ("1.500.000,50",
    "1,500,000.50"); one kind repeated -> thousands ("1.500.000", "1,500,000"); one
    separator followed by exactly three digits -> thousands ("12.500" is twelve thousand
    five hundred, as an Indonesian writes it), any other count -> decimal ("1,5", "2.75",
    "1500000.0" from Excel). Spaces between groups of three are thousands too. Money
    may carry "Rp"/"IDR", a closing ",-" and a magnitude word: ribu/rb/k, juta/jt,
    miliar/milyar/M (Indonesian "M" is miliar), triliun/T; English million/billion.
    "sekitar", "±", "kurang lebih" (about) are dropped. A period word ("/bulan",
    "per tahun") is converted to the column's period (a monthly figure in an annual
    column is multiplied by 12) and reported.
Coordinates (:func:`read_decimal`)
    A decimal comma is read ("-7,1568"); no thousands separators there.
Words
    Vocabularies take aliases (:data:`matcher.data.schema.VOCABULARY_ALIASES`) after
    folding case, punctuation and spacing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from matcher.i18n import Figure, Message

# magnitude words (after folding to lower case), longest first within the regex
MAGNITUDES = {
    "ribu": 1e3,
    "rb": 1e3,
    "rbu": 1e3,
    "k": 1e3,
    "thousand": 1e3,
    "juta": 1e6,
    "jt": 1e6,
    "jta": 1e6,
    "million": 1e6,
    "mio": 1e6,
    "mn": 1e6,
    "miliar": 1e9,
    "milyar": 1e9,
    "milliar": 1e9,
    "miliyar": 1e9,
    "m": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "triliun": 1e12,
    "trilyun": 1e12,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_MAG = "|".join(sorted(map(re.escape, MAGNITUDES), key=len, reverse=True))
_APPROX = re.compile(
    r"^(?:±|\+/-|~|kurang lebih|kurleb|kira-kira|kira kira|sekitar|skt|kl\.?|approx\.?|about)\s*"
)
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*|\s*(?:rp|idr|rupiah)$")
_PERIOD = re.compile(
    r"\s*(?:/|per|setiap|tiap)\s*(bulan|bln|bl|month|mo|tahun|thn|th|year|yr|hari|day)\.?$"
)
_PERIOD_OF = {
    "bulan": "month",
    "bln": "month",
    "bl": "month",
    "month": "month",
    "mo": "month",
    "tahun": "year",
    "thn": "year",
    "th": "year",
    "year": "year",
    "yr": "year",
    "hari": "day",
    "day": "day",
}
_PER_YEAR = {"month": 12.0, "year": 1.0}
_UNITS = re.compile(
    r"\s*(?:orang|org|karyawan|pekerja|pegawai|tenaga kerja|jiwa|people|persons?|employees?)$"
)
_NUMBER = re.compile(r"[+-]?\d[\d., ]*")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+")


def _plain(digits: str) -> float | None:
    """Digits with separators -> float by the shape rules above; None when malformed."""
    sign = -1.0 if digits.startswith("-") else 1.0
    d = digits.lstrip("+-").strip()
    if " " in d:  # "1 500 000": spaces only between groups of three
        parts = d.split(" ")
        if not all(len(p) == 3 for p in parts[1:]) or not parts[0]:
            return None
        d = "".join(parts)
    dots, commas = d.count("."), d.count(",")
    if dots and commas:
        dec = "." if d.rfind(".") > d.rfind(",") else ","
        thou = "," if dec == "." else "."
        whole, _, frac = d.rpartition(dec)
        if d.count(dec) > 1 or not _groups_of_three(whole, thou):
            return None
        return sign * float(whole.replace(thou, "") + "." + frac)
    sep = "." if dots else ("," if commas else None)
    if sep is None:
        return sign * float(d)
    whole, _, frac = d.rpartition(sep)
    if d.count(sep) > 1:
        return sign * float(d.replace(sep, "")) if _groups_of_three(d, sep) else None
    if not whole or not frac:
        return None
    if len(frac) == 3 and whole.lstrip("0"):  # "12.500", "1,500": thousands
        return sign * float(whole + frac)
    return sign * float(whole + "." + frac)


def _groups_of_three(number: str, sep: str) -> bool:
    parts = number.split(sep)
    return (
        bool(parts[0])
        and len(parts[0]) <= 3
        and all(len(p) == 3 for p in parts[1:])
        and all(p.isdigit() for p in parts)
    )


_LOWER_BOUND = re.compile(
    r"^(>=|≥|>|lebih dari|lbh dari|lebih besar dari|di atas|diatas|minimal|minimum|min\.?|"
    r"paling sedikit|sekurang-kurangnya|at least|more than|over|above)\s*"
)
_UPPER_BOUND = re.compile(
    r"^(<=|≤|<|kurang dari|krg dari|di bawah|dibawah|maksimal|maksimum|maks\.?|max\.?|"
    r"paling banyak|sebanyak-banyaknya|less than|under|below|up to|hingga|sampai)\s*"
)
_RANGE_WORD = re.compile(
    r"\s*(?:–|—|-|s\.\s?d\.?|s/d|\bsd\b|sampai dengan|sampai|hingga|\bto\b)\s*"
)


def read_number(
    text: str, *, money: bool = False, period: str | None = None
) -> tuple[float, Message | None]:
    """One cell -> (value, note). Value NaN when the cell cannot be read; ``note`` (a
    catalogue Message) says what was interpreted for a warning, else None: a period
    conversion, a range read as its midpoint ("100-200 juta", "1,5 s.d. 2 M"), or a bound
    read as its figure ("> 1 M", "kurang dari 300 jt").

    ``period`` ("month" or "year") is the column's period, used to convert "/bulan" and
    "/tahun" figures.
    """
    s = " ".join(str(text).strip().lower().replace("\u00a0", " ").split())
    if not s:
        return math.nan, None
    s = _APPROX.sub("", s)
    note = None
    factor = 1.0
    m = _PERIOD.search(s)
    if m:
        said = _PERIOD_OF[m.group(1)]
        if period is None or said not in _PER_YEAR:
            return math.nan, None
        factor = _PER_YEAR[said] / _PER_YEAR[period]
        if factor != 1.0:
            note = Message(
                "data.note.per_period",
                said=Message(f"data.note.period.{said}"),
                period=Message(f"data.note.period.{period}"),
            )
        s = s[: m.start()].strip()
    value, _ = _figure(s, money)
    if value is None:
        value, bound = _bounded(s, money)
        if value is not None:
            note = bound  # a bound in a per-month figure: the bound is the rarer news
    if value is None:
        value, spread = _ranged(s, money)
        if value is not None:
            low, high = spread
            note = Message("data.note.range", low=Figure(low * factor), high=Figure(high * factor))
    if value is None:
        return math.nan, None
    return value * factor, note


def _figure(s: str, money: bool) -> tuple[float | None, bool]:
    """One figure without period or bound words -> (value or None, whether a magnitude word
    such as "juta" was written)."""
    s = _UNITS.sub("", s.strip())
    if money:
        s = _CURRENCY.sub("", s).strip()
        s = re.sub(r"[,.]-+$|[,.]=+$|-+$", "", s).strip()  # "Rp 1.500.000,-"
    if _SCIENTIFIC.fullmatch(s):
        return float(s), False
    m = re.fullmatch(rf"({_NUMBER.pattern})\s*({_MAG})\.?", s) if money else None
    if m:
        value = _plain(m.group(1).strip())
        return (None if value is None else value * MAGNITUDES[m.group(2)]), True
    if _NUMBER.fullmatch(s):
        return _plain(s), False
    return None, False


def _bounded(s: str, money: bool) -> tuple[float | None, Message | None]:
    """ "> 1 M", "kurang dari 300 jt": the figure, with a note saying it was a bound."""
    for pattern, key in (
        (_LOWER_BOUND, "data.note.lower_bound"),
        (_UPPER_BOUND, "data.note.upper_bound"),
    ):
        m = pattern.match(s)
        if m and m.end() < len(s):
            value, _ = _figure(s[m.end() :], money)
            if value is not None and value >= 0:
                return value, Message(key, said=m.group(1))
    return None, None


def _ranged(s: str, money: bool) -> tuple[float | None, tuple[float, float] | None]:
    """ "100-200 juta", "Rp 1,5 juta s.d. Rp 2 juta": the midpoint, and the two ends. A bare
    first figure takes the second's magnitude word ("100-200 juta" is 100 to 200 juta)."""
    for m in _RANGE_WORD.finditer(s):  # "Rp 1.500.000,- s.d. ...": not every dash splits
        if m.start() == 0 or m.end() == len(s):
            continue
        left, right = s[: m.start()], s[m.end() :]
        high, high_scaled = _figure(right, money)
        low, low_scaled = _figure(left, money)
        if low is not None and high is not None:
            break
    else:
        return None, None
    if high_scaled and not low_scaled:
        word = re.search(rf"({_MAG})\.?$", _CURRENCY.sub("", right.strip()).strip())
        if word:
            low *= MAGNITUDES[word.group(1)]
    if not 0 <= low <= high:
        return None, None
    return (low + high) / 2, (low, high)


def read_decimal(text: str) -> float:
    """A coordinate-like decimal: "-7,1568" or "-7.1568" -> float; NaN if unreadable."""
    s = str(text).strip().replace(" ", "")
    if re.fullmatch(r"[+-]?\d+,\d+", s):
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return math.nan


def map_unique(values: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``fn`` applied once per distinct value, mapped back onto the column."""
    uniques = pd.unique(values.astype(str))
    mapping = {u: fn(u) for u in uniques}
    return values.astype(str).map(mapping)


def fold_word(text: str) -> str:
    """Lower case, punctuation and underscores to single spaces: "MoU-Signed" -> "mou signed"."""
    return " ".join(re.sub(r"[^\w]+|_", " ", str(text).lower()).split())


def vocabulary_reader(
    allowed: tuple[str, ...], aliases: dict[str, str], *, upper: bool = False
) -> Callable[[str], str | None]:
    """A reader for one vocabulary: canonical value, alias or its folded form -> canonical,
    else None. ``upper``: the canonical values are upper case (PMA/PMDN)."""
    table: dict[str, str] = {fold_word(a): a for a in allowed}
    table.update({fold_word(k): v for k, v in aliases.items()})

    def read(value: str) -> str | None:
        key = fold_word(value)
        hit = table.get(key) or table.get(key.replace(" ", ""))
        return hit

    return read


# --------------------------------------------------------------------------- CSV dialect

DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(path: str | Path, encoding: str = "utf-8-sig") -> str:
    """The delimiter of a CSV file from its header line: the candidate that splits it into
    the most fields outside quotes (a `;` file from Excel in an Indonesian locale, a tab
    export, a comma file). Comma when nothing splits it."""
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            header = handle.readline()
    except OSError:
        return ","
    best, best_n = ",", 1
    for d in DELIMITERS:
        try:
            n = len(next(csv.reader([header], delimiter=d)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = d, n
    return best
