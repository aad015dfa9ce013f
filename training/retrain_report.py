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
from matcher.i18n import catalogue, current_lang, format_number, format_percent, t, text_in
from training.baselines import BASELINES
from training.drift import DRIFT_THRESHOLD, WATCH_THRESHOLD, drift_table, plot_drift
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
    lang: str | None = None,
) -> Path:
    """Write ``retrain.md`` + ``metrics_by_segment.png``, ``volumes.png``, ``drift.png``.

    ``result`` is the :class:`training.train.TrainResult`, ``table`` its held-out table
    with the PMA/PMDN rows added. The words come from the catalogue (``training.report.*``)
    in ``lang`` (default ``$MATCHER_LANG``, else Indonesian), numbers in its format.
    Returns the Markdown file's path.
    """
    lang = current_lang(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if result.split.no_heldout:
        return _write_unmeasured(out, result, message, lang)
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
    _plot_segments(compare, out / "metrics_by_segment.png", lang)
    _plot_volumes(volumes, out / "volumes.png", lang)

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
        lang,
    )
    path = out / "retrain.md"
    write_atomic(path, lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    return path


def _title(lang: str) -> str:
    return "# " + t("training.report.title", lang, when=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}")


def _write_unmeasured(out: Path, result, message: str, lang: str) -> Path:
    """The report of a retrain that could hold nothing out: what was done, and why."""
    md = "\n".join(
        [
            _title(lang),
            "",
            t("training.report.decision", lang, message=text_in(message, lang)),
            "",
            t(
                "training.report.no_heldout",
                lang,
                why=text_in(result.split.no_heldout, lang),
                version=result.version,
                n=format_number(len(result.split.train), lang=lang),
            ),
            "",
        ]
    )
    path = out / "retrain.md"
    write_atomic(path, lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    return path


def _segment(name: str, lang: str) -> str:
    key = f"training.report.segment.{name}"
    return t(key, lang) if key in catalogue() else name  # PMA and PMDN are said alike


def _markdown(
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
    has_marker,
    lang,
) -> str:
    split = result.split
    n_new = int((~known).sum())

    def n(value) -> str:
        return format_number(value, lang=lang)

    def say(key: str, **params) -> str:
        return t(f"training.report.{key}", lang, **params)

    lines = [
        _title(lang),
        "",
        say("decision", message=text_in(message, lang)),
        "",
        say(
            "models",
            champion=result.champion or say("no_champion"),
            version=result.version,
            events=", ".join(map(str, split.test_events)),
            n_test=n(len(split.test)),
            cutoff=f"{split.cutoff:%Y-%m-%d}",
            n_train=n(len(split.train)),
        ),
        "",
        "## " + say("gate_heading"),
        "",
        say("gate_intro"),
        "",
        say("gate_columns"),
        "|---|---|---|",
        *(
            f"| {c.name} | {say('passed') if c.passed else say('failed')} "
            f"| {text_in(c.detail, lang)} |"
            for c in result.decision.checks
        ),
        "",
        "## " + say("segments_heading"),
        "",
        say("segments_intro", seen=_segment("seen", lang), unseen=_segment("unseen", lang)),
        "",
        say("segments_columns"),
        "|---|---|---|---|---|---|",
        *(
            f"| {_segment(r.segment, lang)} | {n(r.n_umkm)} | {_f(r.challenger, lang)} "
            f"| {_f(r.champion, lang)} | {_f(r.delta, lang, signed=True)} "
            f"| {r.best_baseline or '—'} {_f(r.baseline, lang)} |"
            for r in compare.itertuples()
        ),
        "",
        f"![{say('segments_plot')}](metrics_by_segment.png)",
        "",
        f"<details><summary>{say('all_metrics')}</summary>",
        "",
        metrics_markdown(table.replace({"method": {"model": "challenger"}})),
        "",
        "</details>",
        "",
        "## " + say("volumes_heading"),
        "",
    ]
    if manifest is None:
        lines.append(say("volumes_first", n=n(len(outcomes))))
    else:
        extra = manifest.get("extra") or {}
        before = extra.get("n_outcomes")
        lines.append(
            say(
                "volumes",
                n=n(len(outcomes)),
                before=say("before", n=n(before)) if before is not None else say("before_unknown"),
                events=", ".join(map(str, extra.get("test_events", []))) or say("unknown"),
                n_new=n(n_new),
                n_events=n(int(volumes["new"].sum())),
            )
        )
    lines += [
        "",
        say("volumes_columns"),
        "|---|---|---|---|---|---|",
        *(
            f"| {r.event} | {r.first_date:%Y-%m-%d} | {r.last_date:%Y-%m-%d} | {n(r.outcomes)} "
            f"| {n(r.positive)} | {say('new') if r.new else ''} |"
            for r in volumes.itertuples()
        ),
        "",
        f"![{say('volumes_plot')}](volumes.png)",
        "",
        "## " + say("share_heading"),
        "",
        _share_sentence(share, has_marker, lang),
        "",
        "## " + say("drift_heading"),
        "",
    ]
    if drift.empty:
        lines.append(say("drift_none"))
    else:
        flagged = drift[drift["flagged"]]
        lines += [
            say(
                "drift_intro",
                n=n(PAIR_SAMPLE),
                low=format_number(WATCH_THRESHOLD, 1, lang),
                high=format_number(DRIFT_THRESHOLD, 1, lang),
            ),
            "",
            say(
                "drift_flagged",
                n=n(len(flagged)),
                listing=(": " + ", ".join(flagged["feature"])) if len(flagged) else ".",
            ),
            "",
            say("drift_columns"),
            "|---|---|---|---|",
            *(
                f"| {r.feature} | {say('kind.' + r.kind)} | {format_number(r.psi, 3, lang)} "
                f"| {say('status.drift') if r.flagged else say('status.' + r.status)} |"
                for r in drift.itertuples()
            ),
            "",
            f"![{say('drift_plot')}](drift.png)",
        ]
    return "\n".join(lines) + "\n"


def _share_sentence(share: dict, has_marker: bool, lang: str | None = None) -> str:
    if share["n_new"] == 0:
        return t("training.report.share_none", lang)
    if not has_marker or share["n_known"] == 0:
        return t("training.report.share_unknown", lang, n=format_number(share["n_new"], lang=lang))
    return t(
        "training.report.share",
        lang,
        share=format_percent(share["share"], 0, lang),
        n_recommended=format_number(share["n_recommended"], lang=lang),
        n_known=format_number(share["n_known"], lang=lang),
        n_unknown=format_number(share["n_new"] - share["n_known"], lang=lang),
    )


def _f(value, lang: str | None = None, signed: bool = False) -> str:
    """A metric with three decimals in ``lang``'s format ('—' when there is none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    text = format_number(value, 3, lang)
    return ("+" + text) if signed and value >= 0 else text


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))


def _plot_segments(compare: pd.DataFrame, path: Path, lang: str | None = None) -> Path:
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    x = np.arange(len(compare))
    width = 0.27
    for i, (col, colour) in enumerate(
        (("challenger", "#3a7bc8"), ("champion", "#8a8a8a"), ("baseline", "#e0a030"))
    ):
        label = t(f"training.report.plot.{col}", lang)
        ax.bar(x + (i - 1) * width, compare[col].fillna(0), width, label=label, color=colour)
    ax.set_xticks(x, [_segment(sg, current_lang(lang)) for sg in compare["segment"]])
    ax.set_ylim(0, 1)
    ax.set_ylabel(t("training.report.plot.ndcg_axis", lang))
    ax.set_title(t("training.report.plot.segments_title", lang))
    ax.legend()
    return _save(fig, path)


def _plot_volumes(volumes: pd.DataFrame, path: Path, lang: str | None = None) -> Path:
    fig = _figure(7, max(2.5, 0.3 * len(volumes) + 1.5))
    ax = fig.add_subplot()
    shown = volumes.iloc[::-1]
    ax.barh(
        shown["event"].astype(str),
        shown["outcomes"],
        color=np.where(shown["new"], "#3a7bc8", "#b0b0b0"),
    )
    ax.set_xlabel(t("training.report.plot.volumes_axis", lang))
    ax.set_title(t("training.report.plot.volumes_title", lang))
    return _save(fig, path)
