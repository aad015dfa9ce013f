"""Existence does not leak by timing: for a facilitator scoped to a region, a UMKM that
exists in another region and one that does not exist get the same status, the same body
shape and indistinguishable response times.

The check is the attack itself: requests for the two kinds are interleaved, and the test
fails when one threshold on the response time sorts them apart better than
``SEPARABLE`` (0.5 = a coin toss; the review found 1.0 on ``POST /outcomes``, 5.2 ms vs
2.0 ms, because scoring ran before the visibility check).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import Api

SAMPLES = 120
SEPARABLE = 0.75


def best_threshold_accuracy(a: np.ndarray, b: np.ndarray) -> float:
    """The best accuracy of any rule "time < t means a" (or its reverse) on these samples."""
    times = np.concatenate([a, b])
    is_a = np.concatenate([np.ones(len(a), bool), np.zeros(len(b), bool)])
    order = np.argsort(times, kind="stable")
    is_a = is_a[order]
    a_below = np.concatenate([[0], np.cumsum(is_a)])  # a's at or below each cut
    b_below = np.concatenate([[0], np.cumsum(~is_a)])
    acc = (a_below + (len(b) - b_below)) / len(times)  # below = a, above = b
    return float(max(acc.max(), (1 - acc).max()))


def test_the_separability_measure_knows_separable_from_not():
    rng = np.random.default_rng(0)
    same = best_threshold_accuracy(rng.normal(2, 0.3, 200), rng.normal(2, 0.3, 200))
    apart = best_threshold_accuracy(rng.normal(2, 0.3, 200), rng.normal(5, 0.3, 200))
    assert same < SEPARABLE and apart == 1.0


@pytest.fixture
def api(prepared, fake_source):  # noqa: F811
    """The API without a write rate limit (this test posts hundreds of outcomes)."""
    settings, keys = prepared
    app = create_app(
        settings.model_copy(update={"write_rate_per_minute": 1e9, "write_burst": 10**9}),
        model_source=fake_source,
    )
    with TestClient(app) as client:
        yield Api(client, keys, app)


def _measure(call, ids):
    """Interleaved timings per id kind, after a warm-up; status codes and body keys too."""
    for id_ in ids.values():
        call(id_)
    times = {k: [] for k in ids}
    shapes = {k: set() for k in ids}
    for _ in range(SAMPLES):
        for kind, id_ in ids.items():
            t0 = time.perf_counter()
            resp = call(id_)
            times[kind].append(time.perf_counter() - t0)
            shapes[kind].add((resp.status_code, tuple(sorted(resp.json()))))
    return {k: np.array(v) for k, v in times.items()}, shapes


@pytest.mark.parametrize("route", ["outcome", "profile", "matches"])
@pytest.mark.slow  # times hundreds of requests
def test_another_regions_umkm_is_indistinguishable_from_a_missing_one(api, route):
    # U3 exists (Aceh) but not in the Pamekasan facilitator's region; U999 does not exist
    ids = {"elsewhere": "U3", "missing": "U999"}
    calls = {
        "outcome": lambda u: api.post(
            "/outcomes",
            who="pamekasan",
            json={"umkm_id": u, "firm_id": "F1", "stage": "meeting", "date": "2025-01-02"},
        ),
        "profile": lambda u: api.get(f"/umkm/{u}", who="pamekasan"),
        "matches": lambda u: api.get(f"/umkm/{u}/matches", who="pamekasan"),
    }
    times, shapes = _measure(calls[route], ids)
    assert {s for s, _ in shapes["elsewhere"]} == {404}
    assert {keys for _, keys in shapes["elsewhere"]} == {keys for _, keys in shapes["missing"]}
    accuracy = best_threshold_accuracy(times["elsewhere"], times["missing"])
    medians = {k: round(float(np.median(v)) * 1e3, 2) for k, v in times.items()}
    assert accuracy < SEPARABLE, f"timing separates the two ({accuracy:.2f}); medians ms {medians}"
