"""The local model registry: versioned, checksummed artifacts and an atomic "current" pointer.

Layout under the registry root (default ``$MATCHER_REGISTRY``, else ``$MATCHER_HOME/models``,
``.matcher/models`` when neither is set)::

    versions/v0001-20261127T203000Z/model.joblib        the fitted model (any picklable object)
                                   /manifest.json       what it is, how it was made, checksums
                                   /validation.parquet  optional frozen validation slice
    CURRENT                                             JSON pointer to the served version
    history.jsonl                                       audit log: one line per promote/rollback
    .lock                                               serialises writers (POSIX flock)
    .staging/                                           half-built versions (safe to delete)

Why it is built this way:

- **Nothing half-written is ever visible.** A version is assembled in ``.staging/``, every
  file fsynced, then the whole directory is renamed into ``versions/``; ``CURRENT`` is
  replaced with :func:`os.replace`. A crash at any instant leaves the old or the new state.
- **Rollback needs no second file.** ``CURRENT`` carries the stack of previously current
  versions, so promote/rollback is a single atomic replace; ``history.jsonl`` is only an
  audit trail written afterwards (a crash in between loses one log line, never the pointer).
- **joblib is pickle**: unpickling runs code. :meth:`Registry.load` checks the artifact's
  SHA-256 against the manifest *before* unpickling and refuses anything that does not match.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from matcher.atomic import fsync_dir, fsync_file, temp_folder, write_bytes_atomic
from matcher.data.errors import MatcherError
from matcher.home import REGISTRY_ENV, registry_dir

try:  # POSIX only; elsewhere writers rely on os.replace alone (still atomic, last one wins)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

ENV_VAR = REGISTRY_ENV
ARTIFACT_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
VALIDATION_FILE = "validation.parquet"
CURRENT_FILE = "CURRENT"
HISTORY_FILE = "history.jsonl"
TRAIN_HINT = "run `matcher train ...` (or `matcher demo`) to create one, or point --home/--registry at the right folder"

VERSION_RE = re.compile(r"^v(\d{4,})-(\d{8}T\d{6}Z)$")
# Libraries whose versions decide whether a pickle can be trusted to behave the same.
TRACKED_LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy", "joblib", "matcher")
# A difference in these makes unpickled estimators unreliable: warn on load.
PICKLE_SENSITIVE = ("numpy", "scikit-learn", "scipy", "joblib")


class RegistryError(MatcherError):
    """The registry cannot do what was asked (unknown version, tampered artifact, empty...)."""


def default_root() -> Path:
    """``$MATCHER_REGISTRY`` if set, else ``models`` under the matcher home (:mod:`matcher.home`)."""
    return registry_dir()


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a pickled model depends on."""
    found = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


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


class Registry:
    """A directory of model versions with one of them marked current. See the module doc."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.versions_dir = self.root / "versions"

    def __repr__(self) -> str:
        return f"Registry({str(self.root)!r})"

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
        staging_parent = self.root / ".staging"
        staging_parent.mkdir(parents=True, exist_ok=True)
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        staging = temp_folder(staging_parent, "v-")
        try:
            artifact = staging / ARTIFACT_FILE
            joblib.dump(model, artifact)
            fsync_file(artifact)
            validation_info = None
            if frozen_validation is not None:
                validation_info = _write_validation(frozen_validation, staging / VALIDATION_FILE)
            created = _utc_now()
            with self._lock():
                version = self._next_version_id(created)
                manifest = {
                    "version": version,
                    "created_at": _iso(created),
                    "data_fingerprint": data_fingerprint,
                    "features": list(features),
                    "libraries": library_versions(),
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
        with self._lock():
            state = self._read_current()
            if state is None:
                raise RegistryError(f"nothing to roll back: no model is current; {TRAIN_HINT}")
            if not state["previous"]:
                raise RegistryError(
                    f"nothing to roll back to: {state['version']} is the first promoted version"
                )
            target, stack = state["previous"][-1], state["previous"][:-1]
            self._verified_artifact(target)
            self._write_current(target, stack, "rollback", reason)
        self._log("rollback", target, state["version"], reason)
        return target

    # -- reading -------------------------------------------------------------------
    def current_version(self) -> str | None:
        state = self._read_current()
        return state["version"] if state else None

    def current_token(self) -> tuple[str | None, int, int]:
        """``(version, inode, mtime_ns)`` of ``CURRENT``: cheap to poll for a new promotion.

        Every promote/rollback replaces the file, so the inode changes even when two
        promotions land within the filesystem's timestamp resolution.
        """
        try:
            st = (self.root / CURRENT_FILE).stat()
        except FileNotFoundError:
            return (None, 0, 0)
        return (self.current_version(), st.st_ino, st.st_mtime_ns)

    def versions(self) -> list[dict]:
        """Manifests of all versions, oldest first, each with ``is_current``.

        A version whose manifest cannot be read is listed as ``{"version", "error"}``
        rather than hidden, so a damaged registry is visible.
        """
        current = self.current_version()
        out = []
        for version in self._version_ids():
            try:
                info = self.manifest(version)
            except RegistryError as exc:
                info = {"version": version, "error": str(exc)}
            out.append({**info, "is_current": version == current})
        return out

    def manifest(self, version: str) -> dict:
        path = self._version_dir(version) / MANIFEST_FILE
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegistryError(
                f"version {version} has no {MANIFEST_FILE} ({path}); "
                "it was not written by the registry"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{path}: manifest is not valid JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("version") != version:
            # e.g. a version folder copied or renamed by hand: its identity is in doubt
            raise RegistryError(f"{path} does not describe version {version}")
        return manifest

    def load(self, version: str | None = None) -> Any:
        """Unpickle a version (default: the current one) after verifying its checksum."""
        version = self.resolve(version)
        artifact, manifest = self._verified_artifact(version)
        _warn_on_library_drift(version, manifest.get("libraries", {}))
        return joblib.load(artifact)

    def frozen_validation(self, version: str | None = None) -> pd.DataFrame | None:
        """The validation slice stored with a version (checksum-verified), or None."""
        version = self.resolve(version)
        manifest = self.manifest(version)
        info = manifest.get("frozen_validation")
        if not info:
            return None
        path = self._version_dir(version) / VALIDATION_FILE
        _verify_file(path, info, version)
        return _read_validation(path, info)

    def resolve(self, version: str | None = None) -> str:
        """``version`` itself, or the current version; clear errors when there is none."""
        if version is not None:
            return version
        current = self.current_version()
        if current is not None:
            return current
        known = self._version_ids()
        if known:
            raise RegistryError(
                f"no model is current in {self.root} ({len(known)} registered, none promoted): "
                f"run `matcher models promote {known[-1]}`"
            )
        raise RegistryError(f"no model yet in {self.root.absolute()}: {TRAIN_HINT}")

    def history(self) -> list[dict]:
        """The audit log of promotions and rollbacks, oldest first."""
        path = self.root / HISTORY_FILE
        if not path.exists():
            return []
        entries = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:  # a torn line from a crash mid-append: skip it
                continue
        return entries

    # -- internals -----------------------------------------------------------------
    def _version_ids(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        found = [p.name for p in self.versions_dir.iterdir() if VERSION_RE.match(p.name)]
        return sorted(found, key=lambda v: int(VERSION_RE.match(v).group(1)))

    def _version_dir(self, version: str) -> Path:
        """The folder of an existing version; refuses malformed ids (no path tricks)."""
        path = self.versions_dir / str(version)
        if not VERSION_RE.match(str(version)) or not path.is_dir():
            known = self._version_ids()
            listing = ", ".join(known) if known else f"none ({TRAIN_HINT})"
            raise RegistryError(f"unknown model version {version!r}; known versions: {listing}")
        return path

    def _verified_artifact(self, version: str) -> tuple[Path, dict]:
        manifest = self.manifest(version)
        info = manifest.get("artifact") or {}
        path = self._version_dir(version) / ARTIFACT_FILE
        _verify_file(path, info, version)
        return path, manifest

    def _next_version_id(self, created: datetime) -> str:
        known = self._version_ids()
        number = int(VERSION_RE.match(known[-1]).group(1)) + 1 if known else 1
        return f"v{number:04d}-{created.strftime('%Y%m%dT%H%M%SZ')}"

    def _read_current(self) -> dict | None:
        """``{"version", "previous": [...], ...}`` from ``CURRENT``, or None if unset."""
        path = self.root / CURRENT_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(
                f"{path} is damaged ({exc}); run `matcher models promote VERSION` to reset it"
            ) from None
        if not isinstance(state, dict) or not isinstance(state.get("version"), str):
            raise RegistryError(
                f"{path} is damaged (no version); run `matcher models promote VERSION` to reset it"
            )
        state.setdefault("previous", [])
        return state

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


def _verify_file(path: Path, info: dict, version: str) -> None:
    """Refuse a file that is missing or whose size/SHA-256 differ from the manifest."""
    if not info.get("sha256"):
        raise RegistryError(
            f"version {version}: manifest records no checksum for {path.name}; "
            "refusing to load a file the registry did not write"
        )
    if not path.is_file():
        raise RegistryError(f"version {version}: {path} is missing")
    size = path.stat().st_size
    if size != info.get("size") or sha256_file(path) != info["sha256"]:
        raise RegistryError(
            f"version {version}: {path} does not match its manifest checksum "
            "(modified or corrupted since it was registered); refusing to load it"
        )


def _warn_on_library_drift(version: str, recorded: dict) -> None:
    now = library_versions()
    changed = [
        f"{name} {recorded[name]} -> {now[name]}"
        for name in PICKLE_SENSITIVE
        if name in recorded and recorded[name] != now[name]
    ]
    if changed:
        warnings.warn(
            f"model {version} was saved with different library versions ({', '.join(changed)}); "
            "predictions may differ: retrain to be safe",
            stacklevel=3,
        )


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


def _read_validation(path: Path, info: dict) -> pd.DataFrame:
    df = pd.read_parquet(path)
    for col in info.get("tuple_columns", []):
        df[col] = pd.Series(
            [tuple(v) if v is not None else None for v in df[col].to_numpy(dtype=object)],
            dtype=object,
            index=df.index,
        )
    for col, dtype in info.get("dtypes", {}).items():
        if dtype.startswith("datetime64") and str(df[col].dtype) != dtype:
            df[col] = df[col].astype(dtype)
    return df
