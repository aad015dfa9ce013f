"""The retrain report: champion vs challenger by segment, data volumes, drift, engine share.

Written by :func:`training.retrain.retrain` as ``retrain.md`` with PNG plots beside it:

* **metrics** — NDCG@10 (and the rest) of the challenger, the champion and the baselines on
  the same held-out events, for all held-out UMKM, seen / unseen UMKM, and with rankings
  restricted to PMA or to PMDN firms (:func:`training.retrain.firm_type_table`);
* **data volumes** — outcomes per event, and which are *new since the champion*: an event
  is known to the champion when it was among the champion's held-out events (its manifest's
  ``test_events``) or started before the champion's held-out cutoff (the earliest date of
  its frozen validation slice); everything else arrived after it was trained;
* **drift** — PSI (:mod:`training.drift`) between the profiles of the UMKM and firms the
  champion learned from (those in its outcomes) and all current profiles, on profile
  columns and on the pair features of a random sample of pairs; PSI >= 0.2 is flagged;
* **engine share** — of the new outcomes, how many pairs the engine itself recommended
  (the store's marker, or a file's ``recommended_by_engine``/``source`` column): outcomes
  of engine-suggested pairs are the ones that teach the model about its own choices.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.atomic import write_atomic
from matcher.features.pairs import FEATURE_NAMES
from training.baselines import BASELINES
from training.drift import DRIFT_THRESHOLD, drift_table, plot_drift
from training.evaluate import event_key
from training.registry import Registry
from training.report import metrics_markdown

SEGMENTS = ("all", "seen", "unseen", "PMA", "PMDN")
UMKM_DRIFT_COLUMNS = (
    "province",
    "scale",
    "annual_revenue_idr",
    "monthly_capacity_idr",
    "employees",
    "certifications",
    "kbli_division",
    "export_experience",
)
FIRM_DRIFT_COLUMNS = (
    "province",
    "investment_type",
    "kbli_division",
    "required_certifications",
    "preferred_scale",
    "budget_idr",
    "max_partners",
)
PAIR_SAMPLE = 3000


# ----------------------------------------------------------------------- pieces
def comparison_table(table: pd.DataFrame, metric: str = "ndcg@10") -> pd.DataFrame:
    """Per segment: n_umkm, challenger, champion, delta, best baseline (name and value)."""
    rows = []
    for seg in SEGMENTS:
        part = table[table["segment"] == seg].set_index("method")
        if "model" not in part.index:
            continue
        new = float(part.at["model", metric])
        old = float(part.at["champion", metric]) if "champion" in part.index else np.nan
        bases = part.loc[[b for b in BASELINES if b in part.index], metric].astype(float)
        best = bases.idxmax() if bases.notna().any() else None
        rows.append(
            {
                "segment": seg,
                "n_umkm": int(part.at["model", "n_umkm"]),
                "challenger": new,
                "champion": old,
                "delta": new - old,
                "best_baseline": best,
                "baseline": float(bases.max()) if best else np.nan,
            }
        )
    return pd.DataFrame(rows)


def known_to_champion(
    outcomes: pd.DataFrame, champion_manifest: dict | None, frozen: pd.DataFrame | None
) -> np.ndarray:
    """Boolean per outcome: was it (by its event) part of the champion's training data?

    No champion: nothing is known. See the module docstring for the event rule.
    """
    if champion_manifest is None:
        return np.zeros(len(outcomes), dtype=bool)
    key = event_key(outcomes)
    test_events = set(map(str, (champion_manifest.get("extra") or {}).get("test_events", [])))
    started = outcomes.groupby(key)["date"].transform("min")
    known = key.isin(test_events).to_numpy().copy()
    if frozen is not None and not frozen.empty:
        known |= (started < pd.Timestamp(frozen["date"].min())).to_numpy()
    return known


def volume_table(outcomes: pd.DataFrame, known: np.ndarray) -> pd.DataFrame:
    """Outcomes per event (event_id, else the date): first/last date, count, positives, new."""
    frame = outcomes.assign(event=event_key(outcomes), new=~known, positive=outcomes["grade"] > 0)
    out = frame.groupby("event", sort=False).agg(
        first_date=("date", "min"),
        last_date=("date", "max"),
        outcomes=("grade", "size"),
        positive=("positive", "sum"),
        new=("new", "all"),
    )
    return out.sort_values("first_date", kind="stable").reset_index()


def engine_share(outcomes: pd.DataFrame, provenance: pd.DataFrame | None, new: np.ndarray) -> dict:
    """Of the new outcomes: how many have a known marker, and the share recommended."""
    n_new = int(new.sum())
    if provenance is None or n_new == 0:
        return {"n_new": n_new, "n_known": 0, "share": None}
    merged = outcomes.loc[new, ["umkm_id", "firm_id"]].merge(
        provenance, on=["umkm_id", "firm_id"], how="left"
    )
    marker = merged["recommended_by_engine"].astype(float)
    n_known = int(marker.notna().sum())
    return {
        "n_new": n_new,
        "n_known": n_known,
        "share": float(marker.mean()) if n_known else None,
        "n_recommended": int((marker == 1).sum()),
    }


def _division(codes) -> tuple:
    return tuple(sorted({str(c)[:2] for c in codes or ()}))


def _umkm_view(umkm: pd.DataFrame) -> pd.DataFrame:
    return umkm.assign(kbli_division=umkm["kbli"].map(_division))[list(UMKM_DRIFT_COLUMNS)]


def _firm_view(firms: pd.DataFrame) -> pd.DataFrame:
    sought = [n if len(n) else k for n, k in zip(firms["needed_kbli"], firms["kbli"])]
    view = firms.assign(
        kbli_division=pd.Series([_division(c) for c in sought], index=firms.index, dtype=object)
    )
    return view[list(FIRM_DRIFT_COLUMNS)]


def profile_drift(
    umkm: pd.DataFrame, firms: pd.DataFrame, ref_umkm_ids, ref_firm_ids
) -> pd.DataFrame:
    """PSI of profile columns: entities the champion learned from vs all current profiles."""
    parts = []
    for name, frame, ids, id_col, view in (
        ("umkm", umkm, ref_umkm_ids, "umkm_id", _umkm_view),
        ("firm", firms, ref_firm_ids, "firm_id", _firm_view),
    ):
        reference = frame[frame[id_col].isin(set(ids))]
        if reference.empty:
            continue
        table = drift_table(view(reference), view(frame))
        parts.append(table.assign(feature=name + "." + table["feature"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def pair_feature_drift(
    model,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    ref_umkm_ids,
    ref_firm_ids,
    n_pairs: int = PAIR_SAMPLE,
    seed: int = 0,
) -> pd.DataFrame:
    """PSI of the model's pair features: random reference pairs vs random current pairs."""
    ref_u = np.flatnonzero(umkm["umkm_id"].isin(set(ref_umkm_ids)).to_numpy())
    ref_f = np.flatnonzero(firms["firm_id"].isin(set(ref_firm_ids)).to_numpy())
    if not len(ref_u) or not len(ref_f):
        return pd.DataFrame()
    rng = np.random.default_rng(seed)
    U, F = model.encode_umkm(umkm), model.encode_firms(firms)

    def sample(u_pool, f_pool):
        u, f = rng.choice(u_pool, n_pairs), rng.choice(f_pool, n_pairs)
        return pd.DataFrame(model.features_.pairs(U, F, u, f), columns=list(FEATURE_NAMES))

    before = sample(ref_u, ref_f)
    after = sample(np.arange(len(umkm)), np.arange(len(firms)))
    table = drift_table(before, after)
    return table.assign(feature="pair." + table["feature"])


# ----------------------------------------------------------------------- the report
def write_retrain_report(
    out_dir: str | Path,
    *,
    result,
    table: pd.DataFrame,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    outcomes: pd.DataFrame,
    registry: Registry,
    provenance: pd.DataFrame | None,
    message: str,
) -> Path:
    """Write ``retrain.md`` + ``metrics_by_segment.png``, ``volumes.png``, ``drift.png``.

    ``result`` is the :class:`training.train.TrainResult`, ``table`` its held-out table
    with the PMA/PMDN rows added. Returns the Markdown file's path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if result.split.no_heldout:
        return _write_unmeasured(out, result, message)
    champion = result.champion
    manifest = registry.manifest(champion) if champion else None
    frozen = registry.frozen_validation(champion) if champion else None
    known = known_to_champion(outcomes, manifest, frozen)
    volumes = volume_table(outcomes, known)
    share = engine_share(outcomes, provenance, ~known)

    learned_from = outcomes[known] if known.any() else outcomes
    drift = pd.concat(
        [
            profile_drift(umkm, firms, learned_from["umkm_id"], learned_from["firm_id"]),
            pair_feature_drift(
                result.model, umkm, firms, learned_from["umkm_id"], learned_from["firm_id"]
            ),
        ],
        ignore_index=True,
    )
    if not drift.empty:
        drift = drift.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)
        plot_drift(drift, out / "drift.png")

    compare = comparison_table(table)
    _plot_segments(compare, out / "metrics_by_segment.png")
    _plot_volumes(volumes, out / "volumes.png")

    md = _markdown(
        result,
        message,
        compare,
        table,
        volumes,
        outcomes,
        known,
        manifest,
        drift,
        share,
        provenance is not None,
    )
    path = out / "retrain.md"
    write_atomic(path, lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    return path


def _write_unmeasured(out: Path, result, message: str) -> Path:
    """The report of a retrain that could hold nothing out: what was done, and why."""
    md = "\n".join(
        [
            f"# Retrain report — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"**Decision:** {message}",
            "",
            f"**No held-out evaluation:** {result.split.no_heldout}. The challenger "
            f"{result.version} was fitted on all {len(result.split.train):,} outcomes; its quality "
            "is unmeasured until outcomes of a later event are recorded and the next retrain can "
            "hold that event out.",
            "",
        ]
    )
    path = out / "retrain.md"
    write_atomic(path, lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    return path


def _markdown(
    result, message, compare, table, volumes, outcomes, known, manifest, drift, share, has_marker
) -> str:
    split = result.split
    n_new = int((~known).sum())
    lines = [
        f"# Retrain report — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"**Decision:** {message}",
        "",
        f"Champion: {result.champion or 'none (first model)'}; challenger: {result.version}. "
        f"Held-out events {', '.join(map(str, split.test_events))} ({len(split.test):,} outcomes "
        f"from {split.cutoff:%Y-%m-%d}); the challenger was fitted on the {len(split.train):,} "
        "earlier outcomes for this comparison and registered refitted on all of them.",
        "",
        "## Gating checks",
        "",
        "*heldout*: both models on the latest events above. *frozen*: the challenger on the "
        "champion's frozen validation slice against the champion's validated score there (its "
        "manifest); the challenger has trained on those older events, so this check catches "
        "a broken or corrupted training set rather than small differences.",
        "",
        "| check | passed | detail |",
        "|---|---|---|",
        *(
            f"| {c.name} | {'yes' if c.passed else '**no**'} | {c.detail} |"
            for c in result.decision.checks
        ),
        "",
        "## Champion vs challenger, NDCG@10 by segment",
        "",
        "*seen* / *unseen*: held-out UMKM with / without earlier outcomes (cold start). "
        "*PMA* / *PMDN*: each held-out UMKM ranks only the firms of that type, and relevance "
        "counts only its outcomes with them. The champion was itself trained on some of these "
        "events only if they are older than it; on new events the comparison is fair.",
        "",
        "| segment | UMKM | challenger | champion | Δ | best baseline |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r.segment} | {r.n_umkm} | {_f(r.challenger)} | {_f(r.champion)} | {_f(r.delta, '+.3f')} "
            f"| {r.best_baseline or '—'} {_f(r.baseline)} |"
            for r in compare.itertuples()
        ),
        "",
        "![NDCG@10 by segment](metrics_by_segment.png)",
        "",
        "<details><summary>All metrics</summary>",
        "",
        metrics_markdown(table.replace({"method": {"model": "challenger"}})),
        "",
        "</details>",
        "",
        "## Data volumes",
        "",
    ]
    if manifest is None:
        lines.append(f"No champion: all {len(outcomes):,} outcomes are new.")
    else:
        extra = manifest.get("extra") or {}
        before = extra.get("n_outcomes")
        lines.append(
            f"{len(outcomes):,} outcomes now; the champion was trained on "
            f"{before if before is not None else 'an unknown number of'} outcomes "
            f"(its latest events: {', '.join(map(str, extra.get('test_events', []))) or 'unknown'}). "
            f"**{n_new:,} outcomes in {int(volumes['new'].sum())} event(s) are new since the champion.**"
        )
    lines += [
        "",
        "| event | first date | last date | outcomes | positive (≥ meeting) | new |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r.event} | {r.first_date:%Y-%m-%d} | {r.last_date:%Y-%m-%d} | {r.outcomes} | {r.positive} "
            f"| {'new' if r.new else ''} |"
            for r in volumes.itertuples()
        ),
        "",
        "![outcomes per event](volumes.png)",
        "",
        "## Engine-recommended share of the new outcomes",
        "",
        _share_sentence(share, has_marker),
        "",
        "## Drift (PSI)",
        "",
    ]
    if drift.empty:
        lines.append("Not computed: no reference entities.")
    else:
        flagged = drift[drift["flagged"]]
        lines += [
            "Reference: the current profiles of the UMKM and firms in the outcomes the champion "
            "learned from (all outcomes when there is no champion); compared with all current "
            f"profiles, and pair features of {PAIR_SAMPLE:,} random pairs of each. PSI < 0.1 "
            f"stable, 0.1–0.2 watch, ≥ {DRIFT_THRESHOLD:g} drifted (flagged).",
            "",
            f"**{len(flagged)} feature(s) flagged**"
            + (": " + ", ".join(flagged["feature"]) if len(flagged) else "."),
            "",
            "| feature | kind | PSI | status |",
            "|---|---|---|---|",
            *(
                f"| {r.feature} | {r.kind} | {r.psi:.3f} | {'**drift**' if r.flagged else r.status} |"
                for r in drift.itertuples()
            ),
            "",
            "![drift](drift.png)",
        ]
    return "\n".join(lines) + "\n"


def _share_sentence(share: dict, has_marker: bool) -> str:
    if share["n_new"] == 0:
        return "No new outcomes."
    if not has_marker or share["n_known"] == 0:
        return (
            f"unknown — none of the {share['n_new']:,} new outcomes says whether the engine "
            "recommended the pair (record outcomes through the API, or add a "
            "`recommended_by_engine` or `source` column to the outcomes file)."
        )
    return (
        f"{share['share']:.0%} ({share['n_recommended']:,} of {share['n_known']:,} new outcomes "
        f"with a known marker; {share['n_new'] - share['n_known']:,} unknown) were pairs the "
        "engine recommended."
    )


def _f(value, spec: str = ".3f") -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else format(value, spec)
    )


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))


def _plot_segments(compare: pd.DataFrame, path: Path) -> Path:
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    x = np.arange(len(compare))
    width = 0.27
    for i, (col, label, colour) in enumerate(
        (
            ("challenger", "challenger", "#3a7bc8"),
            ("champion", "champion", "#8a8a8a"),
            ("baseline", "best baseline", "#e0a030"),
        )
    ):
        ax.bar(x + (i - 1) * width, compare[col].fillna(0), width, label=label, color=colour)
    ax.set_xticks(x, compare["segment"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("NDCG@10 on held-out events")
    ax.set_title("Champion vs challenger by segment")
    ax.legend()
    return _save(fig, path)


def _plot_volumes(volumes: pd.DataFrame, path: Path) -> Path:
    fig = _figure(7, max(2.5, 0.3 * len(volumes) + 1.5))
    ax = fig.add_subplot()
    shown = volumes.iloc[::-1]
    ax.barh(
        shown["event"].astype(str),
        shown["outcomes"],
        color=np.where(shown["new"], "#3a7bc8", "#b0b0b0"),
    )
    ax.set_xlabel("outcomes (blue: new since the champion)")
    ax.set_title("Outcomes per event")
    return _save(fig, path)
