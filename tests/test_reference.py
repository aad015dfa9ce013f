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
    assert list(r.columns) == ["code", "province_code", "name", "lat", "lon"]
    assert len(r) == 514 and r["code"].is_unique
    assert (r["code"].str[:2] == r["province_code"]).all()
    assert set(r["province_code"]) == set(ref.provinces()["code"])
    assert r["name"].str.match(r"^(Kabupaten|Kota) ").all()
    assert (r["lat"].isna() == r["lon"].isna()).all()


def test_every_jawa_timur_regency_has_a_centroid_including_madura():
    r = ref.regencies().set_index("code")
    jatim = r[r["province_code"] == "35"]
    assert len(jatim) == 38 and jatim["lat"].notna().all()
    for code, name in [("3526", "Bangkalan"), ("3527", "Sampang"), ("3528", "Pamekasan"),
                       ("3529", "Sumenep")]:
        assert r.loc[code, "name"] == f"Kabupaten {name}"
        # Madura lies north-east of Surabaya, on the island between 112.6 and 114.1 E
        assert -7.3 < r.loc[code, "lat"] < -6.8 and 112.6 < r.loc[code, "lon"] < 114.1


def test_regency_centroids_lie_near_their_province_centroid():
    """Catches a swapped sign or digit in the hand-written coordinates."""
    r = ref.regencies().dropna(subset=["lat"])
    p = ref.provinces().set_index("code")
    d = np.hypot(r["lat"].to_numpy() - r["province_code"].map(p["lat"]).to_numpy(),
                 r["lon"].to_numpy() - r["province_code"].map(p["lon"]).to_numpy())
    assert len(r) >= 100
    assert d.max() < 4.0, r.iloc[int(d.argmax())].to_dict()


def test_kbli_structure_21_categories_88_divisions():
    cats, divs, codes = ref.kbli_categories(), ref.kbli_divisions(), ref.kbli_codes()
    assert list(cats["letter"]) == list("ABCDEFGHIJKLMNOPQRSTU")
    assert len(divs) == 88 and divs["code"].is_unique
    assert divs["code"].str.fullmatch(r"\d{2}").all() and divs["category"].isin(cats["letter"]).all()
    assert divs.groupby("category").size()["C"] == 24  # divisions 10..33
    assert codes["code"].is_unique and codes["code"].str.fullmatch(r"\d{5}").all()
    assert codes["division"].isin(divs["code"]).all()


def test_accessors_hand_out_copies():
    mine = ref.provinces()
    mine.loc[0, "name"] = "changed"
    assert ref.provinces().loc[0, "name"] == "Aceh"


# --------------------------------------------------------------------------- provinces

@pytest.mark.parametrize("value, code", [
    ("Jawa Timur", "35"), ("jatim", "35"), ("  JAWA   timur ", "35"), ("East Java", "35"),
    ("Provinsi Jawa Timur", "35"), ("35", "35"), ("35.0", "35"),
    ("Jabar", "32"), ("West Java", "32"), ("Jateng", "33"), ("Central Java", "33"),
    ("DIY", "34"), ("Jogja", "34"), ("Yogyakarta", "34"), ("D.I. Yogyakarta", "34"),
    ("DKI", "31"), ("Jakarta", "31"), ("Sulsel", "73"), ("Sulut", "71"), ("Sumut", "12"),
    ("North Sumatra", "12"), ("Sumatra Utara", "12"), ("Sumbar", "13"), ("Sumsel", "16"),
    ("NTB", "52"), ("ntt", "53"), ("Kalbar", "61"), ("Kaltim", "64"), ("Kalsel", "63"),
    ("Kalteng", "62"), ("Kaltara", "65"), ("Babel", "19"), ("Kepri", "21"), ("Kep. Riau", "21"),
    ("Riau", "14"), ("Bali", "51"), ("Papua", "91"), ("Papua Selatan", "93"),
    ("Southwest Papua", "96"), ("11", "11"),
])
def test_normalise_province_accepts_names_short_forms_codes(value, code):
    got_code, name = ref.normalise_province(value)
    assert got_code == code
    assert name == ref.provinces().set_index("code").loc[code, "name"]


def test_every_shipped_alias_normalises_back_to_its_own_province():
    """Guards against an alias shadowing another province's name or alias."""
    for row in ref.provinces().itertuples(index=False):
        for spelling in [row.code, row.name, *filter(None, row.aliases.split(";"))]:
            assert ref.normalise_province(spelling) == (row.code, row.name), spelling


@pytest.mark.parametrize("value, closest", [
    ("Jawa Timor", "Jawa Timur"), ("Sulawesi", "Sulawesi Selatan"), ("Kalimantan Timor", "Kalimantan Timur"),
])
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

@pytest.mark.parametrize("value, province, expected", [
    ("Kab. Pamekasan", None, ("3528", "Kabupaten Pamekasan")),
    ("Kabupaten Pamekasan", None, ("3528", "Kabupaten Pamekasan")),
    ("pamekasan", None, ("3528", "Kabupaten Pamekasan")),
    ("Pamekasan Regency", None, ("3528", "Kabupaten Pamekasan")),
    ("3528", None, ("3528", "Kabupaten Pamekasan")),
    ("35.28", None, ("3528", "Kabupaten Pamekasan")),
    ("Kota Surabaya", None, ("3578", "Kota Surabaya")),
    ("Surabaya", "35", ("3578", "Kota Surabaya")),
    ("Malang", None, ("3573", "Kota Malang")),            # bare name shared: the city
    ("Kab Malang", "35", ("3507", "Kabupaten Malang")),
    ("Gunung Kidul", "34", ("3403", "Kabupaten Gunungkidul")),  # spacing ignored
    ("Bandung", "32", ("3273", "Kota Bandung")),
])
def test_normalise_regency(value, province, expected):
    assert ref.normalise_regency(value, province) == expected


@pytest.mark.parametrize("value, province", [
    ("Malang", "32"),      # not in Jawa Barat
    ("3578", "32"),        # a code of another province
    ("Atlantis", None), ("", None), ("9999", None),
])
def test_unrecognised_regency_is_none(value, province):
    assert ref.normalise_regency(value, province) is None


def test_closest_regencies_suggests_spelling_fix():
    assert ref.closest_regencies("Pamekasn", "35")[0] == "Kabupaten Pamekasan"


# --------------------------------------------------------------------------- KBLI

def test_kbli_title_and_category():
    assert ref.kbli_title("13134") == "Industri Batik"
    assert ref.kbli_title("31001") == "Industri Furnitur dari Kayu"
    assert ref.kbli_title("10") == "Industri Makanan"
    assert ref.kbli_title("10111") == "Industri Makanan"   # not in the partial list: its division
    assert ref.kbli_title("04123") is None                  # division 04 does not exist
    assert ref.kbli_category("10794") == "C" and ref.kbli_category("01111") == "A"
    assert ref.kbli_category("56101") == "I" and ref.kbli_category("04000") is None
