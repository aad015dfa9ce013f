"""``matcher models list | show | promote | rollback`` and ``matcher retrain``.

Thin by design: every ``models`` action is one call on :class:`training.registry.Registry`
and ``retrain`` one call on :func:`training.retrain.retrain`; their errors (:class:`training.registry.RegistryError`, a ``MatcherError``) the dispatcher turns
into a message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import numbers

from rich.table import Table

from matcher.cli._common import add_lang, echo, locations_parent, open_store, out, registry_dir
from matcher.i18n import Message, format_number, t, text_in
from matcher.registry import no_model
from training.registry import Registry

# Metrics shown by `models list` unless --metric is given: flattened keys ending like these.
DEFAULT_METRIC_SUFFIXES = ("ndcg@10", "coverage")
MAX_DEFAULT_METRIC_COLUMNS = 4


def register(subparsers: argparse._SubParsersAction) -> None:
    common = locations_parent()
    models = subparsers.add_parser(
        "models",
        help="list, inspect, promote and roll back trained model versions",
        description="Manage the local model registry: which trained versions exist and "
        "which one is served.",
    )
    models.set_defaults(handler=lambda _args: _print_help(models))
    actions = models.add_subparsers(dest="models_action", metavar="ACTION")

    p = actions.add_parser("list", parents=[common], help="all versions, oldest first")
    p.add_argument(
        "--metric",
        action="append",
        metavar="KEY",
        help="metric column to show, dotted for nested keys (e.g. heldout.ndcg@10); "
        "repeatable; default: the NDCG@10 and coverage figures",
    )
    p.set_defaults(handler=cmd_list)

    p = actions.add_parser("show", parents=[common], help="the full manifest of a version")
    p.add_argument("version", nargs="?", help="version id (default: the current one)")
    p.set_defaults(handler=cmd_show)

    p = actions.add_parser(
        "promote", parents=[common], help="serve VERSION from now on (no gating: a human decision)"
    )
    p.add_argument("version", help="version id, as printed by `matcher models list`")
    p.add_argument("--reason", default="", help="why, for the history log")
    p.set_defaults(handler=cmd_promote)

    p = actions.add_parser(
        "rollback", parents=[common], help="serve the previously current version again"
    )
    p.add_argument("--reason", default="", help="why, for the history log")
    p.set_defaults(handler=cmd_rollback)

    p = subparsers.add_parser(
        "retrain",
        parents=[locations_parent(store=True)],
        help="train a challenger on all outcomes; promote it only if it beats the current model",
        description="Champion vs challenger: fit a new model on the outcomes (from files, or "
        "from the store when no files are given), compare it with the current model "
        "and the baselines on the latest held-out events and on the current model's "
        "frozen validation slice, register it, and promote it only when every gating "
        "check passes. Prints one line with the decision; exits 0 whether or not it "
        "promoted.",
    )
    files = p.add_argument_group("from files (all three, or none to read the store)")
    files.add_argument("--umkm", help="UMKM profiles (.csv, .parquet or .xlsx)")
    files.add_argument("--firms", help="firm profiles")
    files.add_argument(
        "--outcomes",
        help="outcomes; optional extra column recommended_by_engine "
        "or source feeds the report's engine share",
    )
    p.add_argument("--report", metavar="DIR", help="write retrain.md with PNG plots to DIR")
    add_lang(p)
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="challenger may trail the champion by this much NDCG@10 (default 0.01)",
    )
    p.add_argument(
        "--baseline-margin",
        type=float,
        default=0.02,
        help="challenger must beat every baseline by this much NDCG@10 (default 0.02)",
    )
    p.add_argument(
        "--test-share",
        type=float,
        default=0.2,
        help="share of outcomes (latest events) held out (default 0.2)",
    )
    p.set_defaults(handler=cmd_retrain)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None)
    registry = Registry(registry_dir(args))
    versions = registry.versions()
    if not versions:
        out.print(text_in(no_model(registry.root), lang))
        return 0
    flat = [_flatten(v.get("metrics") or {}) for v in versions]
    keys = args.metric or _default_metric_keys(flat)
    table = Table(title=t("cli.models.title", lang, root=str(registry.root)))
    table.add_column("", no_wrap=True)  # current marker
    table.add_column(t("cli.models.version", lang), no_wrap=True)
    table.add_column(t("cli.models.created", lang), no_wrap=True)
    for key in keys:
        table.add_column(key, justify="right", min_width=len(key))
    table.add_column(t("cli.models.notes", lang), min_width=12, overflow="fold")
    for info, metrics in zip(versions, flat):
        cells = [_fmt_metric(metrics.get(k)) for k in keys]
        damaged = t("cli.models.damaged", lang, error=text_in(info.get("error"), lang))
        notes = f"[red]{damaged}[/red]" if "error" in info else info.get("notes", "")
        table.add_row(
            "*" if info["is_current"] else "",
            info["version"],
            _short_time(info.get("created_at", "?")),
            *cells,
            notes,
        )
    out.print(table)
    if registry.current_version() is None:
        out.print(t("cli.models.none_current", lang))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    registry = Registry(registry_dir(args))
    version = registry.resolve(args.version)
    manifest = registry.manifest(version)
    current = version == registry.current_version()
    marker = t("cli.models.current_marker", getattr(args, "lang", None)) if current else ""
    out.print(f"[bold]{version}[/bold]{marker}  {registry.root / 'versions' / version}")
    out.print_json(json.dumps(manifest))
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    registry = Registry(registry_dir(args))
    previous = registry.promote(args.version, reason=args.reason)
    lang = getattr(args, "lang", None)
    if previous == args.version:
        out.print(t("cli.models.promoted_same", lang, version=args.version))
    elif previous:
        out.print(t("cli.models.promoted", lang, version=args.version, previous=previous))
    else:
        out.print(t("cli.models.promoted_first", lang, version=args.version))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    registry = Registry(registry_dir(args))
    before = registry.current_version()
    target = registry.rollback(reason=args.reason)
    out.print(
        t("cli.models.rolled_back", getattr(args, "lang", None), version=target, previous=before)
    )
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from api.retrain import read_store
    from matcher.cli._common import load_profiles, say
    from matcher.data.errors import MatcherError
    from training.retrain import file_provenance, retrain

    given = [name for name in ("umkm", "firms", "outcomes") if getattr(args, name)]
    if given and len(given) < 3:
        missing = ", ".join(f"--{n}" for n in ("umkm", "firms", "outcomes") if n not in given)
        raise MatcherError(Message("cli.retrain.files_needed", missing=missing))
    if given:
        umkm, firms, outcomes = load_profiles(args, outcomes=True)
        provenance = file_provenance(args.outcomes)
        source = t("cli.retrain.file", args.lang, path=args.outcomes)
    else:
        store = open_store(args)
        try:
            data = read_store(store)
        finally:
            store.dispose()
        umkm, firms, outcomes, provenance, source = (
            data.umkm,
            data.firms,
            data.outcomes,
            data.provenance,
            data.source,
        )
    say(
        t(
            "cli.retrain.read",
            args.lang,
            umkm=format_number(len(umkm), lang=args.lang),
            firms=format_number(len(firms), lang=args.lang),
            outcomes=format_number(len(outcomes), lang=args.lang),
            source=text_in(source, args.lang),
        )
    )
    outcome = retrain(
        umkm,
        firms,
        outcomes,
        Registry(registry_dir(args)),
        report_dir=args.report,
        tolerance=args.tolerance,
        baseline_margin=args.baseline_margin,
        test_share=args.test_share,
        provenance=provenance,
        progress=say,
        lang=args.lang,
    )
    echo(text_in(outcome.message, args.lang))
    if outcome.report:
        say(t("cli.retrain.report", args.lang, path=str(outcome.report)))
    return 0


def _flatten(metrics: dict, prefix: str = "") -> dict[str, float]:
    """``{"heldout": {"ndcg@10": .6}}`` -> ``{"heldout.ndcg@10": .6}`` (numbers only)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def _default_metric_keys(flat: list[dict[str, float]]) -> list[str]:
    """Key figures to show: shallow keys first (``heldout.ndcg@10`` before a baseline's)."""
    keys: list[str] = []
    for metrics in flat:
        for key in metrics:
            if key.endswith(DEFAULT_METRIC_SUFFIXES) and key not in keys:
                keys.append(key)
    keys.sort(key=lambda k: k.count("."))  # stable: first-seen order within a depth
    return keys[:MAX_DEFAULT_METRIC_COLUMNS]


def _short_time(iso: str) -> str:
    """``2026-11-27T20:31:58Z`` -> ``2026-11-27 20:31`` to keep the table narrow."""
    return iso[:16].replace("T", " ")


def _fmt_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
