"""The programme report: what the matchmaking programme achieved, pair by pair and in sum.

From every outcome's current value (all rows of each pair's ladder, not only the latest)
and the offices' follow-ups, :func:`programme_report` builds one row per pair and four
tables (per event, region, firm and scheme) with the same columns:

- ``pairs``; counts per *current* stage (the pair's latest outcome: ``declined`` …
  ``realised``);
- ``committed`` (reached ``mou_signed`` or beyond at some time), ``contracted`` (reached
  ``contract_signed`` or beyond), ``share_contracted`` = contracted / committed;
- ``potential_value_idr``: the value stated at the first commitment (the MoU's
  ``contract_value_idr``, else the contract's) — the "potential value at signing";
  ``contract_value_idr``: the latest value of the pair's contract; ``realised_value_idr``:
  the latest value delivered so far (``realised_value_idr`` is cumulative);
- ``needs_follow_up``: pairs an office should chase (see :data:`SILENT_DAYS`).

Every table's rows sum to the report's totals (each pair is in exactly one row of each
table), which the tests check. A pair's event is the first event recorded for it; its
region is its UMKM's (by province, or by regency when the report is for one province).
:func:`write_programme_report` writes ``.xlsx`` or ``.md`` with PNG charts beside it, all
text from :mod:`matcher.i18n`, money as :func:`matcher.i18n.format_idr`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError, suffix_shown
from matcher.data.lifecycle import COMMITTED_GRADE, CONTRACTED_GRADE, STAGE_GRADE, STAGES
from matcher.data.region_scope import Region
from matcher.i18n import Message, format_idr, format_number, format_percent, t
from matcher.outcome_words import scheme_name, stage_name, status_name

#: a committed, unrealised pair with no news (outcome or follow-up) for this long needs follow-up
SILENT_DAYS = 90
DIMENSIONS = ("event", "region", "firm", "scheme")
COUNT_COLUMNS = (
    "pairs",
    *(f"stage_{s}" for s in STAGES),
    "committed",
    "contracted",
    "needs_follow_up",
)
VALUE_COLUMNS = ("potential_value_idr", "contract_value_idr", "realised_value_idr")
TABLE_COLUMNS = ("group", *COUNT_COLUMNS, "share_contracted", *VALUE_COLUMNS)
REPORT_FORMATS = (".xlsx", ".md")
_KEYS = ["umkm_id", "firm_id"]


@dataclass
class ProgrammeReport:
    pairs: pd.DataFrame  # one row per pair (see pair_table)
    tables: dict[str, pd.DataFrame]  # dimension -> TABLE_COLUMNS, one row per group
    totals: dict  # the same columns over every pair
    today: dt.date
    event: str | None = None
    region: Region | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def follow_up(self) -> pd.DataFrame:
        return self.pairs[self.pairs["needs_follow_up"]]


# --------------------------------------------------------------------------- pairs


def _last_value(rows: pd.DataFrame, column: str, *, first: bool = False) -> pd.Series:
    """Per pair, the last (or first) non-missing ``column`` of ``rows`` (already date-ordered)."""
    have = rows[rows[column].notna()]
    g = have.groupby(_KEYS, sort=False)[column]
    return g.first() if first else g.last()


def pair_table(
    outcomes: pd.DataFrame,
    followups: pd.DataFrame | None,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    today: dt.date,
) -> pd.DataFrame:
    """One row per pair from every outcome row (current values) and the follow-ups."""
    from matcher.data.outcome_state import latest_per_pair

    o = outcomes.assign(order=np.arange(len(outcomes)))
    o = o.sort_values(["date", "order"], kind="stable")
    g = o.groupby(_KEYS, sort=False)
    # the pair's stage now: the latest outcome per pair (one owner for the rule), in the
    # order the pairs first appear by date
    now = latest_per_pair(outcomes).set_index(_KEYS)[["stage", "date"]]
    pairs = now.reindex(g.size().index).rename(columns={"date": "last_date"})
    pairs["highest_grade"] = g["grade"].max()
    pairs["event_id"] = _last_value(o, "event_id", first=True)
    pairs["scheme"] = _last_value(o, "scheme")
    committed = o[o["grade"] >= COMMITTED_GRADE]
    pairs["potential_value_idr"] = _last_value(committed, "contract_value_idr", first=True)
    pairs["contract_value_idr"] = _last_value(
        o[o["grade"] >= CONTRACTED_GRADE], "contract_value_idr"
    )
    pairs["realised_value_idr"] = _last_value(o[o["stage"] == "realised"], "realised_value_idr")
    pairs = pairs.reset_index()

    u = umkm.set_index("umkm_id")
    f = firms.set_index("firm_id")
    pairs["umkm_name"] = pairs["umkm_id"].map(u["name"])
    pairs["province"] = pairs["umkm_id"].map(u["province"])
    pairs["regency"] = pairs["umkm_id"].map(u["regency"])
    pairs["firm_name"] = pairs["firm_id"].map(f["name"])
    pairs["investment_type"] = pairs["firm_id"].map(f["investment_type"])

    pairs = _with_followups(pairs, followups)
    pairs["needs_follow_up"], pairs["follow_up_reason"] = _needs_follow_up(pairs, today)
    return pairs


def _with_followups(pairs: pd.DataFrame, followups: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["status", "office", "person", "next_step", "next_date", "followup_date"]
    if followups is None or followups.empty:
        for c in cols:
            pairs[c] = pd.NaT if c.endswith("date") else None
        return pairs
    fu = followups.assign(order=np.arange(len(followups))).sort_values(
        ["date", "order"], kind="stable"
    )
    latest = fu.groupby(_KEYS, sort=False).tail(1).rename(columns={"date": "followup_date"})
    return pairs.merge(latest[_KEYS + cols], how="left", on=_KEYS)


def _needs_follow_up(pairs: pd.DataFrame, today: dt.date) -> tuple[pd.Series, pd.Series]:
    """(flag, reason key): stalled; next step overdue; committed but silent > SILENT_DAYS."""
    now = pd.Timestamp(today)
    status = pairs["status"].fillna("")
    open_ = ~status.eq("ended") & ~pairs["stage"].eq("declined")
    stalled = status.eq("stalled")
    overdue = open_ & ~stalled & pairs["next_date"].notna() & (pairs["next_date"] < now)
    news = pairs[["last_date", "followup_date"]].max(axis=1)
    silent = (
        open_
        & ~stalled
        & ~overdue
        & (pairs["highest_grade"] >= COMMITTED_GRADE)
        & ~pairs["stage"].eq("realised")
        & ((now - news).dt.days > SILENT_DAYS)
    )
    reason = np.select([stalled, overdue, silent], ["stalled", "overdue", "silent"], default="")
    return (stalled | overdue | silent), pd.Series(reason, index=pairs.index)


# --------------------------------------------------------------------------- tables


def _group_labels(
    pairs: pd.DataFrame, dimension: str, region: Region | None, lang: str | None
) -> pd.Series:
    if dimension == "event":
        return pairs["event_id"].fillna(t("programme.no_event", lang))
    if dimension == "region":
        by = pairs["regency"] if region is not None else pairs["province"]
        return by.fillna(t("programme.unknown", lang))
    if dimension == "firm":
        name = pairs["firm_name"].fillna(t("programme.unknown", lang))
        kind = pairs["investment_type"].fillna("?")
        return name + " (" + pairs["firm_id"].astype(str) + ", " + kind + ")"
    return pairs["scheme"].map(lambda s: scheme_name(s if isinstance(s, str) else None, lang))


def _indicators(pairs: pd.DataFrame) -> pd.DataFrame:
    ind = pd.DataFrame({"pairs": 1}, index=pairs.index)
    for s in STAGES:
        ind[f"stage_{s}"] = pairs["stage"].eq(s).astype(int)
    ind["committed"] = (pairs["highest_grade"] >= COMMITTED_GRADE).astype(int)
    ind["contracted"] = (pairs["highest_grade"] >= CONTRACTED_GRADE).astype(int)
    ind["needs_follow_up"] = pairs["needs_follow_up"].astype(int)
    for c in VALUE_COLUMNS:
        ind[c] = pairs[c].astype(float).fillna(0.0)
    return ind


def _share(table: pd.DataFrame) -> pd.Series:
    return (table["contracted"] / table["committed"].where(table["committed"] > 0)).astype(float)


def summarise(
    pairs: pd.DataFrame, dimension: str, region: Region | None = None, lang: str | None = None
) -> pd.DataFrame:
    """The table of ``dimension``: one row per group, largest potential value first."""
    ind = _indicators(pairs).assign(group=_group_labels(pairs, dimension, region, lang).to_numpy())
    table = ind.groupby("group", sort=False).sum().reset_index()
    table["share_contracted"] = _share(table)
    table = table.sort_values(
        ["potential_value_idr", "pairs", "group"], ascending=[False, False, True], kind="stable"
    )
    return table[list(TABLE_COLUMNS)].reset_index(drop=True)


def totals_of(pairs: pd.DataFrame) -> dict:
    ind = _indicators(pairs).sum()
    out = {c: (int(ind[c]) if c in COUNT_COLUMNS else float(ind[c])) for c in ind.index}
    out["share_contracted"] = (
        out["contracted"] / out["committed"] if out["committed"] else float("nan")
    )
    return out


def programme_report(
    outcomes: pd.DataFrame,
    followups: pd.DataFrame | None,
    umkm: pd.DataFrame,
    firms: pd.DataFrame,
    *,
    event: str | None = None,
    region: Region | None = None,
    today: dt.date | None = None,
    lang: str | None = None,
) -> ProgrammeReport:
    """The report over every pair (optionally one event's, one region's UMKM: ``region``
    in canonical names, e.g. ``canonical_region(Region.parse(text))`` of
    :mod:`matcher.data.region_scope`)."""
    today = today or dt.date.today()
    pairs = pair_table(outcomes, followups, umkm, firms, today) if len(outcomes) else _empty_pairs()
    if event is not None:
        pairs = pairs[pairs["event_id"].eq(event)]
    if region is not None:
        pairs = pairs[region.mask(pairs)]
    pairs = pairs.reset_index(drop=True)
    tables = {d: summarise(pairs, d, region, lang) for d in DIMENSIONS}
    return ProgrammeReport(pairs, tables, totals_of(pairs), today, event, region)


def _empty_pairs() -> pd.DataFrame:
    cols = {
        **{
            c: pd.Series(dtype=object)
            for c in (
                *_KEYS,
                "stage",
                "event_id",
                "scheme",
                "umkm_name",
                "province",
                "regency",
                "firm_name",
                "investment_type",
                "status",
                "office",
                "person",
                "next_step",
                "follow_up_reason",
            )
        },
        **{
            c: pd.Series(dtype="datetime64[ns]")
            for c in ("last_date", "next_date", "followup_date")
        },
        **{c: pd.Series(dtype=float) for c in VALUE_COLUMNS},
        "highest_grade": pd.Series(dtype=int),
        "needs_follow_up": pd.Series(dtype=bool),
    }
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- writing


def _header(column: str, lang: str | None) -> str:
    if column.startswith("stage_"):
        return stage_name(column.removeprefix("stage_"), lang)
    return t(f"programme.col.{column}", lang)


def _charts(report: ProgrammeReport, lang: str | None) -> dict[str, bytes]:
    """PNG charts (name -> bytes), labelled in the report's language."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    out = {}
    fig = Figure(figsize=(7, 3.6), dpi=110)
    ax = fig.add_subplot()
    counts = [report.totals[f"stage_{s}"] for s in STAGES]
    ax.barh([stage_name(s, lang) for s in STAGES], counts, color="#2f6f9f")
    for y, n in enumerate(counts):
        ax.text(n, y, f" {n}", va="center")
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("programme.chart.pairs", lang))
    ax.set_title(t("programme.chart.stages_title", lang))
    fig.tight_layout()
    out["tahapan"] = _png(fig)

    table = report.tables["region"].head(10)
    fig = Figure(figsize=(8, 4.2), dpi=110)
    ax = fig.add_subplot()
    x = np.arange(len(table))
    for i, (col, colour) in enumerate(zip(VALUE_COLUMNS, ("#9ecae1", "#3182bd", "#08519c"))):
        ax.bar(
            x + (i - 1) * 0.27, table[col] / 1e9, width=0.27, label=_header(col, lang), color=colour
        )
    ax.set_xticks(x, table["group"], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(t("programme.chart.value_axis", lang))
    ax.set_title(t("programme.chart.values_title", lang))
    ax.legend(fontsize=8)
    fig.tight_layout()
    out["nilai"] = _png(fig)
    return out


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _summary_lines(report: ProgrammeReport, lang: str | None) -> list[str]:
    tot = report.totals
    scope = []
    if report.event:
        scope.append(t("programme.scope.event", lang, event=report.event))
    if report.region:
        scope.append(t("programme.scope.region", lang, region=str(report.region)))
    return [
        t(
            "programme.summary.scope",
            lang,
            scope=", ".join(scope) or t("programme.scope.all", lang),
            date=f"{report.today:%Y-%m-%d}",
        ),
        t(
            "programme.summary.pairs",
            lang,
            pairs=format_number(tot["pairs"], lang=lang),
            committed=format_number(tot["committed"], lang=lang),
            contracted=format_number(tot["contracted"], lang=lang),
            share=format_percent(tot["share_contracted"], lang=lang),
        ),
        t(
            "programme.summary.values",
            lang,
            potential=format_idr(tot["potential_value_idr"], lang),
            contract=format_idr(tot["contract_value_idr"], lang),
            realised=format_idr(tot["realised_value_idr"], lang),
        ),
        t(
            "programme.summary.follow_up",
            lang,
            n=format_number(tot["needs_follow_up"], lang=lang),
            days=SILENT_DAYS,
        ),
    ]


def _display_table(table: pd.DataFrame, totals: dict, lang: str | None) -> pd.DataFrame:
    """Table + total row, values as text (Markdown)."""
    rows = pd.concat(
        [table, pd.DataFrame([{**totals, "group": t("programme.total", lang)}])], ignore_index=True
    )
    shown = pd.DataFrame(
        {
            _header(c, lang) if c != "group" else t("programme.col.group", lang): rows[c]
            for c in TABLE_COLUMNS
        }
    )
    for c in COUNT_COLUMNS:
        shown[_header(c, lang)] = rows[c].map(lambda v: format_number(v, lang=lang))
    for c in VALUE_COLUMNS:
        shown[_header(c, lang)] = rows[c].map(lambda v: format_idr(v, lang))
    shown[_header("share_contracted", lang)] = rows["share_contracted"].map(
        lambda v: format_percent(v, lang=lang)
    )
    return shown


def _follow_up_rows(report: ProgrammeReport, lang: str | None) -> pd.DataFrame:
    fu = report.follow_up.sort_values(["follow_up_reason", "last_date"])
    return pd.DataFrame(
        {
            t("programme.col.umkm", lang): fu["umkm_name"].fillna(fu["umkm_id"])
            + " ("
            + fu["umkm_id"]
            + ")",
            t("programme.col.firm", lang): fu["firm_name"].fillna(fu["firm_id"])
            + " ("
            + fu["firm_id"]
            + ")",
            t("programme.col.region", lang): fu["regency"].fillna(fu["province"]),
            t("programme.col.stage", lang): fu["stage"].map(lambda s: stage_name(s, lang)),
            t("programme.col.last_date", lang): fu["last_date"].dt.strftime("%Y-%m-%d"),
            t("programme.col.reason", lang): fu["follow_up_reason"].map(
                lambda r: t(f"programme.reason.{r}", lang, days=SILENT_DAYS)
            ),
            t("programme.col.status", lang): fu["status"].map(
                lambda s: status_name(s, lang) if isinstance(s, str) else "–"
            ),
            t("programme.col.office", lang): fu["office"].fillna("–"),
            t("programme.col.person", lang): fu["person"].fillna("–"),
            t("programme.col.next_step", lang): fu["next_step"].fillna("–"),
            t("programme.col.next_date", lang): fu["next_date"].dt.strftime("%Y-%m-%d").fillna("–"),
        }
    )


def _md_table(frame: pd.DataFrame) -> str:
    esc = lambda v: str(v).replace("|", "/").replace("\n", " ")  # noqa: E731
    lines = [
        "| " + " | ".join(map(esc, frame.columns)) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    lines += [
        "| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join(lines)


def write_programme_report(
    report: ProgrammeReport, path: str | Path, lang: str | None = None
) -> list[Path]:
    """Write the report as ``.xlsx`` or ``.md``; PNG charts go beside it
    (``<name>_tahapan.png``, ``<name>_nilai.png``; the workbook also embeds them).
    Returns the files written."""
    from matcher.atomic import write_atomic, write_bytes_atomic

    path = Path(path)
    if path.suffix.lower() not in REPORT_FORMATS:
        a, b = REPORT_FORMATS
        raise MatcherError(
            Message(
                "cli.output.report_format",
                path=str(path),
                choices=Message("data.list.or2", a=a, b=b),
                ext=suffix_shown(path),
            )
        )
    charts = _charts(report, lang)
    written = [
        write_bytes_atomic(path.with_name(f"{path.stem}_{name}.png"), png)
        for name, png in charts.items()
    ]
    if path.suffix.lower() == ".md":
        write_atomic(
            path,
            lambda tmp: tmp.write_text(_markdown(report, charts, path, lang), encoding="utf-8"),
        )
    else:
        write_atomic(path, lambda tmp: _workbook(report, charts, lang).save(tmp))
    return [path, *written]


def _markdown(report: ProgrammeReport, charts: dict, path: Path, lang: str | None) -> str:
    parts = [
        f"# {t('programme.title', lang)}",
        "",
        *(f"- {line}" for line in _summary_lines(report, lang)),
        "",
    ]
    for name in charts:
        parts += [f"![{t(f'programme.chart.{name}_alt', lang)}]({path.stem}_{name}.png)", ""]
    for dim in DIMENSIONS:
        parts += [
            f"## {t(f'programme.by.{dim}', lang)}",
            "",
            _md_table(_display_table(report.tables[dim], report.totals, lang)),
            "",
        ]
    parts += [f"## {t('programme.follow_up_title', lang)}", ""]
    fu = _follow_up_rows(report, lang)
    parts += [_md_table(fu) if len(fu) else t("programme.follow_up_none", lang), ""]
    parts += [t("programme.definitions", lang, days=SILENT_DAYS), ""]
    return "\n".join(parts)


def _workbook(report: ProgrammeReport, charts: dict, lang: str | None):
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    from matcher.export import _print_setup, _write_row, sheet_names

    wb = Workbook()
    ws = wb.active
    ws.title = t("programme.sheet.summary", lang)
    ws.cell(row=1, column=1, value=t("programme.title", lang)).font = Font(bold=True, size=14)
    for i, line in enumerate(_summary_lines(report, lang), start=3):
        _write_row(ws, i, [line])
    ws.cell(row=8, column=1, value=t("programme.definitions", lang, days=SILENT_DAYS))
    ws.column_dimensions["A"].width = 100
    row = 10
    for png in charts.values():
        ws.add_image(Image(io.BytesIO(png)), f"A{row}")
        row += 24
    names = sheet_names(
        [t(f"programme.by.{d}", lang) for d in DIMENSIONS]
        + [t("programme.sheet.follow_up", lang), t("programme.sheet.pairs", lang)],
        reserved=(ws.title,),
    )
    for dim, name in zip(DIMENSIONS, names):
        _table_sheet(wb.create_sheet(name), report.tables[dim], report.totals, lang)
    _frame_sheet(wb.create_sheet(names[-2]), _follow_up_rows(report, lang))
    _frame_sheet(wb.create_sheet(names[-1]), _pair_rows(report, lang))
    for sheet in wb.worksheets[1:]:
        _print_setup(sheet, 1)
    return wb


def _table_sheet(ws, table: pd.DataFrame, totals: dict, lang: str | None) -> None:
    from matcher.export import _write_row

    _write_row(
        ws,
        1,
        [t("programme.col.group", lang)] + [_header(c, lang) for c in TABLE_COLUMNS[1:]],
        bold=True,
    )
    rows = [list(r) for r in table[list(TABLE_COLUMNS)].itertuples(index=False)]
    rows.append([t("programme.total", lang)] + [totals[c] for c in TABLE_COLUMNS[1:]])
    for i, values in enumerate(rows, start=2):
        _write_row(
            ws,
            i,
            [None if isinstance(v, float) and np.isnan(v) else v for v in values],
            bold=i == len(rows) + 1,
        )
        for j, c in enumerate(TABLE_COLUMNS, start=1):
            if c in VALUE_COLUMNS:
                ws.cell(row=i, column=j).number_format = '"Rp"#,##0'
            elif c == "share_contracted":
                ws.cell(row=i, column=j).number_format = "0.0%"
    ws.column_dimensions["A"].width = 40


def _frame_sheet(ws, frame: pd.DataFrame) -> None:
    from matcher.export import _write_row

    _write_row(ws, 1, list(frame.columns), bold=True)
    for i, values in enumerate(frame.itertuples(index=False), start=2):
        _write_row(ws, i, values)
    for j in range(1, len(frame.columns) + 1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = 22


def _pair_rows(report: ProgrammeReport, lang: str | None) -> pd.DataFrame:
    p = report.pairs
    return pd.DataFrame(
        {
            t("programme.col.umkm", lang): p["umkm_name"].fillna(p["umkm_id"])
            + " ("
            + p["umkm_id"]
            + ")",
            t("programme.col.firm", lang): p["firm_name"].fillna(p["firm_id"])
            + " ("
            + p["firm_id"]
            + ")",
            t("programme.col.region", lang): p["regency"].fillna(p["province"]),
            t("programme.col.event", lang): p["event_id"],
            t("programme.col.scheme", lang): p["scheme"].map(
                lambda s: scheme_name(s if isinstance(s, str) else None, lang)
            ),
            t("programme.col.stage", lang): p["stage"].map(lambda s: stage_name(s, lang)),
            t("programme.col.last_date", lang): p["last_date"].dt.strftime("%Y-%m-%d"),
            **{_header(c, lang): p[c] for c in VALUE_COLUMNS},
            t("programme.col.status", lang): p["status"].map(
                lambda s: status_name(s, lang) if isinstance(s, str) else None
            ),
            t("programme.col.needs_follow_up", lang): p["needs_follow_up"].map(
                {True: t("programme.yes", lang), False: ""}
            ),
        }
    )


def report_json(report: ProgrammeReport) -> dict:
    """The report as plain data (the API's response body)."""

    def records(frame: pd.DataFrame) -> list[dict]:
        clean = frame.astype(object).where(frame.notna(), None)
        return clean.to_dict("records")

    pairs = report.pairs.copy()
    for c in ("last_date", "next_date", "followup_date"):
        pairs[c] = pairs[c].dt.strftime("%Y-%m-%d")
    totals = {
        k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in report.totals.items()
    }
    return {
        "today": report.today.isoformat(),
        "event": report.event,
        "region": str(report.region) if report.region else None,
        "totals": totals,
        "tables": {d: records(tb) for d, tb in report.tables.items()},
        "follow_up": records(pairs[pairs["needs_follow_up"]]),
        "pairs": records(pairs),
    }


# grades are re-exported for callers that read the ladder from here
__all__ = [
    "COUNT_COLUMNS",
    "DIMENSIONS",
    "ProgrammeReport",
    "Region",
    "STAGE_GRADE",
    "TABLE_COLUMNS",
    "VALUE_COLUMNS",
    "pair_table",
    "programme_report",
    "report_json",
    "summarise",
    "totals_of",
    "write_programme_report",
]
