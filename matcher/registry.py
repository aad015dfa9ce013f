"""The model registry's reading side: find, verify and load the served model.

This half lives in the core because serving needs it (:meth:`matcher.service.MatchService.from_registry`,
the API, the CLI); writing new versions, promotion and rollback belong to training
(:class:`training.registry.Registry`, a subclass of :class:`RegistryReader`).

Layout under the registry root (default ``$MATCHER_REGISTRY``, else ``$MATCHER_HOME/models``,
``.matcher/models`` when neither is set)::

    versions/v0001-20261127T203000Z/model.joblib        the fitted model (any picklable object),
                                                        in its format envelope (matcher.artifact)
                                   /manifest.json       what it is, how it was made, checksums,
                                                        artifact format and matcher version
                                   /validation.parquet  optional frozen validation slice
    CURRENT                                             JSON pointer to the served version
    history.jsonl                                       audit log: one line per promote/rollback
    .lock                                               serialises writers (POSIX flock)
    .staging/                                           half-built versions, each with a
                                                        lock its writer holds; removed once
                                                        the writer is gone (Registry.tidy)

- **joblib is pickle**: unpickling runs code. :meth:`RegistryReader.load` checks the artifact's
  SHA-256 against the manifest *before* unpickling and refuses anything that does not match.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.artifact import check_manifest
from matcher.artifact import load as load_artifact
from matcher.data.errors import MatcherError
from matcher.home import REGISTRY_ENV, registry_dir
from matcher.i18n import Figure, Message, t

ENV_VAR = REGISTRY_ENV
ARTIFACT_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
VALIDATION_FILE = "validation.parquet"
CURRENT_FILE = "CURRENT"
HISTORY_FILE = "history.jsonl"
# What to do when there is no model (a catalogue key: its words are in the reader's language)
TRAIN_HINT = "registry.train_hint"

VERSION_RE = re.compile(r"^v(\d{4,})-(\d{8}T\d{6}Z)$")
# Libraries whose versions decide whether a pickle can be trusted to behave the same.
TRACKED_LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy", "joblib", "matcher")
# A difference in these makes unpickled estimators unreliable: warn on load. matcher itself
# too: its installed code (features, reasons) runs the unpickled model. A format it cannot
# read at all is refused (matcher.artifact), not warned about.
PICKLE_SENSITIVE = ("numpy", "scikit-learn", "scipy", "joblib", "matcher")


class RegistryError(MatcherError):
    """The registry cannot do what was asked (unknown version, tampered artifact, empty...).

    Raised with a catalogue :class:`~matcher.i18n.Message`: the CLI says it in
    ``$MATCHER_LANG`` (Indonesian by default), the API in the reader's language."""


def no_model(root: Path) -> Message:
    """ "no model yet in ROOT: run `matcher train` ..." (an empty registry), in any language."""
    return Message("registry.no_model", root=str(root.absolute()), hint=Message(TRAIN_HINT))


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


class RegistryReader:
    """Read-only view of a registry folder: versions, manifests, the current pointer, and
    checksum-verified loading. See the module doc; :class:`training.registry.Registry` adds
    the writing side."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.versions_dir = self.root / "versions"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

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
            except RegistryError as exc:  # the Message: each surface says it in its language
                info = {"version": version, "error": exc.args[0]}
            out.append({**info, "is_current": version == current})
        return out

    def manifest(self, version: str) -> dict:
        path = self._version_dir(version) / MANIFEST_FILE
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegistryError(
                Message("registry.no_manifest", version=version, file=MANIFEST_FILE, path=str(path))
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(
                Message("registry.manifest_not_json", path=str(path), reason=str(exc))
            ) from None
        if not isinstance(manifest, dict) or manifest.get("version") != version:
            # e.g. a version folder copied or renamed by hand: its identity is in doubt
            raise RegistryError(
                Message("registry.manifest_other_version", path=str(path), version=version)
            )
        return manifest

    def load(self, version: str | None = None) -> Any:
        """Unpickle a version (default: the current one) after verifying its format (from
        the manifest) and checksum; the artifact's own format record is checked too."""
        version = self.resolve(version)
        artifact, manifest = self._verified_artifact(version)
        _warn_on_library_drift(version, manifest.get("libraries", {}))
        model = load_artifact(artifact, what=version)
        # saved before features recorded the date they count from: the year it was trained
        features = getattr(model, "features_", None)
        if hasattr(features, "assume_reference_date") and manifest.get("created_at"):
            features.assume_reference_date(manifest["created_at"])
        return model

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
                Message(
                    "registry.none_promoted",
                    root=str(self.root),
                    n=Figure(len(known)),
                    latest=known[-1],
                )
            )
        raise RegistryError(no_model(self.root))

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
            listing = (
                ", ".join(known)
                if known
                else Message("registry.no_versions", hint=Message(TRAIN_HINT))
            )
            raise RegistryError(
                Message("registry.unknown_version", version=repr(version), known=listing)
            )
        return path

    def _verified_artifact(self, version: str) -> tuple[Path, dict]:
        manifest = self.manifest(version)
        check_manifest(manifest, version)  # a format this matcher cannot read: refused
        info = manifest.get("artifact") or {}
        path = self._version_dir(version) / ARTIFACT_FILE
        _verify_file(path, info, version)
        return path, manifest

    def _read_current(self) -> dict | None:
        """``{"version", "previous": [...], ...}`` from ``CURRENT``, or None if unset."""
        path = self.root / CURRENT_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(
                Message("registry.current_damaged", path=str(path), reason=str(exc))
            ) from None
        if not isinstance(state, dict) or not isinstance(state.get("version"), str):
            raise RegistryError(
                Message(
                    "registry.current_damaged",
                    path=str(path),
                    reason=Message("registry.current_no_version"),
                )
            )
        state.setdefault("previous", [])
        return state


def _verify_file(path: Path, info: dict, version: str) -> None:
    """Refuse a file that is missing or whose size/SHA-256 differ from the manifest."""
    if not info.get("sha256"):
        raise RegistryError(Message("registry.no_checksum", version=version, file=path.name))
    if not path.is_file():
        raise RegistryError(Message("registry.file_missing", version=version, path=str(path)))
    size = path.stat().st_size
    if size != info.get("size") or sha256_file(path) != info["sha256"]:
        raise RegistryError(Message("registry.checksum_mismatch", version=version, path=str(path)))


def _warn_on_library_drift(version: str, recorded: dict) -> None:
    now = library_versions()
    changed = [
        f"{name} {recorded[name]} -> {now[name]}"
        for name in PICKLE_SENSITIVE
        if name in recorded and recorded[name] != now[name]
    ]
    if changed:
        # a warning is printed as it is raised: in $MATCHER_LANG (Indonesian by default)
        warnings.warn(
            t("registry.library_drift", version=version, changes=", ".join(changed)),
            stacklevel=3,
        )


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
