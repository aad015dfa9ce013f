"""kill -9 during a model promotion and during training (issue 14): the registry never
lists a half-written version, ``CURRENT`` always names a complete, verified model (the
old one or the new one), and whatever the server would load after the crash loads.

Training is killed at several points of a measured full run (reading, fitting,
registering); promotions are killed at random instants while a process flips the current
version back and forth as fast as it can."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from training.registry import Registry

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def _env(home: Path) -> dict:
    env = dict(
        os.environ,
        MATCHER_HOME=str(home),
        MATCHER_REGISTRY=str(home / "models"),
        PYTHONPATH=str(REPO),
    )
    env.pop("MATCHER_DATABASE_URL", None)
    return env


def _assert_consistent(root: Path, allowed_current: set[str | None]) -> list[str]:
    """Every listed version is complete and verifies; CURRENT names one of them (or is
    unset when nothing was ever promoted) and is one of ``allowed_current``."""
    registry = Registry(root)
    listed = registry.versions()
    assert all("error" not in v for v in listed), listed
    for v in listed:
        registry.load(v["version"])  # checksum-verified: a torn artifact would raise
    current = registry.current_version()
    assert current in allowed_current, (current, allowed_current)
    if current is not None:
        assert current in {v["version"] for v in listed}
        registry.load()  # what a (re)starting server loads
    return [v["version"] for v in listed]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "matcher",
            "demo-data",
            "--out",
            str(folder),
            "--n-umkm",
            "120",
            "--n-firms",
            "20",
            "--seed",
            "3",
        ],
        env=_env(folder / "unused"),
        check=True,
        capture_output=True,
    )
    return folder


def _train(world: Path, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "matcher",
            "train",
            "--umkm",
            str(world / "umkm.csv"),
            "--firms",
            str(world / "firms.csv"),
            "--outcomes",
            str(world / "outcomes.csv"),
        ],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_training_killed_at_any_point_lists_no_partial_version(world, tmp_path):
    home = tmp_path / "home"
    t0 = time.monotonic()
    assert _train(world, home).wait(timeout=600) == 0  # a full run: the reference version
    full = time.monotonic() - t0
    first = _assert_consistent(home / "models", {Registry(home / "models").current_version()})
    current = Registry(home / "models").current_version()
    assert len(first) == 1
    for share in (0.2, 0.5, 0.8, 0.9, 0.95, 0.99):
        proc = _train(world, home)
        time.sleep(full * share)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        listed = _assert_consistent(
            home / "models", {current} | set(Registry(home / "models")._version_ids())
        )
        current = Registry(home / "models").current_version()
        assert listed[: len(first)] == first  # nothing listed before is lost or changed
    # and the registry still takes a new version afterwards (no stale lock, no leftovers in the way)
    assert _train(world, home).wait(timeout=600) == 0
    assert (
        len(_assert_consistent(home / "models", {Registry(home / "models").current_version()})) >= 2
    )


FLIP = """
import sys
from training.registry import Registry
r, (a, b) = Registry(sys.argv[1]), sys.argv[2:4]
print("ready", flush=True)
while True:
    r.promote(a, "flip"); r.promote(b, "flop")
"""


def test_promotion_killed_at_random_instants_leaves_the_old_or_the_new_model(world, tmp_path):
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm
    from matcher.ranking import MatchModel

    root = tmp_path / "models"
    registry = Registry(root)
    umkm, firms = load_umkm(world / "umkm.csv"), load_firms(world / "firms.csv")
    outcomes = load_outcomes(world / "outcomes.csv", umkm, firms)
    versions = [
        registry.register(
            MatchModel(max_iter=it, n_negatives=2, n_folds=2).fit(umkm, firms, outcomes),
            metrics={},
            features=[],
            data_fingerprint="kill",
        )
        for it in (5, 10)
    ]
    registry.promote(versions[0])
    rng = random.Random(14)
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", FLIP, str(root), *versions],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.01, 0.4))  # mid-promotion: thousands of promotions a second
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _assert_consistent(root, set(versions)) == versions
    # the history may end in a torn line; it is read past, and promotions go on
    assert registry.history()
    registry.promote(versions[1])
    assert registry.current_version() == versions[1]
