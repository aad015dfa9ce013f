"""What the model registry says when it refuses (matcher/registry.py, training/registry.py):
from the catalogue, Indonesian by default and English as a choice, with what to do next;
a CLI user mistake exits 2 without a traceback; an API answer (503, /health, /models)
names no server path and speaks the reader's language."""

from __future__ import annotations

import pytest

from matcher.cli import main
from matcher.i18n import text_in
from tests.fakes import FakeModel
from training.registry import Registry, RegistryError


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "models")


def add(registry, n=1):
    return registry.register({"n": n}, metrics={}, features=[], data_fingerprint="fp")


def _tamper(registry, version):
    (registry.root / "versions" / version / "model.joblib").write_bytes(b"not the model")


def test_an_empty_registry_says_how_to_get_a_model_in_either_language(registry):
    with pytest.raises(RegistryError) as err:
        registry.load()
    message = err.value.args[0]
    root = str(registry.root.absolute())
    assert text_in(message, "id") == (
        f"belum ada model di {root}: jalankan `matcher train ...` (atau `matcher demo`) untuk "
        "membuatnya, atau arahkan --home/--registry ke folder yang benar"
    )
    assert text_in(message, "en").startswith(f"no model yet in {root}: run `matcher train ...`")


def test_an_unpromoted_registry_names_the_version_to_promote(registry):
    add(registry)
    latest = add(registry, 2)
    with pytest.raises(RegistryError) as err:
        registry.resolve()
    assert text_in(err.value.args[0], "id") == (
        f"belum ada model aktif di {registry.root} (2 terdaftar, belum ada yang dipromosikan): "
        f"jalankan `matcher models promote {latest}`"
    )
    assert text_in(err.value.args[0], "en").endswith(
        f"(2 registered, none promoted): run `matcher models promote {latest}`"
    )


def test_an_unknown_version_lists_the_known_ones_or_says_to_train(registry):
    with pytest.raises(RegistryError) as err:
        registry.manifest("v9999")
    assert text_in(err.value.args[0], "id").startswith(
        "versi model 'v9999' tidak dikenal; versi yang ada: belum ada (jalankan `matcher train"
    )
    assert text_in(err.value.args[0], "en").startswith(
        "unknown model version 'v9999'; known versions: none (run `matcher train"
    )
    version = add(registry)
    with pytest.raises(RegistryError) as err:
        registry.load("v9999")
    assert text_in(err.value.args[0], "id") == (
        f"versi model 'v9999' tidak dikenal; versi yang ada: {version}"
    )


def test_a_tampered_artifact_is_refused_in_words_a_facilitator_reads(registry):
    version = add(registry)
    _tamper(registry, version)
    with pytest.raises(RegistryError) as err:
        registry.promote(version)
    path = registry.root / "versions" / version / "model.joblib"
    assert text_in(err.value.args[0], "id") == (
        f"versi {version}: {path} tidak cocok dengan checksum di manifest-nya (diubah atau "
        "rusak sejak didaftarkan); berkas itu tidak dimuat"
    )
    assert "does not match its manifest checksum" in text_in(err.value.args[0], "en")


def test_a_damaged_pointer_and_rollbacks_with_nothing_to_go_back_to(registry):
    with pytest.raises(RegistryError) as err:
        registry.rollback()
    assert text_in(err.value.args[0], "id").startswith(
        "tidak ada yang bisa dikembalikan: belum ada model aktif; jalankan `matcher train ...`"
    )
    assert text_in(err.value.args[0], "en").startswith("nothing to roll back: no model is current")
    version = add(registry)
    registry.promote(version)
    with pytest.raises(RegistryError) as err:
        registry.rollback()
    assert text_in(err.value.args[0], "id") == (
        f"tidak ada versi sebelumnya untuk dikembalikan: {version} adalah versi pertama yang "
        "dipromosikan"
    )
    (registry.root / "CURRENT").write_text("{}")
    with pytest.raises(RegistryError) as err:
        registry.load()
    assert text_in(err.value.args[0], "id") == (
        f"{registry.root / 'CURRENT'} rusak (tanpa versi); jalankan "
        "`matcher models promote VERSI` untuk mengaturnya ulang"
    )


def test_a_damaged_version_is_listed_with_its_message_not_its_english_text(registry):
    version = add(registry)
    (registry.root / "versions" / version / "manifest.json").unlink()
    (info,) = registry.versions()
    assert text_in(info["error"], "id").startswith(f"versi {version} tidak punya manifest.json")


# -- the command line -----------------------------------------------------------------------
@pytest.mark.parametrize("filled", [False, True], ids=["empty", "with-a-version"])
def test_cli_models_show_of_an_unknown_version_is_indonesian_and_exits_2(
    registry, capsys, monkeypatch, filled
):
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    known = add(registry) if filled else None
    assert main(["models", "show", "v9999", "--registry", str(registry.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kesalahan: versi model 'v9999' tidak dikenal; versi yang ada: ")
    assert (known in err) if filled else ("belum ada (jalankan `matcher train ...`" in err)
    assert "Traceback" not in err and "unknown model version" not in err
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main(["models", "show", "v9999", "--registry", str(registry.root)]) == 2
    assert "unknown model version 'v9999'; known versions: " in capsys.readouterr().err


def test_cli_recommend_without_a_model_says_so_in_indonesian(registry, tmp_path, capsys):
    from tests.conftest import TINY_FIRMS, TINY_UMKM

    TINY_UMKM.to_csv(tmp_path / "umkm.csv", index=False)
    TINY_FIRMS.to_csv(tmp_path / "firms.csv", index=False)
    argv = [
        "recommend",
        "--umkm",
        str(tmp_path / "umkm.csv"),
        "--firms",
        str(tmp_path / "firms.csv"),
    ]
    argv += ["--registry", str(registry.root), "--out", str(tmp_path / "recs.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kesalahan: belum ada model di {registry.root.absolute()}: jalankan")
    assert "Traceback" not in err


# -- the API -------------------------------------------------------------------------------
def test_a_tampered_served_model_is_a_503_and_health_says_why_without_paths(
    prepared, registry, tmp_path
):
    from fastapi.testclient import TestClient

    from api.main import create_app

    settings, keys = prepared
    version = registry.register(
        FakeModel(boosted=("F3",)), metrics={}, features=[], data_fingerprint="t"
    )
    registry.promote(version)
    _tamper(registry, version)
    settings = settings.model_copy(update={"registry": registry.root, "reload_interval_s": 0})
    with TestClient(create_app(settings), headers={"X-API-Key": keys["admin"]}) as client:
        resp = client.get("/umkm/U1/matches")
        assert resp.status_code == 503, resp.text
        assert resp.json()["detail"] == (
            f"versi {version}: …/model.joblib tidak cocok dengan checksum di manifest-nya "
            "(diubah atau rusak sejak didaftarkan); berkas itu tidak dimuat"
        )
        english = client.get("/umkm/U1/matches", params={"lang": "en"}).json()["detail"]
        assert english.startswith(f"version {version}: …/model.joblib does not match")
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert health["problem"].startswith(f"versi {version}: …/model.joblib tidak cocok")
        health = client.get("/health", headers={"Accept-Language": "en"}).json()
        assert "does not match its manifest checksum" in health["problem"]
        (registry.root / "versions" / version / "manifest.json").unlink()
        (listed,) = client.get("/models").json()["versions"]
        assert listed["error"].startswith(f"versi {version} tidak punya manifest.json (…/")
        assert str(tmp_path) not in client.get("/models", params={"lang": "en"}).text
