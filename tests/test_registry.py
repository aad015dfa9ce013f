"""Registry: round trips, refusal of tampered/unknown artifacts, atomic promote/rollback, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import matcher.atomic
import training.registry
from matcher.cli import main
from training.registry import Registry, RegistryError, fingerprint_frames

METRICS = {"heldout": {"ndcg@10": 0.61}, "coverage": 0.4}


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "reg")


@pytest.fixture(scope="module")
def fitted():
    """A small fitted estimator and the data to predict on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return LogisticRegression().fit(X, y), X


def add(registry, model, notes="", **kw):
    return registry.register(
        model, metrics=METRICS, features=["a", "b"], data_fingerprint="fp", notes=notes, **kw
    )


# -- register / load ------------------------------------------------------------------
def test_register_then_load_predicts_identically(registry, fitted):
    model, X = fitted
    version = add(registry, model)
    registry.promote(version)
    loaded = registry.load()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(registry.load(version).coef_, model.coef_)


def test_manifest_records_provenance_and_register_does_not_promote(registry, fitted):
    version = add(registry, fitted[0], notes="first try", extra={"seed": np.int64(7)})
    assert registry.current_version() is None
    m = registry.manifest(version)
    artifact = registry.root / "versions" / version / "model.joblib"
    assert m["version"] == version
    assert m["created_at"].endswith("Z") and version.endswith(
        m["created_at"].replace("-", "").replace(":", "")
    )
    assert m["artifact"]["sha256"] == hashlib.sha256(artifact.read_bytes()).hexdigest()
    assert m["artifact"]["size"] == artifact.stat().st_size
    assert {"python", "numpy", "pandas", "scikit-learn", "scipy", "joblib", "matcher"} <= set(
        m["libraries"]
    )
    assert (m["metrics"], m["features"], m["data_fingerprint"]) == (METRICS, ["a", "b"], "fp")
    assert (m["notes"], m["extra"]) == ("first try", {"seed": 7})


def test_load_warns_when_saved_with_other_library_versions(registry):
    version = add(registry, {"n": 1})
    path = registry.root / "versions" / version / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["libraries"]["scikit-learn"] = "0.0.1"
    path.write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match="scikit-learn 0.0.1"):
        assert registry.load(version) == {"n": 1}


def test_version_ids_increase_and_list_oldest_first(registry):
    ids = [add(registry, {"n": i}) for i in range(3)]
    assert [v["version"][:5] for v in registry.versions()] == ["v0001", "v0002", "v0003"]
    assert [v["version"] for v in registry.versions()] == ids


def test_versions_sort_by_number_not_text(registry):
    first = add(registry, {"n": 1})
    src = registry.root / "versions" / first
    for name in ("v0009-20260101T000000Z", "v10000-20260101T000000Z", "v0010-20260101T000000Z"):
        dst = registry.root / "versions" / name
        shutil.copytree(src, dst)
        manifest = json.loads((dst / "manifest.json").read_text())
        (dst / "manifest.json").write_text(json.dumps({**manifest, "version": name}))
    order = [v["version"] for v in registry.versions()]
    assert order == [
        first,
        "v0009-20260101T000000Z",
        "v0010-20260101T000000Z",
        "v10000-20260101T000000Z",
    ]
    assert add(registry, {"n": 2}).startswith("v10001-")


def test_manifest_of_another_version_is_refused(registry):
    first = add(registry, {"n": 1})
    shutil.copytree(
        registry.root / "versions" / first, registry.root / "versions" / "v0005-20260101T000000Z"
    )
    with pytest.raises(RegistryError, match="does not describe version v0005"):
        registry.load("v0005-20260101T000000Z")


def test_non_json_metrics_refused_before_anything_is_written(registry):
    with pytest.raises(RegistryError, match="JSON"):
        registry.register({}, metrics={"bad": object()}, features=[], data_fingerprint="x")
    assert registry.versions() == []


def test_concurrent_registrations_get_distinct_versions(registry):
    def worker(i):
        for j in range(3):
            add(registry, {"worker": i, "j": j})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found = [v["version"][:5] for v in registry.versions()]
    assert found == [f"v{i:04d}" for i in range(1, 7)]


# -- refusals ---------------------------------------------------------------------------
def test_tampered_artifact_is_refused_before_unpickling(registry, fitted, monkeypatch):
    version = add(registry, fitted[0])
    registry.promote(version)
    artifact = registry.root / "versions" / version / "model.joblib"
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    artifact.write_bytes(bytes(data))

    def never(*_a, **_k):
        raise AssertionError("unpickled a file that failed verification")

    monkeypatch.setattr(joblib, "load", never)
    with pytest.raises(RegistryError, match="checksum"):
        registry.load()


def test_tampered_version_cannot_be_promoted(registry):
    good, bad = add(registry, {"n": 1}), add(registry, {"n": 2})
    registry.promote(good)
    (registry.root / "versions" / bad / "model.joblib").write_bytes(b"not the model")
    with pytest.raises(RegistryError, match="checksum"):
        registry.promote(bad)
    assert registry.current_version() == good


def test_missing_artifact_or_manifest_refused(registry):
    a, b = add(registry, {"n": 1}), add(registry, {"n": 2})
    (registry.root / "versions" / a / "model.joblib").unlink()
    (registry.root / "versions" / b / "manifest.json").unlink()
    with pytest.raises(RegistryError, match="missing"):
        registry.load(a)
    with pytest.raises(RegistryError, match="manifest.json"):
        registry.load(b)
    assert "error" in registry.versions()[1]  # damaged versions stay visible


def test_unknown_version_error_lists_known_versions(registry):
    known = [add(registry, {"n": i}) for i in range(2)]
    with pytest.raises(RegistryError) as exc:
        registry.load("v0042-20260101T000000Z")
    assert all(v in str(exc.value) for v in known)
    with pytest.raises(RegistryError, match="unknown model version"):
        registry.manifest("../../etc")  # malformed ids never become paths


def test_empty_registry_and_unpromoted_registry_say_what_to_do(registry):
    with pytest.raises(RegistryError, match="no model yet.*matcher train"):
        registry.load()
    version = add(registry, {"n": 1})
    with pytest.raises(RegistryError, match=f"matcher models promote {version}"):
        registry.load()


# -- promote / rollback ---------------------------------------------------------------------
def test_promote_and_rollback_restore_previous_current_exactly(registry):
    a, b, c = (add(registry, {"name": n}) for n in "abc")
    assert registry.promote(a) is None
    assert registry.promote(b, reason="better") == a
    assert registry.promote(c) == b
    assert registry.rollback() == b
    assert (registry.current_version(), registry.load()) == (b, {"name": "b"})
    assert registry.rollback() == a
    assert (registry.current_version(), registry.load()) == (a, {"name": "a"})
    with pytest.raises(RegistryError, match="nothing to roll back"):
        registry.rollback()
    assert registry.current_version() == a
    log = registry.history()
    assert [(e["action"], e["version"], e["previous"]) for e in log] == [
        ("promote", a, None),
        ("promote", b, a),
        ("promote", c, b),
        ("rollback", b, c),
        ("rollback", a, b),
    ]
    assert log[1]["reason"] == "better"
    assert [v["is_current"] for v in registry.versions()] == [True, False, False]


def test_promoting_the_current_version_changes_nothing(registry):
    a, b = add(registry, {"n": 1}), add(registry, {"n": 2})
    registry.promote(a)
    registry.promote(b)
    registry.promote(b)
    assert registry.rollback() == a  # not b: the repeat did not push another entry


def test_rollback_with_nothing_current(registry):
    with pytest.raises(RegistryError, match="no model is current"):
        registry.rollback()


def test_current_token_changes_on_every_promotion(registry):
    a, b = add(registry, {"n": 1}), add(registry, {"n": 2})
    assert registry.current_token()[0] is None
    registry.promote(a)
    t1 = registry.current_token()
    assert registry.current_token() == t1  # stable while nothing changes
    registry.promote(b)
    t2 = registry.current_token()
    registry.rollback()
    t3 = registry.current_token()
    assert t1[0] == a and t2[0] == b and t3[0] == a
    assert len({t1, t2, t3}) == 3


# -- crashes ----------------------------------------------------------------------------------
def test_promotion_killed_before_the_rename_keeps_the_old_model(registry, monkeypatch):
    a, b = add(registry, {"n": "a"}), add(registry, {"n": "b"})
    registry.promote(a)

    def crash(*_a, **_k):
        raise OSError("killed")

    monkeypatch.setattr(matcher.atomic.os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        registry.promote(b)
    monkeypatch.undo()
    assert (registry.current_version(), registry.load()) == (a, {"n": "a"})
    assert not list(registry.root.glob(".CURRENT*"))  # the temp file was cleaned up


def test_leftover_temp_pointer_from_a_killed_process_is_ignored(registry):
    a = add(registry, {"n": "a"})
    registry.promote(a)
    # what `kill -9` between writing the temp file and os.replace leaves behind
    (registry.root / ".CURRENT.abc123.tmp").write_text('{"version": "v0099-2026')
    assert (registry.current_version(), registry.load()) == (a, {"n": "a"})


def test_registration_killed_half_way_leaves_no_visible_version(registry, monkeypatch):
    a = add(registry, {"n": "a"})
    registry.promote(a)
    # a process killed mid-write: a staging folder with a partial artifact
    partial = registry.root / ".staging" / "v-killed"
    partial.mkdir(parents=True)
    (partial / "model.joblib").write_bytes(b"\x80\x04half")

    def crash(*_a, **_k):
        raise OSError("killed")

    monkeypatch.setattr(training.registry.os, "rename", crash)
    with pytest.raises(OSError):
        add(registry, {"n": "b"})
    monkeypatch.undo()
    assert [v["version"] for v in registry.versions()] == [a]
    assert registry.load() == {"n": "a"}
    assert add(registry, {"n": "c"}).startswith("v0002-")


# a registration stuck in writing its artifact (pickling sleeps), waiting to be killed
_SLOW_REGISTRATION = """
import sys, time
from training.registry import Registry

class Slow:
    def __reduce__(self):
        print("writing", flush=True)
        time.sleep(120)
        return (dict, ())

Registry(sys.argv[1]).register(Slow(), metrics={}, features=[], data_fingerprint="fp")
"""


@pytest.mark.slow
def test_a_killed_registrations_folder_is_removed_and_a_running_ones_never(registry):
    import signal
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_REGISTRATION, str(registry.root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo,
        env=dict(os.environ, PYTHONPATH=str(repo)),
    )
    try:
        assert proc.stdout.readline().strip() == "writing", f"exit {proc.poll()}"
        staging = registry.root / ".staging"
        running = [p.name for p in staging.iterdir() if p.is_dir()]
        assert len(running) == 1
        # another process registers, promotes and tidies meanwhile: the folder stays
        a = add(registry, {"n": "a"})
        registry.promote(a)
        assert registry.tidy() == []
        assert [p.name for p in staging.iterdir() if p.is_dir()] == running
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [p.name for p in staging.iterdir() if p.is_dir()] == running  # kill -9 left it
    assert registry.tidy() == [f".staging/{running[0]}"]
    assert list(staging.iterdir()) == []  # its lock file went with it
    assert [v["version"] for v in registry.versions()] == [a]
    assert registry.load() == {"n": "a"}


def test_leftovers_of_killed_writers_go_with_the_next_registration(registry):
    a = add(registry, {"n": "a"})
    registry.promote(a)
    # what kill -9 leaves: a half-built version (an older matcher's, without a lock file),
    # a stray lock file, and a temp pointer from a promotion
    (registry.root / ".staging" / "v-killed").mkdir()
    (registry.root / ".staging" / "v-killed" / "model.joblib").write_bytes(b"\x80\x04half")
    (registry.root / ".staging" / "v-gone.lock").touch()
    (registry.root / ".CURRENT.abc123.tmp").write_text('{"version": "v0099-2026')
    b = add(registry, {"n": "b"})
    assert list((registry.root / ".staging").iterdir()) == []
    assert not list(registry.root.glob(".CURRENT*"))
    assert [v["version"] for v in registry.versions()] == [a, b]
    assert registry.current_version() == a


def test_damaged_current_pointer_gives_clear_error(registry):
    add(registry, {"n": 1})
    (registry.root / "CURRENT").write_text("{not json")
    with pytest.raises(RegistryError, match="CURRENT is damaged.*promote"):
        registry.load()


# -- frozen validation and fingerprints -------------------------------------------------------
def frame():
    return pd.DataFrame(
        {
            "umkm_id": ["U1", "U2", "U3"],
            "kbli": [("10110", "10750"), (), ("46100",)],
            "grade": [0, 3, 1],
            "date": pd.to_datetime(["2025-01-02", "2025-03-04", "2025-05-06"]).astype(
                "datetime64[ns]"
            ),
            "event_id": ["E1", None, "E2"],
        }
    )


def test_frozen_validation_round_trips_tuples_and_dtypes(registry):
    df = frame()
    version = add(registry, {"n": 1}, frozen_validation=df)
    back = registry.frozen_validation(version)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back["kbli"].tolist() == df["kbli"].tolist()  # tuples, not arrays
    assert back["date"].dtype == df["date"].dtype
    assert registry.frozen_validation(add(registry, {"n": 2})) is None


def test_tampered_frozen_validation_refused(registry):
    version = add(registry, {"n": 1}, frozen_validation=frame())
    path = registry.root / "versions" / version / "validation.parquet"
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.raises(RegistryError, match="checksum"):
        registry.frozen_validation(version)


def test_fingerprint_ignores_order_but_sees_content():
    df = frame()
    fp = fingerprint_frames(df)
    shuffled = df.iloc[[2, 0, 1], ::-1].set_index("umkm_id", drop=False)
    assert fingerprint_frames(shuffled) == fp
    us = df.assign(date=df["date"].astype("datetime64[us]"))
    assert fingerprint_frames(us) == fp  # a Parquet round trip may change the unit
    changed_tuple = df.copy()
    changed_tuple.at[0, "kbli"] = ("10110",)
    assert fingerprint_frames(changed_tuple) != fp
    changed_grade = df.assign(grade=[0, 3, 2])
    assert fingerprint_frames(changed_grade) != fp
    other = pd.DataFrame({"x": [1]})
    assert fingerprint_frames(df, other) != fingerprint_frames(other, df)
    assert len(fp) == 64 and fingerprint_frames(df) == fp


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_list_show_promote_rollback(registry, capsys):
    root = str(registry.root)
    assert main(["models", "list", "--registry", root]) == 0
    assert "belum ada model di" in capsys.readouterr().out  # Indonesian by default
    a = add(registry, {"n": 1}, notes="baseline run")
    b = add(registry, {"n": 2})

    assert main(["models", "promote", a, "--registry", root]) == 0
    capsys.readouterr()
    assert main(["models", "promote", b, "--registry", root, "--reason", "better"]) == 0
    assert f"model aktif: {b} (sebelumnya {a})" in capsys.readouterr().out
    assert registry.current_version() == b
    capsys.readouterr()
    assert main(["models", "list", "--registry", root]) == 0
    out = capsys.readouterr().out
    assert a in out and b in out and "0.6100" in out and "baseline run" in out
    current_line = next(line for line in out.splitlines() if b in line)
    assert "*" in current_line
    assert "*" not in next(line for line in out.splitlines() if a in line)

    assert main(["models", "show", a, "--registry", root]) == 0
    assert registry.manifest(a)["artifact"]["sha256"] in capsys.readouterr().out

    assert main(["models", "rollback", "--registry", root]) == 0
    assert f"dikembalikan: model aktif kini {a} (sebelumnya {b})" in capsys.readouterr().out
    assert registry.current_version() == a
    assert main(["models", "rollback", "--registry", root]) == 2
    err = capsys.readouterr().err
    assert f"tidak ada versi sebelumnya untuk dikembalikan: {a} adalah versi pertama" in err


def test_cli_errors_exit_2_with_message(registry, capsys):
    add(registry, {"n": 1})
    root = str(registry.root)
    assert main(["models", "show", "v0042-20260101T000000Z", "--registry", root]) == 2
    err = capsys.readouterr().err
    assert "versi model 'v0042-20260101T000000Z' tidak dikenal" in err
    assert "v0001-" in err and "Traceback" not in err
    assert main(["models", "promote", "nope", "--registry", root]) == 2
    assert main(["models", "show", "--registry", root]) == 2  # nothing current yet
    assert "belum ada yang dipromosikan): jalankan `matcher models promote v0001-" in (
        capsys.readouterr().err
    )


def test_cli_uses_registry_from_environment(registry, capsys, monkeypatch):
    version = add(registry, {"n": 1})
    monkeypatch.setenv("MATCHER_REGISTRY", str(registry.root))
    assert main(["models", "promote", version]) == 0
    assert Registry().current_version() == version
    assert json.loads((registry.root / "CURRENT").read_text())["version"] == version


def test_default_root_is_models_folder_in_the_home(monkeypatch):
    monkeypatch.delenv("MATCHER_REGISTRY", raising=False)
    monkeypatch.delenv("MATCHER_HOME", raising=False)
    assert Registry().root == Path(".matcher") / "models"  # where `matcher demo` puts its model
    monkeypatch.setenv("MATCHER_HOME", "elsewhere")
    assert Registry().root == Path("elsewhere") / "models"
    monkeypatch.setenv("MATCHER_REGISTRY", "reg")
    assert Registry().root == Path("reg")
    assert os.fspath(Registry("x").root) == "x"
