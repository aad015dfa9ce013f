"""Shared fixtures: a temporary matcher home, a tiny world, and database URLs.

``database_url`` is parametrised over SQLite and PostgreSQL. PostgreSQL needs
``MATCHER_TEST_POSTGRES_URL`` (CI: ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each test gets its own schema, dropped afterwards, so runs never collide. Without the
variable the postgres cases are skipped with the reason shown in the summary (``-ra``) and a
warning line at the end of the session.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pandas as pd
import pytest

from tests.fakes import FakeModelSource

POSTGRES_ENV = "MATCHER_TEST_POSTGRES_URL"
_POSTGRES_SKIP = (
    f"PostgreSQL tests SKIPPED: set {POSTGRES_ENV} "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them"
)


def pytest_terminal_summary(terminalreporter):
    if not os.environ.get(POSTGRES_ENV):
        terminalreporter.write_line(f"WARNING: {_POSTGRES_SKIP}", yellow=True, bold=True)


@pytest.fixture
def matcher_home(tmp_path, monkeypatch):
    """An empty matcher home; MATCHER_* variables point into it for code that reads them."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.delenv("MATCHER_DATABASE_URL", raising=False)
    monkeypatch.setenv("MATCHER_REGISTRY", str(tmp_path / "models"))
    return home


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(_POSTGRES_SKIP)
    return url


@pytest.fixture
def postgres_url(postgres_base_url):
    """A URL whose connections live in a fresh schema of their own (dropped afterwards)."""
    from sqlalchemy import create_engine, text

    schema = f"matcher_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_base_url else "?"
    yield f"{postgres_base_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matcher.db'}"
    return request.getfixturevalue("postgres_url")


# -- a tiny world whose right answers are obvious ----------------------------------------
TINY_UMKM = pd.DataFrame(
    [
        # two food makers in Jawa Timur (one in Pamekasan), a weaver in Aceh
        dict(
            umkm_id="U1",
            name="Keripik Pamekasan",
            kbli="10792",
            products="keripik singkong",
            province="Jawa Timur",
            regency="Pamekasan",
            certifications="halal;pirt",
        ),
        dict(
            umkm_id="U2",
            name="Kerupuk Surabaya",
            kbli="10792",
            products="kerupuk ikan",
            province="Jatim",
            regency="Kota Surabaya",
            certifications="halal",
        ),
        dict(
            umkm_id="U3",
            name="Tenun Aceh",
            kbli="13121",
            products="kain tenun songket",
            province="Aceh",
            regency="",
            certifications="",
        ),
    ]
)
TINY_FIRMS = pd.DataFrame(
    [
        dict(
            firm_id="F1",
            name="Snack Jatim PMA",
            investment_type="PMA",
            needs="keripik, kerupuk",
            needed_kbli="10792",
            province="Jawa Timur",
            regency="Kota Surabaya",
            required_certifications="halal",
            max_partners="2",
        ),
        dict(
            firm_id="F2",
            name="Textile Aceh",
            investment_type="PMDN",
            needs="kain tenun",
            needed_kbli="13121",
            province="Aceh",
            regency="",
            required_certifications="",
            max_partners="",
        ),
        dict(
            firm_id="F3",
            name="Food West Java",
            investment_type="PMA",
            needs="makanan ringan",
            needed_kbli="10792",
            province="Jawa Barat",
            regency="",
            required_certifications="",
            max_partners="",
        ),
    ]
)


@pytest.fixture(scope="session")
def tiny_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(umkm, firms) canonical frames, parsed by the real loaders from raw rows.

    Shared by every test of the session: copy before changing them."""
    from matcher.data.loaders import parse_firms, parse_umkm

    umkm = parse_umkm(TINY_UMKM.astype(str), "tiny umkm")
    firms = parse_firms(TINY_FIRMS.astype(str), "tiny firms")
    return umkm, firms


# -- a stand-in registry serving the shared fake model (tests/fakes.py) -------------------
def store_with_profiles(url: str, world):
    """A store at ``url`` holding ``world``'s (UMKM, firms) profiles; the caller disposes it."""
    from api.store import FIRMS, UMKM, Store, upsert_profiles

    store = Store(url)
    umkm, firms = world
    with store.transaction() as session:
        upsert_profiles(session, umkm, UMKM)
        upsert_profiles(session, firms, FIRMS)
    return store


@pytest.fixture
def fake_source() -> FakeModelSource:
    return FakeModelSource()


# -- the HTTP API on the tiny world, with the fake model source ----------------------------
@dataclass
class Api:
    """A test client with one API key per account (``who``: admin, pamekasan, jatim, revoked;
    None sends no key)."""

    client: object
    keys: dict[str, str]
    app: object

    def get(self, path, who="admin", **kw):
        return self.client.get(path, headers=self._auth(who), **kw)

    def post(self, path, who="admin", **kw):
        return self.client.post(path, headers=self._auth(who), **kw)

    def put(self, path, who="admin", **kw):
        return self.client.put(path, headers=self._auth(who), **kw)

    def _auth(self, who):
        return {"X-API-Key": self.keys[who]} if who else {}

    @property
    def holder(self):
        return self.app.state.holder


def api_settings(tmp_path, database_url):
    from api.settings import Settings

    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        registry=tmp_path / "models",
        reload_interval_s=0,
        recommended_k=1,
        prewarm=False,
    )  # the cache tests count hits and misses; tests/test_cache.py prewarms


@pytest.fixture
def prepared(database_url, tiny_world, tmp_path):
    """A store with the tiny world and four accounts; returns (settings, keys)."""
    from api.store import FIRMS, UMKM, Region, Store, upsert_profiles
    from api.store.accounts import create_account, revoke_account

    store = Store(database_url)
    umkm, firms = tiny_world
    keys = {}
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
        _, keys["admin"] = create_account(s, "admin", "admin")
        _, keys["pamekasan"] = create_account(s, "ani", "facilitator", Region("Jatim", "Pamekasan"))
        _, keys["jatim"] = create_account(s, "budi", "facilitator", Region("Jawa Timur"))
        _, keys["revoked"] = create_account(s, "old", "facilitator")
        revoke_account(s, "old")
    store.dispose()
    return api_settings(tmp_path, database_url), keys


@pytest.fixture
def api(prepared, fake_source):
    """The app on ``prepared``, serving ``fake_source``'s model, behind a test client."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    settings, keys = prepared
    app = create_app(settings, model_source=fake_source)
    with TestClient(app) as client:
        yield Api(client, keys, app)


# -- CLI commands on a small demo world, a stand-in model in the registry's place ---------
def stub_services(registry=None, umkm=None, firms=None, **options):
    """``matcher.cli.main(argv, services=stub_services)``: commands score with the stand-in
    :class:`tests.fakes.MatrixModel` (pseudo-random scores) in the registry's place."""
    from matcher.service import MatchService
    from tests.fakes import MatrixModel

    return MatchService(MatrixModel(), umkm, firms)


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory):
    """A small demo world's files (60 UMKM, 8 firms, seed 3)."""
    from matcher.cli import main

    out = tmp_path_factory.mktemp("world")
    argv = ["demo-data", "--out", str(out), "--n-umkm", "60", "--n-firms", "8", "--seed", "3"]
    assert main(argv) == 0
    return out
