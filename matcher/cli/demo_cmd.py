"""``matcher demo``: the whole job on the embedded default, in one command.

Creates the demo world under the home folder if absent, trains and registers a model in
the home's local registry (if none is current yet), prints the top 10 firms with reasons
for a sample Pamekasan UMKM, and plans the demo signing event (CSV + printable workbook).
"""

from __future__ import annotations

import json
import time

from matcher.atomic import write_atomic, write_bytes_atomic
from matcher.cli._common import (
    add_counts,
    add_locations,
    console,
    home_dir,
    open_store,
    out,
    print_table,
    print_warnings,
    registry_dir,
    say,
)
from matcher.i18n import format_idr, format_number, format_percent, t, text_in

PAMEKASAN = "3528"
WORLD_FILE = "world.json"  # how the demo world was generated
NEXT_OUTCOMES_FILE = "next-event-outcomes.csv"  # the demo event's simulated outcomes


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole job on a demo world (generate, train, recommend, plan)",
        description="The whole job on a demo world, in one command: generate the world under "
        "HOME/demo-data (unless it exists), train and register a model (unless one is "
        "current), print the top 10 firms with reasons for a sample Pamekasan UMKM, plan the "
        "demo signing event (CSV and workbook) and load the world into the SQLite store for "
        "`matcher serve`.",
    )
    add_locations(p)
    p.add_argument(
        "--retrain", action="store_true", help="train a new model even if one is current"
    )
    add_counts(p, umkm=3000, firms=300, what=" in a newly generated world")
    p.add_argument(
        "--seed", type=int, default=0, help="random seed of a newly generated world (default 0)"
    )
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args) -> int:
    from matcher.data.loaders import load_event, load_firms, load_outcomes, load_umkm
    from matcher.demo import generate_world, write_world
    from matcher.event_report import event_summary
    from matcher.export import write_plan
    from matcher.service import MatchService
    from training.registry import Registry
    from training.train import train_and_register

    started = time.perf_counter()
    home = home_dir(args)
    data = home / "demo-data"
    registry = Registry(registry_dir(args))
    if not (data / "umkm.csv").exists():
        with console.status(
            t(
                "cli.demo.generating",
                umkm=format_number(args.n_umkm),
                firms=format_number(args.n_firms),
            )
        ):
            write_world(
                generate_world(n_umkm=args.n_umkm, n_firms=args.n_firms, seed=args.seed), data
            )
            write_bytes_atomic(
                data / WORLD_FILE,
                json.dumps(
                    {"n_umkm": args.n_umkm, "n_firms": args.n_firms, "seed": args.seed}
                ).encode(),
            )
        say(t("cli.demo.written", path=data))
    with console.status(t("cli.demo.loading")):
        umkm = load_umkm(data / "umkm.csv")
        firms = load_firms(data / "firms.csv")
        outcomes = load_outcomes(data / "outcomes.csv", umkm, firms)
        event = load_event(data / "event.csv", umkm, firms)
    for frame in (umkm, firms, outcomes, event):  # summarised: a few lines whatever their number
        print_warnings(frame.attrs.get("warnings", []))
    say(
        t(
            "cli.demo.sizes",
            umkm=format_number(len(umkm)),
            firms=format_number(len(firms)),
            outcomes=format_number(len(outcomes)),
        )
    )

    trained = args.retrain or registry.current_version() is None
    if trained:
        result = train_and_register(umkm, firms, outcomes, registry, progress=say)
        print_table(result.table.round(3), title=t("cli.demo.heldout_title"))
        state = t("cli.demo.current" if result.decision.promote else "cli.demo.not_promoted")
        out.print(
            t("cli.demo.model", version=result.version, state=state, reason=result.decision.reason),
            markup=False,
        )
    service = MatchService.from_registry(registry, umkm, firms)
    store_url = _load_store(args, data)

    pamekasan = umkm[umkm["regency_code"] == PAMEKASAN]
    sample = (pamekasan if len(pamekasan) else umkm).iloc[0]
    recs = service.recommend_firms([sample["umkm_id"]], k=10)
    recs = recs.merge(firms[["firm_id", "name", "investment_type"]], on="firm_id")
    out.print(
        "\n"
        + t(
            "cli.demo.top10",
            umkm_id=sample["umkm_id"],
            name=sample["name"],
            where=sample["regency"] or sample["province"],
            products=sample["products"],
        ),
        markup=False,
    )
    print_table(recs[["rank", "firm_id", "name", "investment_type", "reasons"]])
    _advice(service, umkm[umkm["umkm_id"] == sample["umkm_id"]])

    with console.status(t("cli.demo.planning")):
        plan = service.plan_event(event)
    results = home / "results"
    results.mkdir(parents=True, exist_ok=True)
    write_plan(plan, results / "event-plan.csv")
    write_plan(plan, results / "event-plan.xlsx", umkm=umkm, firms=firms)
    s = event_summary(plan, umkm, firms, event)
    out.print(
        "\n"
        + t(
            "cli.demo.event",
            umkm=s["umkm_participants"],
            firms=s["firm_participants"],
            pairs=len(plan),
            share=format_percent(s["umkm_matched_share"]),
            value=format_idr(s["expected_value_idr"]),
            csv=results / "event-plan.csv",
            xlsx=results / "event-plan.xlsx",
        ),
        markup=False,
    )
    if trained:  # the learning loop, once per trained model: record the event, retrain
        _learning_loop(args, data, umkm, firms, outcomes, plan, registry)
    out.print(
        t(
            "cli.demo.done",
            seconds=f"{time.perf_counter() - started:.0f}",
            version=registry.current_version(),
            registry=registry.root,
            store=store_url,
        ),
        markup=False,
    )
    out.print(
        t(
            "cli.demo.serve_hint",
            matcher=_matcher_exe(),
            opts=_location_opts(args),
            umkm=data / "umkm.csv",
            firms=data / "firms.csv",
            umkm_id=sample["umkm_id"],
            out=results / f"{sample['umkm_id']}.xlsx",
        ),
        markup=False,
        highlight=False,
    )
    return 0


def _advice(service, one) -> None:
    """The sample UMKM's best "naik kelas" steps (`matcher advise`; under a second)."""
    from matcher.advice import advise
    from matcher.i18n import format_idr, format_percent

    rows = advise(service, one).head(3)
    out.print(
        f"\n[bold]{t('advice.web.title')}[/] — `matcher advise --umkm-id {one['umkm_id'].iloc[0]}`"
    )
    if rows.empty:
        out.print(t("advice.web.none"))
        return
    print_table(
        rows.assign(
            expected_value_gain_idr=rows["expected_value_gain_idr"].map(format_idr),
            p_contract_gain=rows["p_contract_gain"].map(lambda p: format_percent(p)),
        )[["rank", "change", "firms_gained", "p_contract_gain", "expected_value_gain_idr", "how"]]
    )


def _learning_loop(args, data, umkm, firms, outcomes, plan, registry) -> None:
    """What a facilitator does after the event, on the demo world: the planned pairs meet,
    their outcomes (drawn from the world's truth, like its history) are recorded in the
    store, and a challenger trained on all outcomes is gated against the model just used.
    Prints whether it was promoted and why."""
    import pandas as pd

    from matcher.data.loaders import load_outcomes
    from matcher.demo import generate_world
    from matcher.demo.history import next_event_outcomes
    from training.retrain import retrain

    path = data / NEXT_OUTCOMES_FILE
    fresh = not path.exists()
    if fresh:
        try:
            spec = json.loads((data / WORLD_FILE).read_text())
        except (OSError, ValueError):
            say(t("cli.demo.loop_skipped", path=data))
            return
        with console.status(t("cli.demo.loop_simulating", n=len(plan))):
            world = generate_world(
                n_umkm=spec["n_umkm"], n_firms=spec["n_firms"], seed=spec["seed"]
            )
            raw = next_event_outcomes(world, plan["umkm_id"], plan["firm_id"])
            write_atomic(path, lambda tmp: raw.to_csv(tmp, index=False))
    new = load_outcomes(path, umkm, firms)
    stages = new["stage"].value_counts()
    out.print(
        "\n"
        + t(
            "cli.demo.loop_recorded",
            n=len(new),
            path=path,
            declined=int(stages.get("declined", 0)),
            contracts=int(stages.get("contract_signed", 0)),
        ),
        markup=False,
        highlight=False,
    )
    outcome = retrain(
        umkm, firms, pd.concat([outcomes, new], ignore_index=True), registry, progress=say
    )
    key = "cli.demo.loop_promoted" if outcome.promoted else "cli.demo.loop_kept"
    out.print(
        t(key, version=outcome.version, champion=outcome.champion), markup=False, highlight=False
    )
    out.print(f"  {text_in(outcome.message)}", markup=False, highlight=False)
    if fresh:
        from api.store.importer import import_file

        store = open_store(args, create=True)
        try:
            import_file(store, "outcomes", path)
        finally:
            store.dispose()


def _matcher_exe() -> str:
    """``.venv/bin/matcher`` when run that way (it is not on PATH), else ``matcher``."""
    import sys
    from pathlib import Path

    exe = Path(sys.argv[0])
    return str(exe) if exe.name == "matcher" and not exe.is_absolute() else "matcher"


def _location_opts(args) -> str:
    """The ``--home``/``--registry`` given to the demo, to repeat on the next commands."""
    import shlex

    return "".join(
        f" --{flag} {shlex.quote(str(getattr(args, flag)))}"
        for flag in ("home", "registry")
        if getattr(args, flag, None)
    )


def _load_store(args, data) -> str:
    """Put the demo profiles and outcomes in the embedded SQLite store, once, so
    `matcher serve` works on the same world right after the demo."""
    from api.store.db import display_url
    from api.store.importer import import_file

    store = open_store(args, create=True)
    try:
        with store.session() as s:
            from api.store import FIRMS, load_frame

            loaded = len(load_frame(s, FIRMS)) > 0
        if not loaded:
            with console.status(t("cli.status.demo_store")):
                for kind in ("umkm", "firms", "outcomes"):
                    import_file(store, kind, data / f"{kind}.csv")
        return display_url(store.url)
    finally:
        store.dispose()
