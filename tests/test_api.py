"""The HTTP API on SQLite and PostgreSQL, with a stand-in model whose scores are obvious
(see ``FakeModel`` in tests/fakes.py: KBLI match 1 + same province 0.5). The ``api``
and ``prepared`` fixtures are in conftest (other API tests share them)."""

from __future__ import annotations

import threading

import pandas as pd
from fastapi.testclient import TestClient

from api.main import create_app
from api.store.importer import import_file


def _ids(resp, key):
    assert resp.status_code == 200, resp.text
    body = resp.json()
    rows = body["matches"] if "matches" in body else body["items"]
    return [r[key] for r in rows]


# -- auth ------------------------------------------------------------------------------
def test_health_needs_no_key_and_says_what_is_served(api):
    body = api.client.get("/health").json()
    assert body["status"] == "ok" and body["model_version"] == "v1"
    assert (body["umkm"], body["firms"]) == (3, 3)


def test_missing_invalid_or_revoked_key_is_401_and_bearer_is_accepted(api):
    for who in (None, "revoked"):
        resp = api.get("/umkm", who=who)
        assert resp.status_code == 401 and "kunci API" in resp.json()["detail"]
    assert api.client.get("/umkm", headers={"X-API-Key": "x" * 40}).status_code == 401
    resp = api.client.get("/umkm", headers={"Authorization": f"Bearer {api.keys['admin']}"})
    assert resp.status_code == 200


def test_facilitator_on_an_admin_route_is_403(api):
    resp = api.post("/models/v2/promote", who="jatim")
    assert resp.status_code == 403 and "admin" in resp.json()["detail"]


# -- matches ---------------------------------------------------------------------------
def test_umkm_matches_rank_firms_with_scores_and_reasons(api):
    body = api.get("/umkm/U1/matches").json()
    assert body["model_version"] == "v1"
    assert [(m["firm_id"], m["score"]) for m in body["matches"]] == [
        ("F1", 1.5),
        ("F3", 1.0),
        ("F2", 0.0),
    ]
    assert body["matches"][0]["reasons"] == ["KBLI cocok", "provinsi sama"]
    assert body["matches"][0]["name"] == "Snack Jatim PMA"
    assert _ids(api.get("/umkm/U1/matches", params={"k": 1}), "firm_id") == ["F1"]


def test_outcomes_feed_back_into_the_next_matches_at_once(api):
    assert (
        api.post(
            "/outcomes",
            json={"umkm_id": "U1", "firm_id": "F1", "stage": "declined", "date": "2025-05-01"},
        ).status_code
        == 201
    )
    assert (
        api.post(
            "/outcomes",
            json={
                "umkm_id": "U1",
                "firm_id": "F3",
                "stage": "contract_signed",
                "date": "2025-05-02",
            },
        ).status_code
        == 201
    )
    body = api.get("/umkm/U1/matches").json()
    assert [(m["firm_id"], m["status"]) for m in body["matches"]] == [("F3", "partner"), ("F2", "")]
    assert body["matches"][0]["reasons"][0] == "sudah bermitra"
    shown = api.get("/umkm/U1/matches", params={"include_declined": "true"}).json()["matches"]
    assert [(m["firm_id"], m["status"]) for m in shown][0] == ("F1", "declined")
    assert "U1" not in _ids(api.get("/firms/F1/matches"), "umkm_id")


def test_match_requests_filter_by_firm_type_and_province(api):
    assert _ids(api.get("/umkm/U1/matches", params={"investment_type": "PMA"}), "firm_id") == [
        "F1",
        "F3",
    ]
    assert _ids(api.get("/umkm/U1/matches", params={"province": "Jabar"}), "firm_id") == ["F3"]
    resp = api.get("/umkm/U1/matches", params={"province": "Atlantis"})
    assert resp.status_code == 422 and "province" in resp.json()["detail"]
    assert api.get("/umkm/U1/matches", params={"min_chance": 2}).status_code == 422


def test_bad_k_is_a_readable_422(api):
    resp = api.get("/umkm/U1/matches", params={"k": 0})
    assert resp.status_code == 422
    assert resp.json()["detail"].startswith("query.k: harus lebih besar dari atau sama dengan 1")
    english = api.get("/umkm/U1/matches", params={"k": 0, "lang": "en"})
    assert english.json()["detail"].startswith(
        "query.k: Input should be greater than or equal to 1"
    )


def test_unknown_ids_are_404(api):
    assert api.get("/umkm/U404/matches").json() == {"detail": "tidak ada UMKM dengan ID 'U404'"}
    assert api.get("/firms/F404/matches").status_code == 404


def test_firm_matches_rank_umkm(api):
    assert _ids(api.get("/firms/F1/matches"), "umkm_id") == ["U1", "U2", "U3"]


# -- region scoping: a Pamekasan facilitator ---------------------------------------------
def test_scoped_facilitator_cannot_see_umkm_outside_its_region(api):
    for umkm_id in ("U2", "U3"):
        for path in (f"/umkm/{umkm_id}", f"/umkm/{umkm_id}/matches", f"/umkm/{umkm_id}/outcomes"):
            resp = api.get(path, who="pamekasan")
            assert resp.status_code == 404, path
            assert resp.json() == {
                "detail": f"tidak ada UMKM dengan ID {umkm_id!r}"
            }  # same as a missing one
            assert api.get(path, who="admin").status_code == 200, path
    assert api.get("/umkm/U1/matches", who="pamekasan").status_code == 200


def test_scoped_facilitator_sees_only_its_region_in_lists_and_firm_matches(api):
    assert _ids(api.get("/umkm", who="pamekasan"), "umkm_id") == ["U1"]
    assert _ids(api.get("/umkm", who="jatim"), "umkm_id") == ["U1", "U2"]
    assert _ids(api.get("/umkm", who="pamekasan", params={"province": "Aceh"}), "umkm_id") == []
    assert _ids(api.get("/firms/F1/matches", who="pamekasan"), "umkm_id") == ["U1"]
    assert _ids(api.get("/firms/F2/matches", who="jatim"), "umkm_id") == ["U1", "U2"]
    assert _ids(api.get("/firms", who="pamekasan"), "firm_id") == [
        "F1",
        "F2",
        "F3",
    ]  # firms not scoped


def test_scoped_facilitator_cannot_record_outcomes_outside_its_region(api):
    resp = api.post(
        "/outcomes", who="pamekasan", json={"umkm_id": "U2", "firm_id": "F1", "stage": "meeting"}
    )
    assert resp.status_code == 404
    assert api.get("/umkm/U2/outcomes").json() == []


def test_scoped_facilitator_cannot_match_a_profile_outside_its_region(api):
    profile = {"kbli": ["13121"], "products": "tenun", "province": "Aceh"}
    resp = api.post("/match", who="pamekasan", json={"profile": profile})
    assert (
        resp.status_code == 422
        and "terbatas pada Jawa Timur/Kabupaten Pamekasan" in resp.json()["detail"]
    )


def test_lists_filter_and_page(api):
    resp = api.get("/umkm", params={"province": "jatim", "kbli": "107", "limit": 1, "offset": 1})
    assert resp.json()["total"] == 2 and _ids(resp, "umkm_id") == ["U2"]
    assert _ids(api.get("/firms", params={"certificate": "halal"}), "firm_id") == ["F1"]
    assert (
        api.get("/umkm", params={"province": "Jawa Timor"})
        .json()["detail"]
        .startswith("province: provinsi 'Jawa Timor' tidak dikenal; yang paling mirip: Jawa Timur")
    )


# -- ad-hoc profiles -------------------------------------------------------------------
def test_match_ranks_firms_for_an_adhoc_profile(api):
    profile = {"kbli": "13121", "products": "kain tenun", "province": "Aceh"}
    assert _ids(api.post("/match", json={"profile": profile, "k": 2}), "firm_id") == ["F2", "F1"]


def test_match_validates_the_profile_with_the_contract_rules(api):
    profile = {
        "kbli": ["1111"],
        "products": "keripik",
        "province": "Jawa Timor",
        "certifications": ["halall"],
    }
    resp = api.post("/match", json={"profile": profile})
    assert resp.status_code == 422
    fields = [e["loc"] for e in resp.json()["errors"]]
    assert fields == [
        ["profile", "kbli"],
        ["profile", "province"],
    ]  # "halall": a warning, read as halal
    assert "01111" in resp.json()["detail"]  # the lost leading zero, suggested
    missing = api.post("/match", json={"profile": {"kbli": "10792"}})
    assert missing.status_code == 422
    assert "profile.products: wajib diisi" in missing.json()["detail"]


# -- outcomes --------------------------------------------------------------------------
def test_outcomes_record_who_and_whether_the_engine_suggested_the_pair(api):
    # recommended_k = 1 in these settings: only F1 is U1's engine recommendation
    first = api.post(
        "/outcomes",
        who="pamekasan",
        json={"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-05-01"},
    )
    assert first.status_code == 201, first.text
    second = api.post(
        "/outcomes",
        who="pamekasan",
        json={
            "umkm_id": "U1",
            "firm_id": "F3",
            "stage": "declined",
            "declined_by": "firm",
            "date": "2025-05-02",
        },
    )
    rows = api.get("/umkm/U1/outcomes", who="pamekasan").json()
    assert [
        (r["firm_id"], r["recommended_by_engine"], r["model_version"], r["recorded_by"], r["grade"])
        for r in rows
    ] == [("F1", True, "v1", "ani", 1), ("F3", False, "v1", "ani", 0)]
    assert second.json()["id"] == rows[1]["id"]


def test_outcome_body_is_validated(api):
    resp = api.post(
        "/outcomes",
        json={"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "declined_by": "umkm"},
    )
    assert resp.status_code == 422
    assert "declined_by hanya untuk tahap 'declined', bukan 'meeting'" in resp.json()["detail"]
    english = api.post(
        "/outcomes?lang=en",
        json={"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "declined_by": "umkm"},
    )
    assert "declined_by is only for stage 'declined', not 'meeting'" in english.json()["detail"]
    assert (
        api.post(
            "/outcomes", json={"umkm_id": "U1", "firm_id": "F404", "stage": "meeting"}
        ).status_code
        == 404
    )


def test_outcomes_survive_a_restart(prepared, fake_source):
    settings, keys = prepared
    body = {
        "umkm_id": "U1",
        "firm_id": "F1",
        "stage": "contract_signed",
        "contract_value_idr": 5e7,
        "date": "2025-06-01",
    }
    with TestClient(create_app(settings, model_source=fake_source)) as c1:
        assert (
            c1.post("/outcomes", json=body, headers={"X-API-Key": keys["admin"]}).status_code == 201
        )
    with TestClient(create_app(settings, model_source=fake_source)) as c2:
        rows = c2.get("/umkm/U1/outcomes", headers={"X-API-Key": keys["admin"]}).json()
    assert [(r["stage"], r["contract_value_idr"], r["date"]) for r in rows] == [
        ("contract_signed", 5e7, "2025-06-01")
    ]


# -- models and hot swaps ----------------------------------------------------------------
def test_models_lists_versions_and_admin_promotes_without_restart(api):
    body = api.get("/models", who="jatim").json()
    assert (body["current"], body["serving"]) == ("v1", "v1")
    assert [v["version"] for v in body["versions"]] == ["v1", "v2"]
    assert api.post("/models/v9/promote").status_code == 404
    resp = api.post("/models/v2/promote")
    assert resp.json() == {"version": "v2", "previous": "v1"}
    api.holder.wait_for_rebuild(10)
    body = api.get("/umkm/U1/matches").json()
    assert body["model_version"] == "v2" and body["matches"][0]["firm_id"] == "F3"  # v2 boosts F3


def test_a_model_promoted_elsewhere_is_picked_up(api, fake_source):
    fake_source.promote("v2")  # e.g. `matcher models promote` in another process
    api.get("/umkm/U1/matches")  # notices the new token, rebuilds in the background
    api.holder.wait_for_rebuild(10)
    assert api.get("/umkm/U1/matches").json()["model_version"] == "v2"


def test_imported_profiles_are_served_without_restart(api, tmp_path):
    path = tmp_path / "more.csv"
    pd.DataFrame(
        [
            dict(
                umkm_id="U4",
                name="Batik Pamekasan",
                kbli="13121",
                products="batik tulis",
                province="Jawa Timur",
                regency="Pamekasan",
            )
        ]
    ).to_csv(path, index=False)
    import_file(api.app.state.store, "umkm", path)
    api.get("/health")
    api.get("/umkm/U1/matches")
    api.holder.wait_for_rebuild(10)
    assert _ids(api.get("/umkm/U4/matches", who="pamekasan"), "firm_id")[0] == "F2"


def test_requests_in_flight_are_served_by_the_old_model_while_the_new_one_builds(api, fake_source):
    release, started = threading.Event(), threading.Event()
    original = fake_source.build

    def slow_build(umkm, firms, token):
        started.set()
        release.wait(10)
        return original(umkm, firms, token)

    fake_source.build = slow_build
    fake_source.promote("v2")
    assert api.get("/umkm/U1/matches").json()["model_version"] == "v1"  # triggers the rebuild
    assert started.wait(10)
    for _ in range(3):  # while v2 is building, v1 keeps answering
        resp = api.get("/umkm/U1/matches")
        assert resp.status_code == 200 and resp.json()["model_version"] == "v1"
    release.set()
    api.holder.wait_for_rebuild(10)
    assert api.get("/umkm/U1/matches").json()["model_version"] == "v2"


def test_without_a_current_model_matches_are_503_but_lists_work(prepared, fake_source):
    settings, keys = prepared
    fake_source.current = None
    with TestClient(create_app(settings, model_source=fake_source)) as client:
        auth = {"X-API-Key": keys["admin"]}
        resp = client.get("/umkm/U1/matches", headers=auth)
        assert resp.status_code == 503 and "no model is current" in resp.json()["detail"]
        assert client.get("/health").json()["status"] == "degraded"
        assert client.get("/umkm", headers=auth).status_code == 200


# -- events ----------------------------------------------------------------------------
def test_events_are_created_with_default_capacities_and_scoped(api):
    body = {
        "event_id": "E1",
        "name": "Temu Bisnis Jatim",
        "date": "2025-07-01",
        "participants": [
            {"party": "umkm", "id": "U1"},
            {"party": "umkm", "id": "U2"},
            {"party": "firm", "id": "F1"},
            {"party": "firm", "id": "F3", "capacity": 1},
        ],
    }
    resp = api.post("/events", who="jatim", json=body)
    assert resp.status_code == 201, resp.text
    caps = {(p["party"], p["id"]): p["capacity"] for p in resp.json()["participants"]}
    assert caps == {("umkm", "U1"): 1, ("umkm", "U2"): 1, ("firm", "F1"): 2, ("firm", "F3"): 1}
    full_id = resp.json()["event_id"]  # in jatim's namespace (see api.store.events)
    assert full_id.startswith("E1@")
    assert api.post("/events", who="jatim", json=body).status_code == 409
    assert api.get("/events/E1", who="jatim").json()["event_id"] == full_id
    scoped = api.get(
        f"/events/{full_id}", who="pamekasan"
    )  # U2 is outside Pamekasan: shown without it
    assert scoped.status_code == 200 and scoped.json()["hidden_umkm"] == 1
    assert [p["id"] for p in scoped.json()["participants"] if p["party"] == "umkm"] == ["U1"]
    assert scoped.json()["note"]
    outside = dict(
        body, event_id="E2", participants=body["participants"] + [{"party": "umkm", "id": "U3"}]
    )
    resp = api.post("/events", who="jatim", json=outside)
    assert resp.status_code == 422 and resp.json()["detail"] == "tidak ada UMKM dengan ID 'U3'"


def test_openapi_documents_the_key_header(api):
    spec = api.client.get("/openapi.json").json()
    assert "X-API-Key" in str(spec["components"]["securitySchemes"])
    assert api.client.get("/docs").status_code == 200


def test_event_plan_respects_capacities_and_constraints(api):
    # U1, U2 both score 1.5 with F1 (capacity 1 here) and 1.0 with F3
    body = {
        "event_id": "E1",
        "name": "Temu",
        "participants": [
            {"party": "umkm", "id": "U1"},
            {"party": "umkm", "id": "U2"},
            {"party": "firm", "id": "F1", "capacity": 1},
            {"party": "firm", "id": "F3"},
        ],
    }
    assert api.post("/events", json=body).status_code == 201
    plan = api.post("/events/E1/plan").json()
    pairs = {(p["umkm_id"], p["firm_id"]): p["score"] for p in plan["pairs"]}
    # one UMKM gets F1 (1.5), the other F3 (1.0): total 2.5, F1 used once
    assert sorted(pairs.values()) == [1.0, 1.5] and {u for u, _ in pairs} == {"U1", "U2"}
    assert sorted(f for _, f in pairs) == ["F1", "F3"]
    forced = api.post("/events/E1/plan", json={"must_include": [["U2", "F1"]]}).json()
    assert sorted((p["umkm_id"], p["firm_id"]) for p in forced["pairs"]) == [
        ("U1", "F3"),
        ("U2", "F1"),
    ]
    high = api.post("/events/E1/plan", json={"min_score": 1.2, "exclude": [["U1", "F1"]]}).json()
    assert [(p["umkm_id"], p["firm_id"]) for p in high["pairs"]] == [("U2", "F1")]
    bad = api.post("/events/E1/plan", json={"exclude": [["U3", "F1"]]})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "pasangan dikecualikan ('U3', 'F1') bukan peserta acara ini"
    bad = api.post("/events/E1/plan?lang=en", json={"exclude": [["U3", "F1"]]})
    assert (
        bad.json()["detail"] == "excluded pair ('U3', 'F1') is not among the event's participants"
    )
    # the natural object form is accepted too, and means the same
    as_objects = api.post(
        "/events/E1/plan", json={"must_include": [{"umkm_id": "U2", "firm_id": "F1"}]}
    ).json()
    assert as_objects["pairs"] == forced["pairs"]
    assert api.post("/events/E1/plan", json={"exclude": [["U1"]]}).status_code == 422


def test_event_plan_quotas_workbook_and_region_scope(api):
    import io

    import openpyxl

    body = {
        "event_id": "E1",
        "name": "Temu",
        "participants": [
            {"party": "umkm", "id": "U1"},
            {"party": "umkm", "id": "U2"},
            {"party": "firm", "id": "F1", "capacity": 1},
            {"party": "firm", "id": "F3", "capacity": 1},
        ],
    }
    assert api.post("/events", json=body).status_code == 201
    assert api.post("/events/E1/plan", json={"quotas": ["Atlantis:1"]}).status_code == 400
    assert api.post("/events/E1/plan", json={"quotas": ["Pamekasan:1"]}).status_code == 200
    resp = api.post("/events/E1/plan.xlsx")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(
        "application/vnd.openxml"
    )
    book = openpyxl.load_workbook(io.BytesIO(resp.content))
    assert len(book.sheetnames) >= 2  # a summary and a sheet per firm
    scoped = api.post("/events/E1/plan", who="pamekasan").json()
    assert {p["umkm_id"] for p in scoped["pairs"]} == {"U1"}
    assert scoped["hidden_pairs"] == 1 and scoped["note"]


def test_an_unexpected_failure_is_a_json_500(prepared, fake_source):
    settings, keys = prepared
    fake_source.models["v1"].explain_pairs = lambda *a: 1 / 0
    app = create_app(settings, model_source=fake_source)
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/umkm/U1/matches", headers={"X-API-Key": keys["admin"]})
    assert resp.status_code == 500
    assert resp.json() == {
        "detail": "kesalahan internal (ZeroDivisionError); rinciannya ada di log server"
    }
