"""The event report: what a plan achieves, in Markdown with PNG charts beside it.

``write_event_report`` writes ``report.md`` plus ``matched_by_province.png``,
``capacity_by_type.png`` and ``scores.png`` into one folder. Figures: pairs planned, share
of participating UMKM matched, share of firm capacity used, breakdowns by UMKM province and
by investment type (PMA / PMDN), and the expected contract value.

Expected contract value of a pair = its calibrated chance of a contract x its predicted
contract value (the plan's ``expected_value_idr``, from :meth:`MatchService.plan_event`:
the value is capped by the firm's budget per partner, and a firm's pairs are scaled so
its total never exceeds its budget). The total is the sum over planned pairs; pairs
without a value (a model without chances) are counted separately, not guessed.
Charts are drawn with matplotlib's object API (``Figure``, Agg canvas), so no GUI backend
or global pyplot state is involved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from matcher.atomic import write_atomic

REPORT_NAME = "report.md"


def _md_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = (
        "|"
        + "|".join(
            "---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns
        )
        + "|"
    )
    body = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:,.2f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value).replace("|", "/")


def _rupiah(value: float) -> str:
    if value >= 1e9:
        return f"Rp {value / 1e9:,.2f} miliar"
    return f"Rp {value / 1e6:,.1f} juta"


def _share(part: float, whole: float) -> float:
    return float(part) / whole if whole else float("nan")


def event_summary(
    plan_df: pd.DataFrame, umkm: pd.DataFrame, firms: pd.DataFrame, event: pd.DataFrame
) -> dict:
    """The report's figures as plain data (also used for the CLI summary table)."""
    umkm_part = event[event["party"] == "umkm"]
    firm_part = event[event["party"] == "firm"]
    pairs = plan_df.merge(firms[["firm_id", "investment_type"]], on="firm_id", how="left")
    value = (
        pairs["expected_value_idr"].to_numpy(float)
        if "expected_value_idr" in pairs
        else np.full(len(pairs), np.nan)
    )
    pairs = pairs.assign(expected_value=value)

    by_province = (
        umkm_part.merge(umkm[["umkm_id", "province"]], left_on="id", right_on="umkm_id")
        .assign(matched=lambda d: d["umkm_id"].isin(plan_df["umkm_id"]))
        .groupby("province")
        .agg(participants=("umkm_id", "size"), matched=("matched", "sum"))
        .assign(share=lambda d: d["matched"] / d["participants"])
        .sort_values(["participants", "matched"], ascending=False)
        .reset_index()
    )
    firm_rows = firm_part.merge(
        firms[["firm_id", "investment_type"]], left_on="id", right_on="firm_id"
    )
    used = plan_df["firm_id"].value_counts()
    by_type = (
        firm_rows.assign(used=firm_rows["firm_id"].map(used).fillna(0).astype(int))
        .groupby("investment_type")
        .agg(firms=("firm_id", "size"), capacity=("capacity", "sum"), pairs=("used", "sum"))
        .assign(used_share=lambda d: d["pairs"] / d["capacity"])
    )
    by_type["expected_value_idr"] = pairs.groupby("investment_type")["expected_value"].sum(
        min_count=1
    )
    by_type = by_type.reset_index()

    capacity = int(firm_part["capacity"].sum())
    known = np.isfinite(value)
    return {
        "pairs": len(plan_df),
        "umkm_participants": len(umkm_part),
        "umkm_matched": int(plan_df["umkm_id"].nunique()),
        "umkm_matched_share": _share(plan_df["umkm_id"].nunique(), len(umkm_part)),
        "firm_participants": len(firm_part),
        "firm_capacity": capacity,
        "firm_capacity_used_share": _share(len(plan_df), capacity),
        "mean_score": float(plan_df["score"].mean()) if len(plan_df) else float("nan"),
        "expected_value_idr": float(value[known].sum()),
        "pairs_without_budget": int((~known).sum()),
        "mean_p_contract": (
            float(plan_df["p_contract"].mean())
            if "p_contract" in plan_df and len(plan_df)
            else float("nan")
        ),
        "unmatched_umkm": plan_df.attrs.get("unmatched_umkm"),
        "unused_firms": plan_df.attrs.get("unused_firms"),
        "by_province": by_province,
        "by_type": by_type,
    }


def write_event_report(
    plan_df: pd.DataFrame,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    event: pd.DataFrame,
    out_dir: str | Path,
    *,
    title: str = "Event plan report",
) -> Path:
    """Write report.md and its charts into ``out_dir``; returns the report's path."""
    out = Path(out_dir)
    s = event_summary(plan_df, umkm, firms, event)
    charts = {
        "matched_by_province.png": _province_chart(s["by_province"]),
        "capacity_by_type.png": _type_chart(s["by_type"]),
        "scores.png": _score_chart(plan_df["score"].to_numpy(float)),
    }
    for name, fig in charts.items():
        write_atomic(out / name, lambda tmp, fig=fig: fig.savefig(tmp, format="png", dpi=110))

    value_line = (
        f"- Expected contract value: **{_rupiah(s['expected_value_idr'])}** "
        f"(sum over planned pairs of chance of a contract x predicted contract value)"
    )
    if s["pairs_without_budget"]:
        value_line += (
            f"; {s['pairs_without_budget']} pair(s) without a calibrated chance are not counted"
        )
    province = s["by_province"].rename(
        columns={
            "province": "Province",
            "participants": "UMKM attending",
            "matched": "UMKM matched",
            "share": "Share matched",
        }
    )
    by_type = s["by_type"].rename(
        columns={
            "investment_type": "Type",
            "firms": "Firms",
            "capacity": "Capacity",
            "pairs": "Pairs",
            "used_share": "Capacity used",
            "expected_value_idr": "Expected value (IDR)",
        }
    )
    lines = [
        f"# {title}",
        "",
        f"- Pairs planned: **{s['pairs']}**",
        f"- UMKM matched: **{s['umkm_matched']} of {s['umkm_participants']}** "
        f"({s['umkm_matched_share']:.0%})",
        f"- Firm capacity used: **{s['pairs']} of {s['firm_capacity']} places** "
        f"({s['firm_capacity_used_share']:.0%}) across {s['firm_participants']} firms",
        f"- Mean score of planned pairs: {s['mean_score']:.3f}",
        value_line,
        "",
        "A pair's predicted contract value is learned from past contract values by firm, KBLI "
        "division and scale, and never exceeds the firm's budget per partner; a firm's pairs "
        "together never exceed its yearly budget (`budget_idr`). It is an order of magnitude "
        "for planning, not a forecast.",
        "",
        *_left_out_md(s),
        "## By UMKM province",
        "",
        _md_table(province),
        "",
        "![UMKM matched by province](matched_by_province.png)",
        "",
        "## By investment type",
        "",
        _md_table(by_type),
        "",
        "![Firm capacity by investment type](capacity_by_type.png)",
        "",
        "## Scores of planned pairs",
        "",
        "![Score distribution](scores.png)",
        "",
    ]
    text = "\n".join(lines)
    return write_atomic(out / REPORT_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _left_out_md(s: dict) -> list[str]:
    lines = []
    for heading, key, cols in (
        ("UMKM left without a worthwhile meeting", "unmatched_umkm", ["umkm_id", "alternatives"]),
        ("Firms with unused capacity", "unused_firms", ["firm_id", "unused", "alternatives"]),
    ):
        frame = s.get(key)
        if frame is not None and len(frame):
            lines += [
                f"## {heading} ({len(frame)})",
                "",
                "Best alternatives a facilitator could still try:",
                "",
                _md_table(frame[cols]),
                "",
            ]
    return lines


# --------------------------------------------------------------------------- charts


def _province_chart(by_province: pd.DataFrame) -> Figure:
    top = by_province.head(15).iloc[::-1]
    fig = Figure(figsize=(8, 0.4 * len(top) + 1.5))
    ax = fig.subplots()
    y = np.arange(len(top))
    ax.barh(y, top["participants"], color="#c8d6e5", label="attending")
    ax.barh(y, top["matched"], color="#2e86de", label="matched")
    ax.set_yticks(y, top["province"])
    ax.set_xlabel("UMKM")
    ax.set_title("UMKM matched by province" + (" (top 15)" if len(by_province) > 15 else ""))
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def _type_chart(by_type: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    x = np.arange(len(by_type))
    ax.bar(x - 0.2, by_type["capacity"], width=0.4, color="#c8d6e5", label="capacity")
    ax.bar(x + 0.2, by_type["pairs"], width=0.4, color="#10ac84", label="planned pairs")
    ax.set_xticks(x, by_type["investment_type"])
    ax.set_ylabel("places")
    ax.set_title("Firm capacity by investment type")
    ax.legend()
    fig.tight_layout()
    return fig


def _score_chart(scores: np.ndarray) -> Figure:
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    ax.hist(scores[np.isfinite(scores)], bins=20, color="#5f27cd")
    ax.set_xlabel("score")
    ax.set_ylabel("pairs")
    ax.set_title("Scores of planned pairs")
    fig.tight_layout()
    return fig
