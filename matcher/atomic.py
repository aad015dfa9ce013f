"""Crash-safe file writes: a reader sees the old file or the new one, never half of one.

Every writer goes to a temporary file in the *same directory* (so the final
:func:`os.replace` is a rename within one filesystem, which POSIX and Windows make atomic),
flushes and fsyncs it, renames it over the target, then fsyncs the directory so the rename
itself survives a power cut.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def fsync_dir(path: str | Path) -> None:
    """Persist a directory entry (a rename or a new file) to disk; a no-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` to produce the content, then move it to ``path`` atomically.

    ``write`` receives a path (not a handle) so libraries that insist on a file name
    (joblib, pyarrow, matplotlib) can be used. On any error the temporary file is removed
    and the existing ``path`` is left untouched. A missing folder is created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Atomically replace ``path`` with ``data``."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def fsync_file(path: str | Path) -> None:
    """Flush a written file's content to disk."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
