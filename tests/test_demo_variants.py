"""The second, differently built world ("pasar") and the messy variants of both worlds."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.demo import generate_world
from matcher.demo.catalogue import CONCEPTS
from matcher.demo.variants import PASAR, variant
from matcher.demo.world import CERT_BITS


@pytest.fixture(scope="module")
def pasar():
    return generate_world(600, 80, seed=5, world="pasar")


@pytest.fixture(scope="module")
def demo():
    return generate_world(600, 80, seed=5)


def test_unknown_world_is_refused():
    with pytest.raises(ValueError, match="unknown world"):
        variant("mars")


def test_pasar_is_a_different_world(demo, pasar):
    # other entities (own seed stream), few stated needed_kbli, more English needs
    assert not demo.umkm["products"].equals(pasar.umkm["products"])
    assert demo.firms["needed_kbli"].notna().mean() > 0.3
    assert pasar.firms["needed_kbli"].notna().mean() < 0.25
    generic = pasar.umkm["kbli"].isin(["46900", "47111", "47999"]).mean()
    assert generic > 0.1 > demo.umkm["kbli"].isin(["46900", "47111", "47999"]).mean()
    english = pasar.firms["needs"].str.contains(r"\b(?:supply|suppliers?|Sourcing|need)\b").mean()
    assert (
        english
        > demo.firms["needs"].str.contains(r"\b(?:supply|suppliers?|Sourcing|need)\b").mean()
    )


def test_pasar_certificate_counts_only_where_it_applies(pasar):
    # a firm-wide halal requirement does not touch a laundry, and does touch a caterer
    U, F = pasar.latent_umkm, pasar.latent_firms
    halal = CERT_BITS["halal"]
    firm = int(np.flatnonzero(F.required & halal)[0])
    fam = np.array([c.family for c in CONCEPTS] + [""])[U.concepts[:, 0]]
    no_halal = (U.certs & halal) == 0
    laundry = np.flatnonzero((fam == "service") & no_halal)
    caterer = np.flatnonzero((fam == "food_service") & no_halal)
    assert len(laundry) and len(caterer)
    assert not pasar.pair_features(laundry, np.full(len(laundry), firm))["missing_cert"].any()
    assert pasar.pair_features(caterer, np.full(len(caterer), firm))["missing_cert"].all()
    assert (
        pasar.pair_features(caterer[:1], [firm])["missing_cert_factor"] == PASAR.missing_cert_factor
    )


def test_pasar_locality_differs_from_demo(demo, pasar):
    # a cleaning service is more local in pasar: its true relevance falls faster with distance
    assert pasar._variant_tables["km"].tolist() != demo._variant_tables["km"].tolist()
    service = [i for i, c in enumerate(CONCEPTS) if c.family == "service"]
    assert (pasar._variant_tables["km"][service] < demo._variant_tables["km"][service]).all()


def test_messy_world_keeps_the_truth_and_degrades_the_files(pasar):
    messy = generate_world(600, 80, seed=5, world="pasar-messy")
    np.testing.assert_array_equal(messy.true_relevance_matrix(), pasar.true_relevance_matrix())
    assert messy.outcomes.equals(pasar.outcomes)
    assert (messy.umkm["kbli"] == "46900").mean() > (pasar.umkm["kbli"] == "46900").mean() + 0.15
    assert messy.firms["needed_kbli"].isna().mean() > pasar.firms["needed_kbli"].isna().mean()
    assert messy.umkm["lat"].notna().sum() < pasar.umkm["lat"].notna().sum()
    changed = (messy.umkm["products"] != pasar.umkm["products"]).mean()
    assert 0.2 < changed < 0.9


def test_worlds_are_reproducible():
    a = generate_world(200, 30, seed=2, world="pasar-messy")
    b = generate_world(200, 30, seed=2, world="pasar-messy")
    assert a.umkm.equals(b.umkm) and a.firms.equals(b.firms) and a.outcomes.equals(b.outcomes)


def test_demo_data_writes_the_chosen_world_from_the_command_line(tmp_path):
    from matcher.cli import main
    from matcher.data.loaders import load_firms

    assert (
        main(["demo-data", "--out", str(tmp_path / "d"), "--n-umkm", "200", "--n-firms", "30"]) == 0
    )
    assert (
        main(
            [
                "demo-data",
                "--out",
                str(tmp_path / "p"),
                "--n-umkm",
                "200",
                "--n-firms",
                "30",
                "--world",
                "pasar",
            ]
        )
        == 0
    )
    demo, pasar = load_firms(tmp_path / "d" / "firms.csv"), load_firms(tmp_path / "p" / "firms.csv")
    assert len(demo) == len(pasar) == 30 and list(demo["needs"]) != list(pasar["needs"])
    with pytest.raises(SystemExit) as exit_:  # argparse names the choices
        main(["demo-data", "--out", str(tmp_path / "x"), "--world", "atlantis"])
    assert exit_.value.code == 2
