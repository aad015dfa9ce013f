"""Validation problems grouped by kind with counts and examples; --all-errors lists all (issue 16)."""

from __future__ import annotations

import pandas as pd

from matcher.cli import main
from matcher.data.errors import (
    KIND_HINTS,
    KIND_LABELS,
    DataValidationError,
    Problem,
    format_problems,
    group_problems,
)


def _bad(n, column="province", kind=None):
    return [Problem("f.csv", i + 2, column, f"v{i}", "a province", kind=kind) for i in range(n)]


def test_groups_keep_order_and_count_by_file_and_kind():
    problems = _bad(5) + _bad(2, "kbli") + [Problem("g.csv", 3, "province", "x", "a province")]
    groups = group_problems(problems)
    assert [(g.file, g.label, len(g.problems)) for g in groups] == [
        ("f.csv", "column 'province'", 5),
        ("f.csv", "column 'kbli'", 2),
        ("g.csv", "column 'province'", 1),
    ]


def test_few_problems_are_listed_many_are_grouped_with_examples(monkeypatch):
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert len(format_problems(_bad(4))) == 4
    lines = format_problems(_bad(7634))
    assert lines[0] == "  - 7,634 problems in f.csv, column 'province', e.g.:"
    assert len(lines) == 1 + 3 + 1 and "7,631 more" in lines[-1]
    assert len(format_problems(_bad(7634), all_problems=True)) == 7634
    text = DataValidationError(_bad(50)).summary()
    assert text.count("\n") == 5 and "50 problems found" in text


def test_a_kind_brings_its_own_heading_and_advice(monkeypatch):
    monkeypatch.setenv("MATCHER_LANG", "en")
    monkeypatch.setitem(KIND_LABELS, "unknown_thing", "cli.problems.more")  # any catalogue keys
    monkeypatch.setitem(KIND_HINTS, "unknown_thing", "cli.store.no_driver")
    lines = format_problems(_bad(20, kind="unknown_thing"))
    assert "more like these" in lines[0] and "postgres" in lines[-1]


def test_import_groups_errors_and_all_errors_lists_them(tmp_path, capsys, monkeypatch):
    from tests.conftest import TINY_UMKM

    monkeypatch.setenv("MATCHER_LANG", "en")
    rows = pd.concat([TINY_UMKM] * 40, ignore_index=True)
    rows["umkm_id"] = [f"U{i}" for i in range(len(rows))]
    rows["province"] = "Atlantis"
    path = tmp_path / "umkm.csv"
    rows.to_csv(path, index=False)
    home = ["--home", str(tmp_path / "h")]
    assert main(["import", "umkm", str(path), *home]) == 2
    err = capsys.readouterr().err
    assert "120 problems in" in err and "117 more like these" in err and len(err.splitlines()) < 10
    assert main(["validate", str(path), "--kind", "umkm", "--all-errors"]) == 2
    assert capsys.readouterr().err.count("Atlantis") == 120
