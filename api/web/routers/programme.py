"""Program dashboard: potential vs realised value and counts of meetings, MoUs and contracts,
by region and by event, as charts drawn on the page. The numbers are the programme
report's (:func:`matcher.programme.programme_report`, as ``GET /reports/programme``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.store import FIRMS, UMKM, load_frame
from api.store.outcomes import current_outcomes, followups_frame
from api.web.base import ViewerDep, render
from api.web.charts import bar_chart
from matcher.i18n import format_idr, format_number, format_percent, t
from matcher.programme import programme_report, write_programme_report

router = APIRouter(include_in_schema=False)
TOP_GROUPS = 12
VALUES = ("potential_value_idr", "realised_value_idr")
COUNTS = ("stage_meeting", "stage_mou_signed", "stage_contract_signed")


def _report(session, viewer, event: str | None):
    return programme_report(
        current_outcomes(session),
        followups_frame(session),
        load_frame(session, UMKM),
        load_frame(session, FIRMS),
        event=event or None,
        region=viewer.principal.region,
        lang=viewer.lang,
    )


def _charts(table, dimension: str, lang: str) -> list:
    table = table.head(TOP_GROUPS)
    if not len(table):
        return []
    groups = [str(g) for g in table["group"]]
    values = [
        (t(f"web.programme.{c}", lang), [float(x) if x == x else 0.0 for x in table[c]])
        for c in VALUES
    ]
    counts = [(t(f"web.programme.{c}", lang), [float(x) for x in table[c]]) for c in COUNTS]
    return [
        bar_chart(
            groups,
            values,
            title=t(f"web.programme.values_by_{dimension}", lang),
            fmt=lambda v: format_idr(v, lang),
        ),
        bar_chart(
            groups,
            counts,
            title=t(f"web.programme.counts_by_{dimension}", lang),
            fmt=lambda v: format_number(v, lang=lang),
        ),
    ]


@router.get("/program")
def programme_page(request: Request, viewer: ViewerDep, session: SessionDep, acara: str = ""):
    lang = viewer.lang
    report = _report(session, viewer, acara)
    totals = report.totals
    figures = [
        (
            t("web.programme.potential_value_idr", lang),
            format_idr(totals["potential_value_idr"], lang),
        ),
        (
            t("web.programme.contract_value_idr", lang),
            format_idr(totals["contract_value_idr"], lang),
        ),
        (
            t("web.programme.realised_value_idr", lang),
            format_idr(totals["realised_value_idr"], lang),
        ),
        (t("web.programme.stage_meeting", lang), format_number(totals["stage_meeting"], lang=lang)),
        (
            t("web.programme.stage_mou_signed", lang),
            format_number(totals["stage_mou_signed"], lang=lang),
        ),
        (
            t("web.programme.stage_contract_signed", lang),
            format_number(totals["stage_contract_signed"], lang=lang),
        ),
        (
            t("web.programme.share_contracted", lang),
            format_percent(totals["share_contracted"], lang=lang) if totals["committed"] else "–",
        ),
        (
            t("web.programme.needs_follow_up", lang),
            format_number(totals["needs_follow_up"], lang=lang),
        ),
    ]
    events = sorted(str(g) for g in report.tables["event"]["group"]) if not acara else []
    return render(
        request,
        viewer,
        "programme.html",
        figures=figures,
        event=acara,
        events=events,
        region_charts=_charts(report.tables["region"], "region", lang),
        event_charts=[] if acara else _charts(report.tables["event"], "event", lang),
        pairs=totals["pairs"],
    )


@router.get("/program/laporan.xlsx")
def programme_workbook(viewer: ViewerDep, session: SessionDep, acara: str = ""):
    report = _report(session, viewer, acara)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "laporan-program.xlsx"
        write_programme_report(report, path, lang=viewer.lang)
        body = path.read_bytes()
    return Response(
        body,
        headers={"Content-Disposition": 'attachment; filename="laporan-program.xlsx"'},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
