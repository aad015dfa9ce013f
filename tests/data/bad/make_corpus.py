"""Writes the bad-input corpus: one file per class of bad input, and ``expected.csv``
saying what must happen to it (``error`` naming a column, ``warning``, ``ok`` or
``refused`` for an unreadable file). The files are committed; re-run this script only to
change the corpus:  python tests/data/bad/make_corpus.py

Dates are judged with today frozen at 2026-03-10 (see tests/test_bad_inputs.py).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # run as a script from anywhere
from tests.conftest import TINY_UMKM  # noqa: E402

UMKM = TINY_UMKM  # the three-UMKM world every test knows
FIRMS = pd.DataFrame(
    [
        dict(
            firm_id="F1",
            name="Snack Jatim PMA",
            investment_type="PMA",
            needs="keripik, kerupuk",
            needed_kbli="10792",
            province="Jawa Timur",
            max_partners="2",
            country="Japan",
        ),
        dict(
            firm_id="F2",
            name="Textile Aceh",
            investment_type="PMDN",
            needs="kain tenun",
            needed_kbli="13121",
            province="Aceh",
            max_partners="",
            country="",
        ),
    ]
)
OUTCOMES = pd.DataFrame(
    [
        dict(
            umkm_id="U1",
            firm_id="F1",
            stage="meeting",
            date="2025-05-01",
            event_id="E1",
            contract_value_idr="",
            declined_by="",
        ),
        dict(
            umkm_id="U2",
            firm_id="F1",
            stage="declined",
            date="2025-05-01",
            event_id="E1",
            contract_value_idr="",
            declined_by="firm",
        ),
    ]
)
EVENT = pd.DataFrame(
    [dict(party="umkm", id="U1", capacity=""), dict(party="firm", id="F1", capacity="2")]
)
BASE = {"umkm": UMKM, "firms": FIRMS, "outcomes": OUTCOMES, "event": EVENT}

# (name, kind, column to change, new value for row 1 | callable, outcome, column, fragment)
CELL = [
    # -- UMKM
    ("umkm_dup_id", "umkm", "umkm_id", "U2", "error", "umkm_id", "a unique id"),
    ("umkm_empty_id", "umkm", "umkm_id", "", "error", "umkm_id", "non-empty"),
    ("umkm_empty_name", "umkm", "name", "", "error", "name", "non-empty"),
    ("umkm_empty_products", "umkm", "products", "", "error", "products", "non-empty"),
    ("umkm_id_65_chars", "umkm", "umkm_id", "U" * 65, "error", "umkm_id", "at most 64"),
    ("umkm_nul_in_name", "umkm", "name", "Keripik\x00", "error", "name", "control characters"),
    (
        "umkm_esc_in_products",
        "umkm",
        "products",
        "keripik \x1b[31m",
        "error",
        "products",
        "control characters",
    ),
    (
        "umkm_nul_in_regency",
        "umkm",
        "regency",
        "Pamekasan\x00",
        "error",
        "regency",
        "control characters",
    ),
    ("umkm_del_in_id", "umkm", "umkm_id", "U\x7f1", "error", "umkm_id", "control characters"),
    (
        "umkm_products_5000",
        "umkm",
        "products",
        "keripik " * 625,
        "error",
        "products",
        "at most 4000",
    ),
    ("umkm_name_201", "umkm", "name", "n" * 201, "error", "name", "at most 200"),
    ("umkm_kbli_lost_zero", "umkm", "kbli", "1079", "error", "kbli", "leading zero"),
    ("umkm_kbli_letters", "umkm", "kbli", "ABCDE", "error", "kbli", "5-digit"),
    ("umkm_kbli_no_division", "umkm", "kbli", "04123", "error", "kbli", "does not exist"),
    ("umkm_kbli_empty", "umkm", "kbli", "", "error", "kbli", "non-empty"),
    ("umkm_province_unknown", "umkm", "province", "Atlantis", "error", "province", "38 provinces"),
    ("umkm_province_empty", "umkm", "province", "", "error", "province", "non-empty"),
    (
        "umkm_regency_unknown",
        "umkm",
        "regency",
        "Kabupaten Antah",
        "warning",
        "regency",
        "not recognised",
    ),
    ("umkm_lat_out_of_range", "umkm", ("lat", "lon"), ("50", "112.0"), "error", "lat", "latitude"),
    ("umkm_lon_without_lat", "umkm", ("lat", "lon"), ("", "112.0"), "error", "lat", "lat as well"),
    ("umkm_lat_text", "umkm", ("lat", "lon"), ("abc", "112.0"), "error", "lat", "latitude"),
    ("umkm_lat_nan", "umkm", ("lat", "lon"), ("NaN", "112.0"), "error", "lat", "latitude"),
    ("umkm_lon_inf", "umkm", ("lat", "lon"), ("-7.2", "inf"), "error", "lon", "longitude"),
    (
        "umkm_lat_decimal_comma",
        "umkm",
        ("lat", "lon"),
        ("-7,25", "112.0"),
        "error",
        "lat",
        "latitude",
    ),
    (
        "umkm_revenue_negative",
        "umkm",
        "annual_revenue_idr",
        "-5",
        "error",
        "annual_revenue_idr",
        ">= 0",
    ),
    (
        "umkm_revenue_thousands",
        "umkm",
        "annual_revenue_idr",
        "1.500.000",
        "error",
        "annual_revenue_idr",
        "thousands",
    ),
    (
        "umkm_revenue_infinity",
        "umkm",
        "annual_revenue_idr",
        "Infinity",
        "error",
        "annual_revenue_idr",
        "number",
    ),
    (
        "umkm_revenue_large_business",
        "umkm",
        "annual_revenue_idr",
        "60000000000",
        "warning",
        "annual_revenue_idr",
        "large business",
    ),
    ("umkm_employees_fraction", "umkm", "employees", "3.5", "error", "employees", "integer"),
    (
        "umkm_employees_overflow",
        "umkm",
        "employees",
        str(2**31),
        "error",
        "employees",
        "2147483647",
    ),
    ("umkm_employees_negative", "umkm", "employees", "-3", "error", "employees", ">= 0"),
    ("umkm_year_1899", "umkm", "year_founded", "1899", "error", "year_founded", "1900"),
    ("umkm_year_3000", "umkm", "year_founded", "3000", "error", "year_founded", "1900"),
    (
        "umkm_export_maybe",
        "umkm",
        "export_experience",
        "maybe",
        "error",
        "export_experience",
        "true/false",
    ),
    (
        "umkm_cert_unknown",
        "umkm",
        "certifications",
        "halal;foo",
        "error",
        "certifications",
        "not: foo",
    ),
    ("umkm_scale_unknown", "umkm", "scale", "besar", "error", "scale", "one of"),
    ("umkm_nib_12_digits", "umkm", "nib", "123456789012", "error", "nib", "13 digits"),
    ("umkm_nib_scientific", "umkm", "nib", "1.23457E+12", "error", "nib", "scientific"),
    ("umkm_formula_in_name", "umkm", "name", '=HYPERLINK("http://x","klik")', "ok", "", ""),
    ("umkm_regency_short_form", "umkm", "regency", "Kab. Pamekasan", "ok", "", ""),
    # -- firms
    (
        "firms_investment_unknown",
        "firms",
        "investment_type",
        "ASING",
        "error",
        "investment_type",
        "PMA, PMDN",
    ),
    (
        "firms_investment_empty",
        "firms",
        "investment_type",
        "",
        "error",
        "investment_type",
        "non-empty",
    ),
    ("firms_max_partners_zero", "firms", "max_partners", "0", "error", "max_partners", ">= 1"),
    (
        "firms_max_partners_overflow",
        "firms",
        "max_partners",
        str(2**31),
        "error",
        "max_partners",
        "2147483647",
    ),
    (
        "firms_max_partners_fraction",
        "firms",
        "max_partners",
        "2.5",
        "error",
        "max_partners",
        "integer",
    ),
    ("firms_country_65", "firms", "country", "C" * 65, "error", "country", "at most 64"),
    ("firms_needs_empty", "firms", "needs", "", "error", "needs", "non-empty"),
    ("firms_needs_nul", "firms", "needs", "kain\x00tenun", "error", "needs", "control characters"),
    (
        "firms_cert_unknown",
        "firms",
        "required_certifications",
        "iso 14001",
        "error",
        "required_certifications",
        "not: iso14001",
    ),
    (
        "firms_scale_unknown",
        "firms",
        "preferred_scale",
        "huge",
        "error",
        "preferred_scale",
        "one of",
    ),
    ("firms_budget_negative", "firms", "budget_idr", "-5", "error", "budget_idr", ">= 0"),
    ("firms_dup_id", "firms", "firm_id", "F2", "error", "firm_id", "a unique id"),
    ("firms_needed_kbli_bad", "firms", "needed_kbli", "1234X", "error", "needed_kbli", "5-digit"),
    ("firms_id_65", "firms", "firm_id", "F" * 65, "error", "firm_id", "at most 64"),
    # -- outcomes (judged against UMKM U1-U3 and firms F1-F2, today = 2026-03-10)
    ("outcomes_date_2300", "outcomes", "date", "2300-01-01", "error", "date", "2000-01-01"),
    ("outcomes_date_9999", "outcomes", "date", "9999-12-31", "error", "date", "2000-01-01"),
    ("outcomes_date_0001", "outcomes", "date", "0001-01-01", "error", "date", "2000-01-01"),
    ("outcomes_date_1999", "outcomes", "date", "1999-12-31", "error", "date", "2000-01-01"),
    ("outcomes_date_future", "outcomes", "date", "2026-03-12", "error", "date", "2026-03-11"),
    ("outcomes_date_tomorrow", "outcomes", "date", "2026-03-11", "ok", "", ""),
    ("outcomes_date_slashes", "outcomes", "date", "01/02/2024", "error", "date", "ISO date"),
    ("outcomes_date_feb_30", "outcomes", "date", "2024-02-30", "error", "date", "ISO date"),
    ("outcomes_date_empty", "outcomes", "date", "", "error", "date", "non-empty"),
    ("outcomes_date_midnight_time", "outcomes", "date", "2025-05-01 00:00:00", "ok", "", ""),
    ("outcomes_stage_unknown", "outcomes", "stage", "signed", "error", "stage", "one of"),
    (
        "outcomes_umkm_unknown",
        "outcomes",
        "umkm_id",
        "U99",
        "error",
        "umkm_id",
        "present in the UMKM",
    ),
    (
        "outcomes_firm_unknown",
        "outcomes",
        "firm_id",
        "F99",
        "error",
        "firm_id",
        "present in the firm",
    ),
    (
        "outcomes_value_negative",
        "outcomes",
        "contract_value_idr",
        "-1",
        "error",
        "contract_value_idr",
        ">= 0",
    ),
    (
        "outcomes_value_nan",
        "outcomes",
        "contract_value_idr",
        "NaN",
        "error",
        "contract_value_idr",
        "number",
    ),
    (
        "outcomes_declined_by_both",
        "outcomes",
        "declined_by",
        "both",
        "error",
        "declined_by",
        "one of",
    ),
    ("outcomes_event_id_65", "outcomes", "event_id", "E" * 65, "error", "event_id", "at most 64"),
    (
        "outcomes_event_id_nul",
        "outcomes",
        "event_id",
        "E\x001",
        "error",
        "event_id",
        "control characters",
    ),
    # -- event participants
    ("event_party_unknown", "event", "party", "penonton", "error", "party", "one of"),
    ("event_id_unknown", "event", "id", "U99", "error", "id", "present in the UMKM"),
    ("event_capacity_zero", "event", "capacity", "0", "error", "capacity", ">= 1"),
    ("event_capacity_overflow", "event", "capacity", str(2**31), "error", "capacity", "2147483647"),
]


def _cell(frame: pd.DataFrame, columns, values) -> pd.DataFrame:
    out = frame.copy().astype(object)
    columns, values = ((columns,), (values,)) if isinstance(columns, str) else (columns, values)
    for c, v in zip(columns, values):
        if c not in out.columns:
            out[c] = ""
        out.loc[0, c] = v
    return out


def write(
    rows: list,
    name: str,
    kind: str,
    frame: pd.DataFrame | None,
    outcome: str,
    column: str,
    fragment: str,
    ext: str = "csv",
    raw: bytes | None = None,
) -> None:
    path = HERE / f"{name}.{ext}"
    if raw is not None:
        path.write_bytes(raw)
    elif ext == "xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    rows.append((path.name, kind, outcome, column, fragment))


def main() -> None:
    for old in HERE.glob("*"):
        if old.suffix in (".csv", ".xlsx", ".txt"):
            old.unlink()
    rows: list = []
    for name, kind, col, value, outcome, column, fragment in CELL:
        write(rows, name, kind, _cell(BASE[kind], col, value), outcome, column, fragment)
    # whole-file classes
    for kind, column in (
        ("umkm", "umkm_id"),
        ("umkm", "name"),
        ("umkm", "kbli"),
        ("umkm", "products"),
        ("umkm", "province"),
        ("firms", "firm_id"),
        ("firms", "investment_type"),
        ("outcomes", "date"),
        ("event", "party"),
    ):
        write(
            rows,
            f"{kind}_missing_{column}",
            kind,
            BASE[kind].drop(columns=[column]),
            "error",
            column,
            f"required column '{column}' is missing",
        )
    dup = UMKM.copy()
    dup.insert(2, "Name", dup["name"])
    write(rows, "umkm_duplicated_column", "umkm", dup, "error", "name", "each column name once")
    write(rows, "umkm_header_only", "umkm", UMKM.iloc[0:0], "ok", "", "")
    blank = pd.concat([UMKM.iloc[:1], pd.DataFrame([{c: "" for c in UMKM.columns}]), UMKM.iloc[1:]])
    write(rows, "umkm_blank_row", "umkm", blank, "ok", "", "")
    write(
        rows,
        "umkm_latin1",
        "umkm",
        None,
        "refused",
        "",
        "not UTF-8",
        raw=UMKM.assign(name="Kopi Gayo Caf\u00e9").to_csv(index=False).encode("latin-1"),
    )
    write(rows, "umkm_binary", "umkm", None, "refused", "", "not UTF-8", raw=bytes(range(256)) * 4)
    write(rows, "umkm_empty_file", "umkm", None, "refused", "", "cannot read", raw=b"")
    write(
        rows,
        "umkm_wrong_extension",
        "umkm",
        UMKM,
        "refused",
        "",
        "unsupported file type",
        ext="txt",
    )
    write(
        rows,
        "umkm_unbalanced_quote",
        "umkm",
        None,
        "refused",
        "",
        "cannot read",
        raw=b'umkm_id,name,kbli,products,province\nU1,"Keripik,10792,keripik,Jatim\n',
    )
    write(
        rows,
        "umkm_extra_field",
        "umkm",
        None,
        "refused",
        "",
        "cannot read",
        raw=b"umkm_id,name,kbli,products,province\nU1,Keripik,10792,keripik,Jatim,extra,more\n"
        b"U2,Kerupuk,10792,kerupuk\n",
    )
    write(
        rows,
        "umkm_wb_no_data_sheet",
        "umkm",
        pd.DataFrame({"Petunjuk": ["Isi data di sheet 2"]}),
        "refused",
        "",
        "no sheet has the column names",
        ext="xlsx",
    )
    with open(HERE / "expected.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "kind", "outcome", "column", "fragment"])
        w.writerows(sorted(rows))
    # the instructions-first workbook (two sheets) is written by hand
    with pd.ExcelWriter(HERE / "umkm_wb_instructions_first.xlsx") as xl:
        pd.DataFrame({"Petunjuk": ["Isi sheet 'data'", "Satu baris per UMKM"]}).to_excel(
            xl, sheet_name="Petunjuk", index=False
        )
        UMKM.to_excel(xl, sheet_name="data", index=False)
    with open(HERE / "expected.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(["umkm_wb_instructions_first.xlsx", "umkm", "ok", "", ""])


if __name__ == "__main__":
    main()
