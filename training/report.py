"""Markdown evaluation reports with PNG plots a person can open."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from training.evaluate import METRICS, Split  # noqa: E402


def metrics_markdown(table: pd.DataFrame) -> str:
    cols = ["method", "segment", "n_umkm", *METRICS, "coverage", "gini"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table[cols].itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def plot_metric(table: pd.DataFrame, metric: str, path: Path) -> Path:
    pivot = table.pivot(index="method", columns="segment", values=metric)
    ax = pivot.plot.bar(figsize=(7, 4), rot=0)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} on held-out events, by segment")
    ax.set_ylim(0, 1)
    ax.legend(title="UMKM")
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close()
    return path


def write_evaluation_report(table: pd.DataFrame, split: Split, out_dir: str | Path, title="Evaluation") -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_metric(table, "ndcg@10", out / "ndcg10.png")
    plot_metric(table, "recall@10", out / "recall10.png")
    md = [
        f"# {title}",
        "",
        f"Held-out events: {', '.join(map(str, split.test_events))} "
        f"({len(split.test):,} outcomes from {split.cutoff:%Y-%m-%d}); training on "
        f"{len(split.train):,} earlier outcomes. Every firm is ranked for each held-out UMKM; "
        "untried firms count as relevance 0. *seen* = UMKM with training outcomes, *unseen* = "
        "never facilitated before (cold start). coverage = share of firms in any top 10; "
        "gini = concentration of top-10 exposure over firms.",
        "",
        metrics_markdown(table),
        "",
        "![NDCG@10](ndcg10.png)",
        "",
        "![Recall@10](recall10.png)",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(md), encoding="utf-8")
    return path
