"""A problem found in a file carries a message key and its parameters, so every surface
says it in its reader's language: the CLI in $MATCHER_LANG (Indonesian by default), a web
table in the viewer's choice, an API error in the server's."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.data import loaders
from matcher.data.errors import DataValidationError
from matcher.i18n import Message, text_in


def _problems():
    raw = pd.DataFrame(
        {
            "umkm_id": ["U1", "U1"],
            "name": ["A", "B"],
            "kbli": ["10792", "abc"],
            "products": ["x", "y"],
            "province": ["Atlantis", "Jatim"],
        }
    )
    with pytest.raises(DataValidationError) as err:
        loaders.parse_umkm(raw, "umkm.csv")
    return {(p.row, p.column): p for p in err.value.problems}, err.value


def test_each_problem_reads_in_either_language_and_as_english_text():
    problems, err = _problems()
    province = problems[(2, "province")]
    assert province.expected_in("id").startswith("salah satu dari 38 provinsi")
    assert province.expected_in("en").startswith("one of the 38 provinces")
    assert str(province.expected) == province.expected_in("en")  # code that needs text: English
    assert problems[(3, "umkm_id")].expected_in("id") == "ID yang unik; juga dipakai di baris 2"
    assert problems[(3, "kbli")].expected_in("en").startswith("KBLI code(s) of 3 to 5 digits")
    assert problems[(3, "kbli")].expected_in("id").startswith("kode KBLI 3–5 digit")
    # the whole line too, and the summary the CLI prints
    assert province.text("id") == (
        "umkm.csv, baris 2, kolom 'province': nilai 'Atlantis' — seharusnya "
        + province.expected_in("id")
    )
    assert err.summary(lang="en").startswith("4 problems found; nothing was written")
    assert err.summary(lang="id").startswith("4 masalah ditemukan; tidak ada yang ditulis")


def test_the_default_language_follows_matcher_lang(monkeypatch):
    problems, err = _problems()
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    assert "baris 2, kolom 'province'" in str(err)
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert "row 2, column 'province'" in str(err)


def test_a_message_keeps_its_parameters_and_nested_messages():
    hint = Message("data.rule.closest", names="Jawa Timur")
    m = Message("data.rule.province", hint=hint)
    assert m.in_("id").endswith("; yang paling mirip: Jawa Timur")
    assert m.in_("en").endswith("; closest: Jawa Timur")
    assert text_in("plain", "id") == "plain" and text_in(m, "en") == str(m)
    import pickle

    assert pickle.loads(pickle.dumps(m)).in_("id") == m.in_("id")


def test_the_cli_prints_a_catalogue_error_in_matcher_lang(cli_world, tmp_path, monkeypatch, capsys):
    """A MatcherError raised with a Message (store refusals do) reads in $MATCHER_LANG, after a
    translated 'error' label; exit status 2."""
    from matcher.cli import main
    from matcher.data.errors import MatcherError

    def refusing(*_args, **_options):  # in the registry's place: refuses with a Message
        raise MatcherError(
            Message("data.rule.province", hint=Message("data.rule.closest", names="Jawa Timur"))
        )

    argv = ["plan-event", "--out", str(tmp_path / "plan.csv")]
    for kind in ("umkm", "firms", "event"):
        argv += [f"--{kind}", str(cli_world / f"{kind}.csv")]
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    assert main(argv, services=refusing) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("kesalahan: salah satu dari 38 provinsi")
        and "yang paling mirip: Jawa Timur" in err
    )
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main(argv, services=refusing) == 2
    assert capsys.readouterr().err.startswith("error: one of the 38 provinces")
    assert not (tmp_path / "plan.csv").exists()
