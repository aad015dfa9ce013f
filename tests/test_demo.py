"""The demo world: contract-valid files, reproducibility, exposure bias, and a ground truth
that ranks obviously right pairs above obviously wrong ones."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.cli import main
from matcher.data import certificates, loaders
from matcher.data import reference as ref
from matcher.data.schema import (
    CERTIFICATIONS,
    SCALE_REVENUE_LIMITS,
    SCALES,
    STAGE_GRADE,
    STAGES,
)
from matcher.demo import World, generate_world, write_world
from matcher.demo.catalogue import CONCEPT_INDEX, CONCEPTS, MADURA_OTHER, PAMEKASAN
from matcher.demo.history import EVENTS
from matcher.demo.utility import (
    GRADE_THRESHOLDS,
    MISSING_CERT_FACTOR,
    UTILITY_SPAN,
    expected_grade,
    kbli_level_score,
    mean_utility,
)
from matcher.demo.world import (
    CERT_BITS,
    PAD_CONCEPT,
    FirmLatent,
    UmkmLatent,
    _chord_km,
    _unit_vectors,
)


@pytest.fixture(scope="module")
def world() -> World:
    """The default-size world: several invariants (shares, event sizes) are about it."""
    return generate_world(n_umkm=3000, n_firms=300, seed=0)


@pytest.fixture(scope="module")
def small() -> World:
    return generate_world(n_umkm=400, n_firms=60, seed=7)


def _pair_index(world: World):
    u = pd.Index(world.umkm["umkm_id"]).get_indexer(world.outcomes["umkm_id"])
    f = pd.Index(world.firms["firm_id"]).get_indexer(world.outcomes["firm_id"])
    return u, f


# --------------------------------------------------------------------------- invariants


def test_ids_unique_and_every_outcome_pair_exists(world):
    assert world.umkm["umkm_id"].is_unique and world.firms["firm_id"].is_unique
    u, f = _pair_index(world)
    assert (u >= 0).all() and (f >= 0).all()
    ev = world.event
    assert not ev.duplicated(["party", "id"]).any()
    assert ev.loc[ev.party == "umkm", "id"].isin(world.umkm["umkm_id"]).all()
    assert ev.loc[ev.party == "firm", "id"].isin(world.firms["firm_id"]).all()


def test_stages_declined_by_and_contract_values_are_consistent(world):
    o = world.outcomes
    # every stage of the demo's history occurs (it stops at contracts: no realisation is simulated)
    assert set(o["stage"]) == set(STAGES) - {"realised"}
    declined = o["stage"] == "declined"
    assert o.loc[~declined, "declined_by"].isna().all()
    assert set(o.loc[declined, "declined_by"].dropna()) == {"umkm", "firm"}
    signed = o["stage"] == "contract_signed"
    assert o.loc[~signed, "contract_value_idr"].isna().all()
    assert (o.loc[signed, "contract_value_idr"].dropna() > 0).all()
    assert o.loc[signed, "contract_value_idr"].notna().mean() > 0.8


def test_dates_are_iso_and_not_before_their_event(world):
    o = world.outcomes
    assert o["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    event_day = o["event_id"].map(dict(EVENTS))
    assert event_day.notna().all()
    assert (pd.to_datetime(o["date"]) >= pd.to_datetime(event_day)).all()
    # Events spread over about three years, growing in size.
    per_event = o.groupby("event_id").size().reindex([e for e, _ in EVENTS])
    assert per_event.iloc[-1] > 2 * per_event.iloc[0]


def test_outcomes_per_firm_per_event_and_never_tried_umkm(world):
    per = world.outcomes.groupby(["event_id", "firm_id"]).size()
    assert per.max() <= 6 and 2.5 <= per.mean() <= 5
    never = 1 - world.outcomes["umkm_id"].nunique() / world.n_umkm
    assert 0.25 <= never <= 0.45


def test_cells_follow_the_contract_formats(world):
    um, fi = world.umkm, world.firms
    kbli = um["kbli"].str.split(";")
    assert kbli.map(len).between(1, 3).all()
    assert kbli.explode().str.fullmatch(r"\d{5}").all()
    assert um["nib"].dropna().str.fullmatch(r"\d{13}").all()
    assert 0.3 < um["nib"].notna().mean() < 0.95
    for cells in (um["certifications"], fi["required_certifications"]):  # as offices write them
        readings = cells.dropna().map(certificates.read_cell)
        assert not readings.map(lambda r: r.unknown or r.not_held).any()
        assert set(readings.map(lambda r: r.tokens).explode().map(certificates.base)) <= set(
            CERTIFICATIONS
        )
    assert (
        um["certifications"].isin(["Halal MUI", "Halal BPJPH"]).any()
        or um["certifications"].str.contains("Halal MUI|BPOM MD", na=False).any()
    )
    assert um["monthly_capacity_idr"].str.startswith("Rp", na=False).any()
    for frame in (um, fi):
        assert (frame["lat"].isna() == frame["lon"].isna()).all()
        assert frame["lat"].dropna().between(-11.5, 6.5).all()
        assert frame["lon"].dropna().between(94.5, 141.5).all()
        assert 0.2 < frame["lat"].notna().mean() < 0.8  # some with coordinates, some without
    assert fi["max_partners"].between(2, 8).all()
    assert fi["investment_type"].isin(["PMA", "PMDN"]).all()
    assert 0.35 < (fi["investment_type"] == "PMA").mean() < 0.65
    assert fi.loc[fi.investment_type == "PMA", "country"].notna().all()
    assert fi.loc[fi.investment_type == "PMDN", "country"].isna().all()
    assert 0.2 < fi["needed_kbli"].notna().mean() < 0.7


def test_scale_matches_revenue_per_pp_7_2021(world):
    both = world.umkm.dropna(subset=["scale", "annual_revenue_idr"])
    assert len(both) > 1000
    limits = [limit for _, limit in SCALE_REVENUE_LIMITS]
    expected = np.array(SCALES)[np.searchsorted(limits, both["annual_revenue_idr"])]
    assert (both["scale"].to_numpy() == expected).all()
    assert (world.latent_umkm.scale == 0).mean() > 0.6  # mostly mikro, as in Indonesia


def test_provinces_are_written_in_varied_accepted_forms(world):
    written = world.umkm["province"]
    assert written.eq("Jawa Timur").any()
    assert written.isin(["Jatim", "East Java", "Java Timur"]).any()
    assert written.str.fullmatch(r"\d{2}").any()
    assert written.eq("JAWA TIMUR").any() or written.eq("jawa timur").any()
    assert world.umkm["regency"].str.fullmatch(r"\d{4}", na=False).any()
    assert world.umkm["regency"].isna().any()


def test_pamekasan_and_madura_are_prominent_with_their_products(world):
    U = world.latent_umkm
    pamekasan = U.regency == PAMEKASAN
    madura = pamekasan | np.isin(U.regency, MADURA_OTHER)
    assert 0.08 < pamekasan.mean() < 0.16 and madura.mean() > 0.2
    signature = np.isin(
        U.concepts[:, 0],
        [CONCEPT_INDEX[k] for k in ("batik", "garam", "tembakau", "kerupuk", "jamu")],
    )
    assert signature[pamekasan].mean() > 2 * signature[~madura].mean()


def test_certificates_fit_products(world):
    U = world.latent_umkm
    primary = U.concepts[:, 0]
    has = lambda cert: (U.certs & CERT_BITS[cert]) != 0  # noqa: E731
    wood = np.isin(primary, [CONCEPT_INDEX["furnitur"], CONCEPT_INDEX["ukiran"]])
    food = primary == CONCEPT_INDEX["kerupuk"]
    services = np.isin(primary, [CONCEPT_INDEX["laundry"], CONCEPT_INDEX["desain"]])
    assert has("svlk")[wood].mean() > 0.15 and not has("svlk")[food].any()
    assert has("pirt")[food].mean() > 0.3 and not has("pirt")[services].any()


# --------------------------------------------------------------------------- files


def test_files_round_trip_through_the_contract_loaders(small, tmp_path):
    paths = write_world(small, tmp_path, fmt="csv")
    umkm = loaders.load_umkm(paths["umkm"])
    firms = loaders.load_firms(paths["firms"])
    outcomes = loaders.load_outcomes(paths["outcomes"], umkm, firms)
    event = loaders.load_event(paths["event"], umkm, firms)
    assert len(umkm) == small.n_umkm and len(firms) == small.n_firms
    assert len(event) == len(small.event)
    # Varied province spellings all normalise to the true province.
    assert (umkm["province_code"].to_numpy() == small.latent_umkm.province).all()
    assert (firms["province_code"].to_numpy() == small.latent_firms.province).all()
    written = small.umkm["regency"].notna().to_numpy()
    assert (umkm["regency_code"].to_numpy()[written] == small.latent_umkm.regency[written]).all()
    # Grades agree with stages; repeated pairs collapse to one row each.
    assert (outcomes["grade"] == outcomes["stage"].map(STAGE_GRADE)).all()
    assert len(outcomes) == len(small.outcomes.drop_duplicates(["umkm_id", "firm_id"]))
    # Scale derived by the loader where the file leaves it out equals the true one.
    known = umkm["scale"].notna().to_numpy()
    assert known.mean() > 0.9
    true_scale = np.array(SCALES)[small.latent_umkm.scale]
    assert (umkm["scale"].to_numpy()[known] == true_scale[known]).all()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_other_formats_load_the_same_frames(fmt, tmp_path):
    w = generate_world(n_umkm=60, n_firms=12, seed=3)
    csv = write_world(w, tmp_path / "csv", fmt="csv")
    other = write_world(w, tmp_path / fmt, fmt=fmt)
    for load in (loaders.load_umkm, loaders.load_firms):
        kind = "umkm" if load is loaders.load_umkm else "firms"
        pd.testing.assert_frame_equal(load(csv[kind]), load(other[kind]), check_dtype=False)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path):
    a = write_world(generate_world(300, 40, seed=11), tmp_path / "a")
    b = write_world(generate_world(300, 40, seed=11), tmp_path / "b")
    c = write_world(generate_world(300, 40, seed=12), tmp_path / "c")
    for name in ("umkm", "firms", "outcomes", "event"):
        assert a[name].read_bytes() == b[name].read_bytes(), name
        assert a[name].read_bytes() != c[name].read_bytes(), name


def test_write_world_touches_only_its_four_files(small, tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    write_world(small, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "event.csv",
        "firms.csv",
        "notes.txt",
        "outcomes.csv",
        "umkm.csv",
    ]
    assert keep.read_text() == "mine"


# --------------------------------------------------------------------------- exposure bias


def test_history_shows_exposure_bias(world):
    u, f = _pair_index(world)
    tried_share = len(set(zip(u, f))) / (world.n_umkm * world.n_firms)
    assert tried_share < 0.01
    rng = np.random.default_rng(0)
    ru, rf = rng.integers(0, world.n_umkm, 20_000), rng.integers(0, world.n_firms, 20_000)
    on_rule_tried = world.facilitator_rule(u, f).mean()
    on_rule_all = world.facilitator_rule(ru, rf).mean()
    assert on_rule_tried > 0.7 and on_rule_tried > 2 * on_rule_all


def test_stages_follow_the_latent_utility(world):
    u, f = _pair_index(world)
    truth = world.true_relevance(u, f)
    by_stage = pd.Series(truth).groupby(world.outcomes["stage"].to_numpy()).mean()
    simulated = [s for s in STAGES if s in by_stage.index]  # the demo records no realisation
    assert list(by_stage.reindex(simulated)) == sorted(by_stage)  # increasing with the stage
    assert by_stage["contract_signed"] > by_stage["declined"] + 1.5


# --------------------------------------------------------------------------- utility


def _features(**override):
    base = dict(
        concept_sim=1.0,
        kbli_score=1.0,
        distance_km=0.0,
        locality_strength=0.9,
        locality_km=50.0,
        missing_cert=False,
        scale_gap=0,
        capacity_ratio=2.0,
        pma_export=0.0,
        taste=0.0,
    )
    base.update(override)
    return {k: np.asarray(v) for k, v in base.items()}


def test_mean_utility_hand_computed_values():
    assert mean_utility(**_features()) == pytest.approx(UTILITY_SPAN)
    assert mean_utility(**_features(pma_export=1.0)) == pytest.approx(UTILITY_SPAN + 0.3)
    assert mean_utility(**_features(missing_cert=True)) == pytest.approx(
        UTILITY_SPAN * MISSING_CERT_FACTOR
    )
    # 50 km with strength 0.9 and scale 50 km: 0.1 + 0.9 / e.
    assert mean_utility(**_features(distance_km=50.0)) == pytest.approx(
        UTILITY_SPAN * (0.1 + 0.9 * np.exp(-1))
    )
    assert mean_utility(**_features(scale_gap=2)) == pytest.approx(UTILITY_SPAN * 0.5)
    assert mean_utility(**_features(capacity_ratio=0.1)) == pytest.approx(UTILITY_SPAN * 0.1**0.4)
    assert mean_utility(**_features(concept_sim=0.0, kbli_score=0.0, taste=5.0)) == 0.0


def test_kbli_levels_and_expected_grade_bounds():
    a = np.array([10794, 10794, 10794, 10794, 10794, 8930, -1])
    b = np.array([10794, 10799, 10710, 10211, 13134, 8930, 10794])
    assert kbli_level_score(a, b).tolist() == [1.0, 0.6, 0.35, 0.15, 0.0, 1.0, 0.0]
    grades = expected_grade(np.array([-5.0, GRADE_THRESHOLDS[0], 10.0]))
    assert grades[0] == pytest.approx(0.0, abs=1e-6)
    assert grades[1] == pytest.approx(0.5, abs=0.05)
    assert grades[2] == pytest.approx(3.0)


def test_distances_are_great_circle_km():
    # Surabaya, Jakarta, Pamekasan: Surabaya-Jakarta is about 663 km, Surabaya-Pamekasan 80 km.
    xyz = _unit_vectors(
        np.array([-7.2575, -6.2088, -7.1568]), np.array([112.7521, 106.8456, 113.4746])
    )
    d = _chord_km(xyz, np.array([0, 0, 1]), xyz, np.array([1, 2, 1]))
    assert d[0] == pytest.approx(663, abs=8) and d[1] == pytest.approx(80.5, abs=3)
    assert d[2] == 0.0


def _hand_world() -> World:
    """Two UMKM and one salt buyer in Gresik: a Sumenep salt maker and a Papuan batik maker."""
    garam, batik = CONCEPT_INDEX["garam"], CONCEPT_INDEX["batik"]
    umkm = UmkmLatent(
        concepts=np.array([[garam, PAD_CONCEPT], [batik, PAD_CONCEPT]]),
        kbli=np.array([[8930, -1, -1], [13134, -1, -1]]),
        lat=np.array([-7.02, -2.53]),
        lon=np.array([113.87, 140.72]),
        province=np.array(["35", "91"]),
        regency=np.array(["3529", "9171"]),
        scale=np.array([1, 0]),
        monthly_capacity_idr=np.array([5e8, 5e7]),
        export=np.array([False, False]),
        certs=np.array([CERT_BITS["sni"], 0]),
        profile=np.zeros((2, 2)),
    )
    firms = FirmLatent(
        archetype=np.array([0]),
        needs=np.array([[garam, PAD_CONCEPT]]),
        need_kbli=np.array([[8930, 10799]]),
        stated_kbli=np.array([[8930, -1]]),
        lat=np.array([-7.16]),
        lon=np.array([112.65]),
        province=np.array(["35"]),
        regency=np.array(["3525"]),
        required=np.array([CERT_BITS["sni"]]),
        preferred_scale=np.array([-1]),
        budget_idr=np.array([4e9]),
        max_partners=np.array([4]),
        is_pma=np.array([False]),
        taste=np.zeros((1, 2)),
    )
    frames = {k: pd.DataFrame() for k in ("outcomes", "event")}
    return World(
        umkm=pd.DataFrame({"umkm_id": ["A", "B"]}),
        firms=pd.DataFrame({"firm_id": ["F"]}),
        seed=0,
        latent_umkm=umkm,
        latent_firms=firms,
        **frames,
    )


def test_true_relevance_prefers_the_obviously_right_pair():
    w = _hand_world()
    right, wrong = w.true_relevance(np.array([0, 1]), np.array([0, 0]))
    assert right > 2.7
    assert wrong == pytest.approx(expected_grade(np.array(0.0)))  # nothing in common: mu = 0
    # Take away the required SNI certificate: the right product is no longer enough.
    w.latent_umkm.certs[0] = 0
    assert w.true_relevance(np.array([0]), np.array([0]))[0] < 0.2


def test_true_relevance_matrix_matches_pairwise_and_ranks_same_product_first(world):
    rows = np.arange(0, world.n_umkm, 37)
    matrix = world.true_relevance_matrix(rows)
    assert matrix.shape == (len(rows), world.n_firms)
    assert matrix.min() >= 0 and matrix.max() <= 3
    uu, ff = np.meshgrid(rows, np.arange(world.n_firms), indexing="ij")
    np.testing.assert_allclose(
        matrix, world.true_relevance(uu.ravel(), ff.ravel()).reshape(matrix.shape)
    )
    same = world.latent_umkm.concepts[rows, 0][:, None] == world.latent_firms.needs[None, :, 0]
    assert matrix[same].mean() > 5 * matrix[~same].mean()


# --------------------------------------------------------------------------- event


def test_upcoming_event_has_the_planned_mix(world):
    ev = world.event
    firms = ev[ev.party == "firm"].merge(world.firms, left_on="id", right_on="firm_id")
    assert len(firms) == 56 and (ev.party == "umkm").sum() == 196
    assert firms["investment_type"].value_counts().to_dict() == {"PMA": 29, "PMDN": 27}
    assert firms["capacity"].between(2, 8).all()
    assert ev.loc[ev.party == "umkm", "capacity"].isna().all()


def test_tiny_world_still_works():
    w = generate_world(n_umkm=5, n_firms=2, seed=1)
    assert len(w.event) == 5 + 2
    assert w.true_relevance_matrix().shape == (5, 2)


# --------------------------------------------------------------------------- CLI and hygiene


def test_cli_writes_files_and_rejects_bad_sizes(tmp_path, capsys):
    assert (
        main(
            [
                "demo-data",
                "--out",
                str(tmp_path),
                "--n-umkm",
                "80",
                "--n-firms",
                "10",
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "event.parquet",
        "firms.parquet",
        "outcomes.parquet",
        "umkm.parquet",
    ]
    assert main(["demo-data", "--out", str(tmp_path / "x"), "--n-umkm", "0"]) == 2
    assert (
        "kesalahan: dunia demo memerlukan paling sedikit 1 UMKM dan 1 perusahaan "
        "(tertulis 0 UMKM, 300 perusahaan)"
    ) in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    assert main(["demo-data", "--out", str(blocker), "--n-umkm", "5", "--n-firms", "2"]) == 2
    assert f"{blocker} sudah ada dan bukan folder" in capsys.readouterr().err


def test_generator_does_not_read_the_feature_glossary():
    """Evaluating on a world built from the ranker's own glossary would flatter it."""
    package = Path(__import__("matcher.demo").demo.__file__).parent
    for source in package.glob("*.py"):
        imports = re.compile(r"^\s*(from|import)\s+(matcher\.features|\.\.features)", re.M)
        assert not imports.search(source.read_text()), source
    assert len(CONCEPTS) >= 30


@pytest.mark.parametrize("seed", [0, 1])
def test_demo_files_raise_no_kbli_or_regency_warnings(seed):
    """The demo writes real KBLI 2020 codes (garam 10774, ukiran 16293, rumput laut 03217,
    siblings drawn from the real subgolongan) and regency spellings the loaders know."""
    from tests.worlds import demo_frames

    umkm, firms, *_ = demo_frames(n_umkm=600, n_firms=80, seed=seed)
    for frame in (umkm, firms):
        noisy = [
            w for w in frame.attrs["warnings"] if w.column in ("kbli", "needed_kbli", "regency")
        ]
        assert noisy == []
    codes = {c for t in umkm["kbli"] for c in t} | {c for t in firms["needed_kbli"] for c in t}
    assert all(ref.kbli_exists(c) for c in codes)


def test_demo_catalogue_and_glossary_codes_are_real_kbli_2020():
    from matcher.demo.catalogue import ARCHETYPES
    from matcher.features.text import glossary

    for c in CONCEPTS:
        assert all(ref.kbli_exists(k) for k in c.kbli), c
    for a in ARCHETYPES:
        assert all(ref.kbli_exists(k) for k in a.kbli), a
    by_name = {c.key: c.kbli for c in CONCEPTS}
    assert by_name["garam"][0] == "10774" and by_name["ukiran"] == ("16293",)
    assert by_name["rumput_laut"][0] == "03217"
    g = glossary().concepts.set_index("concept")["kbli"]
    assert all(ref.kbli_exists(k) for codes in g for k in codes)
    assert "10774" in g["salt"] and "10779" not in g["salt"]
    assert {"10391", "10392"} <= set(g["tempe_tofu"])
    assert "03217" in g["seaweed"] and "10298" in g["seaweed"]
    assert "10531" in g["ice_cream"] and "10520" not in g["ice_cream"]
