"""The API answers in its reader's language: Indonesian by default, English by choice
(``?lang=en`` or ``Accept-Language: en``), the same words as the CLI and the web app."""

from __future__ import annotations

import pytest

from api.lang import pick_lang
from matcher.i18n import t


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "id"),
        ("en", None, "en"),
        ("EN", "id-ID", "en"),  # the query wins over the header
        ("fr", "en-US,en;q=0.9", "en"),  # an unknown query language is ignored
        (None, "en-US,en;q=0.9", "en"),
        (None, "id-ID,id;q=0.9,en-US;q=0.8", "id"),
        (None, "fr-FR, en;q=0.5", "en"),  # the first language the catalogue has
        (None, "en;q=0.2, id;q=0.8", "id"),  # by weight, not by position
        (None, "en;q=0", "id"),  # q=0: not acceptable
        (None, "en;q=abc", "id"),  # a bad weight: not acceptable
    ],
)
def test_the_answer_language_is_the_query_then_the_header_then_indonesian(
    query, header, expected, monkeypatch
):
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    assert pick_lang(query, header) == expected


def test_the_servers_language_is_the_fallback(monkeypatch):
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert pick_lang(None, None) == "en"
    assert pick_lang(None, "id") == "id"


def test_a_404_is_indonesian_by_default_and_english_by_choice(api):
    assert api.get("/umkm/U404").json()["detail"] == "tidak ada UMKM dengan ID 'U404'"
    english = api.client.get(
        "/umkm/U404", headers={**api._auth("admin"), "Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english.json()["detail"] == "no UMKM with id 'U404'"
    assert api.get("/umkm/U404", params={"lang": "en"}).json()["detail"] == "no UMKM with id 'U404'"


def test_framework_answers_are_translated_too(api):
    unknown_route = api.client.get("/no-such-page")
    assert unknown_route.status_code == 404
    assert unknown_route.json()["detail"] == t("api.http.404", "id")
    missing_key = api.client.get("/umkm", params={"lang": "en"})
    assert missing_key.status_code == 401 and "missing API key" in missing_key.json()["detail"]


def test_a_validation_error_names_the_field_in_the_readers_language(api):
    resp = api.post("/match", json={"profile": {"kbli": "10792"}})
    entry = next(e for e in resp.json()["errors"] if e["loc"] == ["profile", "products"])
    assert entry["msg"] == "wajib diisi"
    resp = api.post("/match", params={"lang": "en"}, json={"profile": {"kbli": "10792"}})
    entry = next(e for e in resp.json()["errors"] if e["loc"] == ["profile", "products"])
    assert entry["msg"] == "Field required"


def test_a_rule_of_ours_inside_a_body_is_rendered_not_prefixed(api):
    resp = api.post(
        "/match",
        json={
            "profile": {
                "kbli": ["10792"],
                "products": "keripik",
                "province": "Jawa Timur",
                "regency": "Pamekasan\x00",
            }
        },
    )
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert "karakter kendali" in detail and "Value error" not in detail
