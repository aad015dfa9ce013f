"""Reasons, pinned word for word: what a facilitator reads out must not drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.data.loaders import parse_firms, parse_umkm
from matcher.features.pairs import FEATURE_GROUPS, FEATURE_NAMES
from matcher.features.text import glossary
from matcher.i18n import catalogue
from matcher.reasons import explain_rows, kbli_short_title
from tests.worlds import tiny_model

# Pamekasan and Surabaya (Jawa Timur), Jakarta: exact points, so distances are known
PAMEKASAN, SURABAYA, JAKARTA = (
    ("-7.1568", "113.4746"),
    ("-7.2575", "112.7521"),
    ("-6.2088", "106.8456"),
)
UMKM = pd.DataFrame(
    [
        dict(
            umkm_id="U1",
            name="UD Puli",
            kbli="10794",
            products="Kerupuk puli dan rengginang khas Pamekasan",
            province="Jatim",
            regency="Kab. Pamekasan",
            lat=PAMEKASAN[0],
            lon=PAMEKASAN[1],
            scale="kecil",
            certifications="",
            monthly_capacity_idr="Rp 12 juta",
        ),
        dict(
            umkm_id="U2",
            name="CV Batik",
            kbli="13134",
            products="batik tulis khas madura",
            province="Jawa Timur",
            regency="Pamekasan",
            lat=PAMEKASAN[0],
            lon=PAMEKASAN[1],
            scale="mikro",
            certifications="",
            monthly_capacity_idr="",
        ),
        dict(
            umkm_id="U3",
            name="Sayur Segar",
            kbli="01131",
            products="sayur segar hidroponik",
            province="Jawa Timur",
            regency="Pamekasan",
            lat=PAMEKASAN[0],
            lon=PAMEKASAN[1],
            scale="mikro",
            certifications="",
            monthly_capacity_idr="",
        ),
        dict(
            umkm_id="U4",
            name="Londri Bersih",
            kbli="96200",
            products="laundry kiloan dan cuci linen",
            province="Jawa Timur",
            regency="Kota Surabaya",
            lat="-7.2900",
            lon="112.7300",
            scale="mikro",
            certifications="",
            monthly_capacity_idr="",
        ),
    ]
).astype(str)
FIRMS = pd.DataFrame(
    [
        dict(
            firm_id="F1",
            name="PT Kantin",
            investment_type="PMDN",
            needs="Pemasok krupuk untuk kantin karyawan",
            needed_kbli="10794",
            province="Jawa Timur",
            regency="Kota Surabaya",
            lat=SURABAYA[0],
            lon=SURABAYA[1],
            required_certifications="Halal MUI, BPOM MD",
            preferred_scale="kecil",
        ),
        dict(
            firm_id="F2",
            name="PT Hotel",
            investment_type="PMA",
            needs="hand drawn batik fabric for hotel rooms",
            needed_kbli="",
            province="DKI Jakarta",
            regency="",
            lat=JAKARTA[0],
            lon=JAKARTA[1],
            required_certifications="",
            preferred_scale="",
        ),
        dict(
            firm_id="F3",
            name="PT Katering",
            investment_type="PMDN",
            needs="sayuran segar untuk dapur katering",
            needed_kbli="",
            province="DKI Jakarta",
            regency="",
            lat=JAKARTA[0],
            lon=JAKARTA[1],
            required_certifications="",
            preferred_scale="",
        ),
        dict(
            firm_id="F4",
            name="PT Hotel Surabaya",
            investment_type="PMA",
            needs="laundry service for hotel linen",
            needed_kbli="",
            province="Jawa Timur",
            regency="Kota Surabaya",
            lat=SURABAYA[0],
            lon=SURABAYA[1],
            required_certifications="Halal MUI",
            preferred_scale="",
        ),
    ]
).astype(str)


@pytest.fixture(scope="module")
def sides():
    model = tiny_model()
    umkm, firms = parse_umkm(UMKM, "u"), parse_firms(FIRMS, "f")
    return model, model.features_.encode_umkm(umkm), model.features_.encode_firms(firms)


def reasons(sides, u, f, lang="id"):
    """Reasons with contributions fixed in the order of FEATURE_GROUPS (text first), so the
    text depends on the pair's facts only, not on a fitted model's weights."""
    model, U, F = sides
    u, f = np.array([u]), np.array([f])
    X = model.features_.pairs(U, F, u, f)
    contrib = np.linspace(1.0, 0.1, len(FEATURE_GROUPS), dtype=np.float32)[None, :]
    contrib[:, list(FEATURE_GROUPS).index("history")] = 0.0
    contrib[:, list(FEATURE_GROUPS).index("partners")] = 0.0
    return explain_rows(X, contrib, U, F, u, f, lang=lang)[0]


@pytest.mark.parametrize(
    ("concepts", "kbli", "said"),
    [(0.8, 0.0, True), (0.1, 0.7, True), (0.2, 0.3, False), (np.nan, np.nan, False)],
)
def test_earlier_partners_are_named_only_when_they_made_similar_products(
    sides, concepts, kbli, said
):
    """The reason names the firm's past partners when that part moved the score *and* they
    really made what this UMKM makes (by concepts or KBLI golongan); a firm with no partner
    yet (missing values) never gets it."""
    model, U, F = sides
    u, f = np.array([0]), np.array([0])
    X = model.features_.pairs(U, F, u, f)
    X[:, FEATURE_NAMES.index("partner_concept_cos")] = concepts
    X[:, FEATURE_NAMES.index("partner_kbli")] = kbli
    contrib = np.zeros((1, len(FEATURE_GROUPS)), np.float32)
    contrib[:, list(FEATURE_GROUPS).index("partners")] = 0.5
    text = explain_rows(X, contrib, U, F, u, f, lang="id")[0]
    assert ("mitra perusahaan sebelumnya memasok produk serupa" in text) is said
    text_en = explain_rows(X, contrib, U, F, u, f, lang="en")[0]
    assert ("earlier partners supplied similar products" in text_en) is said


def test_food_umkm_for_a_canteen(sides):
    assert reasons(sides, 0, 0) == (
        "produk cocok: kerupuk puli ↔ krupuk untuk kantin karyawan; "
        "KBLI 10794 (kerupuk, keripik, peyek dan sejenisnya) sama dengan yang dicari; "
        "satu provinsi, jarak 80 km; skala kecil sesuai yang dicari perusahaan; "
        "perlu dilengkapi: sertifikat halal (wajib untuk makanan dan minuman usaha mikro dan kecil "
        "sejak Oktober 2026), sertifikat BPOM"
    )


def test_craft_far_away_is_a_plain_fact(sides):
    # batik ships anywhere: 740 km is said to be no obstacle, not held against the UMKM; the
    # hotel states no needed_kbli, so the KBLI its words imply is said as an estimate
    assert reasons(sides, 1, 1) == (
        "produk cocok: batik tulis ↔ hand drawn batik fabric for hotel; perkiraan KBLI dari kebutuhan "
        "perusahaan: golongan 131 (pemintalan, pertenunan dan penyempurnaan tekstil), sesuai usaha UMKM; "
        "produk mudah dikirim: jarak 740 km tidak jadi soal"
    )


def test_fresh_produce_far_away_is_a_weaker_point(sides):
    assert reasons(sides, 2, 2) == (
        "produk cocok: sayur ↔ sayuran segar untuk dapur katering; "
        "catatan: jarak 740 km terlalu jauh untuk kebutuhan yang harus dekat (batas 300 km)"
    )


def test_english_on_request(sides):
    assert reasons(sides, 1, 1, lang="en") == (
        "products match: batik tulis ↔ hand drawn batik fabric for hotel; estimated KBLI (perkiraan) from "
        "the firm's need: group 131 (pemintalan, pertenunan dan penyempurnaan tekstil), matching the UMKM's "
        "business; product ships easily: 740 km is no obstacle"
    )


def test_local_service_near_and_a_requirement_that_does_not_apply(sides):
    # a laundry 4 km from the hotel: a local service, near; the hotel's halal requirement is
    # about food, not about its laundry supplier, so it is a note, not something to obtain
    text = reasons(sides, 3, 3)
    assert "jasa setempat: jarak 4 km" in text
    assert "catatan: syarat halal perusahaan tidak berlaku untuk produk ini" in text
    assert "perlu dilengkapi" not in text
    # the same laundry for a Jakarta caterer's fresh-vegetable need: far for a local trade
    assert "terlalu jauh" in reasons(sides, 3, 2)


def test_no_raw_numbers_and_no_stray_full_stops(sides):
    for u in range(3):
        for f in range(3):
            text = reasons(sides, u, f)
            assert "0." not in text and ". " not in text, text
            assert "kurang:" not in text


def test_kbli_short_title(monkeypatch):
    from matcher.data import reference

    monkeypatch.setattr(reference, "kbli_title", lambda code: "Industri Pengolahan Garam")
    kbli_short_title.cache_clear()
    try:
        assert kbli_short_title("10774") == "pengolahan garam"
    finally:
        kbli_short_title.cache_clear()


def test_every_glossary_group_has_words_in_both_languages():
    keys = catalogue()
    assert all(f"reasons.group.{g}" in keys for g in glossary().groups)
