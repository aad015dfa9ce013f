"""The API applies the same field rules as the files and the store (matcher.data.rules):
each finding of the hardening review is a 4xx with a message, never a 500."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from matcher.data import rules

PROFILE = {"kbli": ["10792"], "products": "keripik", "province": "Jawa Timur"}


def _outcome(**kw):
    return {"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-01-02", **kw}


@pytest.mark.parametrize("date", ["2300-01-01", "9999-12-31", "0001-01-01", "1999-12-31"])
def test_outcome_dates_outside_the_range_are_422(api, date):
    resp = api.post("/outcomes", json=_outcome(date=date))
    assert resp.status_code == 422, resp.text
    assert "2000-01-01" in resp.json()["detail"]
    assert resp.json()["detail"].startswith("date: seharusnya tanggal dari 2000-01-01")
    assert f"(tertulis '{date}')" in resp.json()["detail"]


def test_a_planned_date_outside_its_range_is_said_in_the_readers_language(api):
    """A follow-up's next date (an event date: up to three years ahead) refused in
    Indonesian by default and in English on request, from the catalogue."""
    body = {"umkm_id": "U1", "firm_id": "F1", "status": "contacted", "next_date": "2300-01-01"}
    said = api.post("/followups", json=body).json()["detail"]
    assert "seharusnya tanggal dari 2000-01-01" in said and "'2300-01-01'" in said, said
    said_en = api.post("/followups?lang=en", json=body).json()["detail"]
    assert "expected a date from 2000-01-01" in said_en, said_en
    assert "seharusnya" not in said_en


def test_outcome_dated_the_day_after_tomorrow_is_422_and_tomorrow_201(api):
    with rules.frozen_today(dt.date(2025, 1, 1)):
        assert api.post("/outcomes", json=_outcome(date="2025-01-03")).status_code == 422
        assert api.post("/outcomes", json=_outcome(date="2025-01-02")).status_code == 201


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_body_are_422(api, raw):
    body = (
        '{"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-01-02", '
        f'"contract_value_idr": {raw}}}'
    )
    headers = {"X-API-Key": api.keys["admin"], "content-type": "application/json"}
    resp = api.client.post("/outcomes", content=body, headers=headers)
    assert resp.status_code == 422, resp.text
    resp = api.client.post(
        "/match",
        content='{"profile": {"kbli": ["10792"], "products": "x", '
        f'"province": "Jatim", "lat": {raw}, "lon": 112.0}}}}',
        headers=headers,
    )
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize(
    "field, value",
    [("umkm_id", "U" * 65), ("firm_id", "a\x00b"), ("event_id", "E" * 65), ("event_id", "e\x00")],
)
def test_outcome_ids_follow_the_id_rule(api, field, value):
    resp = api.post("/outcomes", json=_outcome(**{field: value}))
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize("regency", ["Pamekasan\x00", "Pamekasan\x1b[31m"])
def test_control_characters_in_a_match_profile_are_422(api, regency):
    resp = api.post("/match", json={"profile": {**PROFILE, "regency": regency}})
    assert resp.status_code == 422 and "karakter kendali" in resp.json()["detail"]


def test_an_over_long_product_cell_is_422_before_scoring_and_a_huge_body_413(api):
    resp = api.post("/match", json={"profile": {**PROFILE, "products": "x" * 100_000}})
    assert resp.status_code == 422 and "4000" in resp.text
    resp = api.post("/match", json={"profile": {**PROFILE, "products": "x" * 10_000_000}})
    assert resp.status_code == 413


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "offset=1000000001",
        "limit=501",
        "limit=0",
        "q=a%00b",
        "province=J%00atim",
        "regency=" + "r" * 200,
    ],
)
def test_list_query_parameters_have_bounds(api, query):
    resp = api.get(f"/umkm?{query}")
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize(
    "path",
    [
        "/umkm/U%00",
        "/umkm/" + "U" * 65,
        "/firms/F%00/matches",
        "/events/E%00",
        "/umkm/U1/matches?k=101",
    ],
)
def test_path_parameters_follow_the_id_rule(api, path):
    resp = api.get(path)
    assert resp.status_code == 422, resp.text


def test_event_capacity_beyond_32_bits_is_422(api):
    body = {
        "event_id": "E1",
        "name": "Temu bisnis",
        "participants": [
            {"party": "umkm", "id": "U1"},
            {"party": "firm", "id": "F1", "capacity": 2**31},
        ],
    }
    assert api.post("/events", json=body).status_code == 422


def test_server_paths_never_reach_an_answer(api):
    from api.errors import scrub_paths

    holder = api.holder
    holder.last_error = "model file /srv/matcher/models/v3/model.joblib failed its checksum"
    body = api.client.get("/health").json()
    assert "/srv" not in body["problem"] and "model.joblib" in body["problem"]
    assert scrub_paths(r"C:\Users\x\models\v1\model.joblib bad") == "…/model.joblib bad"


def test_a_write_that_finds_the_database_locked_is_503_with_retry_after(prepared, fake_source):
    """Another process holds SQLite's write lock longer than the busy timeout: the outcome
    is not written and the answer says to retry (it used to be a 500 after 30 s)."""
    import sqlite3

    from fastapi.testclient import TestClient

    from api.main import create_app

    settings, keys = prepared
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's file lock")
    settings = settings.model_copy(update={"db_busy_timeout_s": 0.3})
    with TestClient(create_app(settings, model_source=fake_source)) as client:
        blocker = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
        blocker.execute("BEGIN IMMEDIATE")
        try:
            resp = client.post("/outcomes", json=_outcome(), headers={"X-API-Key": keys["admin"]})
        finally:
            blocker.rollback()
            blocker.close()
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "2", resp.text
        assert (
            client.post(
                "/outcomes", json=_outcome(), headers={"X-API-Key": keys["admin"]}
            ).status_code
            == 201
        )


def test_one_length_rule_for_a_note_in_a_file_an_api_body_and_the_store(api, prepared):
    """A follow-up note of 4,001 characters is refused by all three ways in with the same
    expectation, and 4,000 is accepted by all three: the limit is :func:`rules.max_length`
    (the store used to allow 16,000 for unbounded text)."""
    from api.store import Store
    from api.store.guard import StoreValueError
    from api.store.outcomes import record_followup
    from matcher.data import loaders
    from matcher.data.errors import DataValidationError
    from matcher.i18n import t, text_in

    pair = {"umkm_id": "U1", "firm_id": "F1", "status": "lancar"}
    long_, fine = "n" * (rules.max_length("note") + 1), "n" * rules.max_length("note")
    assert rules.max_length("note") == 4000
    rule = {lang: t("data.rule.at_most_chars", lang, limit=4000, got=4001) for lang in ("id", "en")}

    # a file
    with pytest.raises(DataValidationError) as info:
        loaders.parse_followups(pd.DataFrame([{**pair, "note": long_}]), "f.csv")
    [problem] = info.value.problems
    assert (problem.column, problem.expected_in("id")) == ("note", rule["id"])
    assert loaders.parse_followups(pd.DataFrame([{**pair, "note": fine}]), "f.csv")["note"][0]

    # an API body: the framework checks the length first, in the rule's words (the value
    # it got is added by the API's own "(got ...)")
    resp = api.post("/followups", json={**pair, "note": long_})
    limit = rule["id"].split(" (")[0]  # "paling banyak 4000 karakter"
    assert resp.status_code == 422 and f"note: {limit} (" in resp.json()["detail"], resp.text
    resp = api.post("/followups?lang=en", json={**pair, "note": long_})
    assert f"note: {rule['en'].split(' (')[0]} (" in resp.json()["detail"], resp.text
    assert api.post("/followups", json={**pair, "note": fine}).status_code == 201

    # the store, reached some other way
    store = Store(prepared[0].database_url)
    try:
        with pytest.raises(StoreValueError, match="note") as info, store.transaction() as s:
            record_followup(s, **pair, note=long_, recorded_by="t", source="api")
        # the store's own refusal, in the reader's language too
        assert rule["en"] in text_in(info.value.args[0], "en")
        assert text_in(info.value.args[0], "id").startswith(
            "penyimpanan tidak dapat menampung nilai berikut; tidak ada yang ditulis: catatan 1, "
            f"note: seharusnya {rule['id']}"
        )
        with store.transaction() as s:
            record_followup(s, **pair, note=fine, recorded_by="t", source="api")
    finally:
        store.dispose()
