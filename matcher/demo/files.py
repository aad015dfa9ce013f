"""Write a world's four contract files, all or nothing.

Files are written into a temporary directory inside the target and then moved into place
with ``os.replace`` (atomic per file, same filesystem), so an interrupted or failed run
leaves the target as it was, never a half-written file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from matcher.atomic import fsync_dir
from matcher.data.errors import MatcherError
from matcher.i18n import Message

if TYPE_CHECKING:  # the CLI reads FORMATS without paying for the generator's imports
    from matcher.demo.world import World

FORMATS = ("csv", "parquet", "xlsx")
FILES = ("umkm", "firms", "outcomes", "event")


# The firm file is written as Excel in an Indonesian locale saves CSV, `;`-separated, so
# the demo goes through the delimiter detection every office file needs.
CSV_SEPARATORS = {"firms": ";"}


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8", sep=CSV_SEPARATORS.get(path.stem, ","))
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False, sheet_name=path.stem)


def write_world(world: World, out_dir: str | os.PathLike, fmt: str = "csv") -> dict[str, Path]:
    """Write ``umkm``, ``firms``, ``outcomes`` and ``event`` as ``out_dir/<name>.<fmt>``.

    Returns the written paths by name. Existing files of the same names are replaced;
    other files in ``out_dir`` are left alone.
    """
    if fmt not in FORMATS:
        raise MatcherError(
            Message("cli.demo.bad_format", fmt=repr(fmt), choices=", ".join(FORMATS))
        )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MatcherError(Message("cli.demo.not_a_folder", path=str(out)))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MatcherError(
            Message("cli.demo.cannot_create", path=str(out), reason=exc.strerror)
        ) from exc
    tmp = Path(tempfile.mkdtemp(prefix=".demo-data-", dir=out))
    try:
        staged = {}
        for name in FILES:
            staged[name] = tmp / f"{name}.{fmt}"
            _write_frame(getattr(world, name), staged[name], fmt)
        final = {name: out / path.name for name, path in staged.items()}
        for name, path in staged.items():
            os.replace(path, final[name])
        fsync_dir(out)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
