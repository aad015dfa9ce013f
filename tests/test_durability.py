"""kill -9 durability: a server killed under write load keeps every outcome it
acknowledged; an import killed half-way leaves the store as it was (all or nothing)."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select

from api.settings import Settings
from api.store import FIRMS, UMKM, open_store, upsert_profiles
from api.store.accounts import create_account
from api.store.models import Outcome, Umkm
from tests.conftest import TINY_UMKM

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _home(tmp_path, tiny_world) -> tuple[Path, str]:
    home = tmp_path / "home"
    store = open_store(Settings(home=home), create=True)
    umkm, firms = tiny_world
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
        _, key = create_account(s, "admin", "admin")
    store.dispose()
    return home, key


def _env(home: Path) -> dict:
    env = dict(
        os.environ,
        MATCHER_HOME=str(home),
        MATCHER_REGISTRY=str(home / "models"),
        MATCHER_WRITE_RATE_PER_MINUTE="1000000",
        MATCHER_WRITE_BURST="100000",
        PYTHONPATH=str(REPO),
    )
    env.pop("MATCHER_DATABASE_URL", None)
    return env


def _count(home: Path, table) -> int:
    store = open_store(Settings(home=home))
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(table))
    store.dispose()
    return int(n)


def test_server_killed_under_write_load_keeps_every_acknowledged_outcome(tmp_path, tiny_world):
    home, key = _home(tmp_path, tiny_world)
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--log-level", "warning"],
        env=_env(home),
        cwd=tmp_path,
    )
    acked, stop = [], threading.Event()
    days = (
        itertools.count()
    )  # a new date per post: the same outcome posted twice is one row (200, not 201)

    def writer(i: int) -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=10
        ) as c:
            while not stop.is_set():
                try:
                    r = c.post(
                        "/outcomes",
                        json={
                            "umkm_id": f"U{1 + i % 3}",
                            "firm_id": "F1",
                            "stage": "meeting",
                            "date": str(date(2020, 1, 1) + timedelta(days=next(days) % 1800)),
                        },
                    )
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                if r.status_code == 201:
                    acked.append(r.json()["id"])

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # mid-write, no shutdown
        proc.wait(timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join()
        if proc.poll() is None:
            proc.kill()
    assert len(acked) >= 40
    store = open_store(Settings(home=home))
    with store.session() as s:
        stored = set(s.scalars(select(Outcome.id)))
    store.dispose()
    assert set(acked) <= stored, f"lost {len(set(acked) - stored)} acknowledged outcomes"


def test_import_killed_half_way_changes_nothing(tmp_path, tiny_world):
    home, _ = _home(tmp_path, tiny_world)
    big = pd.concat([TINY_UMKM] * 5000, ignore_index=True)
    big["umkm_id"] = [f"B{i:05d}" for i in range(len(big))]
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "matcher", "import", "umkm", str(path)], env=_env(home), cwd=tmp_path
    )
    time.sleep(6)  # reading and checking 15,000 rows; the staging writes begin after
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    n = _count(home, Umkm)
    assert n in (3, 15_003), n  # all of the file or none of it
