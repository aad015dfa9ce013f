"""Loaders and validation: every rule of the data contract, failing and passing."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from matcher.cli import main
from matcher.data import loaders
from matcher.data import reference as ref
from matcher.data.errors import DataValidationError, MatcherError
from matcher.data.schema import EVENT_COLUMNS, FIRM_COLUMNS, OUTCOME_COLUMNS, UMKM_COLUMNS
from matcher.i18n import text_in


def said(problem, fragment: str) -> bool:
    """The problem says ``fragment`` in one of its languages (the rules' texts are pinned in
    the language they were written in; tests/test_problem_language.py checks both)."""
    return fragment in problem.expected_in("en") or fragment in problem.expected_in("id")


def umkm_raw(n: int = 2, **columns) -> pd.DataFrame:
    """A valid raw UMKM table of strings; keyword columns override (scalar or list)."""
    base = {
        "umkm_id": [f"U{i}" for i in range(1, n + 1)],
        "name": [f"Usaha {i}" for i in range(1, n + 1)],
        "kbli": "10794",
        "products": "keripik singkong",
        "province": "Jawa Timur",
    }
    base.update(columns)
    return pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})


def firms_raw(n: int = 2, **columns) -> pd.DataFrame:
    base = {
        "firm_id": [f"F{i}" for i in range(1, n + 1)],
        "name": [f"PT Firma {i}" for i in range(1, n + 1)],
        "investment_type": "PMA",
        "needs": "pemasok keripik",
        "province": "Jawa Barat",
    }
    base.update(columns)
    return pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})


def problems_of(parse, raw, *args) -> list:
    with pytest.raises(DataValidationError) as info:
        parse(raw, "test.csv", *args)
    return info.value.problems


# --------------------------------------------------------------------------- read_table


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_kbli_leading_zeros_survive_each_format(tmp_path, ext):
    raw = umkm_raw(kbli=["01111;10794", "08930"], nib=["0123456789012", ""])
    path = tmp_path / f"umkm.{ext}"
    {
        "csv": lambda p: raw.to_csv(p, index=False),
        "xlsx": lambda p: raw.to_excel(p, index=False),
        "parquet": lambda p: raw.to_parquet(p, index=False),
    }[ext](path)
    table = loaders.read_table(path)
    assert table["kbli"].tolist() == ["01111;10794", "08930"]
    assert table["nib"].tolist() == ["0123456789012", ""]
    frame = loaders.load_umkm(path)
    assert frame["kbli"].tolist() == [("01111", "10794"), ("08930",)]


def test_read_table_csv_with_bom_and_whitespace(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("\ufeffUmkm_ID , name\n  U1 ,  Batik  \n".encode("utf-8"))
    table = loaders.read_table(path)
    assert list(table.columns) == ["umkm_id", "name"] and table.iloc[0].tolist() == ["U1", "Batik"]


def test_read_table_errors_name_the_file(tmp_path):
    with pytest.raises(MatcherError) as err:
        loaders.read_table(tmp_path / "u.json")
    assert text_in(err.value.args[0], "id") == (
        f"{tmp_path / 'u.json'}: jenis berkas '.json' tidak didukung; yang diharapkan salah "
        "satu dari .csv, .parquet, .xlsx"
    )
    assert "unsupported file type '.json'" in text_in(err.value.args[0], "en")
    with pytest.raises(MatcherError) as err:
        loaders.read_table(tmp_path / "missing")
    assert "jenis berkas (tanpa akhiran) tidak didukung" in text_in(err.value.args[0], "id")
    with pytest.raises(MatcherError) as err:
        loaders.read_table(tmp_path / "missing.csv")
    assert text_in(err.value.args[0], "id").endswith("missing.csv: berkas tidak ditemukan")
    assert text_in(err.value.args[0], "en").endswith("missing.csv: file not found")
    bad = tmp_path / "broken.parquet"
    bad.write_text("not parquet")
    with pytest.raises(MatcherError, match="broken.parquet"):
        loaders.read_table(bad)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(MatcherError, match="UTF-8"):
        loaders.read_table(latin)


# --------------------------------------------------------------------------- canonical UMKM


def test_valid_umkm_gives_the_canonical_frame():
    raw = umkm_raw(
        nib=["1234567890123", ""],
        kbli=["13134; 10794;13134", "31001"],
        regency=["Pamekasan", ""],
        lat=["", "-7.3"],
        lon=["", "112.7"],
        annual_revenue_idr=["1500000000.0", "20000000000"],
        employees=["5", "12.0"],
        certifications=["Halal; PIRT", ""],
        year_founded=["2010", ""],
        export_experience=["ya", "FALSE"],
        extra=["kept?", "no"],
    )
    df = loaders.parse_umkm(raw, "request body")
    assert tuple(df.columns) == UMKM_COLUMNS
    first, second = df.iloc[0], df.iloc[1]
    assert first["kbli"] == ("13134", "10794")  # duplicates dropped, order kept
    assert first["province"] == "Jawa Timur" and first["province_code"] == "35"
    assert first["regency"] == "Kabupaten Pamekasan" and first["regency_code"] == "3528"
    assert first["location_precision"] == "regency"
    pamekasan = ref.regencies().set_index("code").loc["3528"]
    assert (first["lat"], first["lon"]) == (pamekasan["lat"], pamekasan["lon"])
    assert second["location_precision"] == "exact" and (second["lat"], second["lon"]) == (
        -7.3,
        112.7,
    )
    assert second["nib"] is None and second["regency"] is None
    assert first["scale"] == "mikro" and second["scale"] == "menengah"
    assert first["certifications"] == ("halal", "pirt") and second["certifications"] == ()
    assert first["export_experience"] == 1.0 and second["export_experience"] == 0.0
    assert second["employees"] == 12.0 and math.isnan(second["year_founded"])
    assert df.attrs["warnings"] == []


def test_location_falls_back_to_province_centroid():
    df = loaders.parse_umkm(umkm_raw(1, province="DIY"), "b")
    assert df.loc[0, "location_precision"] == "province"
    assert (df.loc[0, "lat"], df.loc[0, "lon"]) == (-7.7956, 110.3695)


def test_every_regency_has_its_own_centroid():
    df = loaders.parse_umkm(umkm_raw(1, province="Aceh", regency="Kab. Aceh Besar"), "b")
    assert df.loc[0, "regency_code"] == "1106"
    assert df.loc[0, "location_precision"] == "regency" and df.loc[0, "lat"] != 5.5483


def test_unrecognised_regency_is_a_warning_with_suggestion():
    df = loaders.parse_umkm(umkm_raw(2, regency="Pamekasn"), "b")
    assert df["regency"].isna().all() and (df["location_precision"] == "province").all()
    [w] = df.attrs["warnings"]  # one per distinct value
    assert (w.row, w.column, w.value) == (2, "regency", "Pamekasn")
    assert "Kabupaten Pamekasan" in w.expected and "(2 rows)" in w.expected


def test_scale_derived_from_revenue_and_large_business_warns():
    raw = umkm_raw(4, annual_revenue_idr=["2000000000", "2000000001", "50000000000", "60000000000"])
    df = loaders.parse_umkm(raw, "b")
    assert df["scale"].tolist() == ["mikro", "kecil", "menengah", None]
    [w] = df.attrs["warnings"]
    assert (w.row, w.column) == (5, "annual_revenue_idr")
    given = loaders.parse_umkm(umkm_raw(1, scale="Kecil", annual_revenue_idr="100"), "b")
    assert given.loc[0, "scale"] == "kecil"


def test_blank_rows_are_skipped_but_still_counted(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(
        "umkm_id,name,kbli,products,province\nU1,a,10794,x,Bali\n,,,,\nU2,b,10794,x,Atlantis\n"
    )
    with pytest.raises(DataValidationError) as info:
        loaders.load_umkm(path)
    [p] = info.value.problems
    assert (p.row, p.column, p.value) == (4, "province", "Atlantis")


# --------------------------------------------------------------------------- each rule, failing


@pytest.mark.parametrize(
    "column, bad, good, expected",
    [
        ("umkm_id", "", "U9", "non-empty"),
        ("name", "", "Batik", "non-empty"),
        ("products", "", "batik", "non-empty"),
        ("nib", "12345", "1234567890123", "13 digits"),
        ("nib", "1.23457E+12", "1234567890123.0", "scientific notation"),
        ("kbli", "", "10794", "non-empty"),
        ("kbli", "107941", "10794", "3–5 digit"),
        ("kbli", "04123", "03111", "04123 tidak ada di KBLI 2020 maupun KBLI 2025"),
        ("kbli", "99999", "99000", "mungkin: 99000"),  # a real code as suggestion
        ("kbli", "1111", "01111", "maksudnya 01111?"),  # the leading zero lost in Excel
        ("kbli", "10", "107", "golongan pokok"),  # too broad
        ("province", "Jawa Timor", "jawa timur", "closest: Jawa Timur"),
        ("province", "", "Jatim", "non-empty"),
        ("scale", "besar", "Menengah", "mikro, kecil, menengah"),
        ("annual_revenue_idr", "-1", "1500000.0", ">= 0"),
        ("annual_revenue_idr", "1.50.000", "1.500.000", "a number"),
        ("annual_revenue_idr", "Rp 1-2-3 juta", "Rp 1,5 juta", "a number"),
        ("annual_revenue_idr", "nan", "0", "a number"),
        ("employees", "2.5", "3.0", "an integer"),
        ("employees", "-3", "0", "an integer >= 0"),
        ("monthly_capacity_idr", "banyak", "5e6", "a number"),
        ("year_founded", "1899", "1900", "1900.."),
        ("year_founded", str(dt.date.today().year + 1), str(dt.date.today().year), "1900.."),
        ("export_experience", "maybe", "Tidak", "true/false"),
    ],
)
def test_umkm_rule(column, bad, good, expected):
    [p] = problems_of(loaders.parse_umkm, umkm_raw(1, **{column: bad}))
    assert (p.file, p.row, p.column) == ("test.csv", 2, column)
    assert p.value == bad and said(p, expected)
    loaders.parse_umkm(umkm_raw(1, **{column: good}), "test.csv")  # passes


def test_each_bad_kbli_item_is_its_own_problem():
    problems = problems_of(loaders.parse_umkm, umkm_raw(1, kbli="10794;abc;04123"))
    assert [(p.row, p.value) for p in problems] == [(2, "abc"), (2, "04123")]


@pytest.mark.parametrize(
    "lat, lon, column, expected",
    [
        ("-7.2", "", "lon", "both or neither"),
        ("", "112.7", "lat", "both or neither"),
        ("40.0", "112.7", "lat", "-11.5..6.5"),
        ("-7.2", "12.7", "lon", "94.5..141.5"),
    ],
)
def test_lat_lon_rule(lat, lon, column, expected):
    [p] = problems_of(loaders.parse_umkm, umkm_raw(1, lat=lat, lon=lon))
    assert p.column == column and expected in p.expected


def test_missing_required_column_is_one_whole_file_problem():
    problems = problems_of(loaders.parse_umkm, umkm_raw(1).drop(columns=["products", "kbli"]))
    assert {(p.row, p.column) for p in problems} == {(None, "products"), (None, "kbli")}
    assert all("missing" in p.expected for p in problems)


def test_duplicate_id_is_an_error_naming_both_rows():
    problems = problems_of(loaders.parse_umkm, umkm_raw(3, umkm_id=["U1", "U2", "U1"]))
    assert [(p.row, p.value) for p in problems] == [(2, "U1"), (4, "U1")]
    assert "row 4" in problems[0].expected and "row 2" in problems[1].expected


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".xlsx"])
@pytest.mark.slow  # writes and reads a large file whole and in chunks
def test_a_file_read_in_chunks_equals_the_file_read_whole(tmp_path, ext):
    raw = umkm_raw(23, kbli=["10391", "10307"] * 11 + ["10794"])  # 10307: KBLI 2025, a warning
    raw.loc[9] = ""  # a blank row: skipped, still counted
    path = tmp_path / f"u{ext}"
    {
        ".csv": lambda: raw.to_csv(path, index=False),
        ".parquet": lambda: raw.to_parquet(path),
        ".xlsx": lambda: raw.to_excel(path, index=False),
    }[ext]()
    whole = loaders.load_umkm(path)
    parts = list(loaders.iter_umkm(path, chunk_rows=5))
    assert len(parts) == 5
    chunked = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(chunked, whole)
    n, warnings = loaders.scan_umkm(path, chunk_rows=5)
    assert n == 22 and warnings
    assert [(w.row, w.value) for w in warnings] == [
        (w.row, w.value) for w in whole.attrs["warnings"]
    ]


def test_chunks_report_spreadsheet_rows_and_duplicates_across_chunks(tmp_path):
    raw = umkm_raw(12)
    raw.loc[8, "umkm_id"] = "U2"  # row 10 repeats row 3, four chunks of 3 later
    raw.loc[10, "province"] = "Atlantis"
    path = tmp_path / "u.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as err:
        loaders.scan_umkm(path, chunk_rows=3)
    got = [(p.row, p.column) for p in err.value.problems]
    assert got == [(10, "umkm_id"), (12, "province")]
    assert "also used in row 3" in err.value.problems[0].expected
    with pytest.raises(DataValidationError):  # iter_umkm raises when it reaches the chunk
        list(loaders.iter_umkm(path, chunk_rows=3))


def test_a_missing_column_is_reported_once_however_many_chunks(tmp_path):
    path = tmp_path / "u.csv"
    umkm_raw(10).drop(columns="products").to_csv(path, index=False)
    with pytest.raises(DataValidationError) as err:
        loaders.scan_umkm(path, chunk_rows=3)
    assert [(p.row, p.column) for p in err.value.problems] == [(None, "products")]


def test_pairs_skip_blank_rows_and_name_the_row_of_an_outsider():
    event = pd.DataFrame(
        {"party": ["umkm", "umkm", "firm"], "id": ["U1", "U2", "F1"], "capacity": 1}
    )
    raw = pd.DataFrame({"umkm_id": ["U1", "", "U9"], "firm_id": ["F1", "", "F1"]})
    with pytest.raises(DataValidationError) as err:
        loaders.parse_pairs(raw, "pairs.csv", event)
    assert [(p.row, p.column, p.value) for p in err.value.problems] == [(4, "umkm_id", "U9")]
    assert loaders.parse_pairs(raw.iloc[:2], "pairs.csv", event) == [("U1", "F1")]


def test_a_kbli_2025_code_in_a_2020_file_is_translated_with_a_warning():
    df = loaders.parse_umkm(umkm_raw(3, kbli=["10307", "10307;10794", "10391"]), "b")
    assert df["kbli"].tolist() == [("10391",), ("10391", "10794"), ("10391",)]  # tempe
    [w] = df.attrs["warnings"]
    assert (w.row, w.column, w.value) == (2, "kbli", "10307") and "(2 rows)" in w.expected


def test_a_kbli_2015_code_from_an_older_nib_is_read_as_its_2020_successor_with_a_warning():
    df = loaders.parse_umkm(umkm_raw(2, kbli=["77301", "74100;10774"]), "b")
    assert df["kbli"].tolist() == [("77391",), ("741", "10774")]
    assert [(w.row, w.column, w.value) for w in df.attrs["warnings"]] == [
        (2, "kbli", "77301"),
        (3, "kbli", "74100"),
    ]
    assert all("KBLI 2015" in w.expected for w in df.attrs["warnings"])


@pytest.mark.parametrize("codes, level", [("107", 3), ("1079", 4), ("10774", 5)])
def test_kbli_codes_are_accepted_at_their_level(codes, level):
    df = loaders.parse_umkm(umkm_raw(1, kbli=codes), "b")
    assert df.loc[0, "kbli"] == (codes,) and df.attrs["warnings"] == []
    assert ref.kbli_lookup(codes).level == level


def test_a_file_of_kbli_2025_codes_is_read_as_2025_with_one_warning():
    # 10772 is garam in 2025 (bumbu in 2020); 10307 tempe exists only in 2025
    df = loaders.parse_umkm(umkm_raw(2, kbli=["10772", "10307"]), "b")
    assert df["kbli"].tolist() == [("10774",), ("10391",)]
    assert any(w.row is None and "KBLI 2025" in w.expected for w in df.attrs["warnings"])


def test_kbli_version_column_says_which_version_a_row_uses():
    df = loaders.parse_umkm(umkm_raw(2, kbli=["10772", "10772"], kbli_version=["2025", ""]), "b")
    assert df["kbli"].tolist() == [("10774",), ("10772",)]  # garam 2025 -> 2020; bumbu 2020
    [p] = problems_of(loaders.parse_umkm, umkm_raw(1, kbli_version="2019"))
    assert p.column == "kbli_version" and "2020 atau 2025" in p.expected_in("id")


def test_excel_four_digit_kbli_from_a_real_xlsx(tmp_path):
    """A KBLI column typed as numbers in Excel loses its leading zero: 01111 -> 1111."""
    path = tmp_path / "u.xlsx"
    raw = umkm_raw(2).assign(kbli=[1111, 10794])  # numeric cells, as Excel stores them
    raw.to_excel(path, index=False)
    with pytest.raises(DataValidationError) as info:
        loaders.load_umkm(path)
    [p] = info.value.problems
    assert (p.row, p.column, p.value) == (2, "kbli", "1111")
    assert "01111" in p.expected and "Excel" in p.expected


def test_harmless_variation_is_tolerated():
    raw = umkm_raw(
        1,
        umkm_id="  123.0 ",
        province=" jAWA   timur ",
        scale="KECIL",
        annual_revenue_idr="1500000.0",
        employees="4.0",
        kbli=" 10794 ; 13134.0 ",
        export_experience="TRUE",
    )
    df = loaders.parse_umkm(raw, "b")
    assert df.loc[0, "umkm_id"] == "123"
    assert df.loc[0, "kbli"] == ("10794", "13134") and df.loc[0, "scale"] == "kecil"
    assert df.loc[0, "annual_revenue_idr"] == 1_500_000.0


def test_in_memory_body_with_lists_and_numbers_parses():
    """The API hands parse_umkm a frame built from JSON: list cells, numbers, None."""
    raw = pd.DataFrame(
        {
            "umkm_id": [7],
            "name": ["a"],
            "kbli": [["10794", "13134"]],
            "products": ["x"],
            "province": ["jatim"],
            "certifications": [("halal",)],
            "employees": [3],
            "annual_revenue_idr": [None],
            "export_experience": [True],
        }
    )
    row = loaders.parse_umkm(raw, "request body").iloc[0]
    assert row["umkm_id"] == "7" and row["kbli"] == ("10794", "13134")
    assert row["certifications"] == ("halal",) and row["employees"] == 3.0
    assert math.isnan(row["annual_revenue_idr"]) and row["export_experience"] == 1.0


def test_five_problems_are_all_reported_in_reading_order():
    raw = umkm_raw(
        3,
        umkm_id=["U1", "U2", "U3"],
        kbli=["10794", "1111", "10794"],
        province=["Jatim", "Jatim", "Mars"],
        employees=["3", "x", "3"],
        year_founded=["2000", "2000", "1800"],
        nib=["123", "", ""],
    )
    problems = problems_of(loaders.parse_umkm, raw)
    assert [(p.row, p.column) for p in problems] == [
        (2, "nib"),
        (3, "kbli"),
        (3, "employees"),
        (4, "province"),
        (4, "year_founded"),
    ]


# --------------------------------------------------------------------------- firms


def test_valid_firms_canonical_with_default_max_partners():
    raw = firms_raw(
        2,
        investment_type=["pma", "PMDN"],
        max_partners=["", "5"],
        needed_kbli=["10794;13134", ""],
        preferred_scale=["", "Kecil"],
        required_certifications=["halal", ""],
        country=["Japan", ""],
    )
    df = loaders.parse_firms(raw, "b")
    assert tuple(df.columns) == FIRM_COLUMNS
    assert df["investment_type"].tolist() == ["PMA", "PMDN"]
    assert df["max_partners"].tolist() == [3, 5] and df["max_partners"].dtype == np.int64
    assert df["needed_kbli"].tolist() == [("10794", "13134"), ()]
    assert df["kbli"].tolist() == [(), ()] and df["country"].tolist() == ["Japan", None]
    assert df["preferred_scale"].tolist() == [None, "kecil"]


@pytest.mark.parametrize(
    "column, bad, good, expected",
    [
        ("investment_type", "swasta", "asing", "PMA, PMDN"),
        ("investment_type", "", "PMA", "non-empty"),
        ("needs", "", "kemasan", "non-empty"),
        ("max_partners", "0", "1", "an integer >= 1"),
        ("max_partners", "2.5", "2", "an integer"),
        ("budget_idr", "-5", "5", ">= 0"),
        ("needed_kbli", "1111", "01111", "maksudnya 01111?"),
        ("kbli", "99", "99000", "golongan pokok"),
        ("preferred_scale", "besar", "mikro", "mikro, kecil, menengah"),
        ("province", "Java", "Jawa Barat", "38 provinces"),
    ],
)
def test_firm_rule(column, bad, good, expected):
    [p] = problems_of(loaders.parse_firms, firms_raw(1, **{column: bad}))
    assert (p.row, p.column, p.value) == (2, column, bad) and said(p, expected)
    loaders.parse_firms(firms_raw(1, **{column: good}), "b")


# --------------------------------------------------------------------------- outcomes


@pytest.fixture
def profiles():
    return loaders.parse_umkm(umkm_raw(2), "u"), loaders.parse_firms(firms_raw(2), "f")


def outcomes_raw(**columns) -> pd.DataFrame:
    base = {
        "umkm_id": ["U1", "U1", "U2"],
        "firm_id": ["F1", "F1", "F2"],
        "stage": ["meeting", "contract_signed", "declined"],
        "date": ["2024-01-05", "2024-03-01 00:00:00", "2024-02-01"],
        "declined_by": ["", "", "FIRM"],
        "contract_value_idr": ["", "5000000", ""],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_outcomes_latest_date_wins_and_grade_from_stage(profiles):
    df = loaders.parse_outcomes(outcomes_raw(), "o", *profiles)
    assert tuple(df.columns) == OUTCOME_COLUMNS
    assert df[["umkm_id", "firm_id", "stage", "grade"]].values.tolist() == [
        ["U1", "F1", "contract_signed", 3],
        ["U2", "F2", "declined", 0],
    ]
    assert df["date"].dtype == "datetime64[ns]" and df.loc[0, "date"] == pd.Timestamp("2024-03-01")
    assert df.loc[1, "declined_by"] == "firm" and df.loc[0, "contract_value_idr"] == 5e6


def test_outcomes_latest_wins_even_when_listed_first(profiles):
    raw = outcomes_raw(date=["2024-05-01", "2024-03-01", "2024-02-01"])
    df = loaders.parse_outcomes(raw, "o", *profiles)
    assert df.loc[0, "stage"] == "meeting"


@pytest.mark.parametrize(
    "column, bad, expected",
    [
        ("stage", "signed", "declined, meeting, mou_signed, contract_signed"),
        ("stage", "", "non-empty"),
        ("date", "05/01/2024", "YYYY-MM-DD"),
        ("date", "2024-02-30", "YYYY-MM-DD"),
        ("date", "", "non-empty"),
        ("declined_by", "both", "umkm, firm"),
        ("contract_value_idr", "-1", ">= 0"),
        ("umkm_id", "U9", "present in the UMKM profiles"),
        ("firm_id", "F9", "present in the firm profiles"),
    ],
)
def test_outcome_rule(profiles, column, bad, expected):
    raw = outcomes_raw()
    raw.loc[2, column] = bad
    [p] = problems_of(loaders.parse_outcomes, raw, *profiles)
    assert (p.row, p.column, p.value) == (4, column, bad) and expected in p.expected


def test_outcomes_without_profiles_skip_pair_existence():
    raw = outcomes_raw(umkm_id=["X1", "X1", "X2"])
    assert len(loaders.parse_outcomes(raw, "o")) == 2


# --------------------------------------------------------------------------- event


def test_event_defaults_and_checks(profiles):
    umkm, firms = profiles
    firms = firms.assign(max_partners=[4, 2])
    raw = pd.DataFrame(
        {
            "party": ["umkm", "FIRM", "firm", "umkm"],
            "id": ["U1", "F1", "F2", "U2"],
            "capacity": ["", "", "1", "2"],
        }
    )
    df = loaders.parse_event(raw, "e", umkm, firms)
    assert tuple(df.columns) == EVENT_COLUMNS
    assert df.values.tolist() == [
        ["umkm", "U1", 1],
        ["firm", "F1", 4],
        ["firm", "F2", 1],
        ["umkm", "U2", 2],
    ]


@pytest.mark.parametrize(
    "party, id_, capacity, column, expected",
    [
        ("bank", "U1", "", "party", "umkm, firm"),
        ("umkm", "F1", "", "id", "present in the UMKM profiles"),
        ("firm", "U1", "", "id", "present in the firm profiles"),
        ("firm", "F1", "0", "capacity", ">= 1"),
        ("umkm", "", "", "id", "non-empty"),
    ],
)
def test_event_rule(profiles, party, id_, capacity, column, expected):
    raw = pd.DataFrame({"party": [party], "id": [id_], "capacity": [capacity]})
    [p] = problems_of(loaders.parse_event, raw, *profiles)
    assert (p.row, p.column) == (2, column) and expected in p.expected


def test_event_participant_listed_twice(profiles):
    raw = pd.DataFrame({"party": ["umkm", "umkm"], "id": ["U1", "U1"]})
    [p] = problems_of(loaders.parse_event, raw, *profiles)
    assert (p.row, p.column) == (3, "id")


# --------------------------------------------------------------------------- CLI


def test_validate_reports_every_error_and_exits_2_without_traceback(tmp_path, capsys, monkeypatch):
    path = tmp_path / "umkm.csv"
    umkm_raw(
        3,
        kbli=["10794", "1111", "10794"],
        province=["Jatim", "Jatim", "Mars"],
        employees=["3", "x", "3"],
        year_founded=["", "", "1800"],
        nib=["123", "", ""],
    ).to_csv(path, index=False)
    assert main(["validate", str(path), "--kind", "umkm"]) == 2
    err = capsys.readouterr().err  # in Indonesian, the CLI's default language
    assert "Traceback" not in err and "5 masalah ditemukan" in err
    for row, column in [
        (2, "nib"),
        (3, "kbli"),
        (3, "employees"),
        (4, "province"),
        (4, "year_founded"),
    ]:
        assert f"baris {row}, kolom '{column}'" in err
    assert "seharusnya salah satu dari 38 provinsi" in err
    monkeypatch.setenv("MATCHER_LANG", "en")  # the same problems, in English
    assert main(["validate", str(path), "--kind", "umkm"]) == 2
    err = capsys.readouterr().err
    assert "5 problems found" in err and "row 4, column 'province'" in err
    assert "expected one of the 38 provinces" in err


def test_validate_valid_file_prints_summary(tmp_path, capsys, monkeypatch):
    path = tmp_path / "umkm.csv"
    umkm_raw(2, kbli="10111").to_csv(path, index=False)
    firms = tmp_path / "firms.csv"
    firms_raw(2).to_csv(firms, index=False)
    argv = ["validate", str(path), "--kind", "umkm", "--firms", str(firms)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "berkas umkm yang sah" in out and "peringatan:" in out and "10111" in out
    assert "baris dalam berkas" in out
    assert (
        "catatan: --umkm/--firms hanya dipakai dengan --kind outcomes, followups atau event; "
        "diabaikan"
    ) in out
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "valid umkm file" in out and "warning:" in out and "rows in file" in out
    assert "note: --umkm/--firms are only used with --kind outcomes, followups or event" in out


def test_validate_outcomes_with_and_without_profiles(tmp_path, capsys):
    u, f, o = tmp_path / "u.csv", tmp_path / "f.csv", tmp_path / "o.csv"
    umkm_raw(2).to_csv(u, index=False)
    firms_raw(2).to_csv(f, index=False)
    outcomes_raw(firm_id=["F1", "F1", "F7"]).to_csv(o, index=False)
    assert main(["validate", str(o), "--kind", "outcomes"]) == 0
    assert "keberadaan firm_id tidak diperiksa: --firms tidak diberikan" in capsys.readouterr().out
    assert (
        main(["validate", str(o), "--kind", "outcomes", "--umkm", str(u), "--firms", str(f)]) == 2
    )
    assert "'F7'" in capsys.readouterr().err


def test_validate_event_needs_profiles(tmp_path, capsys):
    e = tmp_path / "e.csv"
    pd.DataFrame({"party": ["umkm"], "id": ["U1"]}).to_csv(e, index=False)
    assert main(["validate", str(e), "--kind", "event"]) == 2
    assert "--kind event memerlukan --umkm dan --firms" in capsys.readouterr().err


def test_a_regency_under_its_pre_split_province_moves_with_a_warning():
    raw = umkm_raw(3)
    raw["province"] = ["Papua", "Kalimantan Timur", "Jawa Timur"]
    raw["regency"] = ["Kab. Merauke", "Tarakan", "Pamekasan"]
    df = loaders.parse_umkm(raw, "b")
    assert df["province_code"].tolist() == ["93", "65", "35"]
    assert df["regency_code"].tolist() == ["9301", "6571", "3528"]
    assert df["province"].tolist()[:2] == ["Papua Selatan", "Kalimantan Utara"]
    assert (df["location_precision"] == "regency").all()
    warned = [(w.row, w.value) for w in df.attrs["warnings"]]
    assert warned == [(2, "Kab. Merauke"), (3, "Tarakan")]
    assert (
        "Papua Selatan" in df.attrs["warnings"][0].expected
        and "2022" in df.attrs["warnings"][0].expected
    )


def test_where_results_go_is_checked_first_and_said_in_indonesian(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    base = ["recommend", "--umkm", str(tmp_path / "u.csv"), "--firms", str(tmp_path / "f.csv")]
    assert main([*base, "--out", str(tmp_path / "recs.txt")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"kesalahan: {tmp_path / 'recs.txt'}: nama berkas keluaran harus berakhiran "
        ".csv, .parquet, .xlsx\n"
    )
    assert main([*base, "--out", str(tmp_path / "no" / "recs.csv")]) == 2
    assert f"folder {tmp_path / 'no'} tidak ada" in capsys.readouterr().err
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main([*base, "--out", str(tmp_path / "recs.txt")]) == 2
    assert "recs.txt: output must end in .csv, .parquet, .xlsx" in capsys.readouterr().err
