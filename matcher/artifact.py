"""The saved model's format: the one owner of what a model artifact holds and which
artifacts this matcher can read.

A model is saved (by :meth:`training.registry.Registry.register`) as a joblib file holding
an envelope::

    {"matcher_artifact_format": ARTIFACT_FORMAT, "matcher_version": "0.1.0", "model": model}

and the registry's manifest records the same two facts (``artifact_format``,
``matcher_version``), so a version can be judged from its manifest *before* anything is
unpickled, and a bare file still says what wrote it.

Formats:

1. the bare pickled model, what matcher wrote before formats were recorded. Such artifacts
   (and manifests without ``artifact_format``) are read as format 1: the model classes are
   unchanged since, so they load and score as before;
2. the envelope above;
3. the same envelope around a model with the partner-profile features (what a firm's past
   partners supply, :mod:`matcher.features.partners`): three more feature columns, so a
   format 1 or 2 model's trees expect other columns than this matcher builds. Such a model
   is refused with "retrain" (``matcher retrain`` or ``matcher train`` on the same files).

Raise :data:`ARTIFACT_FORMAT` when a change makes older artifacts unreadable or different
in meaning (a renamed class, a changed fitted attribute) and move
:data:`OLDEST_READABLE_FORMAT` up to match; a newer or older artifact is then refused with
:class:`ArtifactVersionError`, naming the matcher version that wrote it and what to do.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from matcher.data.errors import MatcherError
from matcher.i18n import Message

ARTIFACT_FORMAT = 3
OLDEST_READABLE_FORMAT = 3
LEGACY_FORMAT = 1  # what an artifact or manifest without a recorded format is
FORMAT_KEY = "matcher_artifact_format"
VERSION_KEY = "matcher_version"


class ArtifactVersionError(MatcherError):
    """A saved model in a format this matcher cannot read (written by a newer or a much
    older matcher)."""


def matcher_version() -> str:
    """The installed matcher's version (package metadata)."""
    try:
        return importlib.metadata.version("matcher")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a bare tree
        return "unknown"


def readable(fmt: Any) -> bool:
    return (
        isinstance(fmt, int)
        and not isinstance(fmt, bool)
        and OLDEST_READABLE_FORMAT <= fmt <= ARTIFACT_FORMAT
    )


def check_format(fmt: Any, written_by: str | None, what: str) -> None:
    """Refuse ``what`` (a model version, a file name) saved in format ``fmt`` by matcher
    ``written_by`` unless this matcher reads that format."""
    if readable(fmt):
        return
    newer = isinstance(fmt, int) and fmt > ARTIFACT_FORMAT
    raise ArtifactVersionError(
        Message(
            "artifact.too_new" if newer else "artifact.too_old",
            what=what,
            format=fmt,
            written_by=written_by or Message("artifact.unknown_version"),
            installed=matcher_version(),
            readable=(
                f"{OLDEST_READABLE_FORMAT}–{ARTIFACT_FORMAT}"
                if OLDEST_READABLE_FORMAT < ARTIFACT_FORMAT
                else str(ARTIFACT_FORMAT)
            ),
        )
    )


def manifest_fields() -> dict:
    """What a registry manifest records about the artifact's format."""
    return {"artifact_format": ARTIFACT_FORMAT, "matcher_version": matcher_version()}


def check_manifest(manifest: dict, what: str) -> None:
    """Refuse a version whose manifest says its artifact cannot be read (before unpickling)."""
    written_by = manifest.get("matcher_version") or (manifest.get("libraries") or {}).get("matcher")
    check_format(manifest.get("artifact_format", LEGACY_FORMAT), written_by, what)


def dump(model: Any, path: str | Path) -> None:
    """Save ``model`` in the current format."""
    import joblib  # only where models are saved or loaded, not on every import

    joblib.dump({FORMAT_KEY: ARTIFACT_FORMAT, VERSION_KEY: matcher_version(), "model": model}, path)


def load(path: str | Path, what: str | None = None) -> Any:
    """The model saved at ``path`` (any readable format); :class:`ArtifactVersionError` for
    one this matcher cannot read. Unpickles: only for files you trust (the registry verifies
    checksums first)."""
    import joblib

    obj = joblib.load(path)
    if isinstance(obj, dict) and FORMAT_KEY in obj:
        check_format(obj[FORMAT_KEY], obj.get(VERSION_KEY), what or Path(path).name)
        return obj["model"]
    return obj  # format 1: the bare model
