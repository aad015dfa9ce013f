"""The bad-input corpus (tests/data/bad/, one file per class, ``expected.csv`` saying
what must happen): every file either loads, loads with a warning on the named column, is
refused with a problem naming its column, or is refused as unreadable — never a
traceback. One parametrised test; add a class with tests/data/bad/make_corpus.py."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from matcher.data import loaders, rules
from matcher.data.errors import DataValidationError, MatcherError

BAD = Path(__file__).parent / "data" / "bad"
CASES = list(csv.DictReader(open(BAD / "expected.csv", encoding="utf-8")))
TODAY = dt.date(2026, 3, 10)


def _load(kind: str, path: Path):
    if kind == "umkm":
        return loaders.load_umkm(path)
    if kind == "firms":
        return loaders.load_firms(path)
    umkm = loaders.load_umkm(BAD / "umkm_header_only.csv").pipe(lambda _: _profiles("umkm"))
    firms = _profiles("firms")
    if kind == "outcomes":
        return loaders.load_outcomes(path, umkm, firms)
    return loaders.load_event(path, umkm, firms)


def _profiles(kind: str):
    from tests.conftest import TINY_FIRMS, TINY_UMKM

    if kind == "umkm":
        return loaders.parse_umkm(TINY_UMKM.astype(str), "umkm")
    return loaders.parse_firms(TINY_FIRMS.astype(str), "firms")


def _says(problem, fragment: str) -> bool:
    """The problem says ``fragment`` in English or in Indonesian (expected.csv has both)."""
    return fragment in problem.expected_in("en") or fragment in problem.expected_in("id")


def test_the_corpus_has_at_least_81_classes_and_every_file_is_listed():
    assert len(CASES) >= 81
    listed = {c["file"] for c in CASES}
    on_disk = {p.name for p in BAD.iterdir() if p.name not in ("expected.csv", "make_corpus.py")}
    assert listed == on_disk


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
@pytest.mark.slow  # reads 96 bad files, each through the loaders
def test_bad_input(case):
    path = BAD / case["file"]
    outcome, column, fragment = case["outcome"], case["column"], case["fragment"]
    with rules.frozen_today(TODAY):
        if outcome == "refused":
            with pytest.raises(MatcherError) as info:
                _load(case["kind"], path)
            assert not isinstance(info.value, DataValidationError)
            assert fragment in str(info.value) and path.name in str(info.value)
        elif outcome == "error":
            with pytest.raises(DataValidationError) as info:
                _load(case["kind"], path)
            hits = [p for p in info.value.problems if p.column == column and _says(p, fragment)]
            assert hits, f"no problem on {column!r} mentioning {fragment!r}: {info.value}"
            assert all(p.file == str(path) for p in info.value.problems)
        else:
            frame = _load(case["kind"], path)
            warnings = frame.attrs.get("warnings", [])
            if outcome == "warning":
                assert any(w.column == column and _says(w, fragment) for w in warnings), warnings
            else:
                assert outcome == "ok" and not warnings, warnings
