"""The first hour (issue 16): one home for every command, store set-up mistakes as one line
with the fix (exit 2), and no store created by a mistyped path."""

from __future__ import annotations

import sys

import pytest

from matcher.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def test_missing_store_is_an_error_naming_the_path_and_nothing_is_created(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    home = tmp_path / "typo"
    code, text = _run(capsys, "accounts", "list", "--home", str(home))
    assert code == 2
    assert str(home / "matcher.db") in text and "matcher init" in text
    assert "Traceback" not in text
    assert not home.exists()  # a typo does not leave a new empty store behind


def test_init_creates_the_store_and_then_commands_find_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "h"))
    code, text = _run(capsys, "init")
    assert code == 0 and (tmp_path / "h" / "matcher.db").exists()
    code, _ = _run(capsys, "accounts", "list")
    assert code == 0


def test_accounts_say_what_they_did_in_the_readers_words(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "h"))
    assert _run(capsys, "init")[0] == 0
    code, text = _run(capsys, "accounts", "add", "ani", "--role", "facilitator", "--region", "35")
    assert code == 0 and "akun 'ani' (facilitator, Jawa Timur) dibuat." in text
    assert "Kunci API (hanya ditampilkan sekarang; kirim sebagai header X-API-Key):" in text
    code, text = _run(capsys, "accounts", "list")
    assert code == 0 and "awalan kunci" in text and "dicabut" in text
    code, text = _run(capsys, "accounts", "revoke", "ani")
    assert text.strip() == "akun 'ani' dicabut; kuncinya tidak berlaku lagi"
    monkeypatch.setenv("MATCHER_LANG", "en")
    code, text = _run(capsys, "accounts", "add", "budi", "--role", "admin")
    assert code == 0 and text.startswith("account 'budi' (admin) created.\nAPI key (shown only now")
    code, text = _run(capsys, "accounts", "list")
    assert "key prefix" in text and "(all)" in text


def test_import_creates_the_store_and_says_so(tmp_path, capsys, monkeypatch):
    from tests.conftest import TINY_UMKM

    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATCHER_LANG", "en")
    path = tmp_path / "umkm.csv"
    TINY_UMKM.to_csv(path, index=False)
    code, text = _run(capsys, "import", "umkm", str(path), "--home", str(tmp_path / "h"))
    assert code == 0
    assert "created a new store" in text and (tmp_path / "h" / "matcher.db").exists()
    code, text = _run(capsys, "import", "umkm", str(path), "--home", str(tmp_path / "h"))
    assert code == 0 and "created a new store" not in text


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u@127.0.0.1/db", "postgresql+psycopg://"),
        ("postgresql://u@127.0.0.1/db", "postgresql+psycopg://"),
        (
            "postgresql+psycopg://postgres@127.0.0.1:1/test",
            "127.0.0.1:1",
        ),  # nothing listens on port 1
        ("not a url", "sqlite:///"),
    ],
)
def test_postgres_setup_mistakes_are_one_line_with_the_fix(
    url, expected, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("MATCHER_LANG", "en")
    code, text = _run(capsys, "accounts", "list", "--database-url", url)
    assert code == 2
    assert expected in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1


def test_missing_psycopg_says_install_the_postgres_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ModuleNotFoundError
    code, text = _run(
        capsys,
        "accounts",
        "list",
        "--database-url",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    assert code == 2 and "[postgres]" in text and len(text.strip().splitlines()) == 1


def test_missing_postgres_database_says_create_it(postgres_base_url, capsys):
    from sqlalchemy.engine import make_url

    url = make_url(postgres_base_url).set(database="matcher_no_such_db_16")
    code, text = _run(
        capsys, "accounts", "list", "--database-url", url.render_as_string(hide_password=False)
    )
    assert code == 2 and "createdb" in text and "matcher_no_such_db_16" in text


def test_one_home_for_registry_store_and_server(tmp_path, monkeypatch):
    from api.settings import Settings
    from matcher.home import registry_dir, results_dir

    monkeypatch.delenv("MATCHER_REGISTRY", raising=False)
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    s = Settings()
    assert s.resolved_registry() == registry_dir() == tmp_path / "models"
    assert s.resolved_database_url().endswith(str(tmp_path / "matcher.db"))
    assert results_dir() == tmp_path / "results"


def test_no_model_message_names_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATCHER_REGISTRY", raising=False)
    code, text = _run(capsys, "models", "show", "--home", str(tmp_path / "h"))
    assert code == 2 and str(tmp_path / "h" / "models") in text


def test_the_data_contract_lives_in_the_projects_docs():
    import re
    from pathlib import Path

    from matcher.data.schema import DECLINED_BY, EVENT_COLUMNS, STAGES

    root = Path(__file__).resolve().parent.parent
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        outside = re.findall(r"\]\((\.\./[^)]*)\)", doc.read_text(encoding="utf-8"))
        assert not outside, f"{doc.name} links outside the repository: {outside}"
    data = (root / "docs" / "data.md").read_text(encoding="utf-8")
    assert "## The data contract" in data
    for word in (
        *STAGES,
        *DECLINED_BY,
        *EVENT_COLUMNS,
        "umkm_id",
        "needed_kbli",
        "max_partners",
        "monthly_capacity_idr",
        "required_certifications",
        "umkm_name",
        "investment_type",
    ):
        assert f"`{word}`" in data or f"| {word} |" in data or f"{word}," in data, word


def test_outputs_and_model_folders_follow_the_umask(tmp_path):
    import os

    import pandas as pd

    from matcher.atomic import write_bytes_atomic
    from matcher.output import write_table
    from training.registry import Registry

    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "a.bin", b"x")
        for name in ("r.csv", "r.parquet", "r.xlsx"):
            write_table(pd.DataFrame({"umkm_id": ["U1"], "score": [0.5]}), tmp_path / name)
        reg = Registry(tmp_path / "models")
        version = reg.register({"model": 1}, metrics={}, features=["f"], data_fingerprint="x")
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir() if p.is_file()}
        assert set(modes.values()) == {0o644}, modes  # not 0600 as temp files are made
        assert (reg.versions_dir / version).stat().st_mode & 0o777 == 0o755  # not 0700
        os.umask(0o002)  # a group-shared set-up gets group-writable files
        write_bytes_atomic(tmp_path / "b.bin", b"x")
        assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def test_the_demo_events_outcomes_come_after_all_history_and_are_reproducible():
    import pandas as pd

    from matcher.demo import generate_world
    from matcher.demo.history import NEXT_EVENT, next_event_outcomes

    world = generate_world(n_umkm=300, n_firms=40, seed=1)
    pairs = world.event  # any participants will do: pair them up in order
    u = pairs.loc[pairs["party"] == "umkm", "id"].head(20).tolist()
    f = (pairs.loc[pairs["party"] == "firm", "id"].tolist() * 20)[:20]
    a = next_event_outcomes(world, u, f)
    assert a.equals(next_event_outcomes(world, u, f))
    assert len(a) == 20 and set(a["event_id"]) == {NEXT_EVENT[0]}
    assert pd.to_datetime(a["date"]).min() > pd.to_datetime(world.outcomes["date"]).max()
    assert set(zip(a["umkm_id"], a["firm_id"])) == set(zip(u, f))


def test_a_failed_first_import_leaves_no_empty_store(tmp_path, capsys, monkeypatch):
    import pandas as pd

    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    path = tmp_path / "outcomes.csv"
    pd.DataFrame(
        {"umkm_id": ["U9"], "firm_id": ["F9"], "stage": ["meeting"], "date": ["2025-01-10"]}
    ).to_csv(path, index=False)
    code, text = _run(capsys, "import", "outcomes", str(path), "--home", str(tmp_path / "h"))
    assert code == 2 and "U9" in text
    assert not (tmp_path / "h" / "matcher.db").exists()
