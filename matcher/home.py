"""One home for everything a matcher installation keeps: ``MATCHER_HOME`` (default ``.matcher``).

Under the home live the model registry (``models/``), the embedded SQLite store
(``matcher.db``) and the results commands write by default (``results/``). Every command
and the server resolve these paths here, so ``matcher demo`` followed by any other command
finds the same model and the same data. ``MATCHER_REGISTRY`` and ``MATCHER_DATABASE_URL``
(or the matching command options) point either one elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "MATCHER_HOME"
REGISTRY_ENV = "MATCHER_REGISTRY"
DEFAULT_HOME = ".matcher"
REGISTRY_DIR = "models"
STORE_FILE = "matcher.db"
RESULTS_DIR = "results"


def home_dir(home: str | os.PathLike | None = None) -> Path:
    """``home`` if given, else ``$MATCHER_HOME``, else ``./.matcher``."""
    return Path(home or os.environ.get(HOME_ENV) or DEFAULT_HOME)


def registry_dir(
    registry: str | os.PathLike | None = None, home: str | os.PathLike | None = None
) -> Path:
    """``registry`` if given, else ``$MATCHER_REGISTRY``, else ``<home>/models``."""
    return Path(registry or os.environ.get(REGISTRY_ENV) or home_dir(home) / REGISTRY_DIR)


def store_file(home: str | os.PathLike | None = None) -> Path:
    """The embedded SQLite store's file under the home."""
    return home_dir(home) / STORE_FILE


def results_dir(home: str | os.PathLike | None = None) -> Path:
    """Where commands write their results unless told otherwise."""
    return home_dir(home) / RESULTS_DIR
