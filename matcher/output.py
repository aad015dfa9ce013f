"""Writing result tables (recommendations) atomically, streamed in chunks.

A :class:`TableWriter` takes DataFrame chunks and writes CSV, Parquet or an Excel workbook
by the target's extension into a temporary file next to it, and moves it into place only on
success, so a failed run never leaves a half-written file. CSV and Parquet stream (memory
bounded by the chunk size); ``.xlsx`` is for people and holds at most one sheet's rows, so
its chunks are gathered and written at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from matcher import csvsafe
from matcher.atomic import fsync_dir, fsync_file, temp_beside
from matcher.data.errors import MatcherError
from matcher.i18n import Figure, Message

SUFFIXES = (".csv", ".parquet", ".xlsx")
XLSX_MAX_ROWS = 1_048_575  # one sheet, below the header row
SHEET_NAME = "Rekomendasi"


def check_output_path(path: str | Path) -> Path:
    """``path`` if a result can be written there; a clear error otherwise (call it before any
    slow work, so a typo is reported at once)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise MatcherError(
            Message("cli.output.bad_suffix", path=str(path), choices=", ".join(SUFFIXES))
        )
    if not path.parent.exists():
        raise MatcherError(Message("cli.output.no_folder", path=str(path), folder=str(path.parent)))
    return path


class TableWriter:
    """Context manager: ``with TableWriter(path) as w: w.write(chunk)``."""

    def __init__(self, path: str | Path, *, formula_safe: bool | None = None):
        """``formula_safe``: escape text cells that Excel would run as formulas (CSV only;
        default on, see :mod:`matcher.csvsafe`)."""
        self.path = check_output_path(path)
        self.kind = self.path.suffix.lower()
        self.formula_safe = formula_safe
        self.rows = 0
        self._parquet = None
        self._frames: list[pd.DataFrame] = []

    def __enter__(self):
        self._tmp = temp_beside(self.path)
        self._first = True
        return self

    def write(self, chunk: pd.DataFrame) -> None:
        if self.kind == ".csv":
            chunk = csvsafe.formula_safe(chunk, self.formula_safe)
            chunk.to_csv(
                self._tmp, mode="w" if self._first else "a", header=self._first, index=False
            )
        elif self.kind == ".xlsx":
            if self.rows + len(chunk) > XLSX_MAX_ROWS:
                raise MatcherError(
                    Message("cli.output.xlsx_rows", path=str(self.path), n=Figure(XLSX_MAX_ROWS))
                )
            self._frames.append(chunk)
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
        try:
            if self._parquet is not None:
                self._parquet.close()
            if exc_type is None and self.kind == ".xlsx":
                _write_xlsx(
                    pd.concat(self._frames, ignore_index=True) if self._frames else pd.DataFrame(),
                    self._tmp,
                )
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return False
        fsync_file(self._tmp)
        os.replace(self._tmp, self.path)
        fsync_dir(self.path.parent)
        return False


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """One sheet, header frozen and filtered; text cells can never become formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from matcher.export import safe_text

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    for row in df.itertuples(index=False):
        ws.append([v if num and not pd.isna(v) else safe_text(v) for v, num in zip(row, numeric)])
    for i, c in enumerate(df.columns, start=1):
        longest = max([len(str(c))] + [len(str(v)) for v in df[c].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, longest + 2)
    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def with_names(
    recs: pd.DataFrame, umkm: pd.DataFrame | None, firms: pd.DataFrame | None
) -> pd.DataFrame:
    """``recs`` with each UMKM's and firm's name and province and the firm's PMA/PMDN beside
    the IDs, so the file reads on its own (in a spreadsheet, without a lookup)."""
    front: list[str] = []
    if umkm is not None:
        u = (
            umkm[["umkm_id", "name", "province"]]
            .drop_duplicates("umkm_id")
            .rename(columns={"name": "umkm_name", "province": "umkm_province"})
        )
        recs = recs.merge(u, on="umkm_id", how="left")
        front += ["umkm_id", "umkm_name", "umkm_province"]
    if firms is not None:
        f = firms[["firm_id", "name", "investment_type", "province"]].rename(
            columns={"name": "firm_name", "province": "firm_province"}
        )
        recs = recs.merge(f, on="firm_id", how="left")
        front += ["firm_id", "firm_name", "investment_type", "firm_province"]
    return recs[front + [c for c in recs.columns if c not in front]]


def write_table(df: pd.DataFrame, path: str | Path, *, formula_safe: bool | None = None) -> Path:
    with TableWriter(path, formula_safe=formula_safe) as w:
        w.write(df)
    return Path(path)
