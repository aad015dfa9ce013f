"""``matcher advise``: "naik kelas" advice per UMKM, or a region's programme summary.

    matcher advise --umkm U --firms F [--umkm-id ID ...] [--outcomes O] --out FILE(.csv|.xlsx)
    matcher advise --umkm U --firms F --region PROV[/REGENCY] --summary [--out FILE]

Changes come from the declared catalogue (``matcher/data/vocab/advice.psv``) and are scored
with the registry's current model (:mod:`matcher.advice`).
"""

from __future__ import annotations

from matcher import csvsafe


def register(sub) -> None:
    from matcher.cli._common import add_feedback, add_lang, add_locations, add_profiles, add_raw_csv

    p = sub.add_parser(
        "advise",
        help="'naik kelas' advice: which certificate, capacity, scale, cooperative or KBLI step "
        "would bring each UMKM more and better partners (or, with --summary, which programme "
        "adds the most across a region)",
        description="For each UMKM (all, those of --umkm-id, or those of --region), which "
        "single step (a certificate, more capacity, a larger scale, joining a cooperative, "
        "another KBLI) would bring it more and better partners among its top --k firms, "
        "measured by re-scoring with the current model. With --summary: per programme, what "
        "it adds across the region.",
    )
    add_profiles(p)
    add_locations(p)
    p.add_argument(
        "--umkm-id",
        nargs="*",
        default=None,
        help="only these UMKM (default: all, or those of --region)",
    )
    p.add_argument(
        "--region",
        default=None,
        metavar="PROV[/REGENCY]",
        help='only UMKM in this province or regency, e.g. "Jawa Timur/Pamekasan"',
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="per programme, what it adds across the region's UMKM (needs --region); "
        "printed, and written to --out when given",
    )
    p.add_argument("--out", default=None, help="output file: .csv or .xlsx")
    p.add_argument(
        "--k", type=int, default=10, help="top firms a change is measured on (default 10)"
    )
    p.add_argument(
        "--chunk-size", type=int, default=2048, help="profiles scored per chunk (bounds memory)"
    )
    add_lang(p)
    add_feedback(p)
    add_raw_csv(p)
    p.set_defaults(handler=cmd_advise)


def _check_out(path, lang):
    from pathlib import Path

    from matcher.data.errors import MatcherError
    from matcher.i18n import t
    from matcher.output import check_output_path

    if Path(path).suffix.lower() not in (".csv", ".xlsx"):
        raise MatcherError(t("advice.cli.bad_out", lang, path=path))
    return check_output_path(path)


def cmd_advise(args) -> int:
    csvsafe.use_raw(args.raw_csv)
    from matcher.advice import advise, region_summary
    from matcher.cli._common import (
        load_profiles,
        match_service,
        out,
        print_table,
        progress_bar,
        with_feedback,
    )
    from matcher.cli.model_cmds import _check_ids
    from matcher.data.errors import MatcherError
    from matcher.i18n import format_idr, format_number, t
    from matcher.output import write_table

    lang = args.lang
    if args.k < 1:
        raise MatcherError(t("advice.cli.bad_k", lang, k=args.k))
    if args.summary and not args.region:
        raise MatcherError(t("advice.cli.need_region", lang))
    if not args.summary and not args.out:
        raise MatcherError(t("advice.cli.need_out", lang))
    if args.out:
        _check_out(args.out, lang)
    region = None
    if args.region:
        from api.store import Region
        from api.store.accounts import canonical_region

        region = canonical_region(Region.parse(args.region))
    umkm, firms = load_profiles(args)
    if args.umkm_id:
        _check_ids(args.umkm_id, umkm, "umkm_id", args.umkm)
        chosen = umkm[umkm["umkm_id"].isin(set(args.umkm_id))]
    else:
        chosen = umkm
    if region is not None:
        chosen = chosen[region.mask(chosen).to_numpy()]
        if chosen.empty:
            raise MatcherError(
                t("advice.cli.empty_region", lang, region=str(region), path=args.umkm)
            )
    service = match_service(args, umkm, firms, encode_umkm_upfront=False)
    service = with_feedback(service, args, umkm, firms)
    from matcher.advice import variants

    changes = variants(chosen, firms)
    with progress_bar(t("advice.cli.progress", lang), len(chosen) + len(changes[0])) as advance:
        advice = advise(
            service,
            chosen,
            k=args.k,
            lang=lang,
            chunk_size=args.chunk_size,
            progress=advance,
            changes=changes,
        )
    if not args.summary:
        write_table(advice, args.out)
        out.print(
            t(
                "advice.cli.wrote",
                lang,
                n=len(advice),
                umkm=len(chosen),
                path=args.out,
                model=service.model_version,
            )
        )
        return 0
    summary = region_summary(advice, chosen, lang)
    if summary.empty:
        out.print(t("advice.summary.none", lang, region=str(region)))
    else:
        best = summary.iloc[0]
        out.print(
            t(
                "advice.summary.best",
                lang,
                region=str(region),
                line=best["summary"],
                value=format_idr(best["expected_value_gain_idr"], lang),
                firms=int(best["firms_gained"]),
            )
        )
        shown = summary.assign(
            expected_value_gain_idr=summary["expected_value_gain_idr"].map(
                lambda v: format_idr(v, lang)
            ),
            # summed over UMKM and firms, a sum of chances is a number of contracts expected
            p_contract_gain=summary["p_contract_gain"].map(lambda v: format_number(v, 1, lang)),
        )[["summary", "umkm", "firms_gained", "p_contract_gain", "expected_value_gain_idr"]]
        shown.columns = [
            t("advice.col.programme", lang),
            t("advice.col.umkm", lang),
            t("advice.col.firms_gained", lang),
            t("advice.col.p_contract_gain", lang),
            t("advice.col.expected_value_gain_idr", lang),
        ]
        print_table(shown, title=t("advice.cli.summary_title", lang, region=str(region)))
    if args.out:
        write_table(summary, args.out)
        out.print(args.out)
    return 0
