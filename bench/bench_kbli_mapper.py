"""The KBLI mapper measured by itself, and the shortlist it feeds.

1. **Top-3 accuracy against stated codes.** Profiles are split in two halves by position;
   a mapper fitted on the titles, the glossary and one half's stated codes reads the other
   half's texts (and vice versa), and a text counts as right when one of the codes it
   states (at the level: golongan pokok 2, golongan 3, subgolongan 4) is among the
   mapper's three best. UMKM products vs their ``kbli``; firm needs vs ``needed_kbli``
   (only firms that state it). Wholesale/retail codes (45–47) are left out: they say how
   a business sells, not what. ``reference only`` is the mapper without any profile codes.
2. **Shortlist recall with inferred codes.** The model (fitted on the world's history)
   shortlists ``--shortlist`` firms per cold-start UMKM with its distilled linear model;
   recall is the share of each UMKM's true top-10 firms that make the shortlist, split by
   whether the firm states ``needed_kbli`` (stated) or not (its codes are inferred).

    python bench/bench_kbli_mapper.py [--worlds demo pasar] [--seeds 0] [--umkm 3000] [--firms 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import demo_files  # noqa: E402
from matcher.demo.variants import WORLDS  # noqa: E402
from matcher.features.kbli_text import KbliTextMapper, top_k_accuracy  # noqa: E402


def _cross_fitted(texts, codes, extra_texts, extra_codes, level):
    """Top-3 accuracy of each half read by a mapper fitted on the other half (plus the
    other side's profiles, which a real fit also sees)."""
    texts, codes = list(texts), list(codes)
    half = np.arange(len(texts)) % 2 == 0
    hits = []
    for part in (half, ~half):
        train_t = [t for t, p in zip(texts, part) if not p] + list(extra_texts)
        train_c = [c for c, p in zip(codes, part) if not p] + list(extra_codes)
        m = KbliTextMapper().fit(train_t, train_c)
        ev_t = [t for t, p in zip(texts, part) if p]
        ev_c = [c for c, p in zip(codes, part) if p]
        acc = top_k_accuracy(m, ev_t, ev_c, level, 3)
        n = sum(1 for c in ev_c if any(str(x)[:2] not in ("45", "46", "47") for x in (c or ())))
        hits.append((acc, n))
    total = sum(n for _, n in hits)
    return sum(a * n for a, n in hits if n) / total if total else float("nan"), total


def accuracy_rows(files, world: str, seed: int) -> list[dict]:
    u, f = files.umkm, files.firms
    ref = KbliTextMapper().fit()
    rows = []
    for level in (2, 3, 4):
        ua, un = _cross_fitted(u["products"], u["kbli"], f["needs"], f["needed_kbli"], level)
        fa, fn = _cross_fitted(f["needs"], f["needed_kbli"], u["products"], u["kbli"], level)
        rows.append(
            {
                "world": world,
                "seed": seed,
                "level": level,
                "umkm_top3": ua,
                "umkm_n": un,
                "firms_top3": fa,
                "firms_n": fn,
                "umkm_top3_reference_only": top_k_accuracy(
                    ref, list(u["products"]), list(u["kbli"]), level, 3
                ),
                "firms_top3_reference_only": top_k_accuracy(
                    ref, list(f["needs"]), list(f["needed_kbli"]), level, 3
                ),
            }
        )
    return rows


def shortlist_row(files, world: str, seed: int, size: int, sample: int) -> dict:
    from matcher.ranking import MatchModel
    from matcher.topk import top_k_rows

    umkm, firms, outcomes = files.umkm, files.firms, files.outcomes
    cold = np.flatnonzero(~umkm["umkm_id"].isin(outcomes["umkm_id"]).to_numpy())
    cold = np.sort(
        np.random.default_rng(seed).choice(cold, size=min(sample, len(cold)), replace=False)
    )
    truth = files.world.true_relevance_matrix(cold)
    model = MatchModel().fit(umkm, firms, outcomes)
    U, F = model.encode_umkm(umkm), model.encode_firms(firms)
    X = model.features_.block(U, F, cold)
    cheap = model._shortlist_scores(X).reshape(len(cold), F.n)
    cand, _ = top_k_rows(cheap, size)
    in_list = np.zeros_like(truth, dtype=bool)
    np.put_along_axis(in_list, cand, True, axis=1)
    best, _ = top_k_rows(truth, 10)
    is_best = np.zeros_like(in_list)
    np.put_along_axis(is_best, best, True, axis=1)
    stated = firms["needed_kbli"].map(len).to_numpy() > 0
    row = {
        "world": world,
        "seed": seed,
        "shortlist": size,
        "firms": F.n,
        "stated_share": float(stated.mean()),
    }
    for name, cols in (
        ("recall_all", np.ones(F.n, bool)),
        ("recall_stated", stated),
        ("recall_inferred", ~stated),
    ):
        sel = is_best & cols[None, :]
        row[name] = float(in_list[sel].mean()) if sel.any() else float("nan")
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--worlds", nargs="+", default=["demo", "pasar"], choices=WORLDS)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--umkm", type=int, default=3000)
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--shortlist", type=int, default=50)
    ap.add_argument("--sample", type=int, default=800)
    args = ap.parse_args(argv)
    acc, short = [], []
    for world in args.worlds:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as d:
                files = demo_files(d, args.umkm, args.firms, seed, world)
            acc += accuracy_rows(files, world, seed)
            short.append(shortlist_row(files, world, seed, args.shortlist, args.sample))
    a = (
        pd.DataFrame(acc)
        .groupby(["world", "level"], sort=False)
        .mean(numeric_only=True)
        .drop(columns="seed")
    )
    print(
        "KBLI mapper: top-3 accuracy against stated codes (cross-fitted halves; n = texts scored)"
    )
    print(a.round(3).to_string())
    s = (
        pd.DataFrame(short)
        .groupby("world", sort=False)
        .mean(numeric_only=True)
        .drop(columns="seed")
    )
    print(
        f"\nshortlist ({args.shortlist} of {args.firms} firms) recall of each cold-start UMKM's true top-10"
    )
    print(s.round(3).to_string())


if __name__ == "__main__":
    main()
