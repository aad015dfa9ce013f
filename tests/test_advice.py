""" "Naik kelas" advice (matcher.advice, `matcher advise`): honest by construction, only
changes a UMKM could make, known answers on small worlds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.advice import ADVICE_COLUMNS, advise, apply_advice, catalogue, region_summary, variants
from matcher.data import certificates
from matcher.data.schema import CERTIFICATIONS
from matcher.service import MatchService
from tests.worlds import calibrated

# fits a calibrated model on a 400 x 60 world and re-ranks every UMKM for each suggestion
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world():
    return calibrated()


@pytest.fixture(scope="module")
def advised(world):
    umkm, firms, outcomes, model = world
    service = MatchService(model, umkm, firms).with_outcomes(outcomes)
    return service, advise(service)


def _top10(recs: pd.DataFrame):
    return set(recs["firm_id"]), recs["p_contract"].sum(), recs["expected_value_idr"].sum()


def test_top_suggestion_gains_what_recommend_then_finds(world, advised):
    """Apply each UMKM's top suggestion to its profile, recommend again with the same model,
    firms and outcomes: the firms gained, chance and expected value are those claimed."""
    umkm, firms, _, _ = world
    service, advice = advised
    assert list(advice.columns) == list(ADVICE_COLUMNS)
    top = advice[advice["rank"] == 1]
    assert len(top) > 100 and top["change_key"].nunique() >= 4  # many UMKM, several kinds of change
    checked = top.groupby("change_key", group_keys=False).head(
        6
    )  # every kind of change, a few each
    for row in checked.itertuples(index=False):
        now = service.recommend_firms([row.umkm_id], 10)
        changed = apply_advice(umkm, firms, row.umkm_id, row.change_key)
        after = service.match_profile(changed, 10)
        f0, p0, v0 = _top10(now)
        f1, p1, v1 = _top10(after)
        assert row.firms_gained == len(f1 - f0), row
        assert set(filter(None, row.gained_firm_ids.split("; "))) == f1 - f0
        assert row.p_contract_gain == pytest.approx(p1 - p0, abs=1e-6)
        assert row.expected_value_gain_idr == pytest.approx(v1 - v0, rel=1e-6, abs=1.0)
        assert row.expected_value_gain_idr > 0
        # changed: only what the change says; the place never moves
        before = umkm[umkm["umkm_id"] == row.umkm_id].iloc[0]
        for col in ("province_code", "regency_code", "lat", "lon", "products", "name"):
            assert changed.at[0, col] == before[col] or (
                pd.isna(before[col]) and pd.isna(changed.at[0, col])
            )


def test_ranked_best_first_with_text_in_bahasa_indonesia(advised):
    _, advice = advised
    for _, g in advice.groupby("umkm_id"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1))
        assert (np.diff(g["expected_value_gain_idr"].to_numpy()) <= 1e-6).all()
        assert g["change_key"].is_unique
    assert advice["how"].str.len().min() > 20
    halal = advice[advice["change_key"] == "halal"]
    assert halal["change"].str.startswith("Memperoleh sertifikat halal").all()


def test_declined_pairs_stay_out_of_the_changed_rankings(world):
    """A UMKM's declined firm is not 'gained' by any change (the outcome applies to its variants)."""
    umkm, firms, outcomes, model = world
    service = MatchService(model, umkm, firms)
    plain = advise(service)
    u = plain[plain["firms_gained"] > 0].iloc[0]
    gained = u["gained_firm_ids"].split("; ")[0]
    declined = pd.DataFrame(
        {"umkm_id": [u["umkm_id"]], "firm_id": [gained], "stage": ["declined"], "grade": [0]}
    )
    fed = advise(service.with_outcomes(declined), umkm[umkm["umkm_id"] == u["umkm_id"]])
    assert gained not in "; ".join(fed["gained_firm_ids"]).split("; ")


def _food_umkm(umkm, **changes):
    """A micro food maker from the world (KBLI 10...), with ``changes`` to its profile."""
    food = umkm[
        umkm["kbli"].map(lambda c: len(c) > 0 and c[0].startswith("10"))
        & (umkm["scale"] == "mikro")
    ]
    one = food.iloc[[0]].copy().reset_index(drop=True)
    for col, value in changes.items():
        one[col] = [value]
    return one


def test_halal_is_the_top_suggestion_when_every_firm_requires_it(world):
    umkm, firms, _, model = world
    strict = firms.copy()
    strict["required_certifications"] = [("halal",)] * len(strict)
    without = _food_umkm(umkm, certifications=("pirt",), umkm_id="HALAL-TEST")
    service = MatchService(model, without, strict)
    advice = advise(service)
    assert advice.iloc[0]["change_key"] == "halal"
    assert advice.iloc[0]["change"] == "Memperoleh sertifikat halal (self declare)"  # micro: SEHATI
    assert "SEHATI" in advice.iloc[0]["how"]


def test_a_umkm_holding_every_certificate_gets_no_certificate_advice(world):
    umkm, firms, _, model = world
    everything = _food_umkm(umkm, certifications=tuple(CERTIFICATIONS), umkm_id="ALL-CERTS")
    profiles, info = variants(everything, firms)
    assert not (info["kind"] == "certificate").any()
    advice = advise(MatchService(model, everything, firms))
    certs = {c.key for c in catalogue() if c.kind == "certificate"}
    assert not advice["change_key"].isin(certs).any()


def test_only_changes_its_sector_and_scale_allow(world):
    umkm, firms, _, _ = world
    strict = firms.copy()  # every firm asks for every certificate: only the rules filter
    strict["required_certifications"] = [tuple(CERTIFICATIONS)] * len(strict)
    profiles, info = variants(umkm, strict)
    sector = dict(zip(umkm["umkm_id"], umkm["kbli"]))
    scale = dict(zip(umkm["umkm_id"], umkm["scale"]))
    held = {u: certificates.held_bases(c) for u, c in zip(umkm["umkm_id"], umkm["certifications"])}
    certs = info[info["kind"] == "certificate"]
    assert len(certs)
    for r in certs.itertuples(index=False):
        codes = sector[r.umkm_id]
        b = certificates.base(r.token)
        assert b not in held[r.umkm_id]
        if codes:  # textile or furniture makers are never told to get halal, P-IRT or BPOM
            if b in ("halal", "pirt", "bpom", "haccp"):
                assert any(c[:2] in ("10", "11", "56", "20", "21") for c in codes), (r, codes)
            if b == "svlk":
                assert any(c[:2] in ("02", "16", "31") for c in codes), (r, codes)
        if b == "pirt":
            assert scale[r.umkm_id] in ("mikro", "kecil")
        if r.token == "halal:self_declare":
            assert scale[r.umkm_id] in ("mikro", "kecil")
    # capacity steps are bounded, scale moves one class, location never changes
    cap = info[info["kind"] == "capacity"]
    assert len(cap) and (cap["capacity_after"] <= 2.0 * cap["capacity_before"] + 1e-6).all()
    assert (cap["capacity_after"] > cap["capacity_before"]).all()
    sc = info[info["kind"] == "scale"]
    step = {"mikro": "kecil", "kecil": "menengah"}
    assert (sc["scale_after"] == sc["scale_before"].map(step)).all()
    owners = umkm.set_index("umkm_id").loc[info["umkm_id"]]
    for col in ("province_code", "regency_code", "lat", "lon"):
        a, b = profiles[col].to_numpy(), owners[col].to_numpy()
        assert ((a == b) | (pd.isna(a) & pd.isna(b))).all()
    # a KBLI is only added when the products imply it, in a division the UMKM already works in
    from matcher.advice import _implied_kbli

    kb = info[info["kind"] == "kbli"]
    assert len(kb) and kb["kbli_code"].str.len().eq(5).all()
    products = dict(zip(umkm["umkm_id"], umkm["products"]))
    for r in kb.itertuples(index=False):
        assert r.kbli_code.startswith(_implied_kbli(products[r.umkm_id])), r
        assert not sector[r.umkm_id] or r.kbli_code[:2] in {c[:2] for c in sector[r.umkm_id]}, r
        assert r.kbli_code not in sector[r.umkm_id]


def test_region_summary_adds_up_the_programmes(world, advised):
    umkm, _, _, _ = world
    _, advice = advised
    summary = region_summary(advice, umkm)
    assert summary["programme"].is_unique
    ev = summary["expected_value_gain_idr"].to_numpy()
    assert (np.diff(ev) <= 1e-6).all()
    best = summary.iloc[0]
    mine = advice[advice["programme"] == best["programme"]]
    assert best["expected_value_gain_idr"] == pytest.approx(mine["expected_value_gain_idr"].sum())
    assert best["umkm"] == mine["umkm_id"].nunique()
    assert f"untuk {best['umkm']} UMKM" in best["summary"]


# -- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(world, tmp_path_factory):
    """The world's files and a registry whose current model is the calibrated one."""
    from matcher.demo import generate_world, write_world
    from training.registry import Registry

    d = tmp_path_factory.mktemp("advice-world")
    write_world(generate_world(n_umkm=400, n_firms=60, seed=0), d)
    reg = Registry(d / "models")
    version = reg.register(world[3], metrics={}, features=[], data_fingerprint="test")
    reg.promote(version)
    return d


def _run(files, *extra):
    from matcher.cli import main

    return main(
        [
            "advise",
            "--umkm",
            str(files / "umkm.csv"),
            "--firms",
            str(files / "firms.csv"),
            "--registry",
            str(files / "models"),
            *extra,
        ]
    )


def test_cli_writes_the_advice_for_the_umkm_asked(files, world, advised, tmp_path):
    _, advice = advised
    ids = advice["umkm_id"].drop_duplicates().head(3).tolist()
    out = tmp_path / "saran.csv"
    assert (
        _run(files, "--umkm-id", *ids, "--outcomes", str(files / "outcomes.csv"), "--out", str(out))
        == 0
    )
    got = pd.read_csv(out, dtype={"gained_firm_ids": str})
    assert list(got.columns) == list(ADVICE_COLUMNS)
    assert set(got["umkm_id"]) == set(ids)
    want = advice[advice["umkm_id"].isin(ids)].reset_index(drop=True)
    assert got["change_key"].tolist() == want["change_key"].tolist()
    assert np.allclose(got["expected_value_gain_idr"], want["expected_value_gain_idr"], rtol=1e-6)


def test_cli_region_summary(files, capsys, tmp_path):
    out = tmp_path / "ringkasan.xlsx"
    assert _run(files, "--region", "Jawa Timur/Pamekasan", "--summary", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert (
        "Program dengan tambahan nilai harapan terbesar di Jawa Timur/Kabupaten Pamekasan"
        in printed
    )
    table = pd.read_excel(out)
    assert len(table) >= 1 and table["expected_value_gain_idr"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "extra, words",
    [
        (("--out", "x.parquet"), "hasil saran ditulis ke .csv atau .xlsx"),
        (("--summary",), "--summary memerlukan --region"),
        ((), "--out wajib diisi"),
        (("--region", "Jawa Timur/Atlantis", "--summary"), "Atlantis"),
        (("--umkm-id", "NOPE", "--out", "x.csv"), "NOPE"),
        (("--k", "0", "--out", "x.csv"), "--k minimal 1"),
    ],
)
def test_cli_user_mistakes_exit_2_with_a_clear_message(
    files, capsys, monkeypatch, tmp_path, extra, words
):
    monkeypatch.chdir(tmp_path)
    assert _run(files, *extra) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
