"""Loading the message catalogue (``messages/*.toml``) and looking messages up."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"
LANG_ENV = "MATCHER_LANG"


class CatalogueError(ValueError):
    """The shipped catalogue itself is broken (a developer's mistake, not a user's)."""


# The language a running CLI command was asked for (its --lang): see command_lang.
_COMMAND_LANG: ContextVar[str | None] = ContextVar("matcher_command_lang", default=None)


def current_lang(lang: str | None = None) -> str:
    """``lang`` if given, else the running command's ``--lang`` (:func:`command_lang`), else
    ``$MATCHER_LANG``, else Indonesian; unknown values fall back to Indonesian."""
    value = lang or _COMMAND_LANG.get() or os.environ.get(LANG_ENV) or DEFAULT_LANG
    value = value.strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANG


@contextmanager
def command_lang(lang: str | None) -> Iterator[None]:
    """Within the block, ``lang`` (when given) is the default language: a command's
    ``--lang`` reaches what the library says on its way (progress lines, warnings,
    reasons), not only the lines the command renders itself."""
    token = _COMMAND_LANG.set(lang)
    try:
        yield
    finally:
        _COMMAND_LANG.reset(token)


def _flatten(table: dict, prefix: str, out: dict, source: str) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if not isinstance(value, dict):
            raise CatalogueError(f"{source}: {key} must be a table with 'id' and 'en'")
        if any(isinstance(v, dict) for v in value.values()):
            if set(value) & set(LANGUAGES):
                raise CatalogueError(f"{source}: {key} mixes messages and sub-tables")
            _flatten(value, key, out, source)
            continue
        missing = [lg for lg in LANGUAGES if not isinstance(value.get(lg), str)]
        if missing:
            raise CatalogueError(f"{source}: {key} has no text for {', '.join(missing)}")
        if key in out:
            raise CatalogueError(f"{source}: {key} is already defined in {out[key][1]}")
        out[key] = ({lg: value[lg] for lg in LANGUAGES}, source)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, ``{key: {"id": ..., "en": ...}}``, from all domain files."""
    found: dict[str, tuple[dict[str, str], str]] = {}
    folder = resources.files("matcher.i18n") / "messages"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            try:
                data = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{entry.name}: {exc}") from exc
            _flatten(data, "", found, entry.name)
    return {key: texts for key, (texts, _) in found.items()}


def t(key: str, lang: str | None = None, /, **params) -> str:
    """The message ``key`` in ``lang`` (default: :func:`current_lang`), formatted with ``params``.

    An unknown key is a programming error and raises ``KeyError`` naming it.
    """
    try:
        texts = catalogue()[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the catalogue (matcher/i18n/messages)") from None
    lang = current_lang(lang)
    template = texts[lang]
    if not params:
        return template
    # a parameter that is itself a Message (or a Figure) is rendered in the same language
    return template.format(
        **{k: v.in_(lang) if callable(getattr(v, "in_", None)) else v for k, v in params.items()}
    )
