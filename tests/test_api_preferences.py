"""An event's preferences through the API (#13): stored per event, checked by the
preferences file's parser (bad rows are a 422 naming row, column and value), scoped by
region like the event, and used by the event's plans: a veto is never planned, a mutual
wish wins a tie, and the plan says how many wishes of each side it meets.

The stand-in model scores U1 and U2 1.5 with F1 and 1.0 with F3, so without preferences
the two UMKM tie for F1. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

EVENT = {
    "event_id": "E1",
    "name": "Temu",
    "participants": [
        {"party": "umkm", "id": "U1"},
        {"party": "umkm", "id": "U2"},
        {"party": "firm", "id": "F1", "capacity": 1},
        {"party": "firm", "id": "F3", "capacity": 1},
    ],
}


def _pref(frm, f_id, to_id, word):
    return {"from_party": frm, "from_id": f_id, "to_id": to_id, "preference": word}


def _pairs(plan) -> set[tuple[str, str]]:
    return {(p["umkm_id"], p["firm_id"]) for p in plan["pairs"]}


@pytest.fixture
def event(api):  # noqa: F811
    assert api.post("/events", json=EVENT).status_code == 201
    return api


def test_a_mutual_wish_wins_the_tie_and_wishes_are_counted_per_side(event):
    api = event
    plain = api.post("/events/E1/plan").json()
    assert plain["wishes"] is None and plain["unmet_wishes"] == []  # no preferences yet
    assert _pairs(plain) == {("U2", "F1"), ("U1", "F3")}  # the tie goes to U2 without wishes
    # U1 and F1 want each other; U2 wants F1 too, alone: the mutual wish must win
    prefs = [
        _pref("firm", "F1", "U1", "ingin"),
        _pref("umkm", "U1", "F1", "ingin"),
        _pref("umkm", "U2", "F1", "ingin"),
    ]
    resp = api.put("/events/E1/preferences", json={"preferences": prefs})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["preferences"]) == 3 and resp.json()["hidden"] == 0
    plan = api.post("/events/E1/plan").json()
    assert _pairs(plan) == {("U1", "F1"), ("U2", "F3")}
    assert plan["wishes"] == {
        "umkm_wishes": 2,
        "umkm_wishes_met": 1,
        "firm_wishes": 1,
        "firm_wishes_met": 1,
        "mutual_pairs": 1,
        "mutual_pairs_met": 1,
    }
    (unmet,) = plan["unmet_wishes"]
    assert (unmet["from_id"], unmet["to_id"], unmet["reason"]) == ("U2", "F1", "capacity")
    assert unmet["explanation"].startswith("kuota pertemuan")  # Indonesian by default
    english = api.post("/events/E1/plan", params={"lang": "en"}).json()
    assert (
        english["unmet_wishes"][0]["explanation"] == "both sides' places went to pairs worth more"
    )


def test_a_veto_is_never_planned_even_against_a_wish_and_the_workbook_follows(event):
    import io

    import openpyxl

    api = event
    prefs = [_pref("firm", "F1", "U2", "ingin"), _pref("umkm", "U2", "F1", "tidak")]
    assert api.put("/events/E1/preferences", json={"preferences": prefs}).status_code == 200
    for _ in range(3):  # whatever the tie-break, U2 never meets F1
        plan = api.post("/events/E1/plan").json()
        assert ("U2", "F1") not in _pairs(plan) and _pairs(plan) == {("U1", "F1"), ("U2", "F3")}
    assert [(w["from_id"], w["reason"]) for w in plan["unmet_wishes"]] == [("F1", "veto")]
    assert plan["wishes"]["firm_wishes"] == 1 and plan["wishes"]["firm_wishes_met"] == 0
    book = openpyxl.load_workbook(io.BytesIO(api.post("/events/E1/plan.xlsx").content))
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert "U2" in str(cells) and not any("U2" in c and "F1" in c for c in cells)


def test_bad_rows_are_a_422_naming_row_column_and_value_and_nothing_changes(event):
    api = event
    good = [_pref("umkm", "U1", "F3", "ingin")]
    assert api.put("/events/E1/preferences", json={"preferences": good}).status_code == 200
    resp = api.put(
        "/events/E1/preferences",
        json={
            "preferences": [
                _pref("umkm", "U1", "F1", "ingin"),
                _pref("umkm", "U1", "F9", "ingin"),
                _pref("umkm", "U2", "F1", "barangkali"),
            ]
        },
    )
    assert resp.status_code == 422
    errors = [(e["loc"], e["input"]) for e in resp.json()["errors"]]
    assert errors == [
        (["preferences", 1, "to_id"], "F9"),
        (["preferences", 2, "preference"], "barangkali"),
    ]
    assert "preferences.1.to_id" in resp.json()["detail"]
    stored = api.get("/events/E1/preferences").json()["preferences"]
    assert [(p["from_id"], p["to_id"]) for p in stored] == [("U1", "F3")]  # as before
    # unknown fields and missing ones are refused by the schema
    assert (
        api.put("/events/E1/preferences", json={"preferences": [{"from_id": "U1"}]}).status_code
        == 422
    )
    assert api.put("/events/E9/preferences", json={"preferences": good}).status_code == 404


def test_a_file_upload_reads_office_words_and_names_bad_rows(event):
    api = event
    csv = "from_party;from_id;to_id;preference\nUMKM;U1;F3;mau\nperusahaan;F1;U2;ingin\n"
    resp = api.client.put(
        "/events/E1/preferences/file",
        headers=api._auth("admin"),
        files={"file": ("preferensi.csv", csv.encode(), "text/csv")},
    )
    assert resp.status_code == 200, resp.text
    assert [(p["from_party"], p["preference"]) for p in resp.json()["preferences"]] == [
        ("firm", "ingin"),
        ("umkm", "ingin"),
    ]
    assert any("mau" in w for w in resp.json()["warnings"])
    bad = "from_party,from_id,to_id,preference\numkm,U1,F3,ingin\numkm,U7,F3,ingin\n"
    resp = api.client.put(
        "/events/E1/preferences/file",
        headers=api._auth("admin"),
        files={"file": ("p.csv", bad.encode(), "text/csv")},
    )
    assert resp.status_code == 422
    (error,) = resp.json()["errors"]
    assert (error["row"], error["loc"][-1], error["input"]) == (3, "from_id", "U7")
    assert len(api.get("/events/E1/preferences").json()["preferences"]) == 2  # unchanged


def test_a_scoped_facilitator_states_and_sees_only_its_own_umkms_preferences(event):
    api = event  # "pamekasan" sees U1 only; U2 is in Surabaya
    both = [_pref("umkm", "U1", "F1", "ingin"), _pref("umkm", "U2", "F1", "ingin")]
    assert api.put("/events/E1/preferences", json={"preferences": both}).status_code == 200
    mine = api.get("/events/E1/preferences", who="pamekasan").json()
    assert [p["from_id"] for p in mine["preferences"]] == ["U1"] and mine["hidden"] == 1
    other = api.put(
        "/events/E1/preferences",
        who="pamekasan",
        json={"preferences": [_pref("umkm", "U2", "F3", "tidak")]},
    )
    assert other.status_code == 422 and other.json()["errors"][0]["loc"][-1] == "from_id"
    # replacing its own leaves the other region's preferences as they were
    assert (
        api.put(
            "/events/E1/preferences",
            who="pamekasan",
            json={"preferences": [_pref("umkm", "U1", "F3", "ingin")]},
        ).status_code
        == 200
    )
    stored = api.get("/events/E1/preferences").json()["preferences"]
    assert sorted((p["from_id"], p["to_id"]) for p in stored) == [("U1", "F3"), ("U2", "F1")]
    scoped = api.post("/events/E1/plan", who="pamekasan").json()
    assert scoped["wishes"]["umkm_wishes"] == 1  # its own UMKM's wishes only
    assert all(w["from_id"] == "U1" or w["to_id"] == "U1" for w in scoped["unmet_wishes"])
    # an event with none of its UMKM does not exist for it
    outside = {
        "event_id": "E2",
        "name": "Surabaya",
        "participants": [{"party": "umkm", "id": "U2"}, {"party": "firm", "id": "F1"}],
    }
    assert api.post("/events", json=outside).status_code == 201
    assert api.get("/events/E2/preferences", who="pamekasan").status_code == 404
    assert (
        api.put("/events/E2/preferences", who="pamekasan", json={"preferences": []}).status_code
        == 404
    )


def test_a_scoped_facilitators_own_event_takes_preferences_by_its_short_id(event):
    api = event  # its events are stored under a region-tagged ID; the short one finds them
    mine = {
        "event_id": "E3",
        "name": "Pamekasan",
        "participants": [
            {"party": "umkm", "id": "U1"},
            {"party": "firm", "id": "F1"},
            {"party": "firm", "id": "F3"},
        ],
    }
    assert api.post("/events", who="pamekasan", json=mine).status_code == 201
    resp = api.put(
        "/events/E3/preferences",
        who="pamekasan",
        json={"preferences": [_pref("umkm", "U1", "F1", "tidak")]},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["event_id"].startswith("E3@")
    plan = api.post("/events/E3/plan", who="pamekasan").json()
    assert _pairs(plan) == {("U1", "F3")}  # F1 scores higher but U1 vetoed it
    assert (
        api.get("/events/E3/preferences", who="pamekasan").json()["preferences"][0]["to_id"] == "F1"
    )
