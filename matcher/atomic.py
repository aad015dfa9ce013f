"""Crash-safe file writes: a reader sees the old file or the new one, never half of one.

Every writer goes to a temporary file in the *same directory* (so the final
:func:`os.replace` is a rename within one filesystem, which POSIX and Windows make atomic),
flushes and fsyncs it, renames it over the target, then fsyncs the directory so the rename
itself survives a power cut.

The temporary files and folders are made with the user's umask applied (``tempfile`` makes
them 0600/0700), so a result ends up readable by colleagues and by a server running as
another user exactly as a file written in place would.
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


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting, then restore at once
    os.umask(mask)
    return mask


def follow_umask(path: str | Path, *, folder: bool = False) -> Path:
    """Give ``path`` the mode a newly created file (0666) or folder (0777) would get."""
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())
    return Path(path)


def temp_beside(path: str | Path) -> Path:
    """A new empty temporary file next to ``path`` (same filesystem), with the umask's mode."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return follow_umask(tmp_name)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` to produce the content, then move it to ``path`` atomically.

    ``write`` receives a path (not a handle) so libraries that insist on a file name
    (joblib, pyarrow, matplotlib) can be used. On any error the temporary file is removed
    and the existing ``path`` is left untouched. A missing folder is created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
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
