"""The printed pack for the event day: an .xlsx that prints legibly on A4.

Sheets: a summary (totals, unplaced meetings, wishes, the lists to act on), a master
timetable by table (for the registration desk), then one agenda per firm and one per UMKM
(time, table, partner, what the partner offers or needs, the match in words, short
reasons, space for notes). A sheet is one participant, so each prints on its own pages.

Legibility rules, checked by tests and by the rendered page in the README: every cell is
11 pt (10 pt at the least after fitting), column widths add up to what fits across A4
landscape at 100 % so fit-to-width never shrinks the text, row heights are set for the
wrapped text, the header row repeats on every printed page.

The match is never shown as a raw model number. When the schedule carries a calibrated
chance of a contract (``p_contract``, or ``chance``) it is shown in words and percent (:func:`matcher.i18n.chance_text`);
otherwise the score is shown as a rank label within this event ("kecocokan tinggi,
peringkat 3 dari 168") and the summary says that it is a ranking, not a chance.

All text comes from the catalogue (``messages/event.toml``); every cell passes
:func:`matcher.export.safe_text` (no formula injection).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from matcher.atomic import write_atomic
from matcher.export import _cell_value, sheet_names
from matcher.i18n import chance_text, format_number, t

FONT_SIZE = 11
FONT_NAME = "Arial"  # Liberation Sans (same metrics) where Arial is missing
LINE_POINTS = 15.0  # row height of one line of 11 pt text
# A4 landscape with 1.3 cm margins holds about 135 character widths at 100 %.
PAGE_WIDTH_CHARS = 135
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _label(key: str, lang: str | None, **kw) -> str:
    return t(f"event.pack.{key}", lang, **kw)


# --------------------------------------------------------------------------- match text


def match_texts(schedule: pd.DataFrame, lang: str | None = None) -> tuple[pd.Series, str]:
    """How good each meeting is, in words, and the summary's note on what that means."""
    for column in ("p_contract", "chance"):  # the calibrated chance of a contract
        if column in schedule and schedule[column].notna().any():
            text = schedule[column].map(
                lambda p: chance_text(float(p), "contract", lang) if pd.notna(p) else ""
            )
            return text, _label("chance_note", lang)
    score = schedule["score"].astype(float)
    if "status" in schedule:  # ranked among the meetings that take place
        score = score.where(~schedule["status"].isin(["cancelled", "unplaced"]))
    rank = score.rank(ascending=False, method="min")
    n = int(score.notna().sum())
    band = np.where(
        rank <= math.ceil(n / 3), "high", np.where(rank <= math.ceil(2 * n / 3), "medium", "low")
    )
    text = [
        _label(f"rank.{b}", lang, rank=int(r), n=n) if pd.notna(r) else ""
        for b, r in zip(band, rank)
    ]
    return pd.Series(text, index=schedule.index), _label("rank_note", lang)


# --------------------------------------------------------------------------- writing


class _Sheet:
    """A worksheet written as a printed table: widths, wrapping, heights, print setup."""

    def __init__(self, ws: Worksheet, widths: list[int]):
        self.ws, self.widths, self.row = ws, widths, 1
        scale = min(1.0, PAGE_WIDTH_CHARS / max(sum(widths), 1))
        for col, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = w * scale if scale < 1 else w
        self.widths = [w * scale for w in widths]
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6

    def line(
        self, values, *, bold=False, size=FONT_SIZE, head=False, box=False, span: bool = False
    ) -> int:
        """Write one row; ``span``: a single text over the whole width (merged)."""
        ws, r = self.ws, self.row
        values = list(values)
        lines = 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=_cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cell.font = Font(name=FONT_NAME, bold=bold or head, size=size)
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
            if head:
                cell.fill = _HEAD_FILL
            if head or box:
                cell.border = _BOX
            width = sum(self.widths) if span else self.widths[col - 1]
            lines = max(lines, _lines(value, width))
        if span and len(self.widths) > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(self.widths))
        ws.row_dimensions[r].height = lines * LINE_POINTS * size / FONT_SIZE + 3
        self.row += 1
        return r

    def table(self, header, rows, repeat: bool = True) -> None:
        """A header row (``repeat``: printed again at the top of each page), boxed rows."""
        r = self.line(header, head=True)
        if repeat:
            self.ws.print_title_rows = f"{r}:{r}"
        for values in rows:
            self.line(values, box=True)

    def gap(self) -> None:
        self.row += 1


def _lines(value, width: float) -> int:
    """Printed lines a wrapped cell of ``width`` characters needs (a slight overestimate)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1
    per_line = max(int(width * 1.05) - 1, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(value).split("\n"))


def _short(text, most: int = 160) -> str:
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _when(row, lang=None) -> str:
    """'09:00–09:20', with ' (BARU)' on a meeting added by re-planning."""
    if not (isinstance(row["start"], str) and row["start"]):
        return "–"
    new = f" ({_label('new_mark', lang)})" if row.get("status") == "new" else ""
    return f"{row['start']}–{row['end']}{new}"


def pack_workbook(
    schedule: pd.DataFrame,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    *,
    title: str | None = None,
    firm_lists: pd.DataFrame | None = None,
    umkm_lists: pd.DataFrame | None = None,
    wishes: dict | None = None,
    unmet: pd.DataFrame | None = None,
    lang: str | None = None,
) -> Workbook:
    """The printed pack (module docstring) for a schedule frame (``SCHEDULE_COLUMNS``)."""
    s = schedule.reset_index(drop=True).copy()
    texts, note = match_texts(s, lang)
    if "match" not in s:  # a part of a bigger schedule brings its own labels
        s["match"] = texts
    s = s.join(umkm.set_index("umkm_id")[["products", "regency", "province"]], on="umkm_id")
    s = s.join(firms.set_index("firm_id")[["needs", "investment_type"]], on="firm_id")
    live = s["slot"].notna() & (s["status"] != "cancelled")
    placed = s[live].sort_values(["slot", "table"])
    u_name = umkm.set_index("umkm_id")["name"]
    f_name = firms.set_index("firm_id")["name"]

    wb = Workbook()
    firm_ids = list(dict.fromkeys(placed.sort_values("firm_name")["firm_id"]))
    umkm_ids = list(dict.fromkeys(placed.sort_values("umkm_name")["umkm_id"]))
    reserved = [_label("sheet.summary", lang), _label("sheet.master", lang)]
    names = sheet_names(
        [f_name.get(i, i) for i in firm_ids] + [u_name.get(i, i) for i in umkm_ids],
        reserved=reserved,
    )
    _summary(
        _Sheet(wb.active, [38, 16, 30, 30, 20]),
        s,
        title,
        note,
        wishes,
        unmet,
        firm_lists,
        umkm_lists,
        u_name,
        f_name,
        lang,
    )
    wb.active.title = reserved[0]
    _master(_Sheet(wb.create_sheet(reserved[1]), [8, 34, 14, 34, 34]), placed, lang)
    for fid, name in zip(firm_ids, names[: len(firm_ids)]):
        _firm_agenda(
            _Sheet(wb.create_sheet(name), [13, 7, 24, 28, 17, 20, 26]),
            placed[placed["firm_id"] == fid],
            lang,
        )
    for uid, name in zip(umkm_ids, names[len(firm_ids) :]):
        _umkm_agenda(
            _Sheet(wb.create_sheet(name), [13, 7, 26, 30, 20, 29]),
            placed[placed["umkm_id"] == uid],
            lang,
        )
    return wb


def write_pack(
    schedule: pd.DataFrame, path: str | Path, umkm: pd.DataFrame, firms: pd.DataFrame, **options
) -> Path:
    """Write :func:`pack_workbook` to ``path`` atomically."""
    wb = pack_workbook(schedule, umkm, firms, **options)
    return write_atomic(path, wb.save)


def _summary(
    sh: _Sheet, s, title, note, wishes, unmet, firm_lists, umkm_lists, u_name, f_name, lang
) -> None:
    placed = s[s["slot"].notna() & (s["status"] != "cancelled")]
    sh.line([title or _label("title", lang)], bold=True, size=14, span=True)
    sh.gap()
    day = f"{placed['start'].min()}–{placed['end'].max()}" if len(placed) else "–"
    facts = [
        (_label("fact.meetings", lang), format_number(len(placed), lang=lang)),
        (_label("fact.unplaced", lang), format_number(len(s) - len(placed), lang=lang)),
        (_label("fact.day", lang), day),
        (_label("fact.slots", lang), format_number(placed["slot"].nunique(), lang=lang)),
        (_label("fact.tables", lang), format_number(placed["table"].nunique(), lang=lang)),
        (_label("fact.firms", lang), format_number(placed["firm_id"].nunique(), lang=lang)),
        (_label("fact.umkm", lang), format_number(placed["umkm_id"].nunique(), lang=lang)),
    ]
    if wishes:
        for side in ("umkm", "firm"):
            facts.append(
                (
                    _label(f"fact.wishes_{side}", lang),
                    _label("of", lang, a=wishes[f"{side}_wishes_met"], b=wishes[f"{side}_wishes"]),
                )
            )
        facts.append(
            (
                _label("fact.wishes_mutual", lang),
                _label("of", lang, a=wishes["mutual_pairs_met"], b=wishes["mutual_pairs"]),
            )
        )
    for pair in facts:
        sh.line(pair, box=True)
    sh.gap()
    sh.line([note], span=True)
    changed = s[s["status"].isin(["new", "cancelled"])]
    if len(changed):
        sh.gap()
        sh.line([_label("changed_note", lang)], bold=True, span=True)
        sh.table(
            [
                _label("col.change", lang),
                _label("col.time", lang),
                _label("col.table", lang),
                _label("col.umkm", lang),
                _label("col.firm", lang),
            ],
            [
                [
                    _label(f"{r['status']}_mark", lang),
                    _when(r, lang),
                    r["table"],
                    r["umkm_name"],
                    r["firm_name"],
                ]
                for _, r in changed.iterrows()
            ],
            repeat=False,
        )
    left = s[s["slot"].isna() & (s["status"] != "cancelled")]
    if len(left):
        sh.gap()
        sh.line([_label("unplaced_title", lang)], bold=True, span=True)
        sh.table(
            [_label("col.umkm", lang), _label("col.firm", lang), _label("col.why", lang)],
            [[r["umkm_name"], r["firm_name"], r["note"]] for _, r in left.iterrows()],
            repeat=False,
        )
    if unmet is not None and len(unmet):
        sh.gap()
        sh.line([_label("unmet_title", lang)], bold=True, span=True)
        sh.table(
            [_label("col.who", lang), _label("col.wants", lang), _label("col.why", lang)],
            [
                [_name(r.from_id, u_name, f_name), _name(r.to_id, u_name, f_name), r.explanation]
                for r in unmet.itertuples()
            ],
            repeat=False,
        )
    for lists, key, names, other in (
        (firm_lists, "firm_lists", f_name, u_name),
        (umkm_lists, "umkm_lists", u_name, f_name),
    ):
        if lists is None or not len(lists):
            continue
        sh.gap()
        sh.line([_label(f"{key}_title", lang)], bold=True, span=True)
        id_col, extra, col = (
            ("firm_id", "unused", "free")
            if key == "firm_lists"
            else ("umkm_id", "meetings", "meetings")
        )
        sh.table(
            [_label("col.name", lang), _label(f"col.{col}", lang), _label("col.options", lang)],
            [
                [
                    names.get(r[id_col], r[id_col]),
                    int(r[extra]),
                    _options_text(r, other, lang) or _label("no_options", lang),
                ]
                for _, r in lists.iterrows()
            ],
            repeat=False,
        )


def _options_text(row, names, lang) -> str:
    """'Name (peluang kontrak 34% (sedang)); ...' for a row of the lists to act on
    (:class:`matcher.service.Alternatives`): names instead of IDs, the chance in words."""
    chances = row.get("option_p_contract")
    if chances is None or not isinstance(chances, (list, tuple, np.ndarray)):
        chances = [float("nan")] * len(row["option_ids"])
    return "; ".join(
        names.get(i, i) + (f" ({chance_text(float(p), lang=lang)})" if np.isfinite(p) else "")
        for i, p in zip(row["option_ids"], chances)
    )


def _name(pid, u_name, f_name) -> str:
    return u_name.get(pid, f_name.get(pid, pid))


def _master(sh: _Sheet, placed, lang) -> None:
    sh.line([_label("master_title", lang)], bold=True, size=13, span=True)
    rows, last = [], None
    for _, r in placed.sort_values(["table", "slot"]).iterrows():
        first = r["table"] != last
        rows.append(
            [
                int(r["table"]) if first else "",
                r["firm_name"] if first else "",
                _when(r, lang),
                r["umkm_name"],
                _short(r["products"], 80),
            ]
        )
        last = r["table"]
    sh.table(
        [
            _label("col.table", lang),
            _label("col.firm", lang),
            _label("col.time", lang),
            _label("col.umkm", lang),
            _label("col.products", lang),
        ],
        rows,
    )


def _firm_agenda(sh: _Sheet, rows, lang) -> None:
    first = rows.iloc[0]
    kind = first["investment_type"] if isinstance(first["investment_type"], str) else ""
    sh.line(
        [_label("firm_title", lang, name=first["firm_name"], id=first["firm_id"], kind=kind)],
        bold=True,
        size=13,
        span=True,
    )
    sh.line([_label("firm_needs", lang, needs=_short(first["needs"], 300))], span=True)
    sh.table(
        [
            _label(f"col.{c}", lang)
            for c in ("time", "table", "umkm", "products", "location", "match", "reasons")
        ],
        [
            [
                _when(r, lang),
                int(r["table"]),
                f"{r['umkm_name']} ({r['umkm_id']})",
                _short(r["products"]),
                ", ".join(x for x in (r["regency"], r["province"]) if isinstance(x, str)),
                r["match"],
                _short(r["reasons"]),
            ]
            for _, r in rows.iterrows()
        ],
    )
    sh.gap()
    sh.line([_label("notes_line", lang)], span=True)


def _umkm_agenda(sh: _Sheet, rows, lang) -> None:
    first = rows.iloc[0]
    sh.line(
        [_label("umkm_title", lang, name=first["umkm_name"], id=first["umkm_id"])],
        bold=True,
        size=13,
        span=True,
    )
    sh.line([_label("umkm_products", lang, products=_short(first["products"], 300))], span=True)
    sh.table(
        [_label(f"col.{c}", lang) for c in ("time", "table", "firm", "needs", "match", "reasons")],
        [
            [
                _when(r, lang),
                int(r["table"]),
                f"{r['firm_name']} ({r['investment_type']})"
                if isinstance(r["investment_type"], str)
                else r["firm_name"],
                _short(r["needs"]),
                r["match"],
                _short(r["reasons"]),
            ]
            for _, r in rows.iterrows()
        ],
    )
    sh.gap()
    sh.line([_label("notes_line", lang)], span=True)
