"""End-to-end: a real `matcher serve` on the embedded default (SQLite + local registry in a
temporary home) driven by headless Chromium through Playwright.

One server and one small world per session. Chromium is Debian's (`/usr/bin/chromium`,
installed by `.ci/run`); Playwright drives it by its executable path and never downloads a
browser. Screenshots of each page at desktop and phone width go to ``test-artifacts/web``
(gitignored; ``MATCHER_E2E_ARTIFACTS`` to change). Every test fails if the page asked any
host but the app's own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MATCHER_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTS = range(8101, 8110)  # this suite's port base (8100) + 1..9
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("MATCHER_E2E_ARTIFACTS", REPO / "test-artifacts" / "web"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}

pytestmark = pytest.mark.slow


@dataclass
class World:
    base: str
    home: Path
    keys: dict[str, str]
    umkm: object  # canonical frame
    firms: object
    files: Path  # the world's contract files
    target: str  # a Pamekasan UMKM
    word: str  # an Indonesian product word of it
    outsider: str  # a UMKM outside Jawa Timur


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _build_world(root: Path) -> dict:
    from api.settings import Settings
    from api.store import Region, open_store
    from api.store.accounts import create_account
    from api.store.importer import import_file
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm
    from matcher.demo import generate_world, write_world
    from training.registry import Registry
    from training.train import fit_calibrated

    paths = write_world(generate_world(n_umkm=240, n_firms=30, seed=3), root / "data")
    umkm, firms = load_umkm(paths["umkm"]), load_firms(paths["firms"])
    outcomes = load_outcomes(paths["outcomes"], umkm, firms)
    registry = Registry(root / "models")
    # calibrated on held-out events, as `matcher train` does, so the pages show chances
    model = fit_calibrated(
        umkm,
        firms,
        outcomes,
        params=dict(max_iter=20, n_negatives=3, min_samples_leaf=3, n_folds=2),
    )
    version = registry.register(
        model, metrics={"ndcg@10": 0.5}, features=[], data_fingerprint="e2e"
    )
    registry.promote(version)
    settings = Settings(home=root / "home", registry=root / "models")
    store = open_store(settings, create=True)
    for kind in ("umkm", "firms", "outcomes"):
        import_file(store, kind, paths[kind])
    keys = {}
    with store.transaction() as s:
        _, keys["ani"] = create_account(s, "ani", "facilitator", Region("Jawa Timur", "Pamekasan"))
        _, keys["admin"] = create_account(s, "admin", "admin")
    store.dispose()
    return dict(umkm=umkm, firms=firms, keys=keys, files=root / "data")


def _pick(umkm):
    from matcher.features.text import glossary

    indonesian = {" ".join(p) for p in glossary().phrases if len(p) == 1}
    pamekasan = umkm[umkm["regency"].fillna("").str.contains("Pamekasan")]
    for row in pamekasan.itertuples():
        words = [w for w in str(row.products).lower().replace(",", " ").split() if len(w) >= 5]
        found = [w for w in words if w in indonesian and w.isalpha()]
        if found:
            return row.umkm_id, found[0]
    raise AssertionError("the e2e world has no Pamekasan UMKM with an Indonesian product word")


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)")
    pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' installs playwright")
    root = tmp_path_factory.mktemp("e2e")
    built = _build_world(root)
    umkm = built["umkm"]
    target, word = _pick(umkm)
    outsider = umkm.loc[umkm["province"] != "Jawa Timur", "umkm_id"].iloc[0]
    port = _free_port()
    env = {
        **os.environ,
        "MATCHER_HOME": str(root / "home"),
        "MATCHER_REGISTRY": str(root / "models"),
        "MATCHER_LANG": "",
    }
    env.pop("MATCHER_DATABASE_URL", None)
    log = open(root / "server.log", "w")
    matcher = shutil.which("matcher", path=str(Path(sys.executable).parent)) or "matcher"
    server = subprocess.Popen(
        [matcher, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if b'"ok"' in r.read():
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not start: {(root / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.3)
        yield World(
            base,
            root / "home",
            built["keys"],
            umkm,
            built["firms"],
            built["files"],
            target,
            word,
            outsider,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def browser(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visitor:
    """One browser context (its own cookies) that records every request it makes."""

    def __init__(self, browser, world: World, viewport=DESKTOP):
        self.world = world
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.requests: list[str] = []
        self.context.on("request", lambda req: self.requests.append(req.url))
        self.page = self.context.new_page()

    def go(self, path: str):
        return self.page.goto(self.world.base + path)

    def sign_in(self, who: str) -> None:
        self.go("/masuk")
        self.page.fill("#key", self.world.keys[who])
        self.page.click("form[action='/masuk'] button[type=submit]")
        self.page.wait_for_url(lambda url: "/masuk" not in url)

    def shot(self, name: str) -> None:
        """Screenshots of the current page at desktop and phone width: the whole page
        (``NAME-desktop.png``) and what the first screen shows (``NAME-desktop-screen.png``,
        the kind the README shows)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        original = page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-screen.png"))
        page.set_viewport_size(original)

    def foreign_requests(self) -> list[str]:
        own = self.world.base + "/"
        return [
            u
            for u in self.requests
            if not (
                u.startswith(own)
                or u.startswith("data:")
                or u.startswith("blob:")
                or u == "about:blank"
            )
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser, world):
    made: list[Visitor] = []

    def make(viewport=DESKTOP) -> Visitor:
        v = Visitor(browser, world, viewport)
        made.append(v)
        return v

    yield make
    try:
        for v in made:
            assert v.foreign_requests() == [], "a page asked another host"
    finally:
        for v in made:
            v.close()
