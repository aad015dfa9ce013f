"""Advice over HTTP (/advice routes) and on the UMKM page: the same answer as the core,
region scoping as everywhere else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.store import FIRMS, UMKM, Region, Store, upsert_profiles
from api.store.accounts import create_account
from matcher.advice import advise
from matcher.service import MatchService
from tests.fakes import FakeModelSource
from tests.worlds import calibrated

pytestmark = pytest.mark.slow  # serves a calibrated model fitted on a 400 x 60 world


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    umkm, firms, _, model = calibrated()
    tmp = tmp_path_factory.mktemp("advice-api")
    url = f"sqlite:///{tmp / 'matcher.db'}"
    store = Store(url)
    keys = {}
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
        _, keys["admin"] = create_account(s, "admin", "admin")
        _, keys["ani"] = create_account(s, "ani", "facilitator", Region("Jatim", "Pamekasan"))
    store.dispose()
    settings = Settings(
        home=tmp / "home", database_url=url, registry=tmp / "models", reload_interval_s=0
    )
    app = create_app(settings, model_source=FakeModelSource({"v1": model}))
    with TestClient(app) as client:
        client.keys = keys
        yield client


def _get(client, path, who="ani", **params):
    return client.get(path, params=params, headers={"X-API-Key": client.keys[who]})


def _pamekasan(umkm):
    return umkm[umkm["regency"].fillna("").str.contains("Pamekasan")]


def test_umkm_advice_is_the_cores_answer(app_client):
    umkm, firms, _, model = calibrated()
    service = MatchService(model, umkm, firms)
    mine = _pamekasan(umkm)
    want = advise(service, mine)
    u = want["umkm_id"].iloc[0]
    resp = _get(app_client, f"/advice/umkm/{u}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    rows = want[want["umkm_id"] == u]
    assert body["model_version"] == "v1" and body["k"] == 10
    assert [s["change_key"] for s in body["suggestions"]] == rows["change_key"].tolist()
    assert body["suggestions"][0]["expected_value_gain_idr"] == pytest.approx(
        rows["expected_value_gain_idr"].iloc[0], rel=1e-6
    )
    assert body["suggestions"][0]["how"] and body["suggestions"][0]["change"]


def test_another_regions_umkm_is_not_found(app_client):
    umkm = calibrated()[0]
    other = umkm[umkm["province"] != "Jawa Timur"]["umkm_id"].iloc[0]
    assert _get(app_client, f"/advice/umkm/{other}").status_code == 404
    assert _get(app_client, f"/advice/umkm/{other}", who="admin").status_code == 200


def test_region_summary_scoped_like_the_reports(app_client):
    own = _get(app_client, "/advice/region")
    assert own.status_code == 200, own.text
    body = own.json()
    assert "Pamekasan" in body["region"]
    assert body["umkm"] == len(_pamekasan(calibrated()[0]))
    ev = [p["expected_value_gain_idr"] for p in body["programmes"]]
    assert ev == sorted(ev, reverse=True) and body["best"].startswith(
        "Program dengan tambahan nilai harapan"
    )
    assert _get(app_client, "/advice/region", region="Jawa Timur/Sumenep").status_code == 403
    assert _get(app_client, "/advice/region", who="admin").status_code == 422
    wide = _get(app_client, "/advice/region", who="admin", region="Jawa Timur/Pamekasan")
    assert wide.status_code == 200 and wide.json()["programmes"] == body["programmes"]


def test_umkm_page_shows_saran_naik_kelas(app_client):
    umkm, firms, _, model = calibrated()
    u = advise(MatchService(model, umkm, firms), _pamekasan(umkm))["umkm_id"].iloc[0]
    html = app_client.get("/masuk").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = app_client.post(
        "/masuk",
        data={"key": app_client.keys["ani"], "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = app_client.get(f"/usaha/{u}").text
    assert "Saran naik kelas" in page
    section = page[page.index('id="naik-kelas"') :]
    assert "nilai harapan" in section and "Rp" in section and "Cara:" in section


def test_a_declined_firm_leaves_the_advice_at_once(app_client):
    """The answer is cached per snapshot, but an outcome recorded for the UMKM makes the next
    read recompute: the firm it declined is no longer 'gained' by any change."""
    umkm, firms, _, model = calibrated()
    want = advise(MatchService(model, umkm, firms), _pamekasan(umkm))
    row = want[want["firms_gained"] > 0].iloc[0]
    u, firm = row["umkm_id"], row["gained_firm_ids"].split("; ")[0]
    before = _get(app_client, f"/advice/umkm/{u}").json()
    assert any(firm in s["gained_firm_ids"] for s in before["suggestions"])
    assert _get(app_client, f"/advice/umkm/{u}").json() == before  # the same answer again
    resp = app_client.post(
        "/outcomes",
        headers={"X-API-Key": app_client.keys["ani"]},
        json={"umkm_id": u, "firm_id": firm, "stage": "declined"},
    )
    assert resp.status_code in (200, 201), resp.text
    after = _get(app_client, f"/advice/umkm/{u}").json()
    assert not any(firm in s["gained_firm_ids"] for s in after["suggestions"])
