"""``matcher serve --workers 2``: two processes answer on one port; a promotion through
either reaches both (each follows the registry's CURRENT pointer), and the answers they
give carry the model version they were computed with."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from api.settings import Settings
from api.store import open_store
from api.store.accounts import create_account
from api.store.importer import import_file
from tests.test_durability import _env, _port
from training.registry import Registry

pytestmark = pytest.mark.slow


def test_two_workers_follow_a_promotion_and_answer_consistently(tmp_path):
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm
    from matcher.demo import generate_world, write_world
    from matcher.ranking import MatchModel

    paths = write_world(generate_world(60, 15, seed=2), tmp_path / "data")
    umkm, firms = load_umkm(paths["umkm"]), load_firms(paths["firms"])
    outcomes = load_outcomes(paths["outcomes"], umkm, firms)
    home = tmp_path / "home"
    registry = Registry(home / "models")
    versions = [
        registry.register(
            MatchModel(max_iter=it, n_negatives=2, n_folds=2).fit(umkm, firms, outcomes),
            metrics={},
            features=[],
            data_fingerprint="w",
        )
        for it in (5, 10)
    ]
    registry.promote(versions[0])
    store = open_store(Settings(home=home), create=True)
    import_file(store, "umkm", paths["umkm"])
    import_file(store, "firms", paths["firms"])
    with store.transaction() as s:
        _, key = create_account(s, "admin", "admin")
    store.dispose()
    port = _port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "matcher",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=_env(home),
        cwd=tmp_path,
    )

    def served() -> set[str]:  # a new connection each time: either process may answer
        return {
            httpx.get(f"{base}/health", timeout=10).json().get("model_version") for _ in range(16)
        }

    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if served() == {versions[0]}:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert served() == {versions[0]}
        umkm_id = umkm["umkm_id"].iloc[0]
        headers = {"X-API-Key": key}
        resp = httpx.post(f"{base}/models/{versions[1]}/promote", headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        deadline = time.monotonic() + 30  # each process checks the registry every 2 s
        while served() != {versions[1]} and time.monotonic() < deadline:
            time.sleep(0.5)
        assert served() == {versions[1]}
        for _ in range(8):  # and every answer says which model made it: never a mix
            body = httpx.get(f"{base}/umkm/{umkm_id}/matches", headers=headers, timeout=30).json()
            assert body["model_version"] == versions[1] and body["matches"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
