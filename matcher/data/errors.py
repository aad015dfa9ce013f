"""Data errors: every problem names file, row, column, value and what was expected.

Rows are 1-based with the header as row 1, as a spreadsheet user counts them, so a data
row at pandas position ``i`` is reported as row ``i + 2``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in an input file."""

    file: str
    row: int | None  # 1-based, header = 1; None for a whole-file problem (missing column)
    column: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.row is None and self.value in (None, ""):
            return f"{where}: {self.expected}"
        return f"{where}: value {self.value!r} — expected {self.expected}"


class MatcherError(Exception):
    """Base for errors caused by the user's input, not by a bug: CLI exit 2, API 4xx."""


@dataclass
class DataValidationError(MatcherError):
    """All problems found in one file (not only the first)."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found; nothing was written"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)

    def __str__(self) -> str:  # dataclass would otherwise print the repr
        return self.summary()
