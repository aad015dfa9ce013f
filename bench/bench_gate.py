"""How often does the champion/challenger gate promote a fair challenger? (issue 16)

One learning-loop cycle per demo seed, as `matcher demo` runs it: a champion is trained on
the world's history; the demo event is planned with it; the planned pairs' outcomes are drawn
from the world's truth (:func:`matcher.demo.history.next_event_outcomes`); a challenger is
trained on all outcomes and gated. The challenger is fair by construction (same world, more
genuine data), so a good gate should usually promote it. Prints, per seed, the held-out
NDCG@10 of both, the paired standard error, and the decision of the gate with the noise
allowance beside the decision the fixed tolerance alone would take (reference, same run).

    .venv/bin/python bench/bench_gate.py --seeds 0 1 2 3 --umkm 3000 --firms 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import demo_files, load_average  # noqa: E402


def cycle(seed: int, n_umkm: int, n_firms: int) -> dict:
    from matcher.data.loaders import load_outcomes
    from matcher.demo.history import next_event_outcomes
    from matcher.service import MatchService
    from training.registry import Registry
    from training.retrain import retrain
    from training.train import train_and_register

    with tempfile.TemporaryDirectory() as d:
        files = demo_files(d, n_umkm, n_firms, seed)
        registry = Registry(Path(d) / "models")
        train_and_register(files.umkm, files.firms, files.outcomes, registry)
        plan = MatchService.from_registry(registry, files.umkm, files.firms).plan_event(files.event)
        raw = next_event_outcomes(files.world, plan["umkm_id"], plan["firm_id"])
        raw.to_csv(Path(d) / "next.csv", index=False)
        new = load_outcomes(Path(d) / "next.csv", files.umkm, files.firms)
        out = retrain(
            files.umkm, files.firms, pd.concat([files.outcomes, new], ignore_index=True), registry
        )
    checks = {c.name: c.detail for c in out.decision.checks}
    metrics = out.result.table.query("segment == 'all'").set_index("method")["ndcg@10"]
    return {
        "seed": seed,
        "challenger": round(float(metrics["model"]), 4),
        "champion": round(float(metrics["champion"]), 4),
        "heldout_check": checks.get("heldout_vs_champion", ""),
        "promoted (noise-aware)": out.promoted,
        "promoted (fixed 0.01)": _fixed(out),
        "failed": "; ".join(c.name for c in out.decision.failed),
    }


def _fixed(outcome) -> bool:
    """The decision the gate would take without the noise allowance (same figures)."""
    checks = [c for c in outcome.decision.checks if c.name != "heldout_vs_champion"]
    table = outcome.result.table.query("segment == 'all'").set_index("method")["ndcg@10"]
    held = float(table["model"]) >= float(table["champion"]) - 0.01 - 1e-12
    return all(c.passed for c in checks) and held


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--umkm", type=int, default=3000)
    p.add_argument("--firms", type=int, default=300)
    args = p.parse_args()
    rows = []
    for seed in args.seeds:
        rows.append(cycle(seed, args.umkm, args.firms))
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print(f"\nload average {load_average():.1f}")
    print(table.to_string(index=False))
    print(
        f"promoted: noise-aware {int(table['promoted (noise-aware)'].sum())}/{len(table)}, "
        f"fixed tolerance {int(table['promoted (fixed 0.01)'].sum())}/{len(table)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
