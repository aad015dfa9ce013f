"""Each feature group on hand-built pairs whose values are known; the builder's checks;
the reference date the features count from."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from matcher.data.loaders import parse_firms, parse_outcomes, parse_umkm
from matcher.features import groups as G
from matcher.features.geo import haversine_km
from matcher.features.pairs import FEATURE_GROUPS, FEATURE_NAMES, PairFeatureBuilder
from matcher.features.text import TextEncoder

PAMEKASAN, SURABAYA, JAKARTA = (-7.1568, 113.4746), (-7.2575, 112.7521), (-6.2088, 106.8456)
UMKM = pd.DataFrame(
    [
        dict(
            umkm_id="U1",
            name="UD Singkong",
            kbli="10794",
            products="keripik singkong",
            province="Jawa Timur",
            regency="Kab. Pamekasan",
            lat=PAMEKASAN[0],
            lon=PAMEKASAN[1],
            scale="kecil",
            certifications="halal",
            monthly_capacity_idr="10000000",
            annual_revenue_idr="150000000",
            employees="9",
            year_founded="2015",
            export_experience="1",
        ),
        dict(
            umkm_id="U2",
            name="CV Batik",
            kbli="13134",
            products="batik tulis",
            province="Jawa Timur",
            regency="Kab. Pamekasan",
            lat=PAMEKASAN[0],
            lon=PAMEKASAN[1],
            scale="mikro",
            certifications="",
            monthly_capacity_idr="",
            annual_revenue_idr="",
            employees="",
            year_founded="2020",
            export_experience="0",
        ),
    ]
).astype(str)
FIRMS = pd.DataFrame(
    [
        dict(
            firm_id="F1",
            name="PT Snack",
            investment_type="PMA",
            needs="cassava chips",
            needed_kbli="10794",
            province="Jawa Timur",
            regency="Kota Surabaya",
            lat=SURABAYA[0],
            lon=SURABAYA[1],
            required_certifications="halal, BPOM",
            preferred_scale="menengah",
            budget_idr="1200000000",
            max_partners="4",
        ),
        dict(
            firm_id="F2",
            name="PT Hotel",
            investment_type="PMDN",
            needs="batik tulis",
            needed_kbli="",
            province="DKI Jakarta",
            regency="",
            lat=JAKARTA[0],
            lon=JAKARTA[1],
            required_certifications="",
            preferred_scale="",
            budget_idr="",
            max_partners="",
        ),
    ]
).astype(str)
# U2 (batik) signed with F2 and was declined by F1
OUTCOMES = pd.DataFrame(
    [
        dict(umkm_id="U2", firm_id="F2", stage="contract_signed", date="2024-03-15"),
        dict(umkm_id="U2", firm_id="F1", stage="declined", date="2023-11-02"),
    ]
)
SMOOTHING = 5.0


@pytest.fixture(scope="module")
def world():
    umkm, firms = parse_umkm(UMKM, "u"), parse_firms(FIRMS, "f")
    outcomes = parse_outcomes(OUTCOMES, "o", umkm, firms)
    builder = PairFeatureBuilder(affinity_smoothing=SMOOTHING).fit(umkm, firms, outcomes)
    U, F = builder.encode_umkm(umkm), builder.encode_firms(firms)
    block = G.PairBlock(U=U, f=F, u_idx=np.arange(U.n), h=builder)
    return builder, U, F, block


def group(world, fn, cols=None) -> dict:
    """The group's columns as a (UMKM x firm) float array per name."""
    *_, block = world
    got = fn(block, cols or {})
    return {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (2, 2)) for k, v in got.items()}


def test_text_group(world):
    c = group(world, G.text_features)
    assert tuple(c) == FEATURE_GROUPS["text"]
    # keripik singkong <-> cassava chips: the one concept on both sides (cassava)
    assert c["concept_cos"][0, 0] == pytest.approx(1.0)
    assert c["need_cover"][0, 0] == pytest.approx(1.0)
    assert c["primary_product_match"][0, 0] == 1.0
    assert c["primary_need_match"][0, 0] == 1.0
    # same words on both sides: cosine 1
    assert c["word_cos"][1, 1] == pytest.approx(1.0, abs=1e-6)
    assert c["char_cos"][1, 1] == pytest.approx(1.0, abs=1e-6)
    # batik against snack needs: nothing shared
    for name in ("concept_cos", "need_cover", "primary_product_match", "word_cos"):
        assert c[name][1, 0] == 0.0, name
    assert c["n_need_concepts"][:, 0].tolist() == [1.0, 1.0]  # cassava
    assert c["n_product_concepts"][:, 0].tolist() == [1.0, 1.0]


def test_kbli_group(world):
    c = group(world, G.kbli_features)
    assert tuple(c) == FEATURE_GROUPS["kbli"]
    assert c["kbli_need_level"][0, 0] == 5  # 10794 stated on both sides
    assert c["kbli_need_level"][1, 0] == 1  # 13134 vs 10794: same kategori (C) only
    assert c["kbli_need_level"][0, 1] == -1  # F2 states no needed KBLI
    # F2 states none: its codes are read from its words (perkiraan); the UMKM state theirs
    assert c["need_inferred"][0].tolist() == [0.0, 1.0]
    assert c["product_inferred"][:, 0].tolist() == [0.0, 0.0]
    assert c["inferred_need_match"][0, 0] == pytest.approx(1.0)  # golongan 107 both
    assert c["inferred_need_match"][1, 0] == 0.0


def test_geo_group(world):
    c = group(world, G.geo_features)
    assert tuple(c) == FEATURE_GROUPS["geo"]
    km = haversine_km([PAMEKASAN[0]], [PAMEKASAN[1]], [SURABAYA[0]], [SURABAYA[1]])[0, 0]
    assert km == pytest.approx(80, abs=3)
    assert c["log_distance_km"][0, 0] == pytest.approx(np.log1p(km), rel=1e-5)  # float32 lat/lon
    assert c["same_province"][0].tolist() == [1.0, 0.0]  # Jawa Timur; DKI Jakarta
    assert c["same_regency"][0].tolist() == [0.0, 0.0]  # Pamekasan is not Surabaya
    # crisps ship fairly well (data/locality.psv: 0.3), batik anywhere (0.1)
    assert c["kbli_locality"][:, 0] == pytest.approx([0.3, 0.1])
    assert c["local_far"][0, 0] == pytest.approx(0.3 * np.log1p(km), rel=1e-5)
    unknown = np.isnan(c["locality"])
    expected = c["log_distance_km"] * np.where(unknown, G.UNKNOWN_LOCALITY, c["locality"])
    np.testing.assert_allclose(c["distance_x_locality"], expected, rtol=1e-6)


def test_cert_group(world):
    c = group(world, G.cert_features)
    assert tuple(c) == FEATURE_GROUPS["cert"]
    # F1 requires halal and BPOM; U1 holds halal: BPOM is missing, a food certificate
    # about processed food, which U1 makes
    assert c["n_required_certs"][0].tolist() == [2.0, 0.0]
    assert c["n_missing_certs"][:, 0].tolist() == [1.0, 2.0]
    assert c["missing_food_cert"][:, 0].tolist() == [1.0, 1.0]
    assert c["n_missing_relevant_certs"][0, 0] == pytest.approx(1.0)
    # neither halal nor BPOM is about batik: nothing relevant is missing for U2
    assert c["n_missing_relevant_certs"][1, 0] == pytest.approx(0.0)
    assert c["n_missing_certs"][:, 1].tolist() == [0.0, 0.0]


def test_scale_group(world):
    c = group(world, G.scale_features)
    assert tuple(c) == FEATURE_GROUPS["scale"]
    assert c["umkm_scale"][:, 0].tolist() == [2.0, 1.0]  # kecil, mikro
    assert c["preferred_scale"][0, 0] == 3.0  # menengah
    assert c["scale_gap"][:, 0].tolist() == [-1.0, -2.0]
    assert np.isnan(c["scale_gap"][:, 1]).all()  # F2 asks no scale


def test_capacity_group(world):
    c = group(world, G.capacity_features)
    assert tuple(c) == FEATURE_GROUPS["capacity"]
    expected = np.log1p(12 * 10_000_000) - np.log1p(1_200_000_000 / 4)
    assert c["log_capacity_to_budget"][0, 0] == pytest.approx(expected, rel=1e-5)
    assert c["umkm_log_revenue"][0, 0] == pytest.approx(np.log1p(150_000_000), rel=1e-6)
    assert c["umkm_log_employees"][0, 0] == pytest.approx(np.log1p(9), rel=1e-6)
    # years at the reference date: the latest outcome (2024-03-15)
    assert c["umkm_age"][:, 0].tolist() == [2024 - 2015, 2024 - 2020]
    assert np.isnan(c["umkm_log_revenue"][1, 0])


def test_type_group(world):
    c = group(world, G.type_features)
    assert tuple(c) == FEATURE_GROUPS["type"]
    assert c["is_pma"][0].tolist() == [1.0, 0.0]
    assert c["export_experience"][:, 0].tolist() == [1.0, 0.0]
    assert c["pma_x_export"].tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_history_group(world):
    c = group(world, G.history_features)
    assert tuple(c) == FEATURE_GROUPS["history"]
    mean = (3 + 0) / 2  # contract_signed is grade 3, declined 0
    f1 = (0 + SMOOTHING * mean) / (1 + SMOOTHING)
    f2 = (3 + SMOOTHING * mean) / (1 + SMOOTHING)
    assert c["firm_mean_grade"][0] == pytest.approx([f1, f2], rel=1e-6)
    assert c["firm_log_outcomes"][0] == pytest.approx([np.log1p(1), np.log1p(1)])


def test_prior_group_reads_only_what_it_declares(world):
    *_, block = world
    cols = {}
    for g in G.GROUPS[:-1]:
        cols.update(g(block, cols))
    prior = G.prior_features(block, cols)["prior_fit"]
    np.testing.assert_array_equal(prior, G.prior_fit(cols))
    # U1-F1 meets the need on words and code, 80 km off, with BPOM missing: the missing
    # certificate that applies to crisps sets the prior to its factor, times scale, capacity
    assert prior[0, 0] < G.MISSING_RELEVANT_CERT
    with pytest.raises(KeyError):
        G.prior_features.compute(block, {})


def test_block_is_the_groups_side_by_side(world):
    builder, U, F, block = world
    X = builder.block(U, F, np.arange(U.n))
    assert X.shape == (U.n * F.n, len(FEATURE_NAMES))
    cols = {}
    for g in G.GROUPS:
        got = g(block, cols)
        cols.update(got)
        for name, values in got.items():
            j = FEATURE_NAMES.index(name)
            expected = np.broadcast_to(np.asarray(values, dtype=np.float32), (U.n, F.n))
            np.testing.assert_array_equal(X[:, j].reshape(U.n, F.n), expected, err_msg=name)


def test_a_group_that_returns_other_names_or_order_is_refused(world):
    *_, block = world
    swapped = G.FeatureGroup(
        "scale", ("preferred_scale", "umkm_scale", "scale_gap"), G.scale_features.compute
    )
    with pytest.raises(RuntimeError, match="declares"):
        swapped(block, {})
    with pytest.raises(RuntimeError, match="reads"):
        G._check_groups((G.prior_features, G.text_features))
    with pytest.raises(RuntimeError, match="repeats"):
        G._check_groups((G.text_features, G.text_features.__class__("text2", ("word_cos",), None)))


def test_declarations_are_what_the_rest_reads():
    assert FEATURE_NAMES == tuple(n for names in FEATURE_GROUPS.values() for n in names)
    assert set(G.MONOTONE) <= set(FEATURE_NAMES)
    assert G.feature_columns("prior_fit") == (len(FEATURE_NAMES) - 1,)
    with pytest.raises(KeyError, match="unknown feature"):
        G.feature_columns("concept_cosine")


# ------------------------------------------------------------------ the reference date
def _frames():
    umkm, firms = parse_umkm(UMKM, "u"), parse_firms(FIRMS, "f")
    return umkm, firms, parse_outcomes(OUTCOMES, "o", umkm, firms)


@pytest.mark.slow  # fits and saves models
def test_reference_date_is_a_parameter_fixed_at_fit():
    umkm, firms, outcomes = _frames()
    b = PairFeatureBuilder(reference_date="2030-06-30").fit(umkm, firms, outcomes)
    assert b.reference_date_ == pd.Timestamp("2030-06-30")
    assert b.encode_umkm(umkm).num["age"].tolist() == [15.0, 10.0]
    # default: the latest outcome date, not the wall clock
    assert PairFeatureBuilder().fit(umkm, firms, outcomes).reference_date_ == pd.Timestamp(
        "2024-03-15"
    )


def test_an_artifact_without_a_reference_date_loads_and_says_what_it_counts_from(
    world, monkeypatch
):
    builder, *_ = world
    umkm, *_ = _frames()
    old = pickle.loads(pickle.dumps(builder))
    del old.__dict__["reference_date"], old.__dict__["reference_date_"]
    old = pickle.loads(pickle.dumps(old))  # as saved by a version before the parameter
    assert old.get_params()["reference_date"] is None
    trained = old.__class__.__new__(old.__class__)
    trained.__setstate__(dict(old.__dict__))
    # the loader knows when it was trained (the manifest): ages count from that year
    # said in $MATCHER_LANG: Indonesian by default, English as a choice
    with pytest.warns(UserWarning, match="dihitung dari tahun 2023, tahun model dilatih"):
        assert trained.assume_reference_date("2023-08-01")
    assert trained.encode_umkm(umkm).num["age"].tolist() == [8.0, 3.0]
    assert not builder.assume_reference_date("2023-08-01")  # it has its own
    # nothing known: this year, said once, then fixed
    monkeypatch.setenv("MATCHER_LANG", "en")
    with pytest.warns(UserWarning, match="the year it was loaded"):
        old.encode_umkm(umkm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        year = old.encode_umkm(umkm).num["age"][0] + 2015
    assert year == pd.Timestamp.now().year


def test_the_text_estimator_passed_in_is_cloned_not_fitted():
    umkm, firms, outcomes = _frames()
    mine = TextEncoder(min_df=1)
    b = PairFeatureBuilder(text=mine).fit(umkm, firms, outcomes)
    assert b.text_ is not mine and not hasattr(mine, "words_")
    assert b.text_.min_df == 1


def test_the_registry_dates_an_old_artifact_by_its_manifest(world, tmp_path):
    from training.registry import Registry

    builder, *_ = world
    umkm, *_ = _frames()
    old = pickle.loads(pickle.dumps(builder))
    del old.__dict__["reference_date_"]
    holder = _Holder(old)
    registry = Registry(tmp_path / "reg")
    version = registry.register(holder, metrics={}, features=[], data_fingerprint="x")
    trained = pd.Timestamp(registry.manifest(version)["created_at"]).year
    with pytest.warns(UserWarning, match=f"dari tahun {trained}, tahun model dilatih"):
        loaded = registry.load(version)
    assert loaded.features_.encode_umkm(umkm).num["age"][0] == trained - 2015
    # a model that records its own date is loaded as it is, without a word
    registry = Registry(tmp_path / "reg2")
    version = registry.register(_Holder(builder), metrics={}, features=[], data_fingerprint="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.load(version).features_.reference_date_ == pd.Timestamp("2024-03-15")


class _Holder:
    """A stand-in artifact carrying a feature builder, as MatchModel does."""

    def __init__(self, features):
        self.features_ = features


def test_an_ablation_switches_its_choice_off_and_the_prior_follows(world):
    builder, U, F, _ = world
    full = builder.block(U, F, np.arange(U.n))
    col = {n: full[:, j] for j, n in enumerate(FEATURE_NAMES)}
    blunt = builder.set_params(ablate=("cert_relevance",)).block(U, F, np.arange(U.n))
    off = builder.set_params(ablate=("kbli_from_words", "geo")).block(U, F, np.arange(U.n))
    builder.set_params(ablate=())
    j = FEATURE_NAMES.index
    # every missing certificate counts as relevant: U2 (batik) lacks halal and BPOM for F1
    assert col["n_missing_relevant_certs"][2] == 0.0
    assert blunt[2, j("n_missing_relevant_certs")] == 2.0
    # the prior is computed from the changed columns
    prior = G.prior_fit({n: blunt[:, j(n)] for n in FEATURE_NAMES})
    np.testing.assert_allclose(blunt[:, j("prior_fit")], prior, rtol=1e-6)
    for name in ("mapped_match3", "mapped_match4", *FEATURE_GROUPS["geo"]):
        assert (off[:, j(name)] == 0).all(), name
    untouched = [j(n) for n in FEATURE_GROUPS["text"] + FEATURE_GROUPS["cert"]]
    np.testing.assert_array_equal(off[:, untouched], full[:, untouched])
    with pytest.raises(ValueError, match="unknown ablation"):
        G.check_ablations(["kbli_form_words"])
