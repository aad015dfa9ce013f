"""Shipped reference tables and the province/regency/KBLI normalisers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.data import reference as ref
from matcher.data.errors import MatcherError

# --------------------------------------------------------------------------- tables


def test_provinces_are_the_38_with_kemendagri_codes_and_centroids_in_indonesia():
    p = ref.provinces()
    assert list(p.columns) == ["code", "name", "aliases", "lat", "lon"]
    assert len(p) == 38 and p["code"].is_unique and p["name"].is_unique
    assert p["code"].str.fullmatch(r"\d{2}").all()
    assert p["lat"].between(-11.5, 6.5).all() and p["lon"].between(94.5, 141.5).all()
    by_code = dict(zip(p["code"], p["name"]))
    # the 2022 Papua splits, Kemendagri numbering (BPS numbers them differently)
    assert by_code["91"] == "Papua" and by_code["92"] == "Papua Barat"
    assert by_code["93"] == "Papua Selatan" and by_code["94"] == "Papua Tengah"
    assert by_code["95"] == "Papua Pegunungan" and by_code["96"] == "Papua Barat Daya"
    assert by_code["35"] == "Jawa Timur" and by_code["34"] == "DI Yogyakarta"


def test_regencies_are_514_codes_nested_in_their_province():
    r = ref.regencies()
    assert list(r.columns) == ["code", "province_code", "name", "lat", "lon", "aliases"]
    assert len(r) == 514 and r["code"].is_unique and r["name"].is_unique
    assert (r["code"].str[:2] == r["province_code"]).all()
    assert set(r["province_code"]) == set(ref.provinces()["code"])
    assert r["name"].str.match(r"^(Kabupaten|Kota) ").all()
    assert ((r["code"].str[2] == "7") == r["name"].str.startswith("Kota ")).all()  # 7x = kota
    # every regency has its own point (no province fallback any more)
    assert r["lat"].notna().all() and r["lon"].notna().all()


def test_papua_barat_daya_codes_are_kemendagri():
    r = ref.regencies().set_index("code")["name"]
    assert r["9601"] == "Kabupaten Sorong" and r["9602"] == "Kabupaten Sorong Selatan"
    assert r["9603"] == "Kabupaten Raja Ampat" and r["9604"] == "Kabupaten Tambrauw"
    assert r["9605"] == "Kabupaten Maybrat" and r["9671"] == "Kota Sorong"
    assert not r.index.isin(["9609", "9610"]).any()
    assert ref.normalise_regency("96.04") == ("9604", "Kabupaten Tambrauw")


def test_every_regency_alias_resolves_to_its_own_regency():
    """Guards against an alias shadowing another regency's name (within its province)."""
    for row in ref.regencies().itertuples(index=False):
        for spelling in [row.code, row.name, *filter(None, row.aliases.split(";"))]:
            got = ref.normalise_regency(spelling, row.province_code)
            assert got == (row.code, row.name), (spelling, got)


def test_every_jawa_timur_regency_has_a_centroid_including_madura():
    r = ref.regencies().set_index("code")
    jatim = r[r["province_code"] == "35"]
    assert len(jatim) == 38 and jatim["lat"].notna().all()
    for code, name in [
        ("3526", "Bangkalan"),
        ("3527", "Sampang"),
        ("3528", "Pamekasan"),
        ("3529", "Sumenep"),
    ]:
        assert r.loc[code, "name"] == f"Kabupaten {name}"
        # Madura lies north-east of Surabaya, between 112.6 and 114.5 E (Sumenep has islands)
        assert -7.3 < r.loc[code, "lat"] < -6.8 and 112.6 < r.loc[code, "lon"] < 114.5


def test_regency_centroids_lie_near_their_province_centroid():
    """Catches a swapped sign or digit: every centroid within ~7 degrees of its capital
    (Maluku spans that much: Kepulauan Aru lies 6.7 degrees from Ambon), and the median much closer."""
    r = ref.regencies()
    p = ref.provinces().set_index("code")
    d = np.hypot(
        r["lat"].to_numpy() - r["province_code"].map(p["lat"]).to_numpy(),
        r["lon"].to_numpy() - r["province_code"].map(p["lon"]).to_numpy(),
    )
    assert d.max() < 7.0, r.iloc[int(d.argmax())].to_dict()
    assert np.median(d) < 1.5
    # kota are small: a kota centroid lies within 0.35 degrees (~40 km) of the kabupaten
    # or capital it is named after when there is one
    kota = r[r["name"].str.startswith("Kota ")].set_index("name")
    assert (
        abs(kota.loc["Kota Surabaya", "lat"] + 7.27) < 0.1
        and abs(kota.loc["Kota Surabaya", "lon"] - 112.72) < 0.1
    )


def test_kbli_structure_21_categories_88_divisions():
    cats, divs, codes = ref.kbli_categories(), ref.kbli_divisions(), ref.kbli_codes()
    assert list(cats["letter"]) == list("ABCDEFGHIJKLMNOPQRSTU")
    assert len(divs) == 88 and divs["code"].is_unique
    assert (
        divs["code"].str.fullmatch(r"\d{2}").all() and divs["category"].isin(cats["letter"]).all()
    )
    assert divs.groupby("category").size()["C"] == 24  # divisions 10..33
    assert codes["code"].is_unique and codes["code"].str.fullmatch(r"\d{5}").all()
    assert codes["division"].isin(divs["code"]).all()
    assert len(codes) >= 1790  # complete, not a partial list


def test_accessors_hand_out_copies():
    mine = ref.provinces()
    mine.loc[0, "name"] = "changed"
    assert ref.provinces().loc[0, "name"] == "Aceh"


# --------------------------------------------------------------------------- provinces


@pytest.mark.parametrize(
    "value, code",
    [
        ("Jawa Timur", "35"),
        ("jatim", "35"),
        ("  JAWA   timur ", "35"),
        ("East Java", "35"),
        ("Provinsi Jawa Timur", "35"),
        ("35", "35"),
        ("35.0", "35"),
        ("Jabar", "32"),
        ("West Java", "32"),
        ("Jateng", "33"),
        ("Central Java", "33"),
        ("DIY", "34"),
        ("Jogja", "34"),
        ("Yogyakarta", "34"),
        ("D.I. Yogyakarta", "34"),
        ("DKI", "31"),
        ("Jakarta", "31"),
        ("Sulsel", "73"),
        ("Sulut", "71"),
        ("Sumut", "12"),
        ("North Sumatra", "12"),
        ("Sumatra Utara", "12"),
        ("Sumbar", "13"),
        ("Sumsel", "16"),
        ("NTB", "52"),
        ("ntt", "53"),
        ("Kalbar", "61"),
        ("Kaltim", "64"),
        ("Kalsel", "63"),
        ("Kalteng", "62"),
        ("Kaltara", "65"),
        ("Babel", "19"),
        ("Kepri", "21"),
        ("Kep. Riau", "21"),
        ("Riau", "14"),
        ("Bali", "51"),
        ("Papua", "91"),
        ("Papua Selatan", "93"),
        ("Southwest Papua", "96"),
        ("11", "11"),
    ],
)
def test_normalise_province_accepts_names_short_forms_codes(value, code):
    got_code, name = ref.normalise_province(value)
    assert got_code == code
    assert name == ref.provinces().set_index("code").loc[code, "name"]


def test_every_shipped_alias_normalises_back_to_its_own_province():
    """Guards against an alias shadowing another province's name or alias."""
    for row in ref.provinces().itertuples(index=False):
        for spelling in [row.code, row.name, *filter(None, row.aliases.split(";"))]:
            assert ref.normalise_province(spelling) == (row.code, row.name), spelling


@pytest.mark.parametrize(
    "value, closest",
    [
        ("Jawa Timor", "Jawa Timur"),
        ("Sulawesi", "Sulawesi Selatan"),
        ("Kalimantan Timor", "Kalimantan Timur"),
    ],
)
def test_unknown_province_names_the_closest_valid_ones(value, closest):
    with pytest.raises(ValueError) as info:
        ref.normalise_province(value)
    assert isinstance(info.value, MatcherError)
    assert closest in info.value.suggestions and closest in str(info.value)


@pytest.mark.parametrize("value", ["Jawa", "99", "Atlantis", ""])
def test_unknown_province_raises(value):
    with pytest.raises(ref.UnknownReferenceError):
        ref.normalise_province(value)


def test_province_codes_column_matches_scalar_normaliser():
    values = pd.Series(["jatim", "Atlantis", "DIY", "jatim", "32"])
    assert ref.province_codes(values).tolist()[::2] == ["35", "34", "32"]
    assert pd.isna(ref.province_codes(values)[1])


# --------------------------------------------------------------------------- regencies


@pytest.mark.parametrize(
    "value, province, expected",
    [
        ("Kab. Pamekasan", None, ("3528", "Kabupaten Pamekasan")),
        ("Kabupaten Pamekasan", None, ("3528", "Kabupaten Pamekasan")),
        ("pamekasan", None, ("3528", "Kabupaten Pamekasan")),
        ("Pamekasan Regency", None, ("3528", "Kabupaten Pamekasan")),
        ("3528", None, ("3528", "Kabupaten Pamekasan")),
        ("35.28", None, ("3528", "Kabupaten Pamekasan")),
        ("Kota Surabaya", None, ("3578", "Kota Surabaya")),
        ("Surabaya", "35", ("3578", "Kota Surabaya")),
        ("Kab Malang", "35", ("3507", "Kabupaten Malang")),
        ("Kota Malang", None, ("3573", "Kota Malang")),
        ("Gunung Kidul", "34", ("3403", "Kabupaten Gunungkidul")),  # spacing ignored
        ("Kota Bandung", "32", ("3273", "Kota Bandung")),
    ],
)
def test_normalise_regency(value, province, expected):
    assert ref.normalise_regency(value, province) == expected


@pytest.mark.parametrize(
    "value, province",
    [
        ("Malang", "32"),  # not in Jawa Barat
        ("Malang", "35"),  # Kabupaten or Kota Malang: ambiguous without a point
        ("3578", "32"),  # a code of another province
        ("Atlantis", None),
        ("", None),
        ("9999", None),
    ],
)
def test_unrecognised_regency_is_none(value, province):
    assert ref.normalise_regency(value, province) is None


def test_closest_regencies_suggests_spelling_fix():
    assert ref.closest_regencies("Pamekasn", "35")[0] == "Kabupaten Pamekasan"


# --------------------------------------------------------------------------- KBLI


def test_kbli_title_and_category():
    assert ref.kbli_title("13134") == "Industri Batik"
    assert ref.kbli_title("31001") == "Industri Furnitur dari Kayu"
    assert ref.kbli_title("10") == "Industri Makanan"
    assert ref.kbli_title("10110") == "Kegiatan Rumah Potong dan Pengepakan Daging bukan Unggas"
    assert ref.kbli_title("04123") is None  # division 04 does not exist
    assert ref.kbli_title("99999") is None
    assert ref.kbli_category("10794") == "C" and ref.kbli_category("01111") == "A"
    assert ref.kbli_category("56101") == "I" and ref.kbli_category("04000") is None


# --------------------------------------------------------------------------- issue 12 spellings


@pytest.mark.parametrize(
    "value, province, code",
    [
        ("Pohuwato", "75", "7504"),
        ("Pahuwato", "75", "7504"),
        ("Pangkajene dan Kepulauan", "73", "7310"),
        ("Pangkep", None, "7310"),
        ("Pasangkayu", "76", "7601"),
        ("Mamuju Utara", None, "7601"),  # former name
        ("Kepulauan Tanimbar", "81", "8103"),
        ("Maluku Tenggara Barat", None, "8103"),
        ("Kepulauan Siau Tagulandang Biaro", "71", "7109"),
        ("Sitaro", None, "7109"),
        ("Kabupaten Administrasi Kepulauan Seribu", "31", "3101"),
        ("Kep. Seribu", None, "3101"),
        ("Kota Adm. Jakarta Selatan", None, "3174"),
        ("Kota Administrasi Jakarta Selatan", "31", "3174"),
        ("Jaksel", None, "3174"),
        ("Jakarta Selatan", "31", "3174"),
        ("Tangsel", "36", "3674"),
        ("Sby", None, "3578"),
        ("Lotim", "52", "5203"),
        ("Pamekasan, Madura", "35", "3528"),
        ("Kab. Sumenep (Madura)", None, "3529"),
        ("Bangkalan - Madura", None, "3526"),
        ("9602", "96", "9602"),
        ("Baubau", "74", "7472"),
        ("Bau-Bau", "74", "7472"),
        ("Fakfak", None, "9203"),
        ("Palangka Raya", "62", "6271"),
        ("Tj. Pinang", None, "2172"),
        ("Toli Toli", None, "7204"),
    ],
)
def test_issue_12_regency_spellings(value, province, code):
    assert ref.normalise_regency(value, province)[0] == code


@pytest.mark.parametrize(
    "value, province",
    [("Irian Jaya", "91"), ("Irian Jaya Barat", "92"), ("Daerah Khusus Ibukota Jakarta", "31")],
)
def test_former_and_long_province_names(value, province):
    assert ref.normalise_province(value)[0] == province


def test_bare_twin_name_is_decided_by_the_point_or_left_ambiguous():
    m = ref.resolve_regency("Malang", "35")
    assert m.ambiguous and set(m.candidates) == {"3507", "3573"}
    r = ref.regencies().set_index("code")
    kota = r.loc["3573", ["lat", "lon"]].to_numpy()
    kab = r.loc["3507", ["lat", "lon"]].to_numpy()
    assert ref.resolve_regency("Malang", "35", *kota).code == "3573"
    assert ref.resolve_regency("Malang", "35", *kab).code == "3507"
    middle = (kota + kab) / 2  # halfway: the point does not decide
    assert ref.resolve_regency("Malang", "35", *middle).ambiguous
    assert ref.resolve_regency("Bima", "52").candidates == ("5206", "5272")


def test_resolve_regencies_column_matches_the_scalar_resolver():
    values = pd.Series(["Malang", "Malang", "Jaksel", "Atlantis", ""])
    provs = pd.Series(["35", "35", "31", "35", "35"])
    r = ref.regencies().set_index("code")
    lat = pd.Series([r.loc["3507", "lat"], np.nan, np.nan, np.nan, np.nan])
    lon = pd.Series([r.loc["3507", "lon"], np.nan, np.nan, np.nan, np.nan])
    got = ref.resolve_regencies(values, provs, lat, lon)
    assert got["code"].tolist() == ["3507", None, "3174", None, None]
    assert got["candidates"].tolist()[1] == ("3507", "3573")


def test_normalise_region_gives_province_and_regency_codes():
    region = ref.normalise_region("jatim", "Pamekasan, Madura")
    assert (region.province_code, region.province) == ("35", "Jawa Timur")
    assert (region.regency_code, region.regency) == ("3528", "Kabupaten Pamekasan")
    assert ref.normalise_region("Jatim", "Malang").regency_code is None
    with pytest.raises(ref.UnknownReferenceError):
        ref.normalise_region("Atlantis")


# --------------------------------------------------------------------------- KBLI complete


def test_kbli_2020_is_complete_and_consistent():
    t = ref.kbli_table(2020)
    stats = ref.kbli_stats(2020)
    assert stats["kategori"] == 21 and stats["golongan pokok"] == 88
    assert stats == ref.KBLI_PUBLISHED_COUNTS[2020]  # 21 / 88 / 245 / 567 / 1,790
    assert t["code"].is_unique
    parents = set(t["code"])
    assert t.loc[t["parent"] != "", "parent"].isin(parents).all()
    deep = t[t["code"].str.len() > 2]
    assert (deep["code"].str[:-1] == deep["parent"]).where(deep["code"].str.len() < 5, True).all()
    assert (t["code"].str.len() == 5).sum() == stats["kelompok"]


def test_kbli_2015_codes_oss_still_lists_are_not_2020_codes_but_are_read_as_their_successors():
    for old, successors in [
        ("74100", ("741",)),
        ("7410", ("741",)),
        ("7730", ("773",)),
        ("77301", ("77391",)),
    ]:
        assert not ref.kbli_exists(old, 2020)
        title, codes = ref.kbli_legacy(old)
        assert codes == successors and title and all(ref.kbli_exists(c, 2020) for c in codes)
    assert ref.kbli_legacy("10774") is None
    assert ref.kbli_exists("4942", 2020) and ref.kbli_exists("92000", 2020)  # real, added by us


def test_kbli_2025_matches_the_published_counts():
    assert ref.kbli_stats(2025) == {k: v for k, v in ref.KBLI_PUBLISHED_COUNTS[2025].items()}
    assert list(ref.kbli_categories(2025)["letter"]) == list("ABCDEFGHIJKLMNOPQRSTUV")


@pytest.mark.parametrize(
    "code, title",
    [
        ("10774", "Industri Pengolahan Garam"),
        ("16293", "Industri Kerajinan Ukiran dari Kayu bukan Mebeller"),
        ("16294", "Industri Alat Dapur dari Kayu, Rotan dan Bambu"),
        ("10432", "Industri Minyak Mentah Inti Kelapa Sawit (Crude Palm Kernel Oil)"),
        ("10437", "Industri Minyak Goreng Kelapa Sawit"),
        ("10520", "Industri Pengolahan Susu Bubuk dan Susu Kental"),
        ("10531", "Industri Pengolahan Es Krim"),
        ("10391", "Industri Tempe Kedelai"),
        ("10392", "Industri Tahu Kedelai"),
        ("1079", "Industri Produk Makanan Lainnya"),
        ("107", "Industri Makanan Lainnya"),
    ],
)
def test_kbli_2020_titles_of_the_issue(code, title):
    assert ref.kbli_title(code) == title


def test_kbli_lookup_gives_the_path_from_the_kategori():
    e = ref.kbli_lookup("10774")
    assert e.level_name == "kelompok" and e.category == "C"
    assert [c for c, _ in e.path] == ["C", "10", "107", "1077", "10774"]
    assert ref.kbli_lookup("99999") is None


def test_kbli_search_finds_titles_by_words():
    assert "10774" in [e.code for e in ref.kbli_search("garam")]
    assert [e.code for e in ref.kbli_search("tempe kedelai")][0] == "10391"
    assert ref.kbli_search("") == []


def test_kbli_suggestions_are_real_codes():
    assert ref.kbli_suggest("99999") == ["99000"]
    assert ref.kbli_suggest("1111")[0] == "01111"
    assert ref.kbli_suggest("01079")[0] == "1079"
    for code in ("99999", "10747", "01079", "55555"):
        assert all(ref.kbli_exists(c) for c in ref.kbli_suggest(code))


def test_kbli_versions_and_correspondence():
    assert ref.kbli_title("10772", 2025) == "Industri Garam Konsumsi Beryodium"
    assert ref.kbli_versions_of("10307") == (2025,) and ref.kbli_versions_of("10774") == (2020,)
    assert set(ref.kbli_translate("10774", 2020, 2025)) == {"10772", "10773"}
    assert ref.kbli_translate("10307", 2025, 2020) == ("10391",)
    assert ref.kbli_detect_version(["10307", "10794"]) == 2025
    assert ref.kbli_detect_version(["10391", "10307"]) is None
    c = ref.kbli_correspondence()
    assert c["code_2020"].map(ref.kbli_exists).all()
    assert c["code_2025"].map(lambda x: ref.kbli_exists(x, 2025)).all()


def test_closest_regencies_names_both_twins_first():
    assert ref.closest_regencies("Malang", "35")[:2] == ["Kabupaten Malang", "Kota Malang"]


@pytest.mark.parametrize(
    "province, regency, code",
    [
        ("Papua", "Kab. Merauke", "9301"),
        ("Papua", "Jayawijaya", "9501"),
        ("Papua Barat", "Raja Ampat", "9603"),
        ("Irian Jaya", "Nabire", "9401"),
        ("Kalimantan Timur", "Tarakan", "6571"),
        ("Jawa Barat", "Kota Serang", "3673"),
    ],
)
def test_a_regency_named_under_its_former_province_resolves_to_the_current_one(
    province, regency, code
):
    r = ref.normalise_region(province, regency)
    assert (r.regency_code, r.province_code) == (code, code[:2])
    assert r.province == ref.province_name(code[:2])


def test_a_regency_of_neither_the_province_nor_its_successors_stays_unresolved():
    assert ref.normalise_region("Papua", "Pamekasan").regency_code is None
    assert ref.moved_regency("Merauke", "35") is None
