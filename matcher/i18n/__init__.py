"""One message catalogue and one formatter for everything a facilitator reads.

Bahasa Indonesia is the default language; English is a choice (``lang="en"``, or
``MATCHER_LANG=en`` in the environment). Pages, workbooks, reports, reasons, CLI messages
and API errors all take their words from :func:`t` and their numbers from
:mod:`matcher.i18n.fmt`, so the same thing is said in the same words everywhere.

The catalogue lives in ``messages/*.toml``, one file per domain (``common``, ``web``,
``reasons``, ``errors``, ``workbook``, ``report``, ``cli`` ...). Each message is a table
whose name is the key and whose ``id`` and ``en`` entries are ``str.format`` templates::

    [plan.summary]
    id = "{n} pertemuan direncanakan"
    en = "{n} meetings planned"

A key is defined in exactly one file; :func:`catalogue` refuses duplicates and messages
missing a language, and the test suite loads it, so a broken catalogue fails the build.
"""

from __future__ import annotations

from matcher.i18n.catalogue import DEFAULT_LANG, LANGUAGES, catalogue, current_lang, t
from matcher.i18n.fmt import chance_text, chance_words, format_idr, format_number, format_percent
from matcher.i18n.message import Figure, Joined, Message, text_in

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANG",
    "catalogue",
    "current_lang",
    "t",
    "chance_text",
    "chance_words",
    "format_idr",
    "format_number",
    "format_percent",
    "Message",
    "Figure",
    "Joined",
    "text_in",
]
