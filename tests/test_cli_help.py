"""Every command and every option of `matcher` says what it is in --help (issue 16)."""

from __future__ import annotations

import argparse

from matcher.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, path: str = "matcher"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_option_has_help_text():
    missing = []
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not (action.help or "").strip():
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, "options without help text: " + ", ".join(missing)


def test_location_defaults_say_the_home():
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if "--registry" in action.option_strings:
                assert "HOME/models" in action.help, path


def test_tables_keep_whole_headers_when_piped(capsys):
    import pandas as pd

    from matcher.cli._common import make_console, print_table

    assert not make_console().is_terminal and make_console().width >= 200
    wide = pd.DataFrame([[0.1234] * 9], columns=[f"segment_ndcg@10_{i}" for i in range(9)])
    print_table(wide)
    text = capsys.readouterr().out
    assert all(f"segment_ndcg@10_{i}" in text for i in range(9)) and "…" not in text
