"""Data errors: every problem names file, row, column, value and what was expected.

Rows are 1-based with the header as row 1, as a spreadsheet user counts them, so a data
row at pandas position ``i`` is reported as row ``i + 2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from matcher.i18n import format_number, t, text_in

# Up to this many problems are listed one by one; more are grouped by kind with a few
# examples each (``--all-errors`` lists every one).
LIST_ALL_UP_TO = 10
EXAMPLES_PER_GROUP = 3
# By problem kind (``Problem.kind``), message keys in matcher.i18n: the group's heading
# (default: the column) and advice printed under it. A module that records a kind of
# problem with a known fix adds its entries, e.g.
# ``KIND_LABELS["unknown_umkm"] = "outcomes.kind.unknown_umkm"`` ("outcomes name UMKM that
# are not in the store") and ``KIND_HINTS["unknown_umkm"] = "outcomes.hint.import_first"``.
KIND_LABELS: dict[str, str] = {}
KIND_HINTS: dict[str, str] = {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an input file."""

    file: str
    row: int | None  # 1-based, header = 1; None for a whole-file problem (missing column)
    column: str | None
    value: object
    # what was expected: a matcher.i18n.Message (a catalogue key + parameters, read as its
    # English text) that every surface renders in its reader's language (expected_in)
    expected: str
    # What sort of problem this is, for grouping (default: by column); see KIND_HINTS.
    kind: str | None = field(default=None, compare=False)

    def group_key(self) -> tuple[str, str]:
        if self.kind:
            return (self.file, f"kind:{self.kind}")
        if self.row is None or self.column is None:  # whole-file problems: each its own kind
            return (self.file, f"{self.column}: {self.expected}")
        return (self.file, f"column '{self.column}'")

    def expected_in(self, lang: str | None = None) -> str:
        """What was expected, in ``lang`` (default: ``$MATCHER_LANG``, else Indonesian)."""
        return text_in(self.expected, lang)

    def expected_message(self, lang: str | None = None) -> str:
        """ "expected …" in ``lang`` (an API error's message for this problem)."""
        return t("data.problem.expected", lang, expected=self.expected_in(lang))

    def text(self, lang: str | None = None) -> str:
        """The whole problem in one line, in ``lang``: file, row, column, value, expectation."""
        where = self.file
        if self.row is not None:
            where = t("data.problem.at_row", lang, where=where, row=self.row)
        if self.column is not None:
            where = t("data.problem.at_column", lang, where=where, column=self.column)
        if self.row is None and self.value in (None, ""):
            return t("data.problem.whole", lang, where=where, expected=self.expected_in(lang))
        return t(
            "data.problem.value",
            lang,
            where=where,
            value=repr(self.value),
            expected=self.expected_in(lang),
        )

    def __str__(self) -> str:
        return self.text()


@dataclass
class ProblemGroup:
    """Problems of one kind in one file (e.g. every bad 'province' cell)."""

    file: str
    label: str
    problems: list[Problem]

    @property
    def kind(self) -> str | None:
        return self.problems[0].kind


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Problems grouped by file and kind, in order of first appearance."""
    groups: dict[tuple[str, str], ProblemGroup] = {}
    for p in problems:
        key = p.group_key()
        if key not in groups:
            groups[key] = ProblemGroup(key[0], key[1], [])
        groups[key].problems.append(p)
    return list(groups.values())


def format_problems(
    problems: list[Problem],
    *,
    all_problems: bool = False,
    examples: int = EXAMPLES_PER_GROUP,
    up_to: int = LIST_ALL_UP_TO,
    warnings: bool = False,
    lang: str | None = None,
) -> list[str]:
    """Lines describing ``problems`` (errors, or ``warnings``): every one when at most
    ``up_to`` (or ``all_problems``), else one heading per kind with its count, a few
    examples and the kind's advice."""
    problems = list(problems)
    if all_problems or len(problems) <= up_to:
        return [f"  - {p.text(lang)}" for p in problems]
    heading, more = (
        ("cli.problems.group_warnings", "cli.problems.more_warnings")
        if warnings
        else ("cli.problems.group", "cli.problems.more")
    )
    lines: list[str] = []
    for g in group_problems(problems):
        first = g.problems[0]
        if g.kind in KIND_LABELS:
            what = t(KIND_LABELS[g.kind], lang)
        elif g.kind or (first.row is not None and first.column is not None):
            what = t("data.problem.column", lang, column=first.column)
        else:  # a whole-file problem is its own group
            what = f"{first.column}: {first.expected_in(lang)}"
        lines.append(
            "  - "
            + t(heading, lang, n=format_number(len(g.problems), lang=lang), file=g.file, what=what)
        )
        lines += [f"      {p.text(lang)}" for p in g.problems[:examples]]
        if len(g.problems) > examples:
            lines.append(
                "      " + t(more, lang, n=format_number(len(g.problems) - examples, lang=lang))
            )
        if g.kind in KIND_HINTS:
            lines.append("      " + t(KIND_HINTS[g.kind], lang))
    return lines


class MatcherError(Exception):
    """Base for errors caused by the user's input, not by a bug: CLI exit 2, API 4xx.

    Raise it with a catalogue :class:`~matcher.i18n.Message` (``MatcherError(Message(key,
    ...))``): the CLI says it in the command's language, the API in the reader's."""


def suffix_shown(path) -> str:
    """A file's suffix as an error names it: ``'.txt'``, or "(none)" in the reader's words."""
    from pathlib import Path

    from matcher.i18n import Message

    ext = Path(path).suffix.lower()
    return repr(ext) if ext else Message("data.file.no_extension")


@dataclass
class DataValidationError(MatcherError):
    """All problems found in one file (not only the first)."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self, all_problems: bool = False, lang: str | None = None) -> str:
        """Every problem when few or ``all_problems``; else grouped by kind (see
        :func:`format_problems`); in ``lang`` (default ``$MATCHER_LANG``, else Indonesian)."""
        n = len(self.problems)
        head = t(
            "data.problems.head_one" if n == 1 else "data.problems.head",
            lang,
            n=format_number(n, lang=lang),
        )
        return (
            head
            + "\n"
            + "\n".join(format_problems(self.problems, all_problems=all_problems, lang=lang))
        )

    def __str__(self) -> str:  # dataclass would otherwise print the repr
        return self.summary()
