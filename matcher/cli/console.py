"""Where the ``matcher`` command writes: the one output policy, owned here.

- **Results** go to stdout (or to the files a command was told to write): tables, the
  answer a command was asked for, the key of a new account, "wrote FILE".
  Use :func:`echo` for plain lines and :func:`print_table` / :data:`out` for tables.
- **Progress, notes and warnings** go to stderr, so ``matcher ... > result.txt`` keeps only
  the result: :func:`status` (a spinner), :func:`progress_bar`, :func:`say`,
  :func:`print_warnings`.
- **Errors** (a user mistake) go to stderr from :func:`matcher.cli.main`, exit status 2.

Command modules do not call ``print`` or build their own rich consoles; they use these.
The consoles look up ``sys.stdout``/``sys.stderr`` when they write, so tests capture them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import contextmanager

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

PIPED_WIDTH = 200  # columns when output is not a terminal (rich would assume 80)


def make_console(stderr: bool = False) -> Console:
    """A rich console; when piped or redirected, wide enough that tables keep whole headers
    and cells (rich otherwise cuts them to 80 columns: "segme…")."""
    c = Console(stderr=stderr)
    return c if c.is_terminal else Console(stderr=stderr, width=max(c.width, PIPED_WIDTH))


out = make_console()  # results
err = make_console(stderr=True)  # progress, notes, warnings
console = err  # the name the command modules have used for the stderr console


def echo(*lines: str) -> None:
    """Result text on stdout, as written (no rich markup, no wrapping)."""
    for line in lines:
        print(line, file=sys.stdout, flush=True)


def say(msg: str) -> None:
    """A progress note on stderr."""
    err.print(f"[dim]·[/] {msg}")


def note(msg: str) -> None:
    """A plain note on stderr (no markup: file names and brackets print as written)."""
    err.print(msg, markup=False, highlight=False)


def status(msg: str):
    """A spinner on stderr while a step runs (``with status("loading"):``)."""
    return err.status(msg)


def print_warnings(warnings: Iterable, most: int = 5, lang: str | None = None) -> None:
    """One input's warnings on stderr, in ``lang``: each one when at most ``most``, else
    grouped by kind with a count and two examples each, so a long list never floods the
    terminal."""
    from matcher.data.errors import format_problems
    from matcher.i18n import t, text_in

    warnings = list(warnings)
    if len(warnings) <= most:
        for w in warnings:
            text = w.text(lang) if hasattr(w, "text") else text_in(w, lang)
            err.print(f"[yellow]{t('cli.warning', lang)}:[/] {escape(text)}", highlight=False)
        return
    for line in format_problems(warnings, warnings=True, up_to=most, examples=2, lang=lang):
        err.print(line, markup=False, highlight=False, style="yellow")


@contextmanager
def progress_bar(description: str, total: int):
    """A progress bar on stderr; yields ``advance(n=1)``."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as p:
        task = p.add_task(description, total=total)
        yield lambda n=1: p.advance(task, n)


def print_table(df: pd.DataFrame, title: str | None = None, floats: str = "{:.3f}") -> None:
    """A data frame as a table on stdout (a result)."""
    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c), min_width=len(str(c)))  # a header is never cut
    for row in df.itertuples(index=False):
        t.add_row(*[floats.format(v) if isinstance(v, float) else str(v) for v in row])
    out.print(t)
