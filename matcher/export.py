"""Writing an event plan: the data-contract file and the printable workbook.

``write_plan`` chooses the format by extension. ``.csv`` / ``.parquet`` hold exactly the
data-contract columns (``umkm_id, firm_id, score, reasons``), for machines. ``.xlsx`` is for
people: a summary sheet (event totals, pairs per firm, per province) and one sheet per firm
listing its UMKM with the details a facilitator needs at the table, empty contact columns to
fill in by hand, and a print setup (A4 landscape, fit to width, header repeated per page).

Every text cell of the workbook goes through :func:`safe_text`, so a profile field such as
``=HYPERLINK(...)`` or ``+62 812`` can never become a live formula (formula / CSV injection).
Every file is written to a temporary file next to the target and then moved into place
(``os.replace``), so a failure never leaves a half-written plan behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from matcher import csvsafe
from matcher.atomic import write_atomic
from matcher.data.errors import MatcherError, suffix_shown
from matcher.i18n import Message
from matcher.service import CHANCE_COLUMNS

PLAN_COLUMNS = ("umkm_id", "firm_id", "score", "reasons")
# written after score when the plan has them (chances, expected value, partnership status)
OPTIONAL_COLUMNS = (*CHANCE_COLUMNS, "status")
PLAN_FORMATS = (".csv", ".parquet", ".xlsx")

SUMMARY_SHEET = "Ringkasan"
# Characters that make a spreadsheet treat a typed or imported cell as a formula (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
# Excel refuses a sheet called "History" (reserved for change tracking).
_SHEET_RESERVED = ("history",)

FIRM_SHEET_COLUMNS = (
    # header, width (characters), wrap text
    ("No", 5, False),
    ("ID UMKM", 12, False),
    ("Nama UMKM", 28, True),
    ("Kabupaten/Kota", 20, True),
    ("Provinsi", 16, True),
    ("Produk", 40, True),
    ("Peluang", 22, True),
    ("Alasan", 50, True),
    ("Kontak (nama)", 20, False),
    ("Telepon", 16, False),
    ("Catatan", 30, True),
)


# --------------------------------------------------------------------------- cell safety


def safe_text(value: object) -> str:
    """Text that a spreadsheet shows as-is: never a formula, no illegal XML characters.

    A value starting with ``= + - @``, tab, CR or LF gets a leading apostrophe, so it is
    stored and shown as plain text (``'=1+1``), and ``None``/NaN become "".
    """
    if _missing(value):
        return ""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def _missing(value: object) -> bool:
    """None, NaN, pd.NA or NaT (pandas 3 string columns hold pd.NA, not None)."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _cell_value(value: object) -> object:
    """Numbers stay numbers, missing values stay empty, everything else is neutralised text."""
    if _missing(value):
        return None
    if isinstance(value, Real) and not isinstance(value, bool | np.bool_):
        return value.item() if isinstance(value, np.generic) else value
    return safe_text(value)


def _write_row(ws: Worksheet, row: int, values: Iterable[object], *, bold: bool = False) -> None:
    """The one way cells are written into the workbook."""
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=_cell_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # explicit string, even for text openpyxl would parse
        if bold:
            cell.font = Font(bold=True)


def sheet_names(names: Sequence[str], reserved: Iterable[str] = (SUMMARY_SHEET,)) -> list[str]:
    """Valid, unique (case-insensitively, as Excel compares) sheet names for ``names``.

    Drops ``[]:*?/\\``, control characters, edge apostrophes and leading formula characters
    (so the name matches its neutralised link text), cuts to 31 characters, and numbers
    duplicates "Name (2)", "Name (3)" within the limit.
    """
    used = {r.casefold() for r in reserved} | set(_SHEET_RESERVED)
    out: list[str] = []
    for name in names:
        base = ILLEGAL_CHARACTERS_RE.sub("", _SHEET_FORBIDDEN.sub(" ", str(name)))
        base = re.sub(r"\s+", " ", base).strip().lstrip("=+-@'").strip("'").strip()
        base = base[:_SHEET_MAX].strip()
        base = base or "Perusahaan"
        candidate, n = base, 2
        while candidate.casefold() in used:
            suffix = f" ({n})"
            candidate = base[: _SHEET_MAX - len(suffix)].rstrip() + suffix
            n += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


# --------------------------------------------------------------------------- plan files


def write_plan(
    plan_df: pd.DataFrame,
    path: str | Path,
    *,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    title: str | None = None,
    formula_safe: bool | None = None,
) -> Path:
    """Write the event plan by extension (.csv, .parquet, .xlsx), atomically.

    A .csv has its text cells made formula-safe (:mod:`matcher.csvsafe`) unless
    ``formula_safe=False``.

    ``umkm`` / ``firms`` (canonical frames) enrich the workbook with names, locations and
    products; without them its sheets show IDs only. They are not used for .csv/.parquet.
    """
    path = Path(path)
    missing = [c for c in PLAN_COLUMNS if c not in plan_df.columns]
    if missing:
        raise ValueError(f"plan frame lacks columns {missing}")
    columns = [
        "umkm_id",
        "firm_id",
        "score",
        *[c for c in OPTIONAL_COLUMNS if c in plan_df.columns],
        "reasons",
    ]
    plan = plan_df.loc[:, columns].reset_index(drop=True)
    plan.attrs = dict(plan_df.attrs)
    ext = path.suffix.lower()
    if ext == ".csv":
        safe = csvsafe.formula_safe(plan, formula_safe)
        return write_atomic(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8"))
    if ext == ".parquet":
        return write_atomic(path, lambda tmp: plan.to_parquet(tmp, index=False))
    if ext == ".xlsx":
        workbook = plan_workbook(plan, umkm, firms, title)
        return write_atomic(path, workbook.save)
    raise MatcherError(
        Message(
            "cli.output.plan_format",
            path=str(path),
            ext=suffix_shown(path),
            choices=", ".join(PLAN_FORMATS),
        )
    )


def _profiles(
    plan: pd.DataFrame, umkm: pd.DataFrame | None, firms: pd.DataFrame | None
) -> pd.DataFrame:
    """The plan with UMKM and firm details joined on (empty where no frame was given)."""
    u_cols = {
        "name": "umkm_name",
        "regency": "regency",
        "province": "province",
        "products": "products",
    }
    f_cols = {
        "name": "firm_name",
        "investment_type": "investment_type",
        "province": "firm_province",
        "needs": "needs",
    }
    out = plan.copy()
    for frame, key, cols in ((umkm, "umkm_id", u_cols), (firms, "firm_id", f_cols)):
        if frame is None:
            for target in cols.values():
                out[target] = None
        else:
            details = frame.set_index(key)[list(cols)].rename(columns=cols)
            out = out.join(details, on=key)
    out["firm_name"] = out["firm_name"].fillna(out["firm_id"])
    out["umkm_name"] = out["umkm_name"].fillna(out["umkm_id"])
    return out


def plan_workbook(
    plan: pd.DataFrame,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    title: str | None = None,
) -> Workbook:
    """The printable workbook (see module docstring) as an openpyxl ``Workbook``."""
    rows = _profiles(plan, umkm, firms)
    firm_order = rows.drop_duplicates("firm_id").sort_values(
        "firm_name", key=lambda s: s.astype(str).str.casefold()
    )
    names = sheet_names(firm_order["firm_name"].astype(str).tolist())
    wb = Workbook()
    _summary_sheet(wb.active, rows, firm_order, names, title)
    _left_out(wb.active, plan.attrs)
    for (_, firm), sheet in zip(firm_order.iterrows(), names):
        block = rows[rows["firm_id"] == firm["firm_id"]].sort_values("score", ascending=False)
        _firm_sheet(wb.create_sheet(sheet), firm, block)
    return wb


def _summary_sheet(
    ws: Worksheet, rows: pd.DataFrame, firm_order: pd.DataFrame, names: list[str], title: str | None
) -> None:
    ws.title = SUMMARY_SHEET
    _write_row(ws, 1, [title or "Rencana pertemuan UMKM - perusahaan"], bold=True)
    ws["A1"].font = Font(bold=True, size=14)
    totals = [
        ("Pasangan direncanakan", len(rows)),
        ("UMKM terjadwal", rows["umkm_id"].nunique()),
        ("Perusahaan", rows["firm_id"].nunique()),
    ]
    if "expected_value_idr" in rows and rows["expected_value_idr"].notna().any():
        from matcher.i18n import format_idr, format_percent

        totals += [
            ("Peluang kontrak rata-rata", format_percent(float(rows["p_contract"].mean()), 0)),
            ("Nilai kontrak yang diharapkan", format_idr(float(rows["expected_value_idr"].sum()))),
        ]
    for r, pair in enumerate(totals, start=3):
        _write_row(ws, r, pair)
    r = len(totals) + 4
    _write_row(ws, r, ["Per perusahaan"], bold=True)
    _write_row(
        ws, r + 1, ["Perusahaan", "ID", "Jenis", "Provinsi", "Jumlah UMKM", "Lembar"], bold=True
    )
    counts = rows["firm_id"].value_counts()
    for k, ((_, firm), sheet) in enumerate(zip(firm_order.iterrows(), names), start=r + 2):
        _write_row(
            ws,
            k,
            [
                firm["firm_name"],
                firm["firm_id"],
                firm["investment_type"],
                firm["firm_province"],
                int(counts[firm["firm_id"]]),
                sheet,
            ],
        )
        ws.cell(row=k, column=6).hyperlink = "#'{}'!A1".format(sheet.replace("'", "''"))
    r = r + 3 + len(firm_order)
    _write_row(ws, r, ["Per provinsi (UMKM)"], bold=True)
    _write_row(ws, r + 1, ["Provinsi", "Pasangan", "UMKM"], bold=True)
    by_province = (
        rows.assign(province=rows["province"].fillna("(tidak diketahui)"))
        .groupby("province")
        .agg(pairs=("umkm_id", "size"), umkm=("umkm_id", "nunique"))
        .sort_values("pairs", ascending=False)
    )
    for k, (province, agg) in enumerate(by_province.iterrows(), start=r + 2):
        _write_row(ws, k, [province, int(agg["pairs"]), int(agg["umkm"])])
    for col, width in zip("ABCDEF", (28, 14, 10, 18, 13, 28)):
        ws.column_dimensions[col].width = width
    _print_setup(ws, header_row=None)


def _firm_sheet(ws: Worksheet, firm: pd.Series, block: pd.DataFrame) -> None:
    heading = f"{firm['firm_name']} ({firm['firm_id']})"
    if isinstance(firm["investment_type"], str):
        heading += f" - {firm['investment_type']}"
    _write_row(ws, 1, [heading], bold=True)
    ws["A1"].font = Font(bold=True, size=13)
    if isinstance(firm["needs"], str):
        _write_row(ws, 2, [f"Kebutuhan: {firm['needs']}"])
    header_row = 3
    _write_row(ws, header_row, [h for h, _, _ in FIRM_SHEET_COLUMNS], bold=True)
    for n, (_, r) in enumerate(block.iterrows(), start=1):
        _write_row(
            ws,
            header_row + n,
            [
                n,
                r["umkm_id"],
                r["umkm_name"],
                r["regency"],
                r["province"],
                r["products"],
                _chance_cell(r),
                r["reasons"],
                None,
                None,
                None,
            ],
        )
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for col, (_, width, wraps) in enumerate(FIRM_SHEET_COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        for cell in ws[letter][header_row:]:
            cell.alignment = wrap if wraps else top
    _print_setup(ws, header_row=header_row)


def _chance_cell(row: pd.Series) -> str:
    """The contract chance in words and percent; '–' for a plan without chances."""
    from matcher.i18n import chance_text

    p = row.get("p_contract")
    return chance_text(float(p)) if p is not None and np.isfinite(p) else "–"


def _left_out(ws: Worksheet, attrs: dict) -> None:
    """Below the summary: UMKM left without a worthwhile meeting and firms with places
    left, each with the best alternatives a facilitator could still try."""
    sections = (
        (
            "UMKM tanpa pertemuan yang layak",
            attrs.get("unmatched_umkm"),
            ["ID UMKM", "Alternatif terbaik (perusahaan)"],
            lambda r: [r["umkm_id"], r["alternatives"]],
        ),
        (
            "Perusahaan dengan tempat kosong",
            attrs.get("unused_firms"),
            ["ID perusahaan", "Tempat kosong", "Alternatif terbaik (UMKM)"],
            lambda r: [r["firm_id"], int(r["unused"]), r["alternatives"]],
        ),
    )
    r = ws.max_row + 2
    for heading, frame, header, cells in sections:
        if frame is None or not len(frame):
            continue
        _write_row(ws, r, [f"{heading} ({len(frame)})"], bold=True)
        _write_row(ws, r + 1, header, bold=True)
        for k, (_, row) in enumerate(frame.iterrows(), start=r + 2):
            _write_row(ws, k, cells(row))
        r += len(frame) + 3


def _print_setup(ws: Worksheet, header_row: int | None) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_options.gridLines = True
