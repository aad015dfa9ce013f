"""Plan files: data-contract CSV/Parquet, the printable workbook, formula-injection safety."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from matcher.atomic import write_atomic
from matcher.data.errors import MatcherError
from matcher.export import (
    FIRM_SHEET_COLUMNS,
    PLAN_COLUMNS,
    SUMMARY_SHEET,
    safe_text,
    sheet_names,
    write_plan,
)

HOSTILE = ['=HYPERLINK("http://x","klik")', "+62 812 555", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]

PLAN = pd.DataFrame(
    {
        "umkm_id": ["u1", "u2", "u3", "u4"],
        "firm_id": ["f1", "f1", "f2", "f3"],
        "score": [0.91, 0.52, 0.73, 0.40],
        "p_contract": [0.34, 0.05, 0.2, np.nan],
        "reasons": ["KBLI cocok", HOSTILE[0], HOSTILE[2], "lokasi dekat"],
    }
)
UMKM = pd.DataFrame(
    {
        "umkm_id": ["u1", "u2", "u3", "u4"],
        "name": [HOSTILE[3], "Batik Tulis Sari", HOSTILE[1], "Keripik\x07 Madura"],
        "regency": ["Kabupaten Pamekasan", None, "Kota Malang", "Kabupaten Sampang"],
        "province": ["Jawa Timur", "Jawa Timur", "Jawa Timur", "Jawa Timur"],
        "products": [HOSTILE[4], "batik tulis", HOSTILE[5], "keripik singkong"],
    }
)
FIRMS = pd.DataFrame(
    {
        "firm_id": ["f1", "f2", "f3"],
        "name": [
            "PT Sinar/Jaya: [Makmur] Internasional Tbk Indonesia",
            "=cmd|' /C calc'!A0",
            "PT Sinar/Jaya: [Makmur] Internasional Tbk Indonesia",
        ],
        "investment_type": ["PMA", "PMDN", "PMA"],
        "province": ["Jawa Timur", "Bali", "Jawa Timur"],
        "needs": ["kemasan", "kerajinan", "makanan ringan"],
    }
)


@pytest.fixture
def workbook(tmp_path):
    path = write_plan(PLAN, tmp_path / "plan.xlsx", umkm=UMKM, firms=FIRMS)
    return openpyxl.load_workbook(path)


def _all_cells(wb):
    return [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def test_safe_text_neutralises_formula_starts():
    for text in HOSTILE:
        assert safe_text(text) == "'" + text
    assert safe_text("PT Aman") == "PT Aman"
    assert safe_text("a-b=c") == "a-b=c"  # only the first character matters
    assert safe_text(None) == "" and safe_text(float("nan")) == ""


def test_no_cell_is_a_formula_and_hostile_text_is_kept_as_text(workbook):
    cells = _all_cells(workbook)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    for text in HOSTILE:
        text = text.replace("\r", "\n")  # XML stores a CR as a line break
        assert "'" + text in values  # shown verbatim after the apostrophe
        assert text not in values
    for c in cells:
        if isinstance(c.value, str):
            assert c.data_type == "s"
            assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_one_sheet_per_firm_with_its_umkm(workbook):
    assert workbook.sheetnames[0] == SUMMARY_SHEET
    firm_sheets = workbook.sheetnames[1:]
    assert len(firm_sheets) == 3
    listed = {}
    for name in firm_sheets:
        ws = workbook[name]
        header = [c.value for c in ws[3]]
        assert header == [h for h, _, _ in FIRM_SHEET_COLUMNS]
        listed[ws["A1"].value] = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    by_firm = {k.split(" (")[-1].split(")")[0]: v for k, v in listed.items()}
    assert by_firm == {"f1": ["u1", "u2"], "f2": ["u3"], "f3": ["u4"]}  # best score first


def test_firm_sheet_details_numbers_and_empty_contact_columns(workbook):
    ws = next(
        workbook[n]
        for n in workbook.sheetnames[1:]
        if workbook[n]["A1"].value.endswith("(f1) - PMA")
    )
    first = [c for c in ws[4]]
    assert [c.value for c in first[:8]] == [
        1,
        "u1",
        "'" + HOSTILE[3],
        "Kabupaten Pamekasan",
        "Jawa Timur",
        "'" + HOSTILE[4],
        "peluang kontrak 34% (sedang)",
        "KBLI cocok",
    ]  # the chance in words, never the raw score
    assert all(c.value is None for c in first[8:])  # Kontak (nama), Telepon, Catatan
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["H"].width >= 40  # reasons readable
    assert "Keripik Madura" in {c.value for c in _all_cells(workbook)}  # \x07 dropped


def test_summary_counts(workbook):
    ws = workbook[SUMMARY_SHEET]
    totals = {r[0]: r[1] for r in ws.iter_rows(min_row=3, max_row=6, values_only=True)}
    assert totals["Pasangan direncanakan"] == 4
    assert totals["UMKM terjadwal"] == 4 and totals["Perusahaan"] == 3
    rows = list(ws.iter_rows(values_only=True))
    per_firm = {r[1]: r[4] for r in rows if r[1] in ("f1", "f2", "f3")}
    assert per_firm == {"f1": 2, "f2": 1, "f3": 1}
    assert ("Jawa Timur", 4, 4) in [r[:3] for r in rows]


def test_sheet_names_are_valid_unique_and_short():
    names = sheet_names(
        [
            "PT Sinar/Jaya: [Makmur]*?\\ Tbk",
            "a" * 40,
            "a" * 40,
            "A" * 40,
            "History",
            "Ringkasan",
            "'quoted'",
            "=cmd",
            "",
        ]
    )
    assert all(len(n) <= 31 for n in names)
    assert not any(set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names} | {"ringkasan"}) == len(names) + 1
    assert names[0] == "PT Sinar Jaya Makmur Tbk"
    assert names[1] == "a" * 31 and names[2] == "a" * 27 + " (2)" and names[3] == "A" * 27 + " (3)"
    assert names[4] == "History (2)" and names[5] == "Ringkasan (2)"
    assert names[6] == "quoted" and names[7] == "cmd" and names[8] == "Perusahaan"


def test_csv_and_parquet_hold_exactly_the_contract_columns(tmp_path):
    extra = PLAN.drop(columns="p_contract").assign(rank=1)
    csv = pd.read_csv(
        write_plan(extra, tmp_path / "plan.csv", formula_safe=False), keep_default_na=False
    )
    parquet = pd.read_parquet(write_plan(extra, tmp_path / "plan.parquet"))
    for back in (csv, parquet):
        assert list(back.columns) == list(PLAN_COLUMNS)
        assert back["reasons"].tolist() == PLAN["reasons"].tolist()
        assert back["score"].tolist() == PLAN["score"].tolist()
    # chances, when the plan has them, come right after the score
    back = pd.read_csv(write_plan(PLAN, tmp_path / "chances.csv"))
    assert list(back.columns) == ["umkm_id", "firm_id", "score", "p_contract", "reasons"]
    # by default a CSV is formula-safe: reasons starting with = + - @ get a leading quote
    safe = pd.read_csv(write_plan(extra, tmp_path / "safe.csv"), keep_default_na=False)
    assert safe["reasons"].tolist() == [
        ("'" + r if r[:1] in "=+-@" else r) for r in PLAN["reasons"]
    ]


def test_unsupported_extension_is_a_user_error(tmp_path):
    with pytest.raises(MatcherError, match=r"\.txt.*\.csv, \.parquet, \.xlsx"):
        write_plan(PLAN, tmp_path / "plan.txt")


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "plan.csv"
    target.write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_workbook_without_profiles_shows_ids(tmp_path):
    wb = openpyxl.load_workbook(write_plan(PLAN, tmp_path / "ids.xlsx"))
    assert sorted(wb.sheetnames[1:]) == ["f1", "f2", "f3"]
    assert wb["f1"]["C4"].value == "u1"  # name falls back to the ID
