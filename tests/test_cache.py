"""The ranked-list cache answers repeats from memory and is invalidated exactly when what
the answer depends on changes: the model (promotion), the profiles, the UMKM's outcomes."""
from __future__ import annotations

from api.store import FIRMS, upsert_profiles
from tests.test_api import api, prepared  # noqa: F401 - fixtures


def _firms(api, umkm="U1"):
    resp = api.get(f"/umkm/{umkm}/matches?k=3")
    assert resp.status_code == 200, resp.text
    return [m["firm_id"] for m in resp.json()["matches"]]


def test_repeat_reads_hit_and_changes_invalidate(api, tiny_world):
    cache = api.app.state.rank_cache
    first = _firms(api)
    assert _firms(api) == first and cache.hits == 1
    # an outcome for this UMKM (any path) makes the next read recompute
    api.post("/outcomes", json={"umkm_id": "U1", "firm_id": "F1", "stage": "meeting", "date": "2025-01-02"})
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
