"""Time for "naik kelas" advice on 3,000 UMKM x 300 firms, beside plain recommend on the
same data, model and machine, measured in the same run.

* **advice** — :func:`matcher.advice.advise`: every UMKM's profile now and every change it
  could make (the catalogue's variants) scored against all firms in one batch, then the
  gains per change; what ``matcher advise`` does after loading the files.
* **recommend** (reference) — ``service.recommend_firms`` for the same UMKM, top 10 with
  chances and reasons: what ``matcher recommend`` does after loading the files.
* **scoring only** (reference) — ``service.score_profiles`` on the unchanged profiles:
  the same top-10 path advice uses, without reasons, once per UMKM instead of once per
  variant.

The model is fitted with calibrated chances on the demo world's outcomes (as ``matcher
train`` makes it); fitting is not timed.

    python bench/bench_advice.py [--umkm 3000] [--firms 300] [--seed 0] [--registry DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import demo_files, load_average, peak_rss_mib, timer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--umkm", type=int, default=3000)
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--registry", default=None, help="use this registry's current model instead of fitting one"
    )
    args = ap.parse_args()

    from matcher.advice import advise, region_summary, variants
    from matcher.service import MatchService

    with tempfile.TemporaryDirectory() as d:
        files = demo_files(d, args.umkm, args.firms, seed=args.seed)
    if args.registry:
        from training.registry import Registry

        model = Registry(args.registry).load()
    else:
        from training.train import fit_calibrated

        model = fit_calibrated(files.umkm, files.firms, files.outcomes)
    umkm, firms = files.umkm, files.firms
    service = MatchService(model, umkm, firms, encode_umkm_upfront=False).with_outcomes(
        files.outcomes
    )
    n_u, n_f = len(umkm), len(firms)

    with timer() as t_var:
        profiles, _ = variants(umkm, firms)
    cpu0 = time.process_time()
    with timer() as t_adv:
        advice = advise(service, umkm)
    cpu_adv = time.process_time() - cpu0
    cpu0 = time.process_time()
    with timer() as t_rec:
        recs = service.recommend_firms(None, 10)
    cpu_rec = time.process_time() - cpu0
    cpu0 = time.process_time()
    with timer() as t_sc:
        service.score_profiles(umkm, 10)
    cpu_sc = time.process_time() - cpu0

    n_prof = n_u + len(profiles)
    print(
        f"# advice on {n_u:,} UMKM x {n_f:,} firms (demo world seed {args.seed}; load {load_average():.2f})\n"
    )
    print("| run | profiles scored | pairs | wall s | CPU s | pairs/s (wall) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, wall, cpu in (
        ("advice (all changes, one batch)", n_prof, t_adv(), cpu_adv),
        ("recommend top 10 with reasons (reference)", n_u, t_rec(), cpu_rec),
        ("scoring only, profiles now (reference)", n_u, t_sc(), cpu_sc),
    ):
        print(f"| {name} | {n:,} | {n * n_f:,} | {wall:.2f} | {cpu:.2f} | {n * n_f / wall:,.0f} |")
    print(
        f"\nbuilding the {len(profiles):,} changed profiles: {t_var():.2f} s "
        f"({len(profiles) / n_u:.2f} changes per UMKM); advice / recommend = {t_adv() / t_rec():.2f}x; "
        f"peak RSS {peak_rss_mib():,.0f} MiB"
    )
    print(
        f"{len(advice):,} suggestions for {advice['umkm_id'].nunique():,} UMKM; "
        f"recommend rows {len(recs):,}"
    )
    summary = region_summary(advice, umkm)
    print("\nper programme across all UMKM (region_summary):\n")
    print(
        summary[["summary", "umkm", "firms_gained", "expected_value_gain_idr"]].to_string(
            index=False
        )
    )


if __name__ == "__main__":
    main()
