"""Latency of ``GET /umkm/{id}/matches`` on a served world with 20,000 firms.

Builds a home (SQLite store with the demo world's profiles, a registry with a model trained
on its history, an admin key), starts ``matcher serve`` as a subprocess on 127.0.0.1, and
drives it from this process with a bounded number of sequential keep-alive requests.
``GET /health`` in the same run is the reference: it is the floor this machine's HTTP stack
gives (routing, JSON, loopback), so the difference is what matching costs.

Targets: p50 <= 30 ms, p99 <= 100 ms for matches (k=10).

    .venv/bin/python bench/bench_api.py [--firms 20000] [--umkm 2000] [--train-umkm 300] [--requests 400]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_files, load_average, timer, trained_model  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_P50_MS, TARGET_P99_MS = 30.0, 100.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_home(home: Path, n_umkm: int, n_firms: int, train_umkm: int) -> str:
    """Store + registry under ``home``; returns an admin API key.

    The model is fitted on the history of the first ``train_umkm`` UMKM only: serving
    latency depends on the number of firms scored, not on how much history trained it,
    and this keeps the set-up to minutes."""
    from api.settings import Settings
    from api.store import open_store
    from api.store.accounts import create_account
    from api.store.importer import import_file
    from training.registry import Registry

    with timer() as t:
        files = demo_files(home / "data", n_umkm, n_firms, seed=0)
    print(
        f"demo world: {len(files.umkm):,} UMKM, {len(files.firms):,} firms, "
        f"{len(files.outcomes):,} outcomes ({t():.1f} s)"
    )
    trained_on = files.umkm["umkm_id"].iloc[:train_umkm]
    history = replace(files, outcomes=files.outcomes[files.outcomes["umkm_id"].isin(trained_on)])
    with timer() as t:
        model = trained_model(history)
    print(
        f"trained MatchModel on {len(history.outcomes):,} outcomes ({t():.1f} s, "
        f"{model.ranker_.n_iter_} trees: request time grows with them)"
    )
    registry = Registry(home / "models")
    registry.promote(registry.register(model, metrics={}, features=[], data_fingerprint="bench"))
    store = open_store(Settings(home=home), create=True)
    with timer() as t:
        import_file(store, "umkm", files.path("umkm"))
        import_file(store, "firms", files.path("firms"))
    print(f"imported profiles into SQLite ({t():.1f} s)")
    with store.transaction() as s:
        _, key = create_account(s, "bench", "admin")
    store.dispose()
    return key


def start_server(home: Path, port: int, workers: int = 1) -> subprocess.Popen:
    env = dict(
        os.environ,
        MATCHER_HOME=str(home),
        MATCHER_REGISTRY=str(home / "models"),
        PYTHONPATH=str(REPO),
    )
    env.pop("MATCHER_DATABASE_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "matcher",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=home,
    )


def wait_ready(client: httpx.Client, proc: subprocess.Popen, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            body = client.get("/health").json()
            if body.get("model_version"):
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not become ready in time")


def latencies_ms(client: httpx.Client, paths: list[str]) -> np.ndarray:
    out = np.empty(len(paths))
    for i, path in enumerate(paths):
        t0 = time.perf_counter()
        resp = client.get(path)
        out[i] = (time.perf_counter() - t0) * 1000
        resp.raise_for_status()
    return out


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--firms", type=int, default=20_000)
    p.add_argument("--umkm", type=int, default=2_000)
    p.add_argument(
        "--train-umkm", type=int, default=300, help="UMKM whose history trains the model"
    )
    p.add_argument("--requests", type=int, default=400, help="timed requests per route (bounded)")
    p.add_argument("--k", type=int, default=10)
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        home = Path(tmp)
        key = prepare_home(home, args.umkm, args.firms, args.train_umkm)
        port = free_port()
        proc = start_server(home, port)
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=30
            ) as client:
                with timer() as t:
                    health = wait_ready(client, proc)
                print(
                    f"server ready: model {health['model_version']}, {health['umkm']:,} UMKM, "
                    f"{health['firms']:,} firms ({t():.1f} s to load)"
                )
                ids = client.get("/umkm", params={"limit": 500}).json()["items"]
                rng = np.random.default_rng(0)
                pool = [u["umkm_id"] for u in ids]  # distinct UMKM when possible: no warm repeats
                chosen = rng.choice(pool, size=args.requests, replace=args.requests > len(pool))
                match_paths = [f"/umkm/{u}/matches?k={args.k}" for u in chosen]
                latencies_ms(client, match_paths[:20] + ["/health"] * 20)  # warm-up
                health_ms = latencies_ms(client, ["/health"] * args.requests)
                match_ms = latencies_ms(client, match_paths)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print(
        f"\n{args.requests} sequential requests each, loopback, load average {load_average():.1f}"
    )
    print(f"{'route':<34}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, ms in (
        ("GET /health (reference)", health_ms),
        (f"GET /umkm/{{id}}/matches?k={args.k}", match_ms),
    ):
        print(
            f"{name:<34}{np.percentile(ms, 50):>9.1f}{np.percentile(ms, 99):>9.1f}{ms.max():>9.1f}"
        )
    p50, p99 = np.percentile(match_ms, 50), np.percentile(match_ms, 99)
    verdict = "meets" if p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS else "MISSES"
    print(
        f"matches {verdict} the targets p50 <= {TARGET_P50_MS:.0f} ms, p99 <= {TARGET_P99_MS:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
