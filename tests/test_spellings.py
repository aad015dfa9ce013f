"""Files as Indonesian offices write them: certificates, numbers, delimiters, words."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matcher.cli import main
from matcher.data import certificates, loaders
from matcher.data.parsing import read_decimal, read_number, sniff_delimiter
from matcher.data.schema import CERTIFICATIONS
from matcher.features.pairs import _cert_matrix
from tests.test_loaders import firms_raw, problems_of, umkm_raw

# --------------------------------------------------------------------------- certificates


@pytest.mark.parametrize(
    "written, tokens",
    [
        # the spellings of issue 12
        ("Halal MUI", ("halal",)),
        ("Halal BPJPH", ("halal",)),
        ("sertifikat halal", ("halal",)),
        ("halal self declare", ("halal:self_declare",)),
        ("SPP-IRT", ("pirt",)),
        ("P-IRT", ("pirt",)),
        ("BPOM MD", ("bpom:md",)),
        ("MD", ("bpom:md",)),
        ("ML", ("bpom:ml",)),
        ("SNI 3556", ("sni:3556",)),
        ("ISO 9001:2015", ("iso9001",)),
        ("ISO 22000", ("iso22000",)),
        ("FSSC 22000", ("fssc22000",)),
        ("V-Legal", ("svlk",)),
        ("CPPOB", ("cppob",)),
        ("CPOTB", ("cpotb",)),
        ("NKV", ("nkv",)),
        # case, spacing and punctuation variants, numbers and issuers around the name
        ("HALAL-MUI", ("halal",)),
        ("halal  bpjph  ri", ("halal",)),
        ("Sertifikat Halal (Self-Declare)", ("halal:self_declare",)),
        ("Halal reguler LPPOM", ("halal:reguler",)),
        ("SPPIRT", ("pirt",)),
        ("PIRT No. 2063527010123-24", ("pirt",)),
        ("BPOM RI MD 224510001234", ("bpom:md",)),
        ("MD224510001234", ("bpom:md",)),
        ("POM TR 123456789", ("bpom:tr",)),
        ("SNI 01-3556-2000", ("sni:3556",)),
        ("SNI 3556:2016", ("sni:3556",)),
        ("SNI ISO 9001:2015", ("iso9001",)),
        ("iso-9001", ("iso9001",)),
        ("ISO 45001", ("iso45001",)),
        ("SVLK/V-Legal", ("svlk",)),
        ("vlegal", ("svlk",)),
        ("organic", ("organik",)),
        ("Nomor Kontrol Veteriner", ("nkv",)),
        ("Halal MUI, SPP-IRT dan BPOM MD", ("halal", "pirt", "bpom:md")),
        ("halal; halal self declare", ("halal:self_declare",)),  # the specific form wins
        ("tidak ada", ()),
        ("-", ()),
        # a canonical cell reads back as itself
        (
            "halal:self_declare;bpom:md;sni:3556;iso22000",
            ("halal:self_declare", "bpom:md", "sni:3556", "iso22000"),
        ),
    ],
)
def test_certificate_spellings_read_as_canonical_tokens(written, tokens):
    reading = certificates.read_cell(written)
    assert reading.tokens == tokens and reading.unknown == () and reading.not_held == ()


def test_unknown_certificate_is_kept_and_warned_never_refused():
    df = loaders.parse_umkm(
        umkm_raw(2, certifications=["Halal MUI; Merek terdaftar", "Merek terdaftar"]), "u.csv"
    )
    assert df.loc[0, "certifications"] == ("halal", "Merek terdaftar")
    [w] = df.attrs["warnings"]  # one warning per distinct item, at its first row, with a count
    assert (w.row, w.column, w.value) == (2, "certifications", "Merek terdaftar")
    assert "kept as written" in w.expected and "(2 rows)" in w.expected


def test_certificate_applied_for_or_lapsed_is_not_held():
    df = loaders.parse_umkm(
        umkm_raw(1, certifications="PIRT, Halal (proses), BPOM kedaluwarsa"), "u.csv"
    )
    assert df.loc[0, "certifications"] == ("pirt",)
    assert [w.value for w in df.attrs["warnings"]] == ["Halal (proses)", "BPOM kedaluwarsa"]
    assert all("applied for or lapsed" in w.expected for w in df.attrs["warnings"])


def test_features_see_base_tokens_and_what_a_certificate_implies():
    idx = {c: i for i, c in enumerate(CERTIFICATIONS)}
    held = _cert_matrix(
        [("bpom:md", "halal:self_declare", "sni:3556"), ("fssc22000",), ("Merek",)], held=True
    )
    assert held[0, [idx["bpom"], idx["halal"], idx["sni"]]].all() and held[0].sum() == 3
    assert held[1, [idx["fssc22000"], idx["iso22000"], idx["haccp"]]].all() and held[1].sum() == 3
    assert held[2].sum() == 0
    required = _cert_matrix([("fssc22000",)], held=False)  # a requirement is not widened
    assert required.sum() == 1


def test_every_base_token_has_a_row_and_a_label():
    assert set(CERTIFICATIONS) <= set(certificates.table())
    assert (
        certificates.label("bpom:md") == "BPOM MD" and certificates.label("sni:3556") == "SNI 3556"
    )
    assert certificates.label("halal:self_declare") == "halal (self declare)"
    assert certificates.label("iso45001") == "ISO 45001"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "written, value",
    [
        ("1.500.000", 1_500_000),
        ("1500000", 1_500_000),
        ("1500000.0", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1.500.000,50", 1_500_000.5),
        ("1,500,000.50", 1_500_000.5),
        ("Rp 1.500.000", 1_500_000),
        ("Rp. 1.500.000,-", 1_500_000),
        ("IDR 1500000", 1_500_000),
        ("Rp 1,5 juta", 1_500_000),
        ("1,5 jt", 1_500_000),
        ("Rp1,5 M", 1.5e9),
        ("1,5 miliar", 1.5e9),
        ("1.5 milyar", 1.5e9),
        ("2 M", 2e9),
        ("750 ribu", 750_000),
        ("750rb", 750_000),
        ("Rp105 juta", 105e6),
        ("12.500", 12_500),
        ("Rp 1 500 000", 1_500_000),
        ("sekitar Rp 2 juta", 2e6),
        ("± 10 jt", 10e6),
        ("5e6", 5e6),
        ("1.500 juta", 1.5e9),
    ],
)
def test_money_as_offices_write_it(written, value):
    got, note = read_number(written, money=True)
    assert got == pytest.approx(value) and note is None


@pytest.mark.parametrize("written", ["1.50.000", "Rp 1-2-3 juta", "banyak", "1,5,0", "Rp", "juta"])
def test_unreadable_money_is_nan(written):
    assert math.isnan(read_number(written, money=True)[0])


def test_a_monthly_figure_in_an_annual_column_is_converted_and_warned():
    df = loaders.parse_umkm(umkm_raw(1, annual_revenue_idr="Rp 10 juta/bulan"), "u.csv")
    assert df.loc[0, "annual_revenue_idr"] == 120e6
    [w] = df.attrs["warnings"]
    assert w.column == "annual_revenue_idr" and "per-month" in w.expected


def test_counts_and_coordinates():
    assert read_number("1.200")[0] == 1200 and read_number("12 orang")[0] == 12
    assert read_decimal("-7,1568") == -7.1568 and read_decimal("113.47") == 113.47
    df = loaders.parse_umkm(umkm_raw(1, lat="-7,1568", lon="113,4746", employees="1.200"), "u")
    assert (df.loc[0, "lat"], df.loc[0, "lon"], df.loc[0, "employees"]) == (-7.1568, 113.4746, 1200)


# --------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize("sep", [";", "\t", ",", "|"])
def test_csv_delimiter_is_detected(tmp_path, sep):
    raw = umkm_raw(
        2,
        annual_revenue_idr=["1.500.000,00", "Rp 2,5 juta"],
        certifications=["Halal MUI, PIRT", ""],
    )
    path = tmp_path / "u.csv"
    raw.to_csv(path, index=False, sep=sep)
    assert sniff_delimiter(path) == sep
    df = loaders.load_umkm(path)
    assert df["annual_revenue_idr"].tolist() == [1_500_000.0, 2_500_000.0]
    assert df["certifications"].tolist() == [("halal", "pirt"), ()]


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    "written, stage",
    [
        ("ditolak", "declined"),
        ("Batal", "declined"),
        ("tidak lanjut", "declined"),
        ("Pertemuan", "meeting"),
        ("temu bisnis", "meeting"),
        ("MoU", "mou_signed"),
        ("MOU ditandatangani", "mou_signed"),
        ("nota kesepahaman", "mou_signed"),
        ("Kontrak", "contract_signed"),
        ("kontrak ditandatangani", "contract_signed"),
        ("Perjanjian Kerja Sama", "contract_signed"),
        ("contract signed", "contract_signed"),
        ("mou_signed", "mou_signed"),
        ("Contract_Signed", "contract_signed"),
    ],
)
def test_outcome_stages_in_indonesian(written, stage):
    raw = pd.DataFrame(
        {
            "umkm_id": ["U1"],
            "firm_id": ["F1"],
            "stage": [written],
            "date": ["2025-01-02"],
            "declined_by": ["perusahaan" if stage == "declined" else ""],
        }
    )
    df = loaders.parse_outcomes(raw, "o.csv")
    assert df.loc[0, "stage"] == stage
    assert df.loc[0, "declined_by"] == ("firm" if stage == "declined" else None)


def test_not_yet_is_no_stage():
    raw = pd.DataFrame(
        {"umkm_id": ["U1"], "firm_id": ["F1"], "stage": ["belum kontrak"], "date": ["2025-01-02"]}
    )
    [p] = problems_of(loaders.parse_outcomes, raw)
    assert p.column == "stage" and p.value == "belum kontrak"


def test_event_parties_in_indonesian():
    umkm = loaders.parse_umkm(umkm_raw(1), "u")
    firms = loaders.parse_firms(firms_raw(1), "f")
    raw = pd.DataFrame({"party": ["UMKM", "Perusahaan"], "id": ["U1", "F1"]})
    assert loaders.parse_event(raw, "e", umkm, firms)["party"].tolist() == ["umkm", "firm"]


@pytest.mark.parametrize(
    "written, value",
    [
        ("Ya", 1.0),
        ("iya", 1.0),
        ("Y", 1.0),
        ("sudah", 1.0),
        ("pernah", 1.0),
        ("Tidak", 0.0),
        ("tdk", 0.0),
        ("belum", 0.0),
        ("Belum pernah", 0.0),
        ("-", 0.0),
        ("TRUE", 1.0),
        ("0", 0.0),
    ],
)
def test_booleans_in_indonesian(written, value):
    df = loaders.parse_umkm(umkm_raw(1, export_experience=written), "u")
    assert df.loc[0, "export_experience"] == value


def test_vocabulary_words():
    df = loaders.parse_umkm(umkm_raw(2, scale=["Usaha Mikro", "small"]), "u")
    assert df["scale"].tolist() == ["mikro", "kecil"]
    df = loaders.parse_firms(
        firms_raw(2, investment_type=["Penanaman Modal Asing", "dalam negeri"]), "f"
    )
    assert df["investment_type"].tolist() == ["PMA", "PMDN"]


def test_a_file_in_office_spellings_validates(tmp_path, capsys):
    path = tmp_path / "umkm.csv"
    umkm_raw(
        3,
        province=["Jatim", "JAWA TIMUR", "Prov. Jawa Timur"],
        regency=["Kab. Pamekasan", "Kabupaten Sumenep", "Kota Surabaya"],
        certifications=[
            "Halal MUI; BPOM MD",
            "SPP-IRT, halal self declare",
            "SNI 3556, ISO 9001:2015",
        ],
        annual_revenue_idr=["Rp 1,5 juta", "1.500.000.000", "Rp1,5 M"],
        monthly_capacity_idr=["Rp 150 jt", "", "12.500.000"],
        export_experience=["ya", "tidak", "belum"],
    ).to_csv(path, index=False, sep=";")
    assert main(["validate", str(path), "--kind", "umkm"]) == 0
    df = loaders.load_umkm(path)
    assert df["annual_revenue_idr"].tolist() == [1.5e6, 1.5e9, 1.5e9]
    assert df["certifications"].tolist() == [
        ("halal", "bpom:md"),
        ("pirt", "halal:self_declare"),
        ("sni:3556", "iso9001"),
    ]
    assert df["regency_code"].tolist() == ["3528", "3529", "3578"]
    assert np.isfinite(df["lat"]).all()


def test_a_one_letter_slip_is_read_and_warned():
    df = loaders.parse_umkm(umkm_raw(1, certifications="halall, Hacpp, garam"), "u")
    assert df.loc[0, "certifications"] == ("halal", "haccp", "garam")
    assert [w.value for w in df.attrs["warnings"]] == ["garam", "halall -> halal", "Hacpp -> HACCP"]


def test_normalised_file_holds_canonical_values_and_reads_back_the_same(tmp_path, capsys):
    path, out = tmp_path / "umkm.csv", tmp_path / "clean.csv"
    umkm_raw(
        2,
        name=["CV Garam Madura", "Bu Sri"],
        province=["Jatim", "jawa timur"],
        regency=["Kab. Pamekasan", ""],
        kbli=["10774", "10794"],
        lat=["", "-7,25"],
        lon=["", "112,75"],
        certifications=["Halal MUI; BPOM MD", "sni 3556"],
        annual_revenue_idr=["Rp 1,5 juta", ""],
        modal_usaha_idr=["Rp 500 jt", ""],
        legal_form=["", "UD"],
        nib_scale=["Usaha Mikro", ""],
    ).to_csv(path, index=False, sep=";")
    assert main(["validate", str(path), "--kind", "umkm", "--normalised", str(out)]) == 0
    clean = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    first = clean.iloc[0]
    assert (first["province"], first["province_code"]) == ("Jawa Timur", "35")
    assert (first["regency"], first["regency_code"]) == ("Kabupaten Pamekasan", "3528")
    assert (
        first["certifications"] == "halal;bpom:md" and clean.loc[1, "certifications"] == "sni:3556"
    )
    assert first["annual_revenue_idr"] == "1500000" and first["modal_usaha_idr"] == "500000000"
    assert first["legal_form"] == "cv" and clean.loc[1, "legal_form"] == "perorangan"
    assert first["nib_scale"] == "mikro" and first["lat"] == "" and clean.loc[1, "lat"] == "-7.25"
    assert "location_precision" not in clean.columns
    again = loaders.load_umkm(out)
    pd.testing.assert_frame_equal(again, loaders.load_umkm(path))


def test_contract_additions_and_scale_disagreements():
    df = loaders.parse_umkm(
        umkm_raw(
            4,
            name=["PT A", "KUB Garam", "Koperasi Serba Usaha Tani", "Bu Sri"],
            legal_form=["", "", "", "Perseorangan"],
            scale=["mikro", "", "", "kecil"],
            nib_scale=["", "Usaha Kecil", "", "mikro"],
            annual_revenue_idr=["Rp 5 M", "", "", ""],
            modal_usaha_idr=["", "Rp 3 miliar", "Rp 12 miliar", ""],
        ),
        "u",
    )
    assert df["legal_form"].tolist() == ["pt", "kub", "koperasi", "perorangan"]
    assert df["scale"].tolist() == ["mikro", "kecil", None, "kecil"]  # stated wins; warned
    assert df["nib_scale"].tolist() == [None, "kecil", None, "mikro"]
    assert df["modal_usaha_idr"].tolist()[1:3] == [3e9, 12e9]
    got = {(w.row, w.column) for w in df.attrs["warnings"]}
    assert got == {(2, "scale"), (4, "modal_usaha_idr"), (5, "nib_scale")}


# -- ranges and bounds, as offices write revenue classes ---------------------------------
@pytest.mark.parametrize(
    ("cell", "value", "note_id"),
    [
        ("100-200 juta", 150e6, "rentang 100.000.000 sampai 200.000.000"),
        ("Rp 1,5 juta s.d. Rp 2 juta", 1.75e6, "rentang 1.500.000 sampai 2.000.000"),
        ("Rp 1.500.000,- s.d. Rp 2.000.000,-", 1.75e6, "rentang 1.500.000 sampai 2.000.000"),
        ("Rp 300 jt – 2,5 M", 1.4e9, "rentang 300.000.000 sampai 2.500.000.000"),
        ("1,5 s/d 2 M", 1.75e9, "nilai tengahnya"),
        ("> 1 M", 1e9, "batas bawah (>)"),
        ("lebih dari 1 M", 1e9, "batas bawah (lebih dari)"),
        ("kurang dari 300 jt", 300e6, "batas atas (kurang dari)"),
        ("50.000.000/bulan", 600e6, "angka per bulan, diubah menjadi per tahun"),
    ],
)
def test_ranges_and_bounds_are_read_with_a_note_in_the_readers_language(cell, value, note_id):
    from matcher.data.parsing import read_number
    from matcher.i18n import text_in

    got, note = read_number(cell, money=True, period="year")
    assert got == pytest.approx(value)
    assert note_id in text_in(note, "id")
    assert "read" in text_in(note, "en") or "converted" in text_in(note, "en")


@pytest.mark.parametrize(
    "cell", ["200-100 juta", "12-03-2020", "USD 10,000", "1-2-3 juta", "- juta", "lebih dari"]
)
def test_what_is_not_a_range_or_bound_stays_unreadable(cell):
    import math

    from matcher.data.parsing import read_number

    assert math.isnan(read_number(cell, money=True, period="year")[0])


def test_plain_figures_carry_no_note_and_negative_numbers_are_not_ranges():
    from matcher.data.parsing import read_number

    assert read_number("Rp 150.000.000,-", money=True) == (150e6, None)
    assert read_number("-5") == (-5.0, None)


def test_a_range_in_a_file_is_a_warning_naming_the_cell_and_the_midpoint():
    from matcher.i18n import text_in

    df = loaders.parse_umkm(umkm_raw(1, annual_revenue_idr="100-200 juta"), "u.csv")
    assert df.loc[0, "annual_revenue_idr"] == 150e6
    [w] = df.attrs["warnings"]
    assert w.column == "annual_revenue_idr" and w.value == "100-200 juta"
    assert "dibaca sebagai 150.000.000" in text_in(w.expected, "id")
    assert "read as 150,000,000" in text_in(w.expected, "en")
