"""The ranked-list cache answers repeats from memory and is invalidated exactly when what
the answer depends on changes: the model (promotion), the profiles, the UMKM's outcomes."""

from __future__ import annotations

from api.store import FIRMS, upsert_profiles


def _firms(api, umkm="U1"):
    resp = api.get(f"/umkm/{umkm}/matches?k=3")
    assert resp.status_code == 200, resp.text
    return [m["firm_id"] for m in resp.json()["matches"]]


def test_repeat_reads_hit_and_changes_invalidate(api, tiny_world):
    cache = api.app.state.rank_cache
    first = _firms(api)
    assert _firms(api) == first and cache.hits == 1
    # an outcome for this UMKM (any path) makes the next read recompute
    api.post(
        "/outcomes",
        json={"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-01-02"},
    )
    misses = cache.misses
    assert _firms(api) == first and cache.misses == misses + 1
    # a promotion serves a new snapshot: F3 is boosted by v2, and the answer shows it at once
    assert api.post("/models/v2/promote").status_code == 200
    api.holder.wait_for_rebuild(10)
    assert _firms(api)[0] == "F3"
    # a profile write (a new firm that fits U1) does too
    _, firms = tiny_world
    new = firms[firms["firm_id"] == "F1"].copy()
    new["firm_id"] = "F4"
    with api.app.state.store.transaction() as s:
        upsert_profiles(s, new, FIRMS)
    api.get("/health")
    _firms(api)  # notices the new profile revision, rebuilds in the background
    api.holder.wait_for_rebuild(10)
    assert "F4" in _firms(api)


def _statuses(api, umkm="U1", **params):
    resp = api.get(f"/umkm/{umkm}/matches", params={"k": 3, **params})
    assert resp.status_code == 200, resp.text
    return [(m["firm_id"], m["status"]) for m in resp.json()["matches"]]


def _outcome(api, firm, stage, date="2025-05-01"):
    resp = api.post(
        "/outcomes", json={"umkm_id": "U1", "firm_id": firm, "stage": stage, "date": date}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def test_a_correction_and_a_void_change_the_served_list_at_once(api):
    cache = api.app.state.rank_cache
    declined = _outcome(api, "F1", "declined")
    signed = _outcome(api, "F3", "contract_signed")
    assert _statuses(api) == [("F3", "partner"), ("F2", "")]
    assert (
        _statuses(api) == [("F3", "partner"), ("F2", "")] and cache.hits >= 1
    )  # served from the cache
    # the decline was a typo: corrected to a meeting, F1 is back at the top at once
    resp = api.post(
        f"/outcomes/{declined}/corrections", json={"reason": "salah ketik", "stage": "meeting"}
    )
    assert resp.status_code == 201, resp.text
    assert _statuses(api) == [("F1", ""), ("F3", "partner"), ("F2", "")]
    # the contract was entered for the wrong pair: voided, the partner flag goes at once
    resp = api.post(f"/outcomes/{signed}/void", json={"reason": "pasangan keliru"})
    assert resp.status_code == 201, resp.text
    assert _statuses(api) == [("F1", ""), ("F3", ""), ("F2", "")]


def test_a_revision_written_outside_the_server_invalidates_too(api):
    """A correction through the store (the CLI, the web form, another server process)
    changes no row the server saw an id of, only adds a revision: the key still moves."""
    from api.store.outcomes import correct_outcome, void_outcome

    declined = _outcome(api, "F1", "declined")
    assert _statuses(api) == [("F3", ""), ("F2", "")]
    store = api.app.state.store
    with store.transaction() as s:
        correct_outcome(
            s, declined, reason="dikoreksi di kantor", by="cli", stage="contract_signed"
        )
    assert _statuses(api) == [("F1", "partner"), ("F3", ""), ("F2", "")]
    with store.transaction() as s:
        void_outcome(s, declined, reason="batal", by="cli")
    assert _statuses(api) == [("F1", ""), ("F3", ""), ("F2", "")]


def test_another_umkms_outcomes_do_not_invalidate_and_are_not_read(api):
    from api.store.outcomes import outcomes_frame, outcomes_version

    cache = api.app.state.rank_cache
    _statuses(api)
    resp = api.post(
        "/outcomes",
        json={"umkm_id": "U2", "firm_id": "F1", "stage": "declined", "date": "2025-05-01"},
    )
    assert resp.status_code == 201
    hits = cache.hits
    assert _statuses(api) == [("F1", ""), ("F3", ""), ("F2", "")] and cache.hits == hits + 1
    with api.app.state.store.session() as s:
        assert outcomes_frame(s, umkm_id="U1").empty
        assert outcomes_frame(s, umkm_id="U2")["firm_id"].tolist() == ["F1"]
        assert outcomes_frame(s, firm_id="F1")["umkm_id"].tolist() == ["U2"]
        assert outcomes_version(s, umkm_id="U1") == (0, 0, 0, 0)
        assert outcomes_version(s, umkm_id="U2")[0] == 1


def test_a_profile_change_serves_the_new_ranking(api, tiny_world):
    from api.store import UMKM

    assert _firms(api)[0] == "F1"
    umkm, _ = tiny_world
    weaver = umkm[umkm["umkm_id"] == "U1"].copy()
    weaver["kbli"] = [("13121",)]  # U1 now weaves: the Aceh textile firm fits it
    with api.app.state.store.transaction() as s:
        upsert_profiles(s, weaver, UMKM)
    _firms(api)  # notices the new profile revision; the old snapshot answers meanwhile
    api.holder.wait_for_rebuild(10)
    assert _firms(api)[0] == "F2"


def test_prewarmed_answers_are_exactly_the_computed_ones(api):
    """The prewarm (every UMKM's default answer, batch-computed for a new snapshot) stores
    byte for byte what a request computes, under the key a request looks up."""
    from api.matching import prewarm

    _outcome(api, "F1", "declined")
    _outcome(api, "F3", "contract_signed", "2025-05-02")
    cache, store = api.app.state.rank_cache, api.app.state.store
    snapshot = api.holder.snapshot
    computed = {u: api.get(f"/umkm/{u}/matches").content for u in ("U1", "U2", "U3")}
    cache._per_snapshot.clear()
    assert prewarm(snapshot, cache, store, still_wanted=lambda: True) == 3
    hits = cache.hits
    for u, body in computed.items():
        assert api.get(f"/umkm/{u}/matches").content == body
    assert cache.hits == hits + 3
    # a prewarm for a snapshot no longer served stops at once
    assert prewarm(snapshot, cache, store, still_wanted=lambda: False) == 0


def test_after_the_prewarm_recording_and_reading_outcomes_costs_no_model_time(api, monkeypatch):
    """The prewarm keeps every UMKM's outcome-free list: recording an outcome (which notes
    whether the engine recommended the pair) and the next read (which applies the new
    outcome: the declined firm left out, the partner flagged) score nothing, and the read
    is exactly what scoring with the outcomes gives."""
    from api.matching import firms_for_umkm, prewarm
    from api.store.outcomes import outcomes_frame

    cache, store = api.app.state.rank_cache, api.app.state.store
    snapshot = api.holder.current()
    assert prewarm(snapshot, cache, store) == 3
    before = [m["firm_id"] for m in api.get("/umkm/U1/matches").json()["matches"]]

    def no_scoring(*args, **kwargs):
        raise AssertionError("the model was asked to score")

    monkeypatch.setattr(snapshot.service.model, "top_firms", no_scoring)
    _outcome(api, before[0], "declined")
    _outcome(api, before[1], "contract_signed", "2025-05-02")
    body = api.get("/umkm/U1/matches").json()
    assert [m["firm_id"] for m in body["matches"]] == before[1:]
    assert body["matches"][0]["status"] == "partner"
    monkeypatch.undo()
    with store.session() as s:
        want = firms_for_umkm(
            snapshot, "U1", 10, outcomes=outcomes_frame(s, umkm_id="U1")
        ).model_dump()
    assert body == want


def test_the_server_prewarms_each_new_snapshot(prepared, fake_source):
    import time

    from fastapi.testclient import TestClient

    from api.main import create_app

    settings, keys = prepared
    app = create_app(settings.model_copy(update={"prewarm": True}), model_source=fake_source)
    with TestClient(app) as client:
        cache = app.state.rank_cache
        deadline = time.monotonic() + 10
        while cache.hits + cache.misses == 0 and time.monotonic() < deadline:
            snapshot = app.state.holder.snapshot
            if snapshot is not None and cache.entries(snapshot) == 3:
                break
            time.sleep(0.05)
        resp = client.get("/umkm/U1/matches", headers={"X-API-Key": keys["admin"]})
        assert resp.status_code == 200 and (cache.hits, cache.misses) == (1, 0)


def _prewarming_app(prepared, fake_source):
    from api.main import create_app

    settings, keys = prepared
    return create_app(settings.model_copy(update={"prewarm": True}), model_source=fake_source)


def _wait_until(condition, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def test_a_promotion_is_warmed_before_it_is_swapped_in(prepared, fake_source):
    """While the promoted model's lists are computed, the old model answers (from its warm
    cache); once swapped, every UMKM's first read under the new model is a hit that names
    the new model. Never a mix: an answer names the model whose lists it carries."""
    from fastapi.testclient import TestClient

    _, keys = prepared
    app = _prewarming_app(prepared, fake_source)
    headers = {"X-API-Key": keys["admin"]}
    with TestClient(app) as client:
        holder, cache = app.state.holder, app.state.rank_cache
        _wait_until(lambda: cache.entries(holder.snapshot) == 3)
        old = holder.snapshot
        seen_during_warm = []
        real_warm = holder.warm

        def observing_warm(new, still_wanted):
            # the rebuild thread warms `new` while requests are still answered by `old`
            assert holder.snapshot is old and new is not old
            body = client.get("/umkm/U1/matches", headers=headers).json()
            seen_during_warm.append((body["model_version"], body["matches"][0]["firm_id"]))
            done = real_warm(new, still_wanted)
            assert cache.entries(new) == 3  # all three warmed before the swap
            assert cache.entries(new, "ahead") == 3  # and their outcome-free lists
            assert holder.snapshot is old
            return done

        holder.warm = observing_warm
        assert client.post("/models/v2/promote", headers=headers).status_code == 200
        holder.wait_for_rebuild(10)
        assert seen_during_warm == [("v1", "F1")]  # the old model, from its cache
        assert holder.snapshot is not old and holder.snapshot in holder.warmed
        hits, misses = cache.hits, cache.misses
        for u in ("U1", "U2", "U3"):
            body = client.get(f"/umkm/{u}/matches", headers=headers).json()
            assert body["model_version"] == "v2"
        assert body["matches"][0]["firm_id"] == "F3"  # v2 boosts F3: its list, not v1's
        assert (cache.hits, cache.misses) == (hits + 3, misses)


def test_a_warm_superseded_by_another_change_stops(prepared, fake_source):
    """A second promotion during the warm makes the first warm stop (the rebuild that
    follows serves the latest model), and a failed warm still swaps, cold."""
    from fastapi.testclient import TestClient

    _, keys = prepared
    app = _prewarming_app(prepared, fake_source)
    headers = {"X-API-Key": keys["admin"]}
    with TestClient(app) as client:
        holder = app.state.holder
        _wait_until(lambda: holder.snapshot is not None)
        wanted = []

        def superseded(new, still_wanted):
            wanted.append(still_wanted())
            fake_source.promote("v1")  # another change while warming
            wanted.append(still_wanted())
            raise RuntimeError("warm failed")

        holder.warm = superseded
        assert client.post("/models/v2/promote", headers=headers).status_code == 200
        holder.wait_for_rebuild(10)
        assert wanted == [True, False]
        assert holder.snapshot.model_version == "v2"  # swapped anyway, not warmed
        assert holder.snapshot not in holder.warmed
        assert client.get("/umkm/U1/matches", headers=headers).json()["model_version"] == "v2"


# -- who is behind a key, remembered a few seconds -------------------------------------
def test_key_cache_forgets_after_its_ttl_and_is_bounded():
    from api.cache import KeyCache

    now = [0.0]
    keys = KeyCache(ttl_s=5, size=2, clock=lambda: now[0])
    keys.put("a", "ani")
    now[0] = 4.9
    assert keys.get("a") == "ani"
    now[0] = 5.0
    assert keys.get("a") is None  # expired: looked up again
    keys.put("a", "ani"), keys.put("b", "budi"), keys.put("c", "cici")
    assert (keys.get("a"), keys.get("b"), keys.get("c")) == (None, "budi", "cici")
    keys.clear()
    assert keys.get("b") is None
    off = KeyCache(ttl_s=0)
    off.put("a", "ani")
    assert off.get("a") is None


def test_a_revoked_key_is_refused_within_the_key_cache_ttl(api):
    """The documented window: a key revoked elsewhere (the CLI, another server process)
    still works in this process until its cached lookup is ``MATCHER_KEY_CACHE_S`` old,
    then is refused; a wrong key is never cached."""
    from api.store.accounts import revoke_account

    keys = api.app.state.key_cache
    now = [100.0]
    keys.clock = lambda: now[0]
    assert api.get("/umkm/U1/matches", who="jatim").status_code == 200
    with api.app.state.store.transaction() as s:
        revoke_account(s, "budi")
    now[0] += keys.ttl_s - 0.5
    assert api.get("/umkm/U1/matches", who="jatim").status_code == 200  # inside the window
    now[0] += 0.5
    assert api.get("/umkm/U1/matches", who="jatim").status_code == 401  # refused after it
    assert api.get("/umkm/U1", who="jatim").status_code == 401
    assert api.get("/umkm/U1/matches", who="revoked").status_code == 401
    assert len(keys._items) == 0  # neither refusal was remembered


def test_a_region_change_applies_within_the_key_cache_ttl(api):
    from api.store import Region
    from api.store.accounts import set_region

    keys = api.app.state.key_cache
    now = [100.0]
    keys.clock = lambda: now[0]
    assert api.get("/umkm/U1/matches", who="jatim").status_code == 200
    with api.app.state.store.transaction() as s:
        set_region(s, "budi", Region("Aceh"))
    now[0] += keys.ttl_s
    assert api.get("/umkm/U1/matches", who="jatim").status_code == 404


def test_a_warm_match_read_is_one_database_query(api):
    """Key remembered, answer cached: the read asks the database one thing (may the caller
    see this UMKM, and its outcome version), whether or not it may see it."""
    from sqlalchemy import event

    statements = []
    engine = api.app.state.store.engine
    api.holder.reload_interval_s = 3600  # the tests' 0 checks the profile revision each time

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    for _ in range(2):
        assert api.get("/umkm/U1/matches", who="pamekasan").status_code == 200
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert api.get("/umkm/U1/matches", who="pamekasan").status_code == 200
        assert len(statements) == 1, statements
        statements.clear()
        for missing in ("U3", "nope"):  # U3 is in Aceh: outside ani's region, as if absent
            resp = api.get(f"/umkm/{missing}/matches", who="pamekasan")
            assert (
                resp.status_code == 404
                and resp.json()["detail"] == f"tidak ada UMKM dengan ID {missing!r}"
            )
        assert len(statements) == 2 and statements[0] == statements[1]  # the same statement
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_engine_recommended_is_computed_once_per_umkm_and_snapshot(api):
    """Whether the engine recommended a pair depends on the model and the profiles only:
    the UMKM's outcome-free list is kept per snapshot (shared with its match reads), so its
    second outcome asks no model, and a promotion asks the new model."""
    from api.store.outcomes import list_outcomes

    cache, source = api.app.state.rank_cache, api.app.state.holder.source
    calls = []
    model = source.models["v1"]
    real = type(model).top_firms

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    type(model).top_firms = counting
    try:
        _outcome(api, "F1", "meeting")
        _outcome(api, "F2", "meeting")  # recommended_k is 1 here: F1 is U1's top firm
        assert len(calls) == 1
        assert api.post("/models/v2/promote").status_code == 200
        api.holder.wait_for_rebuild(10)
        _firms(api)  # serves v2
        _outcome(api, "F3", "meeting", "2025-05-03")  # v2 boosts F3: now U1's top firm
        # one read under v2 scores U1's outcome-free list; the outcome then reuses it
        assert len(calls) == 2
    finally:
        type(model).top_firms = real
    with api.app.state.store.session() as s:
        rows = {
            o.firm_id: (o.recommended_by_engine, o.model_version) for o in list_outcomes(s, "U1")
        }
    assert rows == {"F1": (True, "v1"), "F2": (False, "v1"), "F3": (True, "v2")}
    assert cache.hits >= 1


def test_server_processes_of_one_home_share_the_prewarm(api, tmp_path, monkeypatch):
    """The first process to warm a snapshot writes its outcome-free lists to the shared
    folder; another process reads them instead of scoring, and caches byte for byte the
    same answers. A torn file is scored again, not trusted."""
    import pandas as pd

    from api.cache import RankCache
    from api.matching import prewarm

    store, snapshot = api.app.state.store, api.holder.current()
    _outcome(api, "F1", "declined")
    first = RankCache()
    assert prewarm(snapshot, first, store, shared=tmp_path) == 3
    (written,) = tmp_path.glob("ahead-*.parquet")

    def no_scoring(*args, **kwargs):
        raise AssertionError("the model was asked to score")

    with monkeypatch.context() as m:
        m.setattr(snapshot.service.model, "top_firms", no_scoring)
        second = RankCache()
        assert prewarm(snapshot, second, store, shared=tmp_path) == 3
    mine, theirs = first._per_snapshot[snapshot].items, second._per_snapshot[snapshot].items
    assert mine.keys() == theirs.keys() and len(mine) == 6
    for key, value in mine.items():
        if isinstance(value, bytes):
            assert theirs[key] == value
        else:
            pd.testing.assert_frame_equal(
                theirs[key].reset_index(drop=True), value.reset_index(drop=True)
            )
    written.write_bytes(b"not parquet")
    third = RankCache()
    assert prewarm(snapshot, third, store, shared=tmp_path) == 3
    assert third._per_snapshot[snapshot].items.keys() == mine.keys()
    assert pd.read_parquet(written).shape[0] > 0  # scored again and written whole


def test_shared_lists_are_kept_apart_by_code_and_language(monkeypatch):
    """An upgraded server or one set to another language never reads lists written by
    another: the shared file's name carries a fingerprint of both."""
    from api.matching import _code_fingerprint

    fingerprint = _code_fingerprint.__wrapped__
    monkeypatch.setenv("MATCHER_LANG", "id")
    indonesian = fingerprint()
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert fingerprint() != indonesian
    assert fingerprint() == fingerprint()  # stable for one code and language


def test_a_profile_newer_than_the_served_model_is_a_503_in_the_readers_language(api):
    """One check (api.matching.require_loaded) for matches and advice alike, its words from
    the catalogue: Indonesian by default."""
    import pytest

    from api.engine import ServiceUnavailable
    from api.matching import require_loaded
    from matcher.i18n import text_in

    with pytest.raises(ServiceUnavailable) as err:
        require_loaded(api.holder.current(), "umkm", "U99")
    assert text_in(err.value.args[0], "id").startswith(
        "UMKM 'U99' ditambahkan setelah model yang berjalan memuat profilnya"
    )
