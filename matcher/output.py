"""Writing result tables (recommendations) atomically, streamed in chunks.

A :class:`TableWriter` takes DataFrame chunks and writes CSV or Parquet by the target's
extension into a temporary file next to it, and moves it into place only on success, so a
failed run never leaves a half-written file and memory stays bounded by the chunk size.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from matcher.atomic import fsync_dir, fsync_file
from matcher.data.errors import MatcherError

SUFFIXES = (".csv", ".parquet")


class TableWriter:
    """Context manager: ``with TableWriter(path) as w: w.write(chunk)``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.suffix.lower() not in SUFFIXES:
            raise MatcherError(f"{self.path}: output must end in {' or '.join(SUFFIXES)}")
        if not self.path.parent.exists():
            raise MatcherError(f"{self.path}: folder {self.path.parent} does not exist")
        self.rows = 0
        self._parquet = None

    def __enter__(self):
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(name)
        self._first = True
        return self

    def write(self, chunk: pd.DataFrame) -> None:
        if self.path.suffix.lower() == ".csv":
            chunk.to_csv(self._tmp, mode="w" if self._first else "a", header=self._first, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._tmp, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        self._first = False
        self.rows += len(chunk)

    def __exit__(self, exc_type, exc, tb):
        if self._parquet is not None:
            self._parquet.close()
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return False
        fsync_file(self._tmp)
        os.replace(self._tmp, self.path)
        fsync_dir(self.path.parent)
        return False


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    with TableWriter(path) as w:
        w.write(df)
    return Path(path)
