"""Shared CLI pieces: profile loading with a status line, registry option, tables."""
from __future__ import annotations

import argparse
import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

console = Console(stderr=True)
out = Console()


def add_registry(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", default=None,
                   help="model registry folder (default: $MATCHER_REGISTRY or ./models)")


def add_profiles(p: argparse.ArgumentParser, outcomes: bool = False) -> None:
    p.add_argument("--umkm", required=True, help="UMKM profiles (.csv, .parquet or .xlsx)")
    p.add_argument("--firms", required=True, help="firm profiles (.csv, .parquet or .xlsx)")
    if outcomes:
        p.add_argument("--outcomes", required=True, help="past outcomes (.csv, .parquet or .xlsx)")


def load_profiles(args, outcomes: bool = False):
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm

    with console.status("loading profiles"):
        umkm = load_umkm(args.umkm)
        firms = load_firms(args.firms)
        out_ = load_outcomes(args.outcomes, umkm, firms) if outcomes else None
    for df in (umkm, firms) + ((out_,) if outcomes else ()):
        print_warnings(df.attrs.get("warnings", []))
    return (umkm, firms, out_) if outcomes else (umkm, firms)


def print_warnings(warnings, most: int = 5) -> None:
    """The first ``most`` warnings of one input (the rest are left out)."""
    for w in list(warnings)[:most]:
        console.print(f"[yellow]warning:[/] {w}")


def say(msg: str) -> None:
    console.print(f"[dim]·[/] {msg}")


@contextmanager
def progress_bar(description: str, total: int):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False) as p:
        task = p.add_task(description, total=total)
        yield lambda n=1: p.advance(task, n)


def print_table(df: pd.DataFrame, title: str | None = None, floats: str = "{:.3f}") -> None:
    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c))
    for row in df.itertuples(index=False):
        t.add_row(*[floats.format(v) if isinstance(v, float) else str(v) for v in row])
    out.print(t)


def home_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("MATCHER_HOME") or ".matcher")
