"""The message catalogue and the Indonesian formatter: known answers."""

import pytest

from matcher.i18n import (
    catalogue,
    chance_text,
    chance_words,
    format_idr,
    format_number,
    format_percent,
    t,
)
from matcher.i18n.catalogue import CatalogueError, _flatten


def test_catalogue_loads_and_every_message_has_both_languages():
    cat = catalogue()
    assert "common.chance" in cat
    for key, texts in cat.items():
        assert set(texts) == {"id", "en"}, key
        assert texts["id"].strip() and texts["en"].strip(), key


def test_duplicate_or_half_translated_keys_are_refused():
    out = {}
    _flatten({"a": {"id": "x", "en": "y"}}, "", out, "one.toml")
    with pytest.raises(CatalogueError, match="already defined in one.toml"):
        _flatten({"a": {"id": "x", "en": "y"}}, "", out, "two.toml")
    with pytest.raises(CatalogueError, match="no text for en"):
        _flatten({"b": {"id": "x"}}, "", {}, "three.toml")


def test_t_picks_language_and_formats(monkeypatch):
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    assert t("common.stage.declined") == "ditolak"
    assert t("common.stage.declined", "en") == "declined"
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert t("common.stage.declined") == "declined"
    with pytest.raises(KeyError, match="no message"):
        t("no.such.key")


def test_a_commands_lang_is_the_default_while_it_runs(monkeypatch):
    from matcher.i18n.catalogue import command_lang

    monkeypatch.delenv("MATCHER_LANG", raising=False)
    with command_lang("en"):
        assert t("common.stage.declined") == "declined"
        assert format_number(1500) == "1,500"
        assert t("common.stage.declined", "id") == "ditolak"  # an explicit language wins
    with command_lang(None):  # no --lang: $MATCHER_LANG, else Indonesian
        assert t("common.stage.declined") == "ditolak"
    assert t("common.stage.declined") == "ditolak"


@pytest.mark.parametrize(
    "value, text",
    [
        (1.5e9, "Rp1,5 miliar"),
        (105e6, "Rp105 juta"),
        (2.73e12, "Rp2,73 triliun"),
        (1.5e12, "Rp1,5 triliun"),
        (750_000, "Rp750.000"),
        (12.5e6, "Rp12,5 juta"),
        (0, "Rp0"),
        (278.95e9, "Rp279 miliar"),
    ],
)
def test_format_idr_indonesian(value, text):
    assert format_idr(value, "id") == text


def test_format_idr_english_and_numbers():
    assert format_idr(1.5e9, "en") == "Rp1.5 billion"
    assert format_number(1_500_000, lang="id") == "1.500.000"
    assert format_number(1234.5, 1, lang="id") == "1.234,5"
    assert format_number(1234.5, 1, lang="en") == "1,234.5"


@pytest.mark.parametrize(
    "p, text", [(0.125, "12,5%"), (0.34, "34%"), (1.0, "100%"), (0.0, "0%"), (0.05, "5%")]
)
def test_format_percent(p, text):
    assert format_percent(p, lang="id") == text


def test_chance_in_words():
    assert chance_words(0.75, "id") == "tinggi"
    assert chance_words(0.02, "id") == "sangat rendah"
    assert chance_text(0.34, "contract", "id") == "peluang kontrak 34% (sedang)"
    assert chance_text(0.34, "contract", "en") == "contract chance 34% (medium)"
    # the band follows the percent shown: 9.6 % prints as 10 % and is "rendah", like 10 %
    assert (
        chance_text(0.096, "contract", "id")
        == chance_text(0.10, "contract", "id")
        == "peluang kontrak 10% (rendah)"
    )
