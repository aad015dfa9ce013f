"""Retraining through the API: admin-only background jobs, their status, one at a time, and a
promotion that switches the served model without a restart.

The store holds a small demo world (profiles and all six events' outcomes). The champion is
trained on the first three events with their stages shuffled, so a challenger trained on the
genuine outcomes is known to beat it and be promoted. Models are kept small (``PARAMS``).
"""

from __future__ import annotations

import shutil
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.store import Store
from api.store.accounts import create_account
from api.store.importer import import_file
from api.store.model_state import mirrored_version
from matcher.ranking import MatchModel
from training.registry import Registry

pytestmark = pytest.mark.slow  # trains two small models (~10-20 s)

# 60 trees: with 20 the challenger underfits this 400 x 30 world and beats the facilitator's
# rule by only +0.019 of held-out NDCG@10 (13 UMKM), short of the gate's +0.02, so the
# promotion this file tests never happened; with 60 it is 0.615 vs 0.578 and is promoted.
PARAMS = dict(max_iter=60, learning_rate=0.1, n_negatives=5, n_folds=2)
CHAMPION_EVENTS = ("EVT-2022-1", "EVT-2023-1", "EVT-2023-2")  # 3 of 6 events


def _small_match_model(**params) -> MatchModel:
    """A MatchModel with the small PARAMS as defaults: a real MatchModel, so what is
    registered pickles and clones like the one `matcher train` makes."""
    return MatchModel(**{**PARAMS, **params})


@pytest.fixture(scope="module")
def served_world(tmp_path_factory):
    """A SQLite store with a demo world and two accounts, and a registry with a poor champion."""
    from api.retrain import read_store
    from matcher.demo import generate_world, write_world
    from training.train import train_and_register

    root = tmp_path_factory.mktemp("retrain-api")
    paths = write_world(generate_world(400, 30, seed=3), root / "data")
    settings = Settings(home=root / "home", registry=root / "models", reload_interval_s=0)
    store = Store(settings.resolved_database_url())
    for kind in ("umkm", "firms", "outcomes"):
        import_file(store, kind, paths[kind])
    keys = {}
    with store.transaction() as s:
        _, keys["admin"] = create_account(s, "admin", "admin")
        _, keys["facilitator"] = create_account(s, "ani", "facilitator")
    data = read_store(store)
    store.dispose()

    early = data.outcomes[data.outcomes["event_id"].isin(CHAMPION_EVENTS)].reset_index(drop=True)
    perm = np.random.default_rng(0).permutation(len(early))
    noise = early.assign(
        stage=early["stage"].to_numpy()[perm], grade=early["grade"].to_numpy()[perm]
    )
    # trees on shuffled grades and no domain prior in its score: a champion that knows
    # nothing (with the prior, half of any score, even shuffled labels rank fairly well)
    champion = train_and_register(
        data.umkm,
        data.firms,
        noise,
        Registry(settings.registry),
        params={**PARAMS, "prior_weight": 0.0},
        promote=False,
    ).version
    Registry(settings.registry).promote(champion, reason="test champion")
    return settings, keys, champion, data.umkm["umkm_id"].iloc[0]


@pytest.fixture
def api(served_world, tmp_path, monkeypatch):
    """A client on a private copy of the registry; the API's retrain fits the small model."""
    import training.train

    settings, keys, _, _ = served_world
    shutil.copytree(settings.registry, tmp_path / "models")
    monkeypatch.setattr(training.train, "MatchModel", _small_match_model)
    app = create_app(settings.model_copy(update={"registry": tmp_path / "models"}))
    with TestClient(app) as client:
        yield SimpleNamespace(
            client=client,
            app=app,
            registry=Registry(tmp_path / "models"),
            auth={who: {"X-API-Key": key} for who, key in keys.items()},
        )
        for job in app.state.retrain_jobs.list():  # never leave a job running past the app
            app.state.retrain_jobs.wait(job.job_id, timeout=120)


def _poll(api, job_id: str, timeout: float = 120) -> dict:
    """GET the job until it is done or failed (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        body = api.client.get(f"/models/retrain/{job_id}", headers=api.auth["admin"]).json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_retrain_promotes_and_the_served_model_switches_without_restart(api, served_world):
    settings, _, champion, umkm_id = served_world
    matches = f"/umkm/{umkm_id}/matches"
    assert api.client.get(matches, headers=api.auth["admin"]).json()["model_version"] == champion

    resp = api.client.post("/models/retrain", headers=api.auth["admin"])
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["status"] in ("queued", "running") and job["promoted"] is None

    body = _poll(api, job["job_id"])
    assert body["status"] == "done", body
    new = api.registry.current_version()
    assert body["promoted"] is True and body["version"] == new != champion, body["message"]
    assert body["message"].startswith(f"{new} dipromosikan: ")  # the server's language, id
    assert any("hasil dari penyimpanan sqlite" in line for line in body["progress"])
    assert body["report"].startswith(str(settings.home / "reports" / "retrain-"))

    api.app.state.retrain_jobs.wait(job["job_id"], timeout=60)  # on_done runs after "done"
    api.app.state.holder.wait_for_rebuild(60)
    assert api.client.get(matches, headers=api.auth["admin"]).json()["model_version"] == new
    with api.app.state.store.session() as s:
        assert mirrored_version(s) == new


def test_only_admins_may_retrain_or_read_jobs(api):
    assert api.client.post("/models/retrain").status_code == 401
    assert api.client.post("/models/retrain", headers=api.auth["facilitator"]).status_code == 403
    assert api.client.get("/models/retrain/abc", headers=api.auth["facilitator"]).status_code == 403
    assert api.app.state.retrain_jobs.list() == []  # nothing was started


def test_unknown_job_is_404(api):
    resp = api.client.get("/models/retrain/nope", headers=api.auth["admin"])
    assert resp.status_code == 404 and "nope" in resp.json()["detail"]


def test_second_retrain_while_one_runs_is_409_then_allowed_again(api, monkeypatch):
    """A stand-in retrain held at a gate, so 'still running' is certain, not a race."""
    import training.retrain

    gate = threading.Event()

    def held_retrain(umkm, firms, outcomes, registry, **kwargs):
        gate.wait(30)
        return SimpleNamespace(
            message="kept v0001: held", version="v0002", promoted=False, report=None
        )

    monkeypatch.setattr(training.retrain, "retrain", held_retrain)
    first = api.client.post("/models/retrain", headers=api.auth["admin"]).json()
    busy = api.client.post("/models/retrain", headers=api.auth["admin"])
    assert busy.status_code == 409
    assert busy.json()["detail"].startswith(f"pelatihan ulang {first['job_id']} masih berjalan")
    assert api.client.get(f"/models/retrain/{first['job_id']}", headers=api.auth["admin"]).json()[
        "status"
    ] in ("queued", "running")
    gate.set()
    body = _poll(api, first["job_id"])
    assert (body["status"], body["message"], body["promoted"]) == (
        "done",
        "kept v0001: held",
        False,
    )
    api.app.state.retrain_jobs.wait(first["job_id"], timeout=30)
    again = api.client.post("/models/retrain", headers=api.auth["admin"])
    assert again.status_code == 202 and again.json()["job_id"] != first["job_id"]
