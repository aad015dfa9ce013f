"""Shared helpers of the reference package: reading the shipped CSVs and the name key."""

from __future__ import annotations

import re
from importlib import resources

import pandas as pd

from matcher.data.errors import MatcherError

_PUNCT = re.compile(r"[^\w]+")


class UnknownReferenceError(MatcherError, ValueError):
    """A value that is not in a shipped reference table; carries the closest valid names."""

    def __init__(self, what: str, value: object, suggestions: list[str]):
        self.what = what
        self.value = value
        self.suggestions = suggestions
        from matcher.i18n import Message  # the tables load before the catalogue is needed

        hint = Message("data.rule.closest", names=", ".join(suggestions)) if suggestions else ""
        # a Message: the CLI, the API and the web app each say it in their reader's language
        super().__init__(Message(f"reference.unknown.{what}", value=repr(value), hint=hint))


def key(value: object) -> str:
    """Lower-case, punctuation to space, single spaces: the matching key for names."""
    return " ".join(_PUNCT.sub(" ", str(value).lower()).replace("_", " ").split())


def read_csv(name: str, **kwargs) -> pd.DataFrame:
    path = resources.files("matcher.data") / "reference" / name
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, keep_default_na=False, **kwargs)
