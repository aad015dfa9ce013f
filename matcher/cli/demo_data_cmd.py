"""``matcher demo-data``: write the synthetic demo world in the data-contract format."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from matcher.cli._common import add_counts, print_table, status
from matcher.demo.files import FORMATS
from matcher.demo.variants import WORLDS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo-data",
        help="write a synthetic demo world (UMKM, firms, outcomes, event)",
        description="Generate a reproducible demo world and write umkm, firms, outcomes and "
        "event files in the data-contract format into DIR. The same --seed "
        "always gives identical files. Ground truth stays in the library: "
        "matcher.demo.generate_world(...).true_relevance().",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    add_counts(p, umkm=3000, firms=300)
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--format", default="csv", choices=FORMATS, help="file format (default csv)")
    p.add_argument(
        "--world",
        default="demo",
        choices=WORLDS,
        help="which world: 'demo' (the default), 'pasar' (a second, differently built "
        "world: more English, few stated needed_kbli, other locality and "
        "certificate rules), or either with '-messy' (degraded files); "
        "see docs/demo-world.md",
    )
    p.set_defaults(handler=cmd_demo_data)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from matcher.demo import generate_world, write_world
    from matcher.i18n import format_number, t

    with status(
        t(
            "cli.status.generating",
            umkm=format_number(args.n_umkm),
            firms=format_number(args.n_firms),
        )
    ):
        world = generate_world(
            n_umkm=args.n_umkm, n_firms=args.n_firms, seed=args.seed, world=args.world
        )
    with status(t("cli.status.writing_files", format=args.format, path=args.out)):
        paths = write_world(world, Path(args.out), fmt=args.format)
    summary = pd.DataFrame(
        {
            t("cli.demo_data.file"): [str(p) for p in paths.values()],
            t("cli.demo_data.rows"): [format_number(len(getattr(world, name))) for name in paths],
        }
    )
    print_table(summary, title=t("cli.demo_data.title", world=args.world, seed=args.seed))
    return 0
