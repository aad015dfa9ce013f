"""Cari UMKM and Cari perusahaan: the API's list filters (ListParams, search_profiles) on a form."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from pydantic import ValidationError

from api.deps import SessionDep
from api.routers.listing import ListParams
from api.store.profiles import FIRMS, UMKM, search_profiles
from api.web.base import ViewerDep, render
from api.web.views import place
from matcher.data.reference import (
    UnknownReferenceError,
    normalise_province,
    normalise_regency,
    provinces,
    unknown_regency,
)
from matcher.data.schema import CERTIFICATIONS, SCALES
from matcher.i18n import t, text_in

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
FIELDS = ("q", "province", "regency", "kbli", "certificate", "scale", "investment_type")


def _form(request: Request, kind: str) -> dict[str, str]:
    allowed = FIELDS if kind == "firms" else FIELDS[:-1]
    return {k: request.query_params.get(k, "").strip() for k in allowed}


def _region_problem(form: dict, lang: str) -> str | None:
    """Unknown province or regency, in words with the closest names (before the query)."""
    code = None
    if form["province"]:
        try:
            code, _ = normalise_province(form["province"])
        except UnknownReferenceError as exc:
            return text_in(exc.args[0], lang)
    if form["regency"] and normalise_regency(form["regency"], code) is None:
        return text_in(unknown_regency(form["regency"], code), lang)
    return None


def _search(request: Request, viewer, session, kind: str):
    lang = viewer.lang
    form = _form(request, kind)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    profile_kind = UMKM if kind == "umkm" else FIRMS
    context = dict(
        kind=kind,
        form=form,
        scales=SCALES,
        certificates=CERTIFICATIONS,
        provinces=provinces()["name"].tolist(),
        title=t(f"web.nav.search_{kind}", lang),
        total=None,
        items=[],
        page=page,
        pages=0,
    )
    error = _region_problem(form, lang)
    if error is None:
        try:
            params = ListParams(
                **{k: v for k, v in form.items() if v},
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
            region = viewer.principal.region if kind == "umkm" else None
            items, total = search_profiles(
                session, profile_kind, params.to_filter(), region, params.limit, params.offset
            )
        except (ValidationError, HTTPException):
            error = t("web.search.bad_filter", lang)
        else:
            context.update(
                total=total,
                pages=math.ceil(total / PAGE_SIZE),
                items=[_item(p, kind, lang) for p in items],
            )

    def page_url(n: int) -> str:
        return (
            f"{request.url.path}?{urlencode({**{k: v for k, v in form.items() if v}, 'page': n})}"
        )

    return render(request, viewer, "search.html", error=error, page_url=page_url, **context)


def _item(p: dict, kind: str, lang: str) -> dict:
    if kind == "umkm":
        extra = ", ".join(
            filter(
                None,
                [
                    t(f"common.scale.{p['scale']}", lang) if p.get("scale") else None,
                    ", ".join(p["certifications"]),
                ],
            )
        )
        return {
            "id": p["umkm_id"],
            "name": p["name"],
            "url": f"/usaha/{p['umkm_id']}",
            "place": place(p["province"], p["regency"]),
            "text": p["products"],
            "badge": None,
            "extra": extra,
        }
    return {
        "id": p["firm_id"],
        "name": p["name"],
        "url": f"/perusahaan/{p['firm_id']}",
        "place": place(p["province"], p["regency"]),
        "text": p["needs"],
        "badge": p["investment_type"],
        "extra": ", ".join(p["required_certifications"]),
    }


@router.get("/cari/umkm")
def search_umkm(request: Request, viewer: ViewerDep, session: SessionDep):
    return _search(request, viewer, session, "umkm")


@router.get("/cari/perusahaan")
def search_firms(request: Request, viewer: ViewerDep, session: SessionDep):
    return _search(request, viewer, session, "firms")
