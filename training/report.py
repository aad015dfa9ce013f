"""Markdown evaluation reports with PNG plots a person can open."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from training.evaluate import METRICS, Split  # noqa: E402


def metrics_markdown(table: pd.DataFrame) -> str:
    cols = ["method", "segment", "n_umkm", *METRICS, "coverage", "gini"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table[cols].itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |"
        )
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


def write_evaluation_report(
    table: pd.DataFrame, split: Split, out_dir: str | Path, title="Evaluation", calibration=None
) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_metric(table, "ndcg@10", out / "ndcg10.png")
    plot_metric(table, "recall@10", out / "recall10.png")
    cal_md = []
    if calibration is not None:
        plot_reliability(calibration, out / "reliability.png")
        cal_md = [
            "## Calibration of the chances",
            "",
            "A model fitted on the earlier training outcomes, calibrated on the training "
            f"outcomes' latest events ({', '.join(map(str, calibration.calibration_events))}), "
            "scores the held-out events above; ECE = mean |predicted chance - share reached| "
            "over 10 equal-count bins. *unseen* = UMKM with no earlier outcome.",
            "",
            calibration_markdown(calibration),
            "",
            "![Diagram keandalan](reliability.png)",
            "",
        ]
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
        *cal_md,
    ]
    path = out / "report.md"
    path.write_text("\n".join(md), encoding="utf-8")
    return path


def plot_reliability(check, path: Path, segment: str = "all", lang: str | None = None) -> Path:
    """Reliability diagram (predicted chance vs share reached, one line per stage), labelled
    in Indonesian by default."""
    from matcher.calibration import STAGE_GRADES, STAGES, reliability_table
    from matcher.i18n import format_number, t

    rows = check.unseen if segment == "unseen" else slice(None)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.plot(
        [0, 1], [0, 1], color="grey", linestyle="--", label=t("chances.reliability.diagonal", lang)
    )
    for k, (stage, grade) in enumerate(zip(STAGES, STAGE_GRADES)):
        tab = reliability_table(check.chances[rows, k], check.grades[rows] >= grade)
        ece = check.report[segment][stage]["ece"]
        ax.plot(
            tab["predicted"],
            tab["observed"],
            marker="o",
            label=t(
                "chances.reliability.legend",
                lang,
                stage=t(f"common.stage_short.{stage}", lang),
                ece=format_number(ece, 3, lang),
            ),
        )
    top = float(max(np.nanmax(check.chances[rows]), 0.05)) if len(check.chances) else 1.0
    lim = min(1.0, top * 1.1 + 0.02)
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel(t("chances.reliability.x", lang))
    ax.set_ylabel(t("chances.reliability.y", lang))
    ax.set_title(t("chances.reliability.title", lang))
    ax.legend()
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close(fig)
    return path


def calibration_markdown(check) -> str:
    lines = ["| UMKM | stage | n | ECE | mean predicted | observed |", "|---|---|---|---|---|---|"]
    for segment, stages in check.report.items():
        for stage, r in stages.items():
            lines.append(
                f"| {segment} | {stage} | {r['n']} | {r['ece']:.4f} | {r['mean_predicted']:.3f} | "
                f"{r['observed']:.3f} |"
            )
    return "\n".join(lines)
