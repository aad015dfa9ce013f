"""The served :class:`~matcher.service.MatchService` and how it is kept current.

A :class:`Snapshot` is immutable: a service bound to one model version and one profile
revision. :class:`ServiceHolder` hands the current snapshot to each request and swaps in a
new one (a single reference assignment, atomic under the GIL) when the registry promotes
another model or the stored profiles change. The rebuild runs in a background thread
while requests keep being answered by the old snapshot, so nothing in flight fails and
nobody waits; only the very first build (nothing to serve yet) happens in the request.

A rebuilt snapshot is *warmed before it is swapped in* (:attr:`ServiceHolder.warm`: the
server fills its rank cache with every UMKM's default list, :func:`api.matching.prewarm`)
while the old snapshot and its cache keep answering, so a promotion or a profile write
never makes every read cold at once. The swap is still one assignment: a request sees the
old snapshot with its cache or the new one with its (warm) cache, never a mix.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from api.store import FIRMS, UMKM, Store, load_frame
from api.store.model_state import mirror_current_version
from api.store.profiles import profile_revision
from matcher.artifact import ArtifactVersionError
from matcher.data.errors import MatcherError
from matcher.i18n import Message
from matcher.registry import RegistryError
from matcher.service import MatchService

log = logging.getLogger(__name__)


class ServiceUnavailable(MatcherError):
    """No service can be built yet (no current model, or no profiles): HTTP 503."""


class ModelSource(Protocol):
    """Where models come from. The default is the registry; tests inject a fake."""

    def token(self) -> Hashable:
        """Cheap to call; changes whenever the current model changes."""

    def build(
        self, umkm: pd.DataFrame, firms: pd.DataFrame, token: Hashable
    ) -> tuple[MatchService, str | None]:
        """A service for the model current at ``token``, and that model's version."""

    def versions(self) -> list[dict]:
        """Manifests of all versions (with ``version``, ``metrics``, ``is_current``)."""

    def promote(self, version: str, reason: str = "") -> str | None:
        """Make ``version`` current; returns the previous current version."""


class RegistryModelSource:
    """Models from the file registry (:class:`training.registry.Registry`)."""

    def __init__(self, root: str | Path):
        from training.registry import Registry

        self.registry = Registry(root)

    def token(self) -> Hashable:
        return self.registry.current_token()

    def build(self, umkm, firms, token):
        version = token[0]
        if version is None:
            raise ServiceUnavailable(
                Message("api.unavailable.no_model", root=str(self.registry.root))
            )
        try:
            service = MatchService.from_registry(self.registry, umkm, firms, version=version)
        except (ArtifactVersionError, RegistryError) as exc:
            # a model this matcher cannot read, or one that fails its checks: nothing the
            # request can change, so 503, not 400; the Message is said in the reader's language
            raise ServiceUnavailable(exc.args[0]) from None
        return service, version

    def versions(self) -> list[dict]:
        return self.registry.versions()

    def promote(self, version: str, reason: str = "") -> str | None:
        return self.registry.promote(version, reason)


@dataclass(frozen=True)
class Snapshot:
    service: MatchService
    model_version: str | None
    model_token: Hashable
    profile_revision: int
    built_at: float


class ServiceHolder:
    """Owns the current :class:`Snapshot`; see the module docstring."""

    def __init__(self, store: Store, source: ModelSource, reload_interval_s: float = 2.0):
        self.store = store
        self.source = source
        self.reload_interval_s = reload_interval_s
        self._snapshot: Snapshot | None = None
        self._build_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._last_check = 0.0
        self._failed_key: tuple | None = None
        # why the last build failed: a catalogue Message when it has one (/health says it in
        # the reader's language), else the exception's text
        self.last_error: str | None = None
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        self.on_new_snapshot: list = []  # called with each snapshot once it is served
        # called with a rebuilt snapshot and a "still wanted?" callable BEFORE it is swapped
        # in (not for the first build: nothing would answer meanwhile); returns True when it
        # warmed the snapshot. Its failure only means the new snapshot starts cold.
        self.warm: Callable[[Snapshot, Callable[[], bool]], bool] | None = None
        self.warmed: weakref.WeakSet = weakref.WeakSet()  # snapshots warmed before their swap

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot being served, without checking for changes (may be None)."""
        return self._snapshot

    def _state_key(self) -> tuple[Hashable, int]:
        with self.store.session() as s:
            return self.source.token(), profile_revision(s)

    def current(self) -> Snapshot:
        """The snapshot to answer a request with; starts a background rebuild when stale."""
        snap = self._snapshot
        if snap is None:
            return self.refresh()
        now = time.monotonic()
        if now - self._last_check >= self.reload_interval_s:
            self._last_check = now
            key = self._state_key()
            if key != (snap.model_token, snap.profile_revision) and key != self._failed_key:
                self._start_background_rebuild()
        return snap

    def refresh(self) -> Snapshot:
        """Rebuild now if the model or profiles changed (or nothing is served yet)."""
        with self._build_lock:
            key = self._state_key()
            snap = self._snapshot
            if snap is not None and key == (snap.model_token, snap.profile_revision):
                return snap
            return self._build(key)

    def _build(self, key: tuple[Hashable, int]) -> Snapshot:
        token, revision = key
        try:
            with self.store.session() as s:
                umkm, firms = load_frame(s, UMKM), load_frame(s, FIRMS)
            if umkm.empty or firms.empty:
                raise ServiceUnavailable(
                    Message("api.unavailable.no_profiles", umkm=len(umkm), firms=len(firms))
                )
            service, version = self.source.build(umkm, firms, token)
        except Exception as exc:
            self._failed_key, self.last_error = key, _problem(exc)
            raise
        new = Snapshot(service, version, token, revision, time.time())
        if self._snapshot is not None and self.warm is not None:
            self._warm(new, key)
        self._snapshot = new
        self._failed_key, self.last_error = None, None
        for listener in self.on_new_snapshot:
            try:
                listener(self._snapshot)
            except Exception:  # a listener's failure must not undo the swap
                log.exception("a new-snapshot listener failed")
        with self.store.transaction() as s:
            mirror_current_version(s, version, by="server")
        log.info("serving model %s on profile revision %s", version, revision)
        return self._snapshot

    def _warm(self, new: Snapshot, key: tuple[Hashable, int]) -> None:
        """Warm ``new`` while the old snapshot answers; stop early when the model or the
        profiles changed again meanwhile (the next rebuild supersedes this one)."""

        def still_wanted() -> bool:
            if self._stop_watching.is_set():
                return False
            try:
                return self._state_key() == key
            except Exception:  # the database away for a moment: keep warming
                return True

        started = time.monotonic()
        try:
            if self.warm(new, still_wanted):
                self.warmed.add(new)
        except Exception:  # it fills on demand instead
            log.exception("warming the new snapshot failed; it starts cold")
        log.info(
            "warmed model %s before serving it (%.1f s)",
            new.model_version,
            time.monotonic() - started,
        )

    def notice_change(self) -> None:
        """Something changed (a promotion, an import): rebuild in the background now."""
        self._last_check = time.monotonic()
        self._failed_key = None
        if self._snapshot is None:
            return  # the next request builds the first snapshot
        self._start_background_rebuild()

    def _start_background_rebuild(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(
            target=self._rebuild_quietly, name="service-rebuild", daemon=True
        )
        self._worker.start()

    def _rebuild_quietly(self) -> None:
        try:
            self.refresh()
        except Exception:  # keep serving the old snapshot; the error is kept for /health
            log.exception("rebuilding the match service failed; still serving the old one")

    def watch(self) -> None:
        """Check for a new model or profiles every ``reload_interval_s`` in a background
        thread too, not only when a request comes: a server process that answers nothing
        but ``/health`` (or one of several workers that another one's promotion did not
        reach) is current within one interval, and the rebuild is usually done before a
        request needs it. With ``reload_interval_s == 0`` every request checks; no thread."""
        if self.reload_interval_s <= 0 or self._watcher is not None:
            return
        self._stop_watching.clear()
        self._watcher = threading.Thread(target=self._watch_loop, name="service-watch", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        self._stop_watching.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None

    def _watch_loop(self) -> None:
        while not self._stop_watching.wait(self.reload_interval_s):
            try:
                snap, key = self._snapshot, self._state_key()
                if key == self._failed_key:
                    continue
                if snap is None or key != (snap.model_token, snap.profile_revision):
                    self._last_check = time.monotonic()
                    self._rebuild_quietly()
            except Exception:  # the database away for a moment: try again next time
                log.exception("checking for a new model or profiles failed")

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        """Block until a background rebuild (if any) ends; for tests and shutdown."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)


def _problem(exc: Exception) -> str:
    """What went wrong, for /health: the exception's Message (rendered per reader) or text."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else str(exc)
