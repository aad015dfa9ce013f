"""The web app's plumbing without a browser (TestClient, SQLite, the stand-in model):
sign-in and CSRF, region scoping, search filters, language. Browser tests: tests/e2e."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.store import FIRMS, UMKM, Region, Store, upsert_profiles
from api.store.accounts import create_account, revoke_account
from api.web.session import read_session, safe_next, session_value
from matcher.data.reference import kbli_codes_for_title
from matcher.features.text import search_terms


@pytest.fixture
def web(tmp_path, tiny_world, fake_source):
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    store = Store(url)
    keys = {}
    with store.transaction() as s:
        upsert_profiles(s, tiny_world[0], UMKM)
        upsert_profiles(s, tiny_world[1], FIRMS)
        _, keys["admin"] = create_account(s, "admin", "admin")
        _, keys["ani"] = create_account(s, "ani", "facilitator", Region("Jatim", "Pamekasan"))
    store.dispose()
    settings = Settings(
        home=tmp_path / "home", database_url=url, registry=tmp_path / "models", reload_interval_s=0
    )
    app = create_app(settings, model_source=fake_source)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.keys, client.store_url = keys, url
        yield client


def csrf(client, path="/masuk") -> str:
    html = client.get(path).text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, who="ani"):
    token = csrf(client)
    resp = client.post(
        "/masuk",
        data={"key": client.keys[who], "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    return token


def test_pages_redirect_to_sign_in_and_back(web):
    resp = web.get("/usaha/U1?x=1", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/masuk?next=/usaha/U1%3Fx%3D1"
    assert 'value="/usaha/U1?x=1"' in web.get(resp.headers["location"]).text


def test_a_form_without_its_csrf_token_is_refused(web):
    csrf(web)
    resp = web.post("/masuk", data={"key": web.keys["ani"], "csrf_token": "forged"})
    assert resp.status_code == 403 and "kedaluwarsa" in resp.text
    assert "matcher_session" not in resp.cookies


def test_a_wrong_key_is_refused_in_words(web):
    token = csrf(web)
    resp = web.post("/masuk", data={"key": "x" * 43, "csrf_token": token})
    assert resp.status_code == 401 and "Kunci tidak dikenal" in resp.text


def test_sign_in_sets_a_session_that_holds_no_key_and_revoking_ends_it(web):
    sign_in(web)
    cookie = web.cookies["matcher_session"]
    assert web.keys["ani"] not in cookie
    assert web.get("/cari/umkm", follow_redirects=False).status_code == 200
    store = Store(web.store_url)
    with store.transaction() as s:
        revoke_account(s, "ani")
    store.dispose()
    assert web.get("/cari/umkm", follow_redirects=False).status_code == 303


def test_session_cookie_is_signed_and_expires():
    secret = b"s" * 32
    value = session_value(secret, "k" * 43, now=1000)
    assert read_session(secret, value, now=1001) is not None
    assert read_session(b"t" * 32, value, now=1001) is None  # other secret
    assert read_session(secret, value, now=1000 + 13 * 3600) is None  # expired
    payload, sig = value.rsplit(".", 1)
    assert read_session(secret, payload[:-2] + "xx." + sig, now=1001) is None  # tampered


def test_redirect_targets_stay_on_this_site():
    assert safe_next("/usaha/U1?x=1") == "/usaha/U1?x=1"
    for bad in ("https://evil.example/", "//evil.example", "/\\evil", "", None):
        assert safe_next(bad) == "/"


def test_search_is_scoped_to_the_facilitators_region(web):
    sign_in(web)
    html = web.get("/cari/umkm").text
    assert "1 hasil" in html and "/usaha/U1" in html and "/usaha/U2" not in html


def test_an_english_product_word_finds_the_indonesian_profile(web):
    sign_in(web, "admin")
    html = web.get("/cari/umkm", params={"q": "chips"}).text
    assert (
        "/usaha/U1" in html and "/usaha/U2" in html and "/usaha/U3" not in html
    )  # keripik, kerupuk
    html = web.get("/cari/umkm", params={"kbli": "tekstil"}).text
    assert "/usaha/U3" in html and "/usaha/U1" not in html
    html = web.get("/cari/perusahaan", params={"investment_type": "PMDN"}).text
    assert "/perusahaan/F2" in html and "/perusahaan/F1" not in html
    html = web.get("/cari/umkm", params={"province": "Jawa Tumur"}).text
    assert "tidak dikenal" in html and "Jawa Timur" in html


def test_the_api_list_takes_the_same_words_and_titles(web):
    headers = {"X-API-Key": web.keys["admin"]}
    ids = [
        u["umkm_id"]
        for u in web.get("/umkm", params={"q": "chips"}, headers=headers).json()["items"]
    ]
    assert ids == ["U1", "U2"]
    ids = [
        u["umkm_id"]
        for u in web.get("/umkm", params={"kbli": "tekstil"}, headers=headers).json()["items"]
    ]
    assert ids == ["U3"]


def test_a_umkm_outside_the_region_is_not_found(web):
    sign_in(web)
    resp = web.get("/usaha/U3")
    assert resp.status_code == 404 and "tidak ditemukan" in resp.text
    assert "Tenun" not in resp.text and "songket" not in resp.text
    assert web.get("/usaha/U1").status_code == 200


def test_recording_an_outcome_shows_it_in_the_history(web):
    token = sign_in(web)
    resp = web.post(
        "/usaha/U1/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F1",
            "stage": "meeting",
            "date": "2026-01-05",
            "value": "",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    html = web.get("/usaha/U1").text
    row = html[html.index('class="history-row"') :]
    assert "pertemuan" in row[:600] and "ani" in row[:600] and "2026-01-05" in row[:600]
    resp = web.post(
        "/usaha/U1/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F1",
            "stage": "meeting",
            "date": "5 Jan",
            "value": "",
        },
    )
    assert resp.status_code == 422 and "tidak disimpan" in resp.text


def test_the_language_switch_is_remembered(web):
    sign_in(web)
    resp = web.get("/bahasa/en", params={"next": "/cari/umkm"}, follow_redirects=False)
    assert resp.headers["location"] == "/cari/umkm"
    assert "<h1>Find UMKM</h1>" in web.get("/cari/umkm").text
    web.get("/bahasa/id")
    assert "<h1>Cari UMKM</h1>" in web.get("/cari/umkm").text


def test_docs_load_nothing_from_another_host(web):
    html = web.get("/docs").text
    assert "/static/docs/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    assert web.get("/static/docs/swagger-ui-bundle.js").status_code == 200


def test_search_helpers():
    assert "keripik" in search_terms("chips") and "chips" in search_terms("Keripik")
    assert search_terms("") == ()
    assert "13" in kbli_codes_for_title("Tekstil") and kbli_codes_for_title("zzz") == ()


def test_admin_pages_are_for_admins_only(web):
    sign_in(web)
    for path in ("/admin", "/admin/impor", "/admin/akun", "/admin/model"):
        resp = web.get(path)
        assert resp.status_code == 403 and "hanya untuk admin" in resp.text, path


def test_admin_creates_scopes_and_revokes_an_account(web):
    token = sign_in(web, "admin")
    resp = web.post(
        "/admin/akun",
        data={
            "csrf_token": token,
            "name": "sari",
            "role": "facilitator",
            "region": "jatim/pamekasan",
        },
    )
    assert resp.status_code == 200
    key = re.search(r'<code id="new-key">([^<]+)</code>', resp.text).group(1)
    assert "Jawa Timur/Kabupaten Pamekasan" in resp.text
    headers = {"X-API-Key": key}
    assert [u["umkm_id"] for u in web.get("/umkm", headers=headers).json()["items"]] == ["U1"]
    web.post("/admin/akun/sari/wilayah", data={"csrf_token": token, "region": "Aceh"})
    assert [u["umkm_id"] for u in web.get("/umkm", headers=headers).json()["items"]] == ["U3"]
    resp = web.post("/admin/akun/sari/wilayah", data={"csrf_token": token, "region": "Atlantis"})
    assert resp.status_code == 422 and "Tidak disimpan" in resp.text
    assert (
        "provinsi &#39;Atlantis&#39; tidak dikenal" in resp.text
    )  # the reason, in the viewer's words
    resp = web.post(
        "/admin/akun", data={"csrf_token": token, "name": "sari", "role": "facilitator"}
    )
    assert (
        resp.status_code == 422 and "sudah ada" in resp.text and "already exists" not in resp.text
    )
    web.post("/admin/akun/sari/cabut", data={"csrf_token": token})
    assert web.get("/umkm", headers=headers).status_code == 401


def test_admin_import_refuses_a_bad_file_whole_and_lists_every_problem(web, tmp_path):
    token = sign_in(web, "admin")
    csv = (
        "umkm_id,name,kbli,products,province\n"
        "U9,Baru,10792,keripik,Jawa Timur\n"
        "U10,Salah,10792,keripik,Atlantis\n"
        "U11,Salah juga,xx,keripik,Aceh\n"
    )
    resp = web.post(
        "/admin/impor",
        data={"csrf_token": token, "kind": "umkm"},
        files={"file": ("umkm.csv", csv.encode(), "text/csv")},
    )
    assert resp.status_code == 422
    rows = re.findall(
        r"<tr><td data-label=\"Baris\">(\d+)</td><td data-label=\"Kolom\">(\w+)</td>", resp.text
    )
    assert rows == [("3", "province"), ("4", "kbli")]
    headers = {"X-API-Key": web.keys["admin"]}
    assert web.get("/umkm/U9", headers=headers).status_code == 404  # the good row was not written
    resp = web.post(
        "/admin/impor",
        data={"csrf_token": token, "kind": "umkm"},
        files={
            "file": (
                "umkm.csv",
                csv.splitlines()[0].encode() + b"\n" + csv.splitlines()[1].encode(),
                "text/csv",
            )
        },
    )
    assert resp.status_code == 200 and "1 disimpan" in resp.text
    assert web.get("/umkm/U9", headers=headers).status_code == 200


def test_import_problems_and_event_errors_read_in_the_viewers_language(web):
    token = sign_in(web, "admin")
    csv = "umkm_id,name,kbli,products,province\nU10,Salah,xx,keripik,Atlantis\n"

    def upload():
        return web.post(
            "/admin/impor",
            data={"csrf_token": token, "kind": "umkm"},
            files={"file": ("umkm.csv", csv.encode(), "text/csv")},
        ).text

    html = upload()
    assert "kode KBLI 3–5 digit" in html and "salah satu dari 38 provinsi" in html
    assert "one of the 38 provinces" not in html
    web.get("/bahasa/en")
    html = upload()
    assert "KBLI code(s) of 3 to 5 digits" in html and "one of the 38 provinces" in html
    assert "salah satu dari 38 provinsi" not in html
    resp = web.post(
        "/acara",
        data={"csrf_token": token, "name": "Temu", "umkm_ids": "U1, U99", "firm_ids": "F1"},
    )
    assert (
        resp.status_code == 422 and "Event not created: no UMKM with id &#39;U99&#39;" in resp.text
    )
    web.get("/bahasa/id")
    resp = web.post(
        "/acara",
        data={"csrf_token": token, "name": "Temu", "umkm_ids": "U1, U99", "firm_ids": "F1"},
    )
    assert "Acara tidak dibuat: tidak ada UMKM dengan ID &#39;U99&#39;" in resp.text


def test_model_page_charts_metrics_and_promotes(web, fake_source):
    token = sign_in(web, "admin")
    html = web.get("/admin/model").text
    assert '<svg class="chart"' in html and "ndcg@10" in html
    web.post("/admin/model/v2/promosi", data={"csrf_token": token})
    assert fake_source.current == "v2"


def test_retrain_without_a_registry_is_an_error_page_not_json(web):
    token = sign_in(web, "admin")
    resp = web.post("/admin/model/latih", data={"csrf_token": token})
    assert resp.status_code == 501 and "<h1>" in resp.text


def test_an_outcome_is_corrected_and_voided_with_its_audit_lines(web):
    token = sign_in(web)
    web.post(
        "/usaha/U1/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F1",
            "stage": "pertemuan",
            "date": "2026-01-05",
            "value": "",
        },
    )
    html = web.get("/usaha/U1").text
    oid = re.search(r'data-outcome="(\d+)"', html).group(1)
    resp = web.post(
        f"/usaha/U1/hasil/{oid}/koreksi",
        data={
            "csrf_token": token,
            "stage": "mou_signed",
            "date": "2026-01-05",
            "value": "150000000",
            "reason": "",
        },
    )
    assert resp.status_code == 422 and "tidak disimpan" in resp.text  # a reason is required
    resp = web.post(
        f"/usaha/U1/hasil/{oid}/koreksi",
        data={
            "csrf_token": token,
            "stage": "mou_signed",
            "date": "2026-01-05",
            "value": "150000000",
            "reason": "salah tahap",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    html = web.get("/usaha/U1").text
    assert "MoU ditandatangani" in html and "Rp150 juta" in html
    assert "Dikoreksi oleh ani" in html and "pertemuan → MoU ditandatangani" in html
    web.post(
        f"/usaha/U1/hasil/{oid}/batal", data={"csrf_token": token, "reason": "pasangan keliru"}
    )
    html = web.get("/usaha/U1").text
    assert "Dibatalkan oleh ani" in html and "pasangan keliru" in html
    # the same outcome twice is one entry
    for _ in range(2):
        web.post(
            "/usaha/U1/hasil",
            data={
                "csrf_token": token,
                "firm_id": "F3",
                "stage": "meeting",
                "date": "2026-01-06",
                "value": "",
            },
        )
    assert web.get("/usaha/U1").text.count('class="history-row"') == 2


def test_an_outcomes_note_is_stored_shown_corrected_and_bounded(web):
    from matcher.data import rules

    token = sign_in(web)
    resp = web.post(
        "/usaha/U1/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F1",
            "stage": "meeting",
            "date": "2026-01-05",
            "value": "",
            "note": "bertemu di pameran; tunggu sampel",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    html = web.get("/usaha/U1").text
    row = html[html.index('class="history-row"') :]
    assert "Catatan: bertemu di pameran; tunggu sampel" in row[:900]
    oid = re.search(r'data-outcome="(\d+)"', html).group(1)
    assert f'maxlength="{rules.max_length("note")}"' in html  # the field rule, in the form too
    resp = web.post(
        f"/usaha/U1/hasil/{oid}/koreksi",
        data={
            "csrf_token": token,
            "stage": "meeting",
            "date": "2026-01-05",
            "value": "",
            "note": "sampel sudah dikirim",
            "reason": "kabar baru",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    html = web.get("/usaha/U1").text
    assert "Catatan: sampel sudah dikirim" in html
    assert "catatan “bertemu di pameran; tunggu sampel” → “sampel sudah dikirim”" in html
    too_long = "x" * (rules.max_length("note") + 1)
    resp = web.post(
        "/usaha/U1/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F3",
            "stage": "meeting",
            "date": "2026-01-06",
            "value": "",
            "note": too_long,
        },
    )
    assert resp.status_code == 422 and "tidak disimpan" in resp.text
    assert f"note: seharusnya paling banyak {rules.max_length('note')} karakter" in resp.text
    assert web.get("/usaha/U1").text.count('class="history-row"') == 1


def test_another_umkms_outcome_cannot_be_corrected_through_this_page(web):
    token = sign_in(web, "admin")
    web.post(
        "/usaha/U3/hasil",
        data={
            "csrf_token": token,
            "firm_id": "F2",
            "stage": "meeting",
            "date": "2026-01-05",
            "value": "",
        },
    )
    oid = re.search(r'data-outcome="(\d+)"', web.get("/usaha/U3").text).group(1)
    resp = web.post(
        f"/usaha/U1/hasil/{oid}/koreksi",
        data={"csrf_token": token, "stage": "declined", "date": "2026-01-05", "reason": "x"},
    )
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "where",
    [
        {"province": "Jawa Tumur"},
        {"province": "jatim", "regency": "Pamekasn"},
        {"regency": "Pamekasn"},
    ],
)
def test_an_unknown_region_is_said_in_the_same_words_by_the_api_the_web_and_the_cli(web, where):
    """One owner for the wording (reference.unknown.*): the API's list filter, the web's
    search form and a region typed for an account (CLI or admin page) say it alike."""
    from markupsafe import escape

    from matcher.data.reference import UnknownReferenceError, normalise_province, unknown_regency
    from matcher.data.region_scope import Region, RegionError, canonical_region
    from matcher.i18n import text_in

    code = None
    try:
        code = normalise_province(where["province"])[0] if "province" in where else None
        said = unknown_regency(where["regency"], code)
    except UnknownReferenceError as exc:
        said = exc.args[0]
    field = "regency" if code or "province" not in where else "province"
    for lang in ("id", "en"):
        expected = text_in(said, lang)
        resp = web.get(
            "/umkm", params={**where, "lang": lang}, headers={"X-API-Key": web.keys["admin"]}
        )
        assert resp.status_code == 422 and f"{field}: {expected}" in resp.json()["detail"]
    sign_in(web, "admin")
    assert str(escape(text_in(said, "id"))) in web.get("/cari/umkm", params=where).text
    if "province" in where:
        with pytest.raises(RegionError) as info:
            canonical_region(Region(where["province"], where.get("regency")))
        assert text_in(info.value.detail, "id") == text_in(said, "id")
