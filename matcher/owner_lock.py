"""Locks that die with their owner: how a clean-up tells a running job's scratch from the
leftovers of a job that was killed.

A job that makes scratch state (an import's ``staging_*`` table, a registration's folder
in the registry's ``.staging/``) holds an exclusive ``flock`` on a lock file of its own
for as long as the scratch exists. The kernel releases the lock whenever the process
ends — ``kill -9`` and power loss included — so a clean-up that can take the lock
*without waiting* knows nobody owns the scratch any more, and holds the lock while it
removes it. Neither a clock nor a process ID is involved: a slow import is never taken
for a dead one, and a reused PID never keeps an orphan alive.

The order is what makes it safe: the owner locks *before* it creates the scratch and
removes the scratch *before* it releases the lock, so a clean-up never sees scratch whose
lock is free while its owner is alive.

POSIX only (``fcntl``). Elsewhere :func:`hold` locks nothing and :func:`claim` never
claims: leftovers stay (harmless, and ``matcher``'s own commands ignore them) rather than
risk removing a live job's work.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def hold(path: str | Path) -> Iterator[Path]:
    """Create ``path`` (if needed) and hold an exclusive lock on it for the block; the
    file is removed at the end, while still locked. Waits if someone else holds it."""
    path = Path(path)
    if fcntl is None:  # pragma: no cover - Windows
        yield path
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)  # still locked: nobody claims it in between
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def claim(path: str | Path) -> Iterator[bool]:
    """Try to take the lock at ``path`` without waiting. Yields True when it was free (its
    owner, if there ever was one, is gone: the caller may remove the scratch it guards),
    False when a live process holds it (leave the scratch alone). A claimed lock file is
    removed at the end of the block, while still locked."""
    path = Path(path)
    if fcntl is None:  # pragma: no cover - Windows
        yield False
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:  # e.g. a read-only folder: not ours to clean
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)
