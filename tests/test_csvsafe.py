"""Every CSV writer escapes text that a spreadsheet would run as a formula (OWASP CSV
injection), keeps numbers as numbers, and writes verbatim when asked to."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher import csvsafe
from matcher.export import write_plan
from matcher.output import write_table

EVIL = [
    '=HYPERLINK("http://x","klik")',
    "=2*3",
    "+62 811",
    "-1+2",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "Keripik = enak",
    "aman",
]


def _frame():
    return pd.DataFrame(
        {
            "umkm_id": [f"U{i}" for i in range(len(EVIL))],
            "firm_id": "F1",
            "score": [-1.5] * len(EVIL),
            "reasons": EVIL,
        }
    )


def test_text_cells_starting_with_a_trigger_are_prefixed_and_numbers_are_not():
    out = csvsafe.formula_safe(_frame())
    assert out["reasons"].tolist() == ["'" + v for v in EVIL[:7]] + EVIL[7:]
    assert out["score"].tolist() == [-1.5] * len(EVIL)


@pytest.mark.parametrize("writer", ["table", "plan"])
def test_every_csv_writer_is_formula_safe_unless_told_otherwise(tmp_path, writer, monkeypatch):
    frame = _frame().assign(rank=1)

    def write(path, **kw):
        if writer == "table":
            write_table(frame, path, **kw)
        else:
            write_plan(frame[["umkm_id", "firm_id", "score", "reasons"]], path, **kw)
        return pd.read_csv(path, dtype=str, keep_default_na=False)

    safe = write(tmp_path / "safe.csv")
    assert not any(c.startswith(csvsafe.TRIGGERS) for c in safe["reasons"])
    assert safe["score"].iloc[0] == "-1.5"
    raw = write(tmp_path / "raw.csv", formula_safe=False)
    assert raw["reasons"].iloc[1] == "=2*3"
    monkeypatch.setenv("MATCHER_CSV_RAW", "1")
    assert write(tmp_path / "env.csv")["reasons"].iloc[1] == "=2*3"
