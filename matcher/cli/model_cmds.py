"""``matcher train | evaluate | recommend | recommend-umkm``."""

from __future__ import annotations

from matcher import csvsafe
from matcher.cli._common import (
    add_feedback,
    add_locations,
    add_profiles,
    add_raw_csv,
    console,
    load_profiles,
    out,
    print_table,
    print_warnings,
    progress_bar,
    registry_dir,
    say,
    with_feedback,
)
from matcher.data.errors import MatcherError
from matcher.i18n import Message, format_number, t


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a model on outcomes, evaluate it and register it",
        description="Hold out the outcomes of the latest events (those the current model has "
        "not seen), fit a model on the earlier ones and evaluate it there beside the current "
        "model and simple baselines; register it, and make it current when it passes the "
        "promotion gate (beats the baselines, no worse than the current model). Without "
        "later events to hold out, it fits on everything and says its quality is unmeasured.",
    )
    add_profiles(p, outcomes=True)
    add_locations(p)
    p.add_argument(
        "--test-share", type=float, default=0.2, help="share of outcomes (latest events) held out"
    )
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="time-split evaluation of the model against baselines",
        description="Hold out the latest events' outcomes, fit a model on the earlier ones and "
        "print its ranking quality beside simple baselines on the same split, then how well "
        "its chances are calibrated. Registers nothing; --report also writes a Markdown "
        "report with PNG plots.",
    )
    add_profiles(p, outcomes=True)
    p.add_argument("--report", default=None, help="folder for a Markdown report with PNG plots")
    p.add_argument(
        "--test-share",
        type=float,
        default=0.2,
        help="share of outcomes (latest events) held out (default 0.2)",
    )
    p.set_defaults(handler=cmd_evaluate)

    p = sub.add_parser(
        "recommend",
        help="top-k firms for UMKM (all, or those given)",
        description="With the registry's current model, write the top --k firms for every UMKM "
        "of the file (or those of --umkm-id) to --out, with chances, reasons and names. The "
        "file is read in chunks, so memory does not grow with the number of UMKM; "
        "--engine dask scores on a Dask cluster.",
    )
    add_profiles(p)
    add_locations(p)
    p.add_argument("--umkm-id", nargs="*", default=None, help="only these UMKM (default: all)")
    p.add_argument("--k", type=int, default=10, help="firms per UMKM (default 10)")
    p.add_argument(
        "--out",
        required=True,
        help="output file: .csv, .parquet or .xlsx (a spreadsheet); "
        "rows carry UMKM and firm names, provinces and PMA/PMDN",
    )
    p.add_argument("--chunk-size", type=int, default=2048, help="UMKM per chunk (bounds memory)")
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="score on this machine (default) or on a Dask cluster (the `scale` extra)",
    )
    p.add_argument(
        "--scheduler", default=None, help="Dask scheduler address (default: a local cluster)"
    )
    add_feedback(p)
    add_raw_csv(p)
    p.set_defaults(handler=cmd_recommend)

    p = sub.add_parser(
        "recommend-umkm",
        help="top-k UMKM for one firm",
        description="With the registry's current model, write the top --k UMKM for one firm "
        "(--firm-id) to --out, with chances, reasons and names.",
    )
    add_profiles(p)
    add_locations(p)
    p.add_argument("--firm-id", required=True, help="the firm's ID in the firm file")
    p.add_argument("--k", type=int, default=10, help="UMKM to list (default 10)")
    p.add_argument("--out", required=True, help="output file: .csv, .parquet or .xlsx")
    add_feedback(p)
    add_raw_csv(p)
    p.set_defaults(handler=cmd_recommend_umkm)


def _check_k(k: int) -> None:
    if k < 1:
        raise MatcherError(Message("cli.args.at_least_one", option="--k", got=k))


def cmd_train(args) -> int:
    from training.registry import Registry
    from training.train import train_and_register

    umkm, firms, outcomes = load_profiles(args, outcomes=True)
    result = train_and_register(
        umkm,
        firms,
        outcomes,
        Registry(registry_dir(args)),
        test_share=args.test_share,
        progress=say,
    )
    if result.split.no_heldout:
        out.print(t("cli.train.no_heldout", why=result.split.no_heldout), markup=False)
    else:
        print_table(result.table.round(3), title=t("cli.demo.heldout_title"))
    state = t("cli.demo.current" if result.decision.promote else "cli.demo.not_promoted")
    out.print(
        t("cli.demo.model", version=result.version, state=state, reason=result.decision.reason),
        markup=False,
    )
    return 0


def cmd_evaluate(args) -> int:
    from matcher.ranking import MatchModel
    from training.evaluate import (
        ModelScorer,
        evaluate_calibration,
        evaluate_scorers,
        fit_baselines,
        time_split,
    )
    from training.report import write_evaluation_report

    umkm, firms, outcomes = load_profiles(args, outcomes=True)
    split = time_split(outcomes, args.test_share)
    if split.no_heldout:
        raise MatcherError(Message("cli.args.cannot_evaluate", why=split.no_heldout))
    say(
        t(
            "cli.evaluate.split",
            test=format_number(len(split.test)),
            cutoff=f"{split.cutoff:%Y-%m-%d}",
            train=format_number(len(split.train)),
        )
    )
    model = MatchModel().fit(umkm, firms, split.train, progress=say)
    scorers = {"model": ModelScorer(model), **fit_baselines(umkm, firms, split.train)}
    table = evaluate_scorers(scorers, umkm, firms, split)
    print_table(table.round(3), title=t("cli.demo.heldout_title"))
    check = evaluate_calibration(umkm, firms, split, progress=say)
    print_table(
        _calibration_rows(check),
        title=t("cli.evaluate.calibration_title"),
        floats="{:.4f}",
    )
    if args.report:
        path = write_evaluation_report(table, split, args.report, calibration=check)
        out.print(t("cli.evaluate.report", path=str(path)), markup=False, highlight=False)
    return 0


def _check_ids(ids, frame, column: str, path) -> None:
    """Every ID given on the command line is in the file (before any slow work)."""
    unknown = [i for i in dict.fromkeys(ids) if i not in set(frame[column])]
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" (+{len(unknown) - 5})" if len(unknown) > 5 else "")
        raise MatcherError(t("cli.args.unknown_id", column=column, ids=shown, path=path))


def _calibration_rows(check):
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "UMKM": seg,
                t("cli.evaluate.stage"): stage,
                "n": r["n"],
                "ece": round(r["ece"], 4),
                t("cli.evaluate.mean_predicted"): round(r["mean_predicted"], 3),
                t("cli.evaluate.observed"): round(r["observed"], 3),
            }
            for seg, stages in check.report.items()
            for stage, r in stages.items()
        ]
    )


def cmd_recommend(args) -> int:
    csvsafe.use_raw(args.raw_csv)
    from matcher.batch import service_batches
    from matcher.data.loaders import load_firms, load_umkm
    from matcher.output import check_output_path
    from matcher.service import MatchService

    _check_k(args.k)
    if args.chunk_size < 1:
        raise MatcherError(
            Message("cli.args.at_least_one", option="--chunk-size", got=args.chunk_size)
        )
    check_output_path(args.out)
    if not args.umkm_id:
        return _recommend_whole_file(args)
    with console.status(t("cli.status.loading_umkm")):
        umkm = load_umkm(args.umkm)
    _check_ids(args.umkm_id, umkm, "umkm_id", args.umkm)
    with console.status(t("cli.status.loading_firms")):
        firms = load_firms(args.firms)
    for df in (umkm, firms):
        print_warnings(df.attrs.get("warnings", []))
    # UMKM are encoded chunk by chunk: memory does not grow with their number
    service = MatchService.from_registry(registry_dir(args), umkm, firms, encode_umkm_upfront=False)
    service = with_feedback(service, args, umkm, firms)
    n = len(args.umkm_id)
    batches = service_batches(service, args.umkm_id, args.chunk_size)
    _run_batch(args, service, batches, firms, n)
    _wrote_firms(args, n, service.model_version)
    return 0


def _recommend_whole_file(args) -> int:
    """Every UMKM of the file, read ``--chunk-size`` rows at a time: memory holds the firms
    and the chunks in flight, whatever the number of UMKM (with Dask, on the driver too).
    The file is checked whole first: nothing is scored or written for a bad file."""
    from matcher.batch import file_batches
    from matcher.data.loaders import load_firms, scan_umkm
    from matcher.service import MatchService

    with console.status(t("cli.status.checking_umkm")):
        n, warnings = scan_umkm(args.umkm, args.chunk_size)
        firms = load_firms(args.firms)
    print_warnings(warnings)
    print_warnings(firms.attrs.get("warnings", []))
    # firm-side: the UMKM come as profiles, chunk by chunk
    service = with_feedback(
        MatchService.from_registry(registry_dir(args), None, firms), args, None, firms
    )
    _run_batch(args, service, file_batches(args.umkm, args.chunk_size), firms, n)
    _wrote_firms(args, n, service.model_version)
    return 0


def _wrote_firms(args, n: int, version) -> None:
    out.print(
        t("cli.recommend.wrote_firms", k=args.k, n=format_number(n), path=args.out, model=version),
        markup=False,
        highlight=False,
    )


def _run_batch(args, service, batches, firms, n: int) -> None:
    """The batch pipeline (:mod:`matcher.batch`) with --engine: chunks of UMKM scored, named
    and written to --out in order."""
    from matcher.batch import make_engine, run_batch
    from matcher.output import TableWriter, with_names

    engine = make_engine(args.engine, scheduler=args.scheduler)  # before any file is opened
    with progress_bar(t("cli.status.scoring_umkm"), n) as advance, TableWriter(args.out) as sink:
        run_batch(
            service,
            batches,
            args.k,
            sink,
            engine=engine,
            progress=advance,
            decorate=lambda recs, rows: with_names(recs, rows, firms),
        )


def cmd_recommend_umkm(args) -> int:
    csvsafe.use_raw(args.raw_csv)
    from matcher.output import check_output_path, with_names, write_table
    from matcher.service import CHANCE_COLUMNS, MatchService

    _check_k(args.k)
    check_output_path(args.out)
    umkm, firms = load_profiles(args)
    _check_ids([args.firm_id], firms, "firm_id", args.firms)
    service = with_feedback(
        MatchService.from_registry(registry_dir(args), umkm, firms), args, umkm, firms
    )
    recs = service.recommend_umkm(args.firm_id, args.k)
    write_table(
        with_names(
            recs[["umkm_id", "firm_id", "rank", "score", *CHANCE_COLUMNS, "status", "reasons"]],
            umkm,
            firms,
        ),
        args.out,
    )
    out.print(
        t("cli.recommend.wrote_umkm", k=args.k, firm=args.firm_id, path=args.out),
        markup=False,
        highlight=False,
    )
    return 0
