"""The ``matcher`` command. Thin: parses arguments, calls the library, prints.

Each command group lives in its own module exposing ``register(subparsers)``; every
command's handler takes the parsed ``argparse.Namespace`` and returns an exit status.
User mistakes (:class:`matcher.data.errors.MatcherError`) print a clear message and exit 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from matcher.data.errors import DataValidationError, MatcherError
from matcher.i18n import t, text_in
from matcher.i18n.catalogue import command_lang

# Command-group modules, in the order they appear in --help. A module that is not
# present yet is skipped, so groups can land one by one.
COMMAND_MODULES = (
    "matcher.cli.data_cmds",  # validate
    "matcher.cli.demo_data_cmd",  # demo-data
    "matcher.cli.demo_cmd",  # demo
    "matcher.cli.model_cmds",  # train, evaluate, recommend, recommend-umkm
    "matcher.cli.event_cmds",  # plan-event
    "matcher.cli.registry_cmds",  # models, retrain
    "matcher.cli.service_cmds",  # serve, import, accounts
    "matcher.cli.outcome_cmds",  # outcomes history|correct|void
    "matcher.cli.report_cmds",  # report programme
    "matcher.cli.reference_cmds",  # reference kbli
    "matcher.cli.advice_cmds",  # advise
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matcher",
        description="Match Indonesian UMKM with PMA/PMDN investment companies.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {matcher_version()}",
        help="print matcher's version and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    _describe(parser)
    return parser


def matcher_version() -> str:
    """The installed matcher's version (from the package metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("matcher")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _describe(parser: argparse.ArgumentParser) -> None:
    """Every command's ``--help`` opens with what it does: a command without a longer
    description shows its one-line help there (argparse would show nothing)."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, sub in action.choices.items():
            if not sub.description and helps.get(name):
                text = helps[name]
                sub.description = text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
            _describe(sub)


def main(argv: list[str] | None = None, *, services=None) -> int:
    """Run one command; returns its exit status. ``services`` replaces the registry as the
    source of the match service (see :func:`matcher.cli._common.match_service`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.services = services
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    lang = getattr(args, "lang", None)  # a command's --lang, else $MATCHER_LANG, else id
    try:
        with command_lang(lang):  # what the library says on the way, in --lang too
            return int(args.handler(args) or 0)
    except DataValidationError as exc:  # grouped by kind unless --all-errors
        summary = exc.summary(all_problems=getattr(args, "all_errors", False), lang=lang)
        print(f"{t('cli.error', lang)}: {summary}", file=sys.stderr)
        return 2
    except MatcherError as exc:
        # a catalogue Message (store and registry refusals, outcome rules) in the command's
        # language; else as raised
        text = text_in(exc.args[0], lang) if len(exc.args) == 1 else str(exc)
        print(f"{t('cli.error', lang)}: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("cli.interrupted", lang), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
