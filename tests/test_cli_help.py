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


def test_every_command_says_what_it_does():
    missing = [path for path, parser in _parsers(build_parser()) if not parser.description]
    assert not missing, "commands without a description: " + ", ".join(missing)


def test_shared_options_read_the_same_everywhere():
    """--home, --registry, --database-url, --lang and --raw-csv have one definition each:
    the same help text on every command that takes them."""
    seen: dict[str, set[str]] = {}
    for _path, parser in _parsers(build_parser()):
        for action in parser._actions:
            for opt in action.option_strings:
                if opt in ("--home", "--registry", "--database-url", "--lang", "--raw-csv"):
                    seen.setdefault(opt, set()).add(action.help)
    assert set(seen) == {"--home", "--registry", "--database-url", "--lang", "--raw-csv"}
    assert all(len(helps) == 1 for helps in seen.values()), seen


def test_version(capsys):
    from importlib.metadata import version

    import pytest

    from matcher.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"matcher {version('matcher')}"


def test_counts_are_n_umkm_and_the_old_spelling_still_works(capsys, monkeypatch):
    monkeypatch.setenv("MATCHER_LANG", "en")
    parser = build_parser()
    for command in ("demo", "demo-data"):
        extra = ["--out", "x"] if command == "demo-data" else []
        new = parser.parse_args([command, *extra, "--n-umkm", "40", "--n-firms", "7"])
        assert (new.n_umkm, new.n_firms) == (40, 7)
        assert capsys.readouterr().err == ""
        old = parser.parse_args([command, *extra, "--umkm", "40", "--firms", "7"])
        assert (old.n_umkm, old.n_firms) == (40, 7)
        err = capsys.readouterr().err
        assert "--umkm for a count is deprecated; use --n-umkm" in err
        assert "--firms for a count is deprecated; use --n-firms" in err
        default = parser.parse_args([command, *extra])
        assert (default.n_umkm, default.n_firms) == (3000, 300)
    # the old spellings are not advertised
    assert "--umkm" not in parser._subparsers._group_actions[0].choices["demo"].format_help()


def test_results_on_stdout_progress_on_stderr(tmp_path, capsys):
    from matcher.cli import main

    assert main(["demo-data", "--out", str(tmp_path), "--n-umkm", "20", "--n-firms", "4"]) == 0
    captured = capsys.readouterr()
    assert "umkm.csv" in captured.out  # the table of files written is the result
    assert "umkm.csv" not in captured.err
