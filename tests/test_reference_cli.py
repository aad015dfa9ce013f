"""``matcher reference kbli``: a code's title and path, title search, counts per level."""

from __future__ import annotations

from matcher.cli import main


def test_code_prints_its_title_and_path(capsys):
    assert main(["reference", "kbli", "10774"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "10774  Industri Pengolahan Garam"
    assert "1077   Industri Bumbu-Bumbuan dan Produk Masak Lainnya" in out
    assert "10772" in out and "10773" in out  # its KBLI 2025 counterparts


def test_words_search_the_titles(capsys):
    assert main(["reference", "kbli", "garam"]) == 0
    out = capsys.readouterr().out
    assert "10774  Industri Pengolahan Garam" in out


def test_three_and_four_digit_codes_are_shown_at_their_level(capsys):
    assert main(["reference", "kbli", "1079"]) == 0
    assert "subgolongan" in capsys.readouterr().out


def test_unknown_code_suggests_real_codes_and_exits_1(capsys):
    assert main(["reference", "kbli", "99999"]) == 1
    assert "99000" in capsys.readouterr().out


def test_a_2025_code_shows_its_2020_counterpart(capsys):
    assert main(["reference", "kbli", "10307"]) == 1
    assert "10391 (Industri Tempe Kedelai)" in capsys.readouterr().out
    assert main(["reference", "kbli", "10307", "--version", "2025"]) == 0
    assert "Pembuatan Tempe Kedelai" in capsys.readouterr().out


def test_stats_print_counts_per_level(capsys):
    assert main(["reference", "kbli", "--stats", "--version", "2025", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "kelompok" in out and "1559" in out and "DIFFERS" not in out
    assert main(["reference", "kbli", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "kategori             21" in out and "golongan pokok       88" in out
    assert "1790" in out and "567" in out and "BERBEDA" not in out and "sesuai" in out


def test_a_kbli_2015_code_names_what_it_became(capsys):
    assert main(["reference", "kbli", "77301"]) == 1
    out = capsys.readouterr().out
    assert "KBLI 2015" in out and "77391" in out
