"""Batch recommendation throughput, memory and shortlist quality on a demo world.

Figures, each beside a reference measured in the same run:

* **throughput** — UMKM x firm pairs covered per second, end to end (features, shortlist,
  trees, reasons, file written), for ``matcher recommend --engine local`` and
  ``--engine dask`` (2 workers), run as the real CLI in a child process (so loading the
  files and the model, and Dask's start-up, are included). The reference is the
  straightforward pipeline — the full feature block of every pair scored by the trees
  (``model.score_block``) then top-k, no shortlist, no reasons — on a subset of UMKM.
  Wall time is shown with the CPU time of the run: on a shared machine the CPU figure is
  the steadier one.
* **peak memory** — each CLI run's own peak RSS (the process's ``VmHWM``; with Dask, the
  driver's); ``--memory 20000 100000`` also runs the local CLI over whole files of those
  sizes (``--memory-firms`` firms), every UMKM scored, to show that peak memory does not
  grow with the number of UMKM (the file is streamed chunk by chunk).
* **shortlist quality** — NDCG@10 against the demo world's true relevance, shortlist vs
  every pair scored by the trees, and the shortlist recall (share of the exact top-10 the
  shortlist keeps), on a sample of UMKM.

    python bench/bench_recommend.py [--umkm 50000] [--firms 2000] [--registry DIR]
        [--reference-umkm 1000] [--quality-umkm 1000] [--memory 20000 100000]
        [--memory-firms 5000] [--profile]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import demo_files, load_average, peak_rss_mib, timer, trained_model  # noqa: E402
from matcher.service import MatchService, top_k_rows  # noqa: E402
from training.metrics import ndcg_at_k  # noqa: E402

K = 10


# ---------------------------------------------------------------------------- pieces


def register(model, folder: Path) -> Path:
    """A registry holding ``model`` as its current version (what the CLI loads)."""
    from matcher.features.pairs import FEATURE_NAMES
    from training.registry import Registry

    reg = Registry(folder)
    version = reg.register(
        model,
        metrics={},
        features=list(FEATURE_NAMES),
        data_fingerprint="bench",
        notes="bench_recommend",
    )
    reg.promote(version, "benchmark")
    return folder


# Runs the CLI and, at exit, reports its own peak RSS (VmHWM of the process after exec).
# ``wait4``'s ru_maxrss is no good here: Linux carries the parent's high-water mark over
# fork and exec, so a child of this (large) bench process would report the bench's peak.
_PROBE = """
import atexit, runpy, sys
def _report():
    with open("/proc/self/status") as f:
        kib = next(line.split()[1] for line in f if line.startswith("VmHWM"))
    sys.stderr.write(f"\\n@@peak_kib {kib}\\n")
atexit.register(_report)
sys.argv = ["matcher", *sys.argv[1:]]
runpy.run_module("matcher", run_name="__main__", alter_sys=True)
"""


def run_cli(args: list[str]) -> dict:
    """Run ``matcher <args>`` in a child process; wall/CPU seconds and peak RSS (MiB).

    CPU time comes from ``wait4`` and covers the child and its waited-for children (Dask's
    worker processes). Peak RSS is the CLI process's own (``VmHWM``); with ``--engine dask``
    that is the driver, not the workers.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"matcher {' '.join(args)} failed ({proc.returncode}):\n{stderr.decode()[-2000:]}"
        )
    peaks = [
        line.split()[1] for line in stderr.decode().splitlines() if line.startswith("@@peak_kib")
    ]
    peak = int(peaks[-1]) / 1024 if peaks else float("nan")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": peak}


def recommend_cli(files, registry: Path, out: Path, engine: str, chunk_size: int) -> dict:
    return run_cli(
        [
            "recommend",
            "--umkm",
            str(files.path("umkm")),
            "--firms",
            str(files.path("firms")),
            "--registry",
            str(registry),
            "--k",
            str(K),
            "--out",
            str(out),
            "--engine",
            engine,
            "--chunk-size",
            str(chunk_size),
        ]
    )


def timed(fn) -> tuple[float, float, object]:
    """(wall s, CPU s of this process, result) of ``fn()``."""
    cpu = time.process_time()
    with timer() as wall:
        result = fn()
    return wall(), time.process_time() - cpu, result


def encoded_nbytes(side) -> int:
    """Bytes held by an encoded side's arrays (dense and sparse), roughly its memory."""
    import dataclasses

    import scipy.sparse as sp

    def size(v) -> int:
        if sp.issparse(v):
            return v.data.nbytes + v.indices.nbytes + v.indptr.nbytes
        if isinstance(v, np.ndarray):
            return v.nbytes + (sum(len(str(x)) + 49 for x in v) if v.dtype == object else 0)
        if isinstance(v, dict):
            return sum(size(x) for x in v.values())
        if dataclasses.is_dataclass(v):
            return sum(size(getattr(v, f.name)) for f in dataclasses.fields(v))
        if isinstance(v, list):
            return 56 + 8 * len(v) + sum(size(x) if isinstance(x, list) else 0 for x in v)
        return 0

    return size(side)


def shortlist_quality(model, U, F, world, sample: np.ndarray) -> dict:
    """NDCG@10 vs the true relevance with and without the shortlist; shortlist recall."""
    exact = model.score_block(U, F, sample)
    cols, vals = model.top_firms(U, F, sample, K)
    shortlisted = np.full_like(exact, -np.inf)
    np.put_along_axis(shortlisted, cols, vals, axis=1)
    truth = world.true_relevance_matrix(sample)
    exact_top, _ = top_k_rows(exact, K)
    kept = (exact_top[:, :, None] == cols[:, None, :]).any(axis=2).mean()
    return {
        "ndcg_exact": float(np.nanmean(ndcg_at_k(exact, truth, K))),
        "ndcg_shortlist": float(np.nanmean(ndcg_at_k(shortlisted, truth, K))),
        "recall": float(kept),
    }


def print_rows(title: str, rows: list[tuple]) -> None:
    """A Markdown table (pastes straight into bench/README.md)."""

    def cell(v) -> str:
        if isinstance(v, float):
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    print(f"\n{title}\n")
    print("| " + " | ".join(map(str, rows[0])) + " |")
    print("|" + "---|" * len(rows[0]))
    for r in rows[1:]:
        print("| " + " | ".join(cell(v) for v in r) + " |")
    print(flush=True)


# ---------------------------------------------------------------------------- runs


def throughput(args, tmp: Path) -> None:
    say(f"demo world {args.umkm:,} UMKM x {args.firms:,} firms (seed {args.seed})")
    files = demo_files(tmp / "world", args.umkm, args.firms, args.seed)
    say("training a model (defaults)" if args.registry is None else f"loading {args.registry}")
    fit_s, _, model = timed(lambda: trained_model(files, args.registry))
    registry = Path(args.registry) if args.registry else register(model, tmp / "registry")
    trees = getattr(getattr(model, "ranker_", None), "n_iter_", "?")
    say(
        f"model ready in {fit_s:,.0f} s ({trees} trees: prediction time grows with them); "
        f"load average {load_average():.1f}"
    )

    n_f = len(files.firms)
    rng = np.random.default_rng(args.seed)
    subset = np.sort(
        rng.choice(len(files.umkm), size=min(args.reference_umkm, len(files.umkm)), replace=False)
    )
    enc_s, _, service = timed(lambda: MatchService(model, files.umkm, files.firms))
    U, F = service._U, service._F  # noqa: SLF001 — the benchmark looks inside on purpose

    say(f"reference: every pair scored by the trees, {len(subset):,} UMKM")
    ref_wall, ref_cpu, _ = timed(lambda: top_k_rows(model.score_block(U, F, subset), K))
    sl_wall, sl_cpu, _ = timed(lambda: model.top_firms(U, F, subset, K))
    rc_wall, rc_cpu, _ = timed(lambda: service.recommend_chunk(subset, K))
    sub_pairs = len(subset) * n_f
    pairs = len(files.umkm) * n_f

    say("local engine (CLI, child process)")
    local = recommend_cli(files, registry, tmp / "local.csv", "local", args.chunk_size)
    rows = [
        ("run", "pairs", "wall s", "pairs/s (wall)", "CPU s", "pairs/CPU-s", "peak RSS MiB"),
        (
            "reference: score_block + top-k, no shortlist, no reasons",
            sub_pairs,
            ref_wall,
            sub_pairs / ref_wall,
            ref_cpu,
            sub_pairs / ref_cpu,
            "-",
        ),
        (
            "in-process: top_firms (shortlist), no reasons",
            sub_pairs,
            sl_wall,
            sub_pairs / sl_wall,
            sl_cpu,
            sub_pairs / sl_cpu,
            "-",
        ),
        (
            "in-process: recommend_chunk (shortlist + reasons)",
            sub_pairs,
            rc_wall,
            sub_pairs / rc_wall,
            rc_cpu,
            sub_pairs / rc_cpu,
            "-",
        ),
        (
            "matcher recommend --engine local (end to end)",
            pairs,
            local["wall_s"],
            pairs / local["wall_s"],
            local["cpu_s"],
            pairs / local["cpu_s"],
            local["peak_mib"],
        ),
    ]
    if not args.skip_dask:
        say("dask engine, 2 workers (CLI, child process)")
        dask = recommend_cli(files, registry, tmp / "dask.csv", "dask", args.chunk_size)
        same = (tmp / "dask.csv").read_bytes() == (tmp / "local.csv").read_bytes()
        rows.append(
            (
                "matcher recommend --engine dask, 2 workers (end to end)",
                pairs,
                dask["wall_s"],
                pairs / dask["wall_s"],
                dask["cpu_s"],
                pairs / dask["cpu_s"],
                dask["peak_mib"],
            )
        )
        say(f"dask file identical to local file: {same}")
    print_rows(
        f"throughput, {args.umkm:,} UMKM x {n_f:,} firms, k={K}, chunk {args.chunk_size}, "
        f"load average {load_average():.1f}",
        rows,
    )
    say(
        f"encoding {len(files.umkm):,} UMKM + {n_f:,} firms in process: {enc_s:.1f} s; "
        f"UMKM encodings {encoded_nbytes(U) / len(files.umkm):,.0f} bytes per UMKM"
    )

    sample = np.sort(
        rng.choice(len(files.umkm), size=min(args.quality_umkm, len(files.umkm)), replace=False)
    )
    say(f"shortlist quality on {len(sample):,} UMKM (true relevance of the demo world)")
    q = shortlist_quality(model, U, F, files.world, sample)
    print_rows(
        "shortlist vs every pair scored",
        [
            (
                "metric",
                "every pair (trees)",
                f"shortlist ({model.shortlist_size} of {n_f})",
                "difference",
            ),
            (
                "NDCG@10 vs true relevance",
                q["ndcg_exact"],
                q["ndcg_shortlist"],
                q["ndcg_shortlist"] - q["ndcg_exact"],
            ),
            ("recall of the exact top-10", 1.0, q["recall"], q["recall"] - 1.0),
        ],
    )
    if args.profile:
        profile_block(service, subset[: min(len(subset), 256)])


def memory(args, tmp: Path) -> None:
    """Peak RSS of ``matcher recommend --engine local`` over whole files of growing size.

    Each run scores every UMKM of its file: the CLI checks the file chunk by chunk, then
    reads, encodes, scores and writes ``--chunk-size`` UMKM at a time, so the rows should
    show the same peak whatever the number of UMKM.
    """
    say(f"memory: {', '.join(f'{n:,}' for n in args.memory)} UMKM x {args.memory_firms:,} firms")
    base = demo_files(tmp / "mem-train", min(args.memory), args.memory_firms, args.seed)
    model = trained_model(base, args.registry)
    registry = Path(args.registry) if args.registry else register(model, tmp / "mem-registry")
    rows = [("UMKM in the file (all scored)", "wall s", "pairs/s", "peak RSS MiB")]
    for n in args.memory:
        files = (
            base
            if n == len(base.umkm)
            else demo_files(tmp / f"mem-{n}", n, args.memory_firms, args.seed)
        )
        run = run_cli(
            [
                "recommend",
                "--umkm",
                str(files.path("umkm")),
                "--firms",
                str(files.path("firms")),
                "--registry",
                str(registry),
                "--k",
                str(K),
                "--out",
                str(tmp / "mem.csv"),
                "--chunk-size",
                str(args.chunk_size),
            ]
        )
        n_firms = len(files.firms)
        del files
        rows.append((n, run["wall_s"], n * n_firms / run["wall_s"], run["peak_mib"]))
    print_rows(
        f"matcher recommend --engine local, peak memory, {args.memory_firms:,} firms "
        f"(load average {load_average():.1f})",
        rows,
    )


def profile_block(service: MatchService, u_idx: np.ndarray) -> None:
    """Where one chunk's time goes (what the CLI runs per chunk): cProfile of
    ``recommend_chunk`` (features, shortlist, trees, reasons), by function."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    service.recommend_chunk(u_idx, K)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def say(msg: str) -> None:
    print(f"· {msg}", file=sys.stderr, flush=True)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--umkm", type=int, default=50_000)
    p.add_argument("--firms", type=int, default=2_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--registry", default=None, help="use this registry's current model instead of training"
    )
    p.add_argument("--reference-umkm", type=int, default=1_000, help="UMKM in the reference subset")
    p.add_argument(
        "--quality-umkm", type=int, default=1_000, help="UMKM sampled for shortlist quality"
    )
    p.add_argument("--chunk-size", type=int, default=2048)
    p.add_argument("--skip-dask", action="store_true")
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument(
        "--memory", type=int, nargs="*", default=[], help="UMKM counts for the memory runs"
    )
    p.add_argument("--memory-firms", type=int, default=5_000)
    p.add_argument("--profile", action="store_true", help="cProfile one block of the local path")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_recommend-") as tmp:
        if not args.skip_throughput:
            throughput(args, Path(tmp))
        if args.memory:
            memory(args, Path(tmp))
    say(f"bench process peak RSS {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
