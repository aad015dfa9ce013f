"""Reports: the partnership programme (per event, region, firm, scheme).

A facilitator scoped to a region gets the report of that region's UMKM only; a narrower
``region`` inside it is allowed, one outside it is refused (403).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from api.deps import PrincipalDep, SessionDep
from api.schemas import Lang
from api.store import FIRMS, UMKM, Region, load_frame
from api.store.accounts import canonical_region
from api.store.outcomes import current_outcomes, followups_frame
from matcher.i18n import Message
from matcher.programme import programme_report, report_json, write_programme_report

router = APIRouter(prefix="/reports", tags=["reports"])
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}


def _region(principal, asked: str | None) -> Region | None:
    region = canonical_region(Region.parse(asked)) if asked else None
    own = principal.region
    if own is None or region is None:
        return region or own
    if not own.contains(region.province, region.regency or own.regency):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            Message(
                "api.error.report_scope", name=repr(principal.name), own=str(own), asked=str(region)
            ),
        )
    return region if region.regency or not own.regency else own  # never wider than the account


@router.get(
    "/programme",
    summary="Programme report: values at signing, contracted and realised; "
    "counts per stage; share contracted; pairs needing follow-up",
)
def programme(
    session: SessionDep,
    principal: PrincipalDep,
    event: Annotated[str | None, Query(description="only pairs of this event")] = None,
    region: Annotated[str | None, Query(description="PROVINCE or PROVINCE/REGENCY")] = None,
    format: Annotated[Literal["json", "xlsx", "md"], Query()] = "json",
    lang: Annotated[Lang | None, Query()] = None,
):
    """JSON (totals, one table per dimension, pairs needing follow-up, every pair), or
    the same report as a workbook (charts embedded) or Markdown."""
    scope = _region(principal, region)
    report = programme_report(
        current_outcomes(session),
        followups_frame(session),
        load_frame(session, UMKM),
        load_frame(session, FIRMS),
        event=event,
        region=scope,
        lang=lang,
    )
    if format == "json":
        return report_json(report)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"laporan-program.{format}"
        write_programme_report(report, path, lang=lang)
        body = path.read_bytes()
    return Response(
        body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{path.name}"'},
    )
