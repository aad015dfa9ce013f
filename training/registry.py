"""The local model registry's writing side: register versions, promote, roll back.

Reading, verifying and loading live in the core (:mod:`matcher.registry`, which describes
the layout on disk), so serving never imports training; :class:`Registry` extends
:class:`matcher.registry.RegistryReader` with the writers. The reading names are
re-exported here so ``from training.registry import Registry, RegistryError`` keeps working.

Why it is built this way:

- **Nothing half-written is ever visible.** A version is assembled in ``.staging/``, every
  file fsynced, then the whole directory is renamed into ``versions/``; ``CURRENT`` is
  replaced with :func:`os.replace`. A crash at any instant leaves the old or the new state;
  what a killed writer leaves in ``.staging/`` (or a ``.CURRENT.*.tmp``) is removed by the
  next writer (:meth:`Registry.tidy`), never while its writer still runs.
- **Rollback needs no second file.** ``CURRENT`` carries the stack of previously current
  versions, so promote/rollback is a single atomic replace; ``history.jsonl`` is only an
  audit trail written afterwards (a crash in between loses one log line, never the pointer).
- **joblib is pickle**: unpickling runs code. :meth:`Registry.load` checks the artifact's
  SHA-256 against the manifest *before* unpickling and refuses anything that does not match.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import owner_lock
from matcher.artifact import dump as dump_artifact
from matcher.artifact import manifest_fields
from matcher.atomic import follow_umask, fsync_dir, fsync_file, write_bytes_atomic
from matcher.i18n import Message
from matcher.registry import (  # noqa: F401 - re-exported: the reading side's public names
    ARTIFACT_FILE,
    CURRENT_FILE,
    ENV_VAR,
    HISTORY_FILE,
    MANIFEST_FILE,
    PICKLE_SENSITIVE,
    TRACKED_LIBRARIES,
    TRAIN_HINT,
    VALIDATION_FILE,
    VERSION_RE,
    RegistryError,
    RegistryReader,
    default_root,
    library_versions,
    sha256_file,
)

try:  # POSIX only; elsewhere writers rely on os.replace alone (still atomic, last one wins)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

STAGING_DIR = ".staging"


def fingerprint_frames(*dfs: pd.DataFrame) -> str:
    """Stable SHA-256 of the *content* of DataFrames, to record which data trained a model.

    Ignores row order, column order and the index; tuple/list cells (KBLI codes,
    certifications) are hashed as ``;``-joined strings; datetimes are hashed at nanosecond
    resolution so a Parquet round trip (which may change the unit) keeps the fingerprint.
    Argument order matters (``(umkm, firms)`` differs from ``(firms, umkm)``).
    """
    digest = hashlib.sha256()
    for position, df in enumerate(dfs):
        canon = _canonical_frame(df)
        digest.update(json.dumps([position, list(canon.columns), len(canon)]).encode())
        if len(canon.columns) and len(canon):
            rows = pd.util.hash_pandas_object(canon, index=False).to_numpy(dtype=np.uint64)
            digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


def _canonical_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index(drop=True)
    out = out[sorted(map(str, out.columns))] if len(out.columns) else out
    converted = {}
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            converted[name] = col.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        elif pd.api.types.is_datetime64_dtype(col.dtype):
            converted[name] = col.astype("datetime64[ns]")
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            converted[name] = pd.Series(
                [_canonical_cell(v) for v in col.to_numpy(dtype=object)], dtype=object
            )
    return out.assign(**converted) if converted else out


def _canonical_cell(value: Any) -> Any:
    if isinstance(value, (tuple, list, np.ndarray)):
        return ";".join(map(str, value))
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    """``2026-11-27T20:30:00Z``: UTC, second resolution, the form stored in every file."""
    return moment.isoformat().replace("+00:00", "Z")


def _json_default(value: Any) -> Any:
    """Let metrics computed with numpy (np.float64, arrays) be written as plain JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _to_json(obj: Any, what: str) -> str:
    try:
        return json.dumps(obj, indent=2, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"{what} must be JSON-serialisable: {exc}") from None


class Registry(RegistryReader):
    """A directory of model versions with one of them marked current. See the module doc.

    Reading (``load``, ``resolve``, ``versions``, ...) is inherited from
    :class:`matcher.registry.RegistryReader`."""

    # -- writing -------------------------------------------------------------------
    def register(
        self,
        model: Any,
        *,
        metrics: dict,
        features: list[str],
        data_fingerprint: str,
        frozen_validation: pd.DataFrame | None = None,
        notes: str = "",
        extra: dict | None = None,
    ) -> str:
        """Store ``model`` as a new version and return its id. Does not make it current.

        ``frozen_validation`` is the held-out slice this model was validated on; later
        challengers are scored on it so a retrain cannot quietly get worse on old ground.
        """
        # Fail on bad metadata before spending time on the artifact.
        _to_json({"metrics": metrics, "extra": extra or {}}, "metrics and extra")
        staging_parent = self.root / STAGING_DIR
        staging_parent.mkdir(parents=True, exist_ok=True)
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        self.tidy()
        staging = staging_parent / f"v-{uuid.uuid4().hex[:12]}"
        # the folder is ours while we hold its lock (taken before it exists): see tidy()
        with owner_lock.hold(_staging_lock(staging)):
            staging.mkdir()
            follow_umask(staging, folder=True)
            try:
                artifact = staging / ARTIFACT_FILE
                dump_artifact(model, artifact)
                fsync_file(artifact)
                validation_info = None
                if frozen_validation is not None:
                    validation_info = _write_validation(
                        frozen_validation, staging / VALIDATION_FILE
                    )
                created = _utc_now()
                with self._lock():
                    version = self._next_version_id(created)
                    manifest = {
                        "version": version,
                        "created_at": _iso(created),
                        "data_fingerprint": data_fingerprint,
                        "features": list(features),
                        "libraries": library_versions(),
                        **manifest_fields(),  # artifact_format, matcher_version
                        "metrics": metrics,
                        "artifact": {
                            "file": ARTIFACT_FILE,
                            "sha256": sha256_file(artifact),
                            "size": artifact.stat().st_size,
                        },
                        "frozen_validation": validation_info,
                        "notes": notes,
                        "extra": extra or {},
                    }
                    manifest_path = staging / MANIFEST_FILE
                    manifest_path.write_text(_to_json(manifest, "manifest"), encoding="utf-8")
                    fsync_file(manifest_path)
                    fsync_dir(staging)
                    # The version becomes visible only here, complete, in one rename.
                    os.rename(staging, self.versions_dir / version)
                    fsync_dir(self.versions_dir)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        return version

    def promote(self, version: str, reason: str = "") -> str | None:
        """Make ``version`` current; returns the previously current version (or None).

        The artifact is verified first, so ``CURRENT`` never points at a damaged model.
        Promoting the version that is already current changes nothing.
        """
        self._verified_artifact(version)
        self.tidy()
        with self._lock():
            state = self._read_current()
            previous = state["version"] if state else None
            if previous == version:
                return previous
            stack = (state["previous"] + [previous]) if state else []
            self._write_current(version, stack, "promote", reason)
        self._log("promote", version, previous, reason)
        return previous

    def rollback(self, reason: str = "") -> str:
        """Make the version that was current before the last promotion current again.

        Repeated rollbacks walk further back (promote A, B, C; rollback -> B; rollback -> A).
        """
        self.tidy()
        with self._lock():
            state = self._read_current()
            if state is None:
                raise RegistryError(
                    Message("registry.rollback_nothing_current", hint=Message(TRAIN_HINT))
                )
            if not state["previous"]:
                raise RegistryError(Message("registry.rollback_first", version=state["version"]))
            target, stack = state["previous"][-1], state["previous"][:-1]
            self._verified_artifact(target)
            self._write_current(target, stack, "rollback", reason)
        self._log("rollback", target, state["version"], reason)
        return target

    def tidy(self) -> list[str]:
        """Remove what killed writers left behind; returns the names removed.

        * a half-built version in ``.staging/`` whose registration is no longer running
          (each registration holds a lock on ``.staging/<folder>.lock`` that dies with its
          process, :mod:`matcher.owner_lock`; a running one, however slow, is never
          touched), and stray lock files;
        * ``.CURRENT.*.tmp``, a pointer being written when a promotion or rollback was
          killed (those writes happen under the registry's lock, taken here too).

        Run at the start of every registration, promotion and rollback; safe with several
        processes at once. Nothing is removed where locks are not available (Windows).
        """
        removed: list[str] = []
        staging_parent = self.root / STAGING_DIR
        if staging_parent.is_dir():
            for entry in sorted(staging_parent.iterdir()):
                if entry.is_dir():
                    with owner_lock.claim(_staging_lock(entry)) as abandoned:
                        if abandoned:
                            shutil.rmtree(entry, ignore_errors=True)
                            removed.append(f"{STAGING_DIR}/{entry.name}")
                elif entry.suffix == owner_lock.LOCK_SUFFIX and not entry.with_suffix("").exists():
                    with owner_lock.claim(entry):
                        pass
        if fcntl is not None and self.root.is_dir():
            with self._lock():
                for tmp in self.root.glob(f".{CURRENT_FILE}.*.tmp"):
                    tmp.unlink(missing_ok=True)
                    removed.append(tmp.name)
        return removed

    # -- internals -----------------------------------------------------------------
    def _next_version_id(self, created: datetime) -> str:
        known = self._version_ids()
        number = int(VERSION_RE.match(known[-1]).group(1)) + 1 if known else 1
        return f"v{number:04d}-{created.strftime('%Y%m%dT%H%M%SZ')}"

    def _write_current(self, version: str, previous: list[str], action: str, reason: str) -> None:
        state = {
            "version": version,
            "previous": previous,
            "action": action,
            "reason": reason,
            "at": _iso(_utc_now()),
        }
        write_bytes_atomic(self.root / CURRENT_FILE, _to_json(state, "CURRENT").encode())

    def _log(self, action: str, version: str, previous: str | None, reason: str) -> None:
        line = json.dumps(
            {
                "at": _iso(_utc_now()),
                "action": action,
                "version": version,
                "previous": previous,
                "reason": reason,
            }
        )
        with open(self.root / HISTORY_FILE, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise writers across processes (numbering and CURRENT read-modify-write)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        with open(self.root / ".lock", "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _staging_lock(folder: Path) -> Path:
    return folder.with_name(folder.name + owner_lock.LOCK_SUFFIX)


def _write_validation(df: pd.DataFrame, path: Path) -> dict:
    """Write the frozen slice as Parquet, remembering what Parquet does not round-trip.

    Parquet returns tuple cells as arrays and may change the datetime unit; the manifest
    records tuple columns and original dtypes so :func:`_read_validation` restores them.
    """
    tuple_columns = [
        str(c)
        for c in df.columns
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, tuple)).any()
    ]
    write_frame = df.reset_index(drop=True)
    write_frame.columns = [str(c) for c in write_frame.columns]
    write_frame.to_parquet(path, index=False)
    fsync_file(path)
    return {
        "file": path.name,
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
        "rows": len(df),
        "tuple_columns": tuple_columns,
        "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
    }
