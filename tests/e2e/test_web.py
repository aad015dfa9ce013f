"""The facilitator web app in a real browser (see conftest: one server, one small world)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_facilitator_finds_a_umkm_by_product_word_and_records_a_meeting(visitor, world):
    v = visitor()
    v.sign_in("ani")
    page = v.page
    assert page.locator("h1").inner_text() == "Beranda"
    v.shot("beranda")

    page.click("text=Cari UMKM")
    page.fill("#q", world.word)
    page.click("form[role=search] button[type=submit]")
    results = page.locator(".result")
    assert results.count() >= 1
    assert re.match(r"\d+ hasil", page.locator(".count").inner_text())
    # scoped to Pamekasan: every result is there
    for place in page.locator(".result .place").all_inner_texts():
        assert "Pamekasan" in place
    v.shot("cari-umkm")

    page.click(f".result a[href='/usaha/{world.target}']")
    assert (
        page.locator("h1").inner_text() == world.umkm.set_index("umkm_id").at[world.target, "name"]
    )
    matches = page.locator(".match")
    assert matches.count() == 10
    first = matches.first
    firm_name = first.locator("h3").inner_text()
    assert first.locator(".reasons li").count() >= 1
    assert re.search(r"jarak [\d.]+ km", first.locator(".meta").first.inner_text())
    # every match leads with a chance in words and an Indonesian percent, never a raw score
    for card in matches.all():
        chance = card.locator(".chance strong").inner_text()
        assert re.fullmatch(
            r"peluang kontrak \d{1,3}% \((tinggi|sedang|rendah|sangat rendah)\)", chance
        ), chance
        detail = card.locator(".chance .meta").inner_text()
        assert re.fullmatch(r"\(pertemuan \d{1,3}%, MoU \d{1,3}%, kontrak \d{1,3}%\)", detail), (
            detail
        )
        shown = card.inner_text()
        # a decimal that is not a thousands group ("1.626 km" is) would be a model number
        raw = r"\b0[.,]\d+|\b\d+[.,](?!\d{3}(?:\D|$))\d+|\bskor\b|\bscore\b"
        assert not re.search(raw, shown, re.IGNORECASE), shown
    v.shot("umkm")

    first.locator("summary").click()
    first.locator("select[name=stage]").select_option("meeting")
    first.locator("textarea[name=note]").fill("bertemu di pameran; tunggu sampel")
    first.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"recorded=1"))
    row = page.locator(".history-row").first
    assert firm_name in row.inner_text()
    assert "pertemuan" in row.inner_text() and "ani" in row.inner_text()
    assert row.locator(".note").inner_text() == "Catatan: bertemu di pameran; tunggu sampel"

    row.locator("details.fix summary").click()
    row.locator("select[name=stage]").select_option("mou_signed")
    row.locator("form[action$='/koreksi'] input[name=reason]").fill(
        "salah pilih tahap; sebenarnya MoU"
    )
    row.locator("form[action$='/koreksi'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"corrected="))
    row = page.locator(".history-row").first
    assert row.locator("strong").first.inner_text() == "MoU ditandatangani"
    audit = row.locator(".audit").inner_text()
    assert "Dikoreksi oleh ani" in audit and "pertemuan → MoU ditandatangani" in audit
    assert "salah pilih tahap" in audit
    assert row.locator(".note").inner_text() == "Catatan: bertemu di pameran; tunggu sampel"  # kept
    v.shot("umkm-riwayat")


def test_a_umkm_outside_the_region_is_not_found_and_nothing_leaks(visitor, world):
    v = visitor()
    v.sign_in("ani")
    response = v.go(f"/usaha/{world.outsider}")
    assert response.status == 404
    text = v.page.locator("main").inner_text()
    assert "tidak ditemukan" in text.lower()
    outsider = world.umkm.set_index("umkm_id").loc[world.outsider]
    for secret in (outsider["name"], outsider["products"]):  # (its ID is in the URL typed)
        assert secret not in v.page.content()
    assert v.page.locator(".match, .history-row, .facts").count() == 0


def test_signing_in_needs_a_valid_key_and_pages_need_a_session(visitor, world):
    v = visitor()
    v.go("/cari/umkm")
    assert "/masuk" in v.page.url
    v.page.fill("#key", "not-a-key-at-all-xxxxxxxxxxxx")
    v.page.click("form[action='/masuk'] button[type=submit]")
    assert "Kunci tidak dikenal" in v.page.locator(".alert").inner_text()
    v.shot("masuk")
    cookies = {c["name"]: c for c in v.context.cookies()}
    assert "matcher_session" not in cookies
    assert cookies["matcher_csrf"]["httpOnly"] and cookies["matcher_csrf"]["sameSite"] == "Strict"
    v.sign_in("ani")
    session = {c["name"]: c for c in v.context.cookies()}["matcher_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert world.keys["ani"] not in session["value"]


def test_english_switch_changes_the_language_and_is_remembered(visitor, world):
    v = visitor()
    v.sign_in("ani")
    v.go("/cari/umkm")
    assert v.page.locator("h1").inner_text() == "Cari UMKM"
    v.page.click("a.lang")
    assert v.page.locator("h1").inner_text() == "Find UMKM"
    v.go(f"/usaha/{world.target}")
    assert v.page.locator("#cocok").inner_text() == "Best matching companies"
    v.page.click("a.lang")
    assert v.page.locator("h1").inner_text() != ""
    assert v.page.locator("#cocok").inner_text() == "Perusahaan yang paling cocok"


def test_the_umkm_page_fits_a_360px_phone(visitor, world):
    v = visitor()
    v.sign_in("ani")
    v.page.set_viewport_size({"width": 360, "height": 780})
    for path in (f"/usaha/{world.target}", "/cari/umkm?q=" + world.word, "/"):
        v.go(path)
        width = v.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"{path} scrolls sideways at 360 px: {width}"


def test_api_docs_work_offline(visitor, world):
    v = visitor()
    v.go("/docs")
    v.page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert "matcher" in v.page.locator(".swagger-ui .info").inner_text()


def test_admin_import_with_two_bad_rows_shows_both_and_changes_nothing(visitor, world, tmp_path):
    import pandas as pd
    from sqlalchemy import create_engine, text

    raw = pd.read_csv(world.files / "umkm.csv", dtype=str, keep_default_na=False).head(4)
    raw.loc[0, "name"] = (
        "NAMA BARU YANG TIDAK BOLEH MASUK"  # a good row: must not be written either
    )
    raw.loc[1, "province"] = "Atlantis"
    raw.loc[3, "kbli"] = "abc"
    bad = tmp_path / "umkm-salah.csv"
    raw.to_csv(bad, index=False)
    engine = create_engine(f"sqlite:///{world.home / 'matcher.db'}")

    def snapshot():
        with engine.connect() as c:
            return c.execute(
                text("select umkm_id, name, province, kbli from umkm order by umkm_id")
            ).all()

    before = snapshot()
    v = visitor()
    v.sign_in("admin")
    v.go("/admin/impor")
    v.page.select_option("#kind", "umkm")
    v.page.set_input_files("#file", str(bad))
    v.page.click("form[action='/admin/impor'] button[type=submit]")
    rows = v.page.locator("table.problems tbody tr")
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "3" in first and "province" in first and "Atlantis" in first
    assert "5" in second and "kbli" in second and "abc" in second
    # what was expected, in the page's language: Indonesian by default ...
    expected = v.page.locator("table.problems tbody td:nth-child(4)").all_inner_texts()
    assert expected[0].startswith("salah satu dari 38 provinsi"), expected
    assert expected[1].startswith("kode KBLI 3–5 digit"), expected
    v.shot("admin-impor")
    # ... and English after the switch, for the same file
    v.page.click("a.lang")
    v.go("/admin/impor")
    v.page.select_option("#kind", "umkm")
    v.page.set_input_files("#file", str(bad))
    v.page.click("form[action='/admin/impor'] button[type=submit]")
    expected = v.page.locator("table.problems tbody td:nth-child(4)").all_inner_texts()
    assert expected[0].startswith("one of the 38 provinces"), expected
    assert expected[1].startswith("KBLI code(s) of 3 to 5 digits"), expected
    v.page.click("a.lang")  # back to Indonesian for the other tests of this browser
    assert snapshot() == before
    engine.dispose()


def test_an_event_is_planned_from_the_page_and_its_workbook_downloads(visitor, world, tmp_path):
    from openpyxl import load_workbook

    pamekasan = world.umkm.loc[
        world.umkm["regency"].fillna("").str.contains("Pamekasan"), "umkm_id"
    ]
    v = visitor()
    v.sign_in("ani")
    v.go("/acara")
    v.page.fill("#name", "Temu Bisnis Pamekasan")
    v.page.fill("#date", "2026-12-10")
    v.page.fill("#umkm_ids", "\n".join(pamekasan.head(8)))
    v.page.fill("#firm_ids", ", ".join(world.firms["firm_id"].head(4)))
    v.page.click("form[action='/acara'] button[type=submit]")
    assert v.page.locator("h1").inner_text() == "Temu Bisnis Pamekasan"
    # preferences (#13): the first UMKM vetoes the first firm, the second wants to meet it;
    # a row naming a non-participant is refused with its row, and nothing is stored
    umkm_a, umkm_b = pamekasan.iloc[0], pamekasan.iloc[1]
    firm_a = world.firms["firm_id"].iloc[0]
    prefs = tmp_path / "preferensi.csv"
    prefs.write_text(
        "from_party,from_id,to_id,preference\n"
        f"umkm,{umkm_a},{firm_a},tidak\numkm,{umkm_b},{firm_a},ingin\n"
        f"umkm,{umkm_b},BUKAN-PESERTA,ingin\n"
    )
    v.page.set_input_files("#preferences-file", str(prefs))
    v.page.click("form[action$='/preferensi'] button[type=submit]")
    (bad,) = v.page.locator("#preferensi table.problems tbody tr").all_inner_texts()
    assert "4" in bad and "to_id" in bad and "BUKAN-PESERTA" in bad
    prefs.write_text("\n".join(prefs.read_text().splitlines()[:3]) + "\n")
    v.page.set_input_files("#preferences-file", str(prefs))
    v.page.click("form[action$='/preferensi'] button[type=submit]")
    assert (
        "2 preferensi tersimpan: 1 ingin bertemu, 1 veto"
        in v.page.locator(".pref-count").inner_text()
    )
    v.page.click("text=Susun rencana pertemuan")
    assert "pertemuan direncanakan" in v.page.locator("#rencana .notice").inner_text()
    wishes = v.page.locator(".wishes").inner_text()
    assert re.search(r"Keinginan UMKM terpenuhi: [01] dari 1", wishes), wishes
    assert "Keinginan perusahaan terpenuhi: 0 dari 0" in wishes
    api = v.context.request.post(
        f"{world.base}/events/{v.page.url.split('/acara/')[1].split('?')[0]}/plan",
        headers={"X-API-Key": world.keys["ani"]},
    )
    assert [umkm_a, firm_a] not in [[p["umkm_id"], p["firm_id"]] for p in api.json()["pairs"]]
    assert v.page.locator(".plan-firm").count() >= 1
    assert v.page.locator(".plan-umkm tbody tr").count() >= 1
    first_slot = v.page.locator(".schedule tbody tr").first.inner_text()
    assert "09:00" in first_slot  # the timetable starts the day
    v.shot("acara")
    with v.page.expect_download() as info:
        v.page.click("#workbook")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".xlsx"
    assert len(load_workbook(path).sheetnames) >= 2


def test_every_main_page_renders_for_its_user(visitor, world):
    """Screenshots of the other pages, and each loads only from the app's own host."""
    firm = world.firms["firm_id"].iloc[0]
    v = visitor()
    v.sign_in("ani")
    for name, path, heading in (
        ("perusahaan", f"/perusahaan/{firm}", None),
        ("cari-perusahaan", "/cari/perusahaan?investment_type=PMA", "Cari perusahaan"),
        ("program", "/program", "Dasbor program kemitraan"),
    ):
        assert v.go(path).status == 200, path
        if heading:
            assert v.page.locator("h1").inner_text() == heading
        v.shot(name)
    assert v.go("/admin").status == 403  # facilitators are not admins
    a = visitor()
    a.sign_in("admin")
    for name, path in (("admin-akun", "/admin/akun"), ("admin-model", "/admin/model")):
        assert a.go(path).status == 200, path
        a.shot(name)
    assert a.page.locator("svg.chart").count() == 1 or a.page.locator(".model-row").count() == 1


def test_the_keyboard_reaches_the_skip_link_and_the_search(visitor, world):
    v = visitor()
    v.sign_in("ani")
    v.go("/cari/umkm")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.className") == "skip"
    v.page.keyboard.press("Enter")
    for _ in range(12):  # past the header links to the first field
        v.page.keyboard.press("Tab")
        if v.page.evaluate("document.activeElement.id") == "q":
            break
    assert v.page.evaluate("document.activeElement.id") == "q"
    v.page.keyboard.type(world.word)
    with v.page.expect_navigation():
        v.page.keyboard.press("Enter")
    assert v.page.locator(".result").count() >= 1
