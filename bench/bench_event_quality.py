"""How much of the best possible plan's true value an event plan captures.

For a signing event the size of the first round (the demo world's upcoming event: 196
UMKM, 56 firms, capacities 2-8), plan with the model's scores, then value the chosen pairs
with the demo world's *true* relevance (expected grade) and divide by the value of the
best plan under the truth (the same optimal planner fed the true relevance). The
facilitator's rule and TF-IDF, planned by the same optimal planner, are the references
measured in the same run.

Two planners on the same calibrated model (``training.train.fit_calibrated``, what
``matcher train`` registers):

- ``model``: the planner before calibrated chances, maximising the sum of raw scores;
- ``model_ev``: today's ``MatchService.plan_event``, maximising expected value (stage
  weights 1, 2, 4 on the calibrated chances of a meeting, an MoU and a contract) and
  skipping pairs whose chance of a meeting is below 10 % (the default ``--min-chance``);
- ``model_ev0``: the same with ``--min-chance 0``, so the cost of the floor is seen apart
  from the objective (this benchmark gives a meeting no cost: any pair with a chance adds
  true value, so a floor can only lose here; it exists to spare facilitators' time).

- ``oracle_map``: the score planner on the best *monotone map* of the same scores, the
  isotonic regression of the truth on the score fitted on this event's own pairs (it
  reads the truth, so no planner can have it): how much any calibration of this score,
  however good, could add to planning on the raw score. What it cannot reach is the
  score's own ordering error.

Each is scored against two truths: the expected grade (``grade``; every stage counts 1,
as this benchmark always measured) and the expected value under the planner's own stage
weights computed from the world's *true* stage probabilities (``ev``).

    python bench/bench_event_quality.py [--seeds 0 1 2] [--worlds demo pasar]

``--worlds`` (default: the demo world and the second, differently built ``pasar`` world;
``demo-messy``/``pasar-messy`` also exist, see matcher/demo/variants.py) reports each world,
then the worlds side by side.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy.special import ndtr  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402

from bench.common import demo_files, print_seed_table, print_world_table  # noqa: E402
from matcher.demo.utility import GRADE_THRESHOLDS, NOISE_SD  # noqa: E402
from matcher.demo.variants import WORLDS  # noqa: E402
from matcher.planning import DEFAULT_STAGE_WEIGHTS, plan_event, stage_values  # noqa: E402
from matcher.service import MatchService  # noqa: E402
from training.evaluate import ModelScorer, fit_baselines  # noqa: E402
from training.train import fit_calibrated  # noqa: E402


def run(seed: int, n_umkm: int, n_firms: int, world_name: str = "demo") -> dict:
    with tempfile.TemporaryDirectory() as d:  # the contract files, as a facilitator gets them
        files = demo_files(d, n_umkm, n_firms, seed, world_name)
    world, umkm, firms, outcomes, event = (
        files.world,
        files.umkm,
        files.firms,
        files.outcomes,
        files.event,
    )
    is_u = event["party"] == "umkm"
    u_pos = pd.Index(umkm["umkm_id"]).get_indexer(event.loc[is_u, "id"])
    f_pos = pd.Index(firms["firm_id"]).get_indexer(event.loc[~is_u, "id"])
    cap_u = event.loc[is_u, "capacity"].to_numpy()
    cap_f = event.loc[~is_u, "capacity"].to_numpy()
    truth = world.true_relevance_matrix(u_pos)[:, f_pos]
    best = plan_event(truth, cap_u, cap_f).objective
    mu = world.utility(u_pos[:, None], f_pos[None, :])
    true_chances = np.stack([ndtr((mu - t) / NOISE_SD) for t in GRADE_THRESHOLDS[:3]], axis=-1)
    truth_ev = stage_values(true_chances, DEFAULT_STAGE_WEIGHTS)
    best_ev = plan_event(truth_ev, cap_u, cap_f).objective
    model = fit_calibrated(umkm, firms, outcomes)
    scorers = {"model": ModelScorer(model), **fit_baselines(umkm, firms, outcomes)}
    row = {
        "world": world_name,
        "seed": seed,
        "umkm": int(is_u.sum()),
        "firms": int((~is_u).sum()),
        "best_value": round(best, 1),
    }
    for name, scorer in scorers.items():
        scores = scorer.score_block(umkm, firms, u_pos)[:, f_pos]
        pairs = plan_event(scores, cap_u, cap_f).pairs
        row[name] = truth[pairs[:, 0], pairs[:, 1]].sum() / best
        if name == "model":
            scores_model = scores
            row["model_ev_truth"] = truth_ev[pairs[:, 0], pairs[:, 1]].sum() / best_ev
    s = scores_model.ravel()
    for name, t in (("oracle_map", truth), ("oracle_map_ev_truth", truth_ev)):
        mapped = IsotonicRegression().fit(s, t.ravel()).predict(s).reshape(t.shape)
        pairs = plan_event(
            scores_model, cap_u, cap_f, values=mapped + 1e-9 * (scores_model - s.min())
        ).pairs
        row[name] = t[pairs[:, 0], pairs[:, 1]].sum() / (best if t is truth else best_ev)
    service = MatchService(model, umkm, firms)
    for name, min_chance in (("model_ev", None), ("model_ev0", 0.0)):
        plan = service.plan_event(event, min_chance=min_chance)
        i = pd.Index(event.loc[is_u, "id"]).get_indexer(plan["umkm_id"])
        j = pd.Index(event.loc[~is_u, "id"]).get_indexer(plan["firm_id"])
        row[name] = truth[i, j].sum() / best
        row[f"{name}_ev_truth"] = truth_ev[i, j].sum() / best_ev
        row[f"{name}_pairs"] = len(plan)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--umkm", type=int, default=3000)
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--worlds", nargs="+", default=["demo", "pasar"], choices=WORLDS)
    args = ap.parse_args(argv)
    all_rows = []
    for world in args.worlds:
        all_rows += (rows := [run(s, args.umkm, args.firms, world) for s in args.seeds])
        report(world, rows)
    if len(args.worlds) > 1:
        print_world_table(
            "\nshare of the best plan's true value, mean over seeds, worlds side by side",
            all_rows,
            (
                "model",
                "model_ev",
                "model_ev0",
                "oracle_map",
                "facilitator_rule",
                "tfidf_cosine",
                "random",
            ),
        )


def report(world: str, rows: list[dict]) -> None:
    print_seed_table(
        f"[{world}] share of the best plan's true value captured (optimal planner on each "
        "scorer's scores)",
        rows,
    )
    table = pd.DataFrame(rows)
    print("planners on the same calibrated model, mean share of the best plan's true value:")
    for truth, suffix in (
        ("expected grade:          ", ""),
        ("expected value (1, 2, 4):", "_ev_truth"),
    ):
        score = table[f"model{suffix}"]
        print(
            f"  truth = {truth} score planner {score.mean():.3f}   expected-value planner "
            f"{table[f'model_ev{suffix}'].mean():.3f} (min chance 0: "
            f"{table[f'model_ev0{suffix}'].mean():.3f}); seeds where it is ahead of the score "
            f"planner: {int((table[f'model_ev{suffix}'] > score).sum())} "
            f"({int((table[f'model_ev0{suffix}'] > score).sum())}) of {len(table)}; best monotone "
            f"map of the score (oracle) {table[f'oracle_map{suffix}'].mean():.3f}"
        )


if __name__ == "__main__":
    main()
