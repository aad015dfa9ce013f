"""Ranked lists cached per served snapshot, so concurrent reads of the same UMKM are cheap.

A cached answer is exactly what the service returned (the response's JSON bytes, whatever
they carry: scores, reasons, chances, statuses), keyed by everything it depends on:

* **the snapshot** — a snapshot is one model version over one profile revision (every
  UMKM and firm profile); a promotion, or any profile or firm written, builds a new
  snapshot (see :class:`api.engine.ServiceHolder`) and with it an empty cache, swapped in
  atomically with the service it belongs to (the old cache goes when the last request
  using the old snapshot finishes). Several server processes each hold their own snapshot
  and cache; each notices a promotion or profile write through the registry's pointer and
  the store's profile revision, so none keeps answering from a superseded one;
* **the UMKM, k and the filters** within it;
* **its outcomes** — a UMKM's *outcome-free list* (its top k + margin firms with scores,
  chances and reasons: :meth:`matcher.service.MatchService.recommend_ahead`) depends on
  the snapshot and the question only and is cached apart, so a read after an outcome was
  recorded only applies the UMKM's outcomes to it (statuses, flags, declined pairs left
  out: :meth:`~matcher.service.MatchService.restatus`), with no model work; the answer's
  key carries :func:`api.store.outcomes.outcomes_version`: the
  count and newest id of the UMKM's outcome rows *and of their revisions*, so an outcome
  recorded, corrected or voided through any path (API, web form, import, CLI) or any
  server process makes the next read recompute. Both tables are append-only, so the
  version never repeats. Recording an outcome uses the same outcome-free list to note
  whether the engine recommended the pair (:func:`api.matching.engine_recommended`).

Filled ahead of requests too: every UMKM's default answer (k=10, no filters) is computed
in batches and stored under the same key a request would compute
(:func:`api.matching.prewarm`), so a first read of a UMKM is a hit, not 10-40 ms of model
time (up to ``MATCHER_PREWARM_MAX_PAIRS`` UMKM x firms). A rebuilt snapshot (promotion,
profile write) is warmed BEFORE it is swapped in, while the old one answers from its own
cache (:attr:`api.engine.ServiceHolder.warm`), so a promotion never turns every read cold;
the first snapshot is warmed in a background thread after it is served. Bounded (least
recently used out); one cache per server process.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class _Lru:
    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class RankCache:
    def __init__(self, size: int = 20_000):
        self.size = size
        self._per_snapshot: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _lru(self, snapshot) -> _Lru:
        lru = self._per_snapshot.get(snapshot)
        if lru is None:
            with self._lock:
                lru = self._per_snapshot.setdefault(snapshot, _Lru(self.size))
        return lru

    def put(self, snapshot, key: tuple[Hashable, ...], value) -> None:
        """Store an answer computed ahead of any request (see :func:`api.matching.prewarm`)."""
        self._lru(snapshot).put(key, value)

    def entries(self, snapshot, kind: str = "umkm") -> int:
        """How many entries of ``kind`` (a key's first element: "umkm" for answers, "ahead"
        for outcome-free lists) are cached for ``snapshot``."""
        lru = self._per_snapshot.get(snapshot)
        if lru is None:
            return 0
        with lru.lock:
            return sum(1 for key in lru.items if key[0] == kind)

    def __contains__(self, item) -> bool:
        snapshot, key = item
        lru = self._per_snapshot.get(snapshot)
        return lru is not None and key in lru.items

    def get_or_compute(self, snapshot, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """The cached answer for ``key`` under ``snapshot``, computing it on a miss.
        Two requests missing together both compute (no lock held while scoring)."""
        lru = self._lru(snapshot)
        value = lru.get(key)
        if value is not None:
            self.hits += 1
            return value
        self.misses += 1
        value = compute()
        lru.put(key, value)
        return value


class KeyCache:
    """Who is behind an API key, remembered for ``ttl_s`` seconds (``MATCHER_KEY_CACHE_S``).

    A read that is served from the rank cache otherwise spends a third of its time looking
    up its own key. Only successful lookups are kept, by the key's SHA-256 digest (never the
    key); a wrong key is looked up every time. **A revoked key, or an account's new region,
    takes effect within ``ttl_s``** in every server process (at once in the process whose
    web admin page revoked it: :meth:`clear`); web sessions do not use this cache, so a
    revocation ends them at once. ``ttl_s == 0`` turns the cache off. Bounded: the
    oldest entries go first beyond ``size``."""

    def __init__(self, ttl_s: float = 5.0, size: int = 10_000, clock=time.monotonic):
        self.ttl_s, self.size, self.clock = ttl_s, size, clock
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str):
        """The cached principal for ``digest``, or None (unknown or older than ``ttl_s``)."""
        found = self._items.get(digest)
        if found is None:
            return None
        principal, expires = found
        if self.clock() >= expires:
            with self._lock:
                self._items.pop(digest, None)
            return None
        return principal

    def put(self, digest: str, principal) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._items[digest] = (principal, self.clock() + self.ttl_s)
            self._items.move_to_end(digest)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
