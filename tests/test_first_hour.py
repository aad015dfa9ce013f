"""The first hour of a new operator, end to end (issue 16): in a fresh folder, exactly the
README's commands — demo, recommend for one UMKM, import, accounts, serve — with no flag the
README does not show, then the set-up mistakes of the issue: each one line, exit 2, no
traceback. Runs the installed `matcher` executable in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

MATCHER = str(Path(sys.executable).with_name("matcher"))


def run(cwd, *args, ok=True, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    e.update(env or {})
    p = subprocess.run(
        [MATCHER, *args], cwd=cwd, capture_output=True, text=True, env=e, timeout=900
    )
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    if ok:
        assert p.returncode == 0, f"{args}: {p.stderr}"
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh")
    p = run(folder, "demo")
    return folder, p.stdout


def test_demo_shows_the_learning_loop_and_ends_clean(after_demo):
    folder, text = after_demo
    assert (folder / ".matcher" / "models" / "CURRENT").exists()
    assert (folder / ".matcher" / "matcher.db").exists()
    assert "PROMOSIKAN" in text or "TIDAK dipromosikan" in text  # the loop says what it decided
    assert re.search(r"v0002-\S+ dipromosikan|v0001-\S+ dipertahankan", text)
    assert text.count("warning") + text.count("peringatan") <= 5  # no flood of warnings


def test_recommend_for_one_umkm_right_after_the_demo(after_demo):
    folder, _ = after_demo
    data = ".matcher/demo-data"
    run(
        folder,
        "recommend",
        "--umkm",
        f"{data}/umkm.csv",
        "--firms",
        f"{data}/firms.csv",
        "--umkm-id",
        "UMKM-00012",
        "--out",
        ".matcher/results/UMKM-00012.xlsx",
    )
    sheet = pd.read_excel(folder / ".matcher" / "results" / "UMKM-00012.xlsx")
    assert len(sheet) == 10 and sheet["firm_name"].notna().all()
    mode = (folder / ".matcher" / "results" / "UMKM-00012.xlsx").stat().st_mode & 0o777
    assert mode == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_import_then_serve(after_demo):
    folder, _ = after_demo
    run(folder, "import", "umkm", ".matcher/demo-data/umkm.csv")
    key = run(folder, "accounts", "add", "admin", "--role", "admin").stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [MATCHER, "serve", "--port", str(port)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")},
    )
    try:
        body = None
        for _ in range(300):
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/umkm/UMKM-00012/matches?k=3",
                    headers={"X-API-Key": key},
                )
                body = json.loads(urllib.request.urlopen(req, timeout=10).read())
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(1)
        assert body is not None, server.stdout.read() if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    "args, env, says",
    [
        (
            ["accounts", "list"],
            {"MATCHER_DATABASE_URL": "postgres://postgres@127.0.0.1/test"},
            "postgresql+psycopg://",
        ),
        (
            ["accounts", "list"],
            {"MATCHER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test"},
            "127.0.0.1:1",
        ),
        (["serve"], {"MATCHER_HOME": "typo-home"}, "typo-home"),
        (["recommend", "--umkm", "u.csv", "--firms", "f.csv", "--out", "x.txt"], {}, "x.txt"),
    ],
)
def test_set_up_mistakes_are_one_line_exit_2(tmp_path, args, env, says):
    p = run(tmp_path, *args, ok=False, env=env)
    assert p.returncode == 2 and says in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "typo-home").exists()
