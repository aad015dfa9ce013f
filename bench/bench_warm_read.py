"""Server CPU per warm match read: what one cached ``GET /umkm/{id}/matches`` costs.

Builds a home (600 UMKM x 300 firms), starts ``matcher serve`` (one process), reads the
first 100 UMKM once so their lists are cached, lets the background prewarm finish, then
drives only those reads from ``--clients`` concurrent clients for ``--seconds`` and divides
the server's CPU seconds (user + system, from /proc) by the reads answered. CPU per read
depends little on what else the machine runs, unlike throughput; the load average is
printed beside it. ``--tree`` runs another checkout's code on a home prepared by that
same code (e.g. a ``git archive`` of an older commit), for a before/after comparison:

    .venv/bin/python bench/bench_warm_read.py
    PYTHONPATH=/tmp/old .venv/bin/python bench/bench_warm_read.py --tree /tmp/old
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import free_port, prepare_home, wait_ready  # noqa: E402
from bench_load import cpu_seconds  # noqa: E402
from common import load_average  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


async def drive(base: str, key: str, ids: list[str], clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []

    async def client(seed: int) -> None:
        rng = np.random.default_rng(seed)
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as c:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t0 = time.perf_counter()
                resp = await c.get(f"/umkm/{rng.choice(ids)}/matches")
                if resp.status_code != 200:
                    raise SystemExit(f"unexpected {resp.status_code}: {resp.text[:200]}")
                latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--tree", default=str(REPO), help="the checkout whose server runs")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        home = Path(tmp)
        key = prepare_home(home, 600, 300, 300)
        env = dict(
            os.environ,
            MATCHER_HOME=str(home),
            MATCHER_REGISTRY=str(home / "models"),
            PYTHONPATH=args.tree,
        )
        env.pop("MATCHER_DATABASE_URL", None)
        for run in range(args.runs):
            port = free_port()
            cmd = [sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1"]
            proc = subprocess.Popen(
                [*cmd, "--port", str(port), "--log-level", "warning"], env=env, cwd=home
            )
            base = f"http://127.0.0.1:{port}"
            try:
                with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as c:
                    wait_ready(c, proc)
                    ids = [
                        u["umkm_id"] for u in c.get("/umkm", params={"limit": 100}).json()["items"]
                    ]
                    for u in ids:  # cached, whatever the prewarm has reached
                        c.get(f"/umkm/{u}/matches")
                time.sleep(15)  # the background prewarm of the other UMKM ends
                before = cpu_seconds(proc.pid)[0]
                lat = asyncio.run(drive(base, key, ids, args.clients, args.seconds))
                used = cpu_seconds(proc.pid)[0] - before
                print(
                    f"run {run + 1} ({args.tree}): {len(lat):,} warm reads in {args.seconds:.0f} s "
                    f"from {args.clients} clients; server CPU {1000 * used / len(lat):.2f} ms per "
                    f"read; p50 {1000 * np.median(lat):.1f} ms; load average {load_average():.1f}",
                    flush=True,
                )
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
