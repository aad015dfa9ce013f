"""Event IDs are scoped per region: "exists in another region" and "does not exist" are
the same answer to ``POST /events`` (issue 14: a 409 used to reveal other regions' IDs)."""

from __future__ import annotations


def _event(event_id, umkm, firm="F1"):
    return {
        "event_id": event_id,
        "name": "Temu Bisnis",
        "date": "2025-07-01",
        "participants": [{"party": "umkm", "id": umkm}, {"party": "firm", "id": firm}],
    }


def _shape(resp):
    """What a caller can compare between two answers: status, keys, and the body with the
    ID it chose replaced (the ID itself is the caller's own)."""
    body = resp.json()
    chosen = body["event_id"].split("@")[0]
    return (
        resp.status_code,
        sorted(body),
        {k: v for k, v in body.items() if k != "event_id"},
        chosen,
    )


def test_another_regions_event_id_answers_as_an_unused_one(api):
    # Aceh's event (U3) is invisible to the Pamekasan facilitator
    assert api.post("/events", json=_event("SECRET", "U3", "F2")).status_code == 201
    assert api.get("/events/SECRET", who="pamekasan").status_code == 404
    taken_elsewhere = api.post("/events", who="pamekasan", json=_event("SECRET", "U1"))
    never_used = api.post("/events", who="pamekasan", json=_event("OTHER", "U1"))
    assert taken_elsewhere.status_code == never_used.status_code == 201
    a, b = _shape(taken_elsewhere), _shape(never_used)
    assert a[:3] == b[:3] and (a[3], b[3]) == ("SECRET", "OTHER")
    # each is the facilitator's own event, under the name it chose; the admin's is untouched
    assert (
        api.get("/events/SECRET", who="pamekasan").json()["event_id"]
        == taken_elsewhere.json()["event_id"]
    )
    assert [p["id"] for p in api.get("/events/SECRET").json()["participants"]] == ["F2", "U3"]
    # its own namespace does conflict (it can see that event): 409 there, as for an admin
    assert api.post("/events", who="pamekasan", json=_event("SECRET", "U1")).status_code == 409
    assert api.post("/events", json=_event("SECRET", "U1")).status_code == 409


def test_two_regions_use_one_name_without_seeing_each_other(api):
    jatim = api.post(
        "/events", who="jatim", json=_event("TB-1", "U2")
    )  # Surabaya: outside Pamekasan
    pamekasan = api.post("/events", who="pamekasan", json=_event("TB-1", "U1"))
    assert jatim.status_code == pamekasan.status_code == 201
    assert jatim.json()["event_id"] != pamekasan.json()["event_id"]
    assert api.get(f"/events/{jatim.json()['event_id']}", who="pamekasan").status_code == 404
    assert [
        p["id"]
        for p in api.get("/events/TB-1", who="pamekasan").json()["participants"]
        if p["party"] == "umkm"
    ] == ["U1"]
    plan = api.post("/events/TB-1/plan", who="pamekasan")
    assert plan.status_code == 200 and {p["umkm_id"] for p in plan.json()["pairs"]} <= {"U1"}


def test_the_tag_character_is_reserved_and_long_ids_are_a_422(api):
    resp = api.post("/events", json=_event("A@B", "U1"))
    assert resp.status_code == 422
    assert "event_id 'A@B': '@' sudah dipakai khusus" in resp.json()["detail"]
    resp = api.post("/events", who="pamekasan", json=_event("X" * 60, "U1"))
    assert resp.status_code == 422 and "paling banyak 57 karakter" in resp.json()["detail"]
    resp = api.post("/events?lang=en", who="pamekasan", json=_event("X" * 60, "U1"))
    assert "at most 57 characters" in resp.json()["detail"]
    assert api.post("/events", json=_event("X" * 60, "U1")).status_code == 201
