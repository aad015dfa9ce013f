"""Versioned model artifacts (matcher/artifact.py): the artifact and the registry manifest
record the artifact format and the matcher version that wrote them; a format this matcher
cannot read is refused — from the manifest before unpickling, and from the artifact's own
record — with a message saying which matcher wrote it and what to do, as a CLI exit 2 and
an API 503 without server paths. Artifacts from before formats were recorded load as
format 1."""

from __future__ import annotations

import hashlib
import json

import joblib
import pytest

from matcher.artifact import (
    ARTIFACT_FORMAT,
    FORMAT_KEY,
    VERSION_KEY,
    ArtifactVersionError,
    matcher_version,
)
from matcher.cli import main
from matcher.i18n import text_in
from tests.conftest import TINY_FIRMS, TINY_UMKM
from tests.fakes import FakeModel
from training.registry import Registry


@pytest.fixture
def registry(tmp_path):
    reg = Registry(tmp_path / "models")
    version = reg.register(
        FakeModel(boosted=("F3",)), metrics={}, features=[], data_fingerprint="t"
    )
    reg.promote(version)
    return reg


def _paths(registry):
    folder = registry.root / "versions" / registry.current_version()
    return folder / "model.joblib", folder / "manifest.json"


def _edit_manifest(registry, **changes):
    _, path = _paths(registry)
    manifest = {**json.loads(path.read_text()), **changes}
    manifest = {k: v for k, v in manifest.items() if v is not None}
    path.write_text(json.dumps(manifest))


def _rewrite_artifact(registry, obj):
    """Replace the artifact and fix its checksum: what another matcher would have written."""
    artifact, _ = _paths(registry)
    joblib.dump(obj, artifact)
    data = artifact.read_bytes()
    _edit_manifest(
        registry,
        artifact={
            "file": artifact.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        },
    )


def _no_unpickling(monkeypatch):
    def never(*_a, **_k):
        raise AssertionError("unpickled an artifact whose manifest says it cannot be read")

    monkeypatch.setattr(joblib, "load", never)


def test_artifact_and_manifest_record_the_format_and_the_matcher_version(registry):
    artifact, _ = _paths(registry)
    raw = joblib.load(artifact)
    assert raw[FORMAT_KEY] == ARTIFACT_FORMAT == 3
    assert raw[VERSION_KEY] == matcher_version() != "unknown"
    manifest = registry.manifest(registry.current_version())
    assert manifest["artifact_format"] == ARTIFACT_FORMAT
    assert manifest["matcher_version"] == matcher_version()
    assert isinstance(registry.load(), FakeModel)  # the model, not the envelope


def test_a_newer_format_in_the_manifest_is_refused_before_unpickling(registry, monkeypatch):
    version = registry.current_version()
    _edit_manifest(registry, artifact_format=ARTIFACT_FORMAT + 1, matcher_version="9.1.0")
    _no_unpickling(monkeypatch)
    with pytest.raises(ArtifactVersionError) as err:
        registry.load()
    text = str(err.value)
    assert text.startswith(f"model {version} was saved by matcher 9.1.0 in artifact format 4")
    assert f"this matcher {matcher_version()} can read (it reads format 3)" in text
    assert "install matcher 9.1.0 or newer, or retrain with `matcher train`" in text
    assert text_in(err.value.args[0], "id").startswith(
        f"model {version} disimpan oleh matcher 9.1.0 dalam format artefak 4"
    )
    with pytest.raises(ArtifactVersionError):  # nor can it become the served model
        registry.promote(version)


def test_an_older_unreadable_format_in_the_manifest_says_retrain(registry, monkeypatch):
    _edit_manifest(registry, artifact_format=0, matcher_version="0.0.1")
    _no_unpickling(monkeypatch)
    with pytest.raises(ArtifactVersionError, match=r"matcher 0\.0\.1 in artifact format 0, wh"):
        registry.load()
    _edit_manifest(registry, artifact_format="2")  # not a format number at all
    with pytest.raises(ArtifactVersionError, match="retrain with `matcher train`"):
        registry.load()


def test_a_newer_format_in_the_artifact_itself_is_refused(registry):
    """A manifest that says nothing is wrong (or was edited) cannot let an unreadable
    artifact through: the artifact's own record is checked when it is opened."""
    _rewrite_artifact(
        registry, {FORMAT_KEY: 7, VERSION_KEY: "3.0.0", "model": {"from": "the future"}}
    )
    with pytest.raises(ArtifactVersionError, match="saved by matcher 3.0.0 in artifact format 7"):
        registry.load()


def test_an_artifact_from_before_formats_were_recorded_is_refused_saying_retrain(registry):
    """What matcher wrote before formats were recorded (the bare pickled model, a manifest
    with neither field) builds fewer feature columns than this matcher's trees read (format
    3 added the partner profiles): refused before unpickling, with what to do."""
    _rewrite_artifact(registry, FakeModel(boosted=("F3",)))
    _edit_manifest(registry, artifact_format=None, matcher_version=None)
    assert "artifact_format" not in registry.manifest(registry.current_version())
    with pytest.raises(ArtifactVersionError, match="in artifact format 1, which") as err:
        registry.load()
    assert "latih ulang model" in text_in(err.value.args[0], "id")


def test_a_format_2_model_is_refused_saying_retrain(registry):
    """Format 2 (before the partner-profile features) cannot score this matcher's columns."""
    _edit_manifest(registry, artifact_format=2, matcher_version="0.1.0")
    with pytest.raises(ArtifactVersionError, match="retrain with `matcher train`"):
        registry.load()


def test_a_different_matcher_version_in_the_manifest_warns_like_other_libraries(registry):
    _, path = _paths(registry)
    manifest = json.loads(path.read_text())
    manifest["libraries"]["matcher"] = "0.0.9"
    path.write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match=rf"matcher 0\.0\.9 -> {matcher_version()}"):
        registry.load()


# -- what a data officer and a facilitator see --------------------------------------------
@pytest.fixture
def profile_files(tmp_path):
    TINY_UMKM.to_csv(tmp_path / "umkm.csv", index=False)
    TINY_FIRMS.to_csv(tmp_path / "firms.csv", index=False)
    return tmp_path / "umkm.csv", tmp_path / "firms.csv"


def test_cli_exits_2_with_the_message_in_indonesian(registry, profile_files, tmp_path, capsys):
    _edit_manifest(registry, artifact_format=ARTIFACT_FORMAT + 1, matcher_version="9.1.0")
    umkm, firms = profile_files
    out = tmp_path / "recs.csv"
    argv = ["recommend", "--umkm", str(umkm), "--firms", str(firms)]
    argv += ["--registry", str(registry.root), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "disimpan oleh matcher 9.1.0 dalam format artefak 4" in err
    assert "pasang matcher 9.1.0 atau yang lebih baru" in err and "Traceback" not in err
    assert not out.exists()
    version = registry.current_version()
    assert main(["models", "promote", version, "--registry", str(registry.root)]) == 2
    assert "format artefak 4" in capsys.readouterr().err


def test_api_answers_503_with_the_message_and_no_server_paths(registry, profile_files, tmp_path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings
    from api.store import Store
    from api.store.accounts import create_account
    from api.store.importer import import_file

    settings = Settings(home=tmp_path / "home", registry=registry.root, reload_interval_s=0)
    store = Store(settings.resolved_database_url())
    for kind, path in zip(("umkm", "firms"), profile_files):
        import_file(store, kind, path)
    with store.transaction() as s:
        _, key = create_account(s, "admin", "admin")
    store.dispose()
    _edit_manifest(registry, artifact_format=ARTIFACT_FORMAT + 1, matcher_version="9.1.0")
    with TestClient(create_app(settings), headers={"X-API-Key": key}) as client:
        resp = client.get("/umkm/U1/matches", params={"k": 2})
        assert resp.status_code == 503
        detail = resp.json()["detail"]  # in the server's language: Indonesian by default
        assert "disimpan oleh matcher 9.1.0 dalam format artefak 4" in detail
        assert "`matcher train`" in detail
        assert str(tmp_path) not in resp.text
        promote = client.post(f"/models/{registry.current_version()}/promote")
        assert 400 <= promote.status_code < 500
        assert "disimpan oleh matcher 9.1.0 dalam format artefak 4" in promote.text
        assert str(tmp_path) not in promote.text
