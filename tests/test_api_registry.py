"""The API serving a real trained MatchModel from a real registry (no stand-ins): the
registry's current version is served, promotions through the API or elsewhere switch the
served model without a restart, and the store mirrors which version is current."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.store import Store
from api.store.accounts import create_account
from api.store.importer import import_file
from api.store.model_state import mirrored_version

pytestmark = pytest.mark.slow  # trains two small models once (a few seconds)


@pytest.fixture(scope="module")
def served_world(tmp_path_factory):
    """A small demo world in a SQLite store, and a registry with two trained versions."""
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm
    from matcher.demo import generate_world, write_world
    from matcher.ranking import MatchModel
    from training.registry import Registry

    root = tmp_path_factory.mktemp("served")
    paths = write_world(generate_world(40, 12, seed=1), root / "data")
    umkm, firms = load_umkm(paths["umkm"]), load_firms(paths["firms"])
    outcomes = load_outcomes(paths["outcomes"], umkm, firms)
    registry = Registry(root / "models")
    versions = []
    for max_iter in (10, 20):
        model = MatchModel(max_iter=max_iter, n_negatives=3, min_samples_leaf=3, n_folds=2)
        versions.append(
            registry.register(
                model.fit(umkm, firms, outcomes),
                metrics={"max_iter": max_iter},
                features=[],
                data_fingerprint="test",
            )
        )
    registry.promote(versions[0])
    settings = Settings(home=root / "home", registry=root / "models", reload_interval_s=0)
    store = Store(settings.resolved_database_url())
    import_file(store, "umkm", paths["umkm"])
    import_file(store, "firms", paths["firms"])
    with store.transaction() as s:
        _, key = create_account(s, "admin", "admin")
    store.dispose()
    return settings, registry, versions, key, umkm["umkm_id"].iloc[0]


@pytest.fixture
def client(served_world):
    settings, registry, versions, key, _ = served_world
    registry.promote(versions[0])
    with TestClient(create_app(settings), headers={"X-API-Key": key}) as c:
        yield c


def test_serves_the_registry_current_model_with_ranked_reasons(client, served_world):
    _, registry, versions, _, umkm_id = served_world
    assert client.get("/health").json()["model_version"] == versions[0]
    body = client.get(f"/umkm/{umkm_id}/matches", params={"k": 5}).json()
    scores = [m["score"] for m in body["matches"]]
    assert body["model_version"] == versions[0] and len(scores) == 5
    assert scores == sorted(scores, reverse=True)
    assert all(m["reasons"] for m in body["matches"])


def test_promotion_through_the_api_switches_the_served_model(client, served_world):
    settings, registry, versions, _, umkm_id = served_world
    models = client.get("/models").json()
    assert [v["version"] for v in models["versions"]] == versions
    assert models["current"] == versions[0] and models["versions"][1]["metrics"] == {"max_iter": 20}
    assert client.post(f"/models/{versions[1]}/promote").json() == {
        "version": versions[1],
        "previous": versions[0],
    }
    assert registry.current_version() == versions[1]
    client.app.state.holder.wait_for_rebuild(60)
    assert client.get(f"/umkm/{umkm_id}/matches").json()["model_version"] == versions[1]
    with client.app.state.store.session() as s:
        assert mirrored_version(s) == versions[1]


def test_a_promotion_elsewhere_is_picked_up_without_restart(client, served_world):
    _, registry, versions, _, umkm_id = served_world
    registry.promote(versions[1])  # as `matcher models promote` would, from another process
    client.get("/health")
    client.get(f"/umkm/{umkm_id}/matches")  # notices the new CURRENT, rebuilds in background
    client.app.state.holder.wait_for_rebuild(60)
    assert client.get(f"/umkm/{umkm_id}/matches").json()["model_version"] == versions[1]
