"""Match quality against the demo world's *true* relevance, for cold-start UMKM.

This mirrors how quality is judged on unseen worlds: train on the whole facilitation
history, then for UMKM with no history rank every firm and compute NDCG@10 against the
true graded relevance of every firm (not only the few tried pairs). Baselines are scored
on the same UMKM. Several seeds give a spread, not one lucky number.

    python bench/bench_quality.py [--umkm 3000] [--firms 300] [--seeds 0 1 2] [--sample 800]
                                  [--worlds demo pasar demo-messy pasar-messy]
                                  [--ablate CHOICE [CHOICE ...]]

Every world of ``--worlds`` (default: the demo world and the second, differently built
``pasar`` world, clean and messy; see matcher/demo/variants.py) is reported, then the
worlds side by side: a change is accepted only if it does not hurt any of them.

``--ablate kbli_from_words cert_relevance ...`` also fits, on the same data, the model with
each choice switched off (``MatchModel(ablate=(choice,))``; the choices are
``matcher.features.groups.ABLATIONS``: every feature group by name, and the choices issue 18
made) and prints the Markdown table of what each choice gains on every world, as the README
shows it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import demo_files, print_seed_table, print_world_table  # noqa: E402
from matcher.demo.variants import WORLDS  # noqa: E402
from matcher.features.groups import ABLATIONS  # noqa: E402
from matcher.ranking import MatchModel  # noqa: E402
from training.evaluate import ModelScorer, fit_baselines  # noqa: E402
from training.metrics import ndcg_at_k  # noqa: E402


def run(n_umkm, n_firms, seed, sample, params, world_name="demo", ablate=()):
    with tempfile.TemporaryDirectory() as d:  # the contract files, as a facilitator gets them
        files = demo_files(d, n_umkm, n_firms, seed, world_name)
    world, umkm, firms, outcomes = files.world, files.umkm, files.firms, files.outcomes
    cold = np.flatnonzero(~umkm["umkm_id"].isin(outcomes["umkm_id"]).to_numpy())
    rng = np.random.default_rng(seed)
    cold = np.sort(rng.choice(cold, size=min(sample, len(cold)), replace=False))
    truth = world.true_relevance_matrix(cold)
    t = time.perf_counter()
    model = MatchModel(**params).fit(umkm, firms, outcomes)
    fit_s = time.perf_counter() - t
    scorers = {"model": ModelScorer(model), **fit_baselines(umkm, firms, outcomes)}
    row = {
        "world": world_name,
        "seed": seed,
        "outcomes": len(outcomes),
        "cold_umkm": len(cold),
        "fit_s": round(fit_s, 1),
    }
    for choice in ablate:
        off = MatchModel(**{**params, "ablate": (*params.get("ablate", ()), choice)})
        scorers[f"without {choice}"] = ModelScorer(off.fit(umkm, firms, outcomes))
    for name, scorer in scorers.items():
        row[name] = float(np.nanmean(ndcg_at_k(scorer.score_block(umkm, firms, cold), truth, 10)))
    return row


def ablation_table(rows: list[dict], ablate) -> str:
    """Markdown: per world the full model's NDCG@10 (mean over seeds), each choice switched
    off, and the choice's gain (full minus switched off)."""
    means = pd.DataFrame(rows).groupby("world", sort=False).mean(numeric_only=True)
    worlds = list(means.index)
    lines = [
        "| choice switched off (final code otherwise) | "
        + " | ".join(worlds)
        + " | gain of the choice ("
        + ", ".join(worlds)
        + ") |",
        "|---" * (len(worlds) + 2) + "|",
        "| none | " + " | ".join(f"**{means.at[w, 'model']:.3f}**" for w in worlds) + " | |",
    ]
    for choice in ablate:
        col = f"without {choice}"
        gains = ", ".join(f"{means.at[w, 'model'] - means.at[w, col]:+.3f}" for w in worlds)
        lines.append(
            f"| `{choice}` | "
            + " | ".join(f"{means.at[w, col]:.3f}" for w in worlds)
            + f" | {gains} |"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--umkm", type=int, default=3000)
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--sample", type=int, default=800)
    ap.add_argument("--worlds", nargs="+", default=list(WORLDS), choices=WORLDS)
    ap.add_argument(
        "--ablate",
        nargs="+",
        default=[],
        choices=sorted(ABLATIONS),
        metavar="CHOICE",
        help=f"also fit the model with each choice switched off: {', '.join(sorted(ABLATIONS))}",
    )
    ap.add_argument(
        "--params", default="{}", help="MatchModel parameters as JSON, e.g. '{\"max_iter\": 100}'"
    )
    args = ap.parse_args(argv)
    params = json.loads(args.params)
    rows = []
    for world in args.worlds:
        rows += (
            part := [
                run(args.umkm, args.firms, s, args.sample, params, world, args.ablate)
                for s in args.seeds
            ]
        )
        print_seed_table(
            f"[{world}] NDCG@10 vs true relevance, cold-start UMKM (every firm ranked)", part
        )
    if len(args.worlds) > 1:
        print_world_table("\nNDCG@10, mean over seeds, worlds side by side", rows)
    if args.ablate:
        print(f"\nWhat each choice gains (NDCG@10, mean of seeds {' '.join(map(str, args.seeds))})")
        print(ablation_table(rows, args.ablate))


if __name__ == "__main__":
    main()
