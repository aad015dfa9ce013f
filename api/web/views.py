"""Display models for pages: service answers and store rows -> what a facilitator reads.

Nothing is scored here: chances, scores and reasons come from :mod:`api.matching` (the
service). This module picks the words (catalogue), formats numbers the Indonesian way and
adds what the page shows beside a match (the firm's place and type, the distance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from matcher.data.reference import kbli_title
from matcher.features.geo import haversine_km
from matcher.i18n import chance_text, format_idr, format_number, format_percent, t

STAGES = (
    "meeting",
    "mou_signed",
    "contract_signed",
    "realised",
    "declined",
)  # the ladder, most used first
CHANCE_STAGES = (("p_meeting", "meeting"), ("p_mou", "mou"), ("p_contract", "contract"))
MIN_CHANCE_CHOICES = (0.1, 0.3, 0.6)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def place(province: str | None, regency: str | None) -> str:
    return ", ".join(p for p in (regency, province) if p)


def profile_rows(p: dict, kind: str, lang: str) -> list[tuple[str, str]]:
    """(label, value) lines of a UMKM or firm profile, known values only."""

    def money(v):
        return None if _missing(v) else format_idr(v, lang)

    def kbli(codes):
        return "; ".join(f"{c} {kbli_title(c) or ''}".strip() for c in codes) or None

    if kind == "umkm":
        rows = [
            ("web.profile.products", p["products"]),
            ("web.profile.kbli", kbli(p["kbli"])),
            ("web.profile.place", place(p["province"], p["regency"])),
            (
                "web.profile.scale",
                t(f"common.scale.{p['scale']}", lang) if p.get("scale") else None,
            ),
            ("web.profile.certifications", ", ".join(p["certifications"]) or None),
            ("web.profile.revenue", money(p.get("annual_revenue_idr"))),
            ("web.profile.capacity", money(p.get("monthly_capacity_idr"))),
            (
                "web.profile.employees",
                None if _missing(p.get("employees")) else format_number(p["employees"], lang=lang),
            ),
            (
                "web.profile.founded",
                None if _missing(p.get("year_founded")) else str(int(p["year_founded"])),
            ),
            (
                "web.profile.export",
                None
                if _missing(p.get("export_experience"))
                else t("web.yes" if p["export_experience"] else "web.no", lang),
            ),
            ("web.profile.nib", p.get("nib")),
        ]
    else:
        rows = [
            ("web.profile.needs", p["needs"]),
            (
                "web.profile.investment_type",
                t(f"common.investment_type.{p['investment_type']}", lang),
            ),
            ("web.profile.country", p.get("country")),
            ("web.profile.needed_kbli", kbli(p["needed_kbli"])),
            ("web.profile.kbli", kbli(p["kbli"])),
            ("web.profile.place", place(p["province"], p["regency"])),
            (
                "web.profile.required_certifications",
                ", ".join(p["required_certifications"]) or None,
            ),
            (
                "web.profile.preferred_scale",
                t(f"common.scale.{p['preferred_scale']}", lang)
                if p.get("preferred_scale")
                else None,
            ),
            ("web.profile.budget", money(p.get("budget_idr"))),
            ("web.profile.max_partners", str(p["max_partners"])),
        ]
    return [(t(label, lang), value) for label, value in rows if value not in (None, "")]


def profile_summary(p: dict, lang: str) -> str:
    """One line under a UMKM's name: where, how big, which certificates."""
    parts = [place(p["province"], p["regency"])]
    if p.get("scale"):
        parts.append(t("web.profile.scale_of", lang, scale=t(f"common.scale.{p['scale']}", lang)))
    if p["certifications"]:
        parts.append(", ".join(p["certifications"]))
    return " · ".join(parts)


@dataclass
class MatchFilters:
    investment_type: str | None = None
    province: str | None = None
    min_chance: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.investment_type or self.province or self.min_chance)


def headline_chance(match) -> float | None:
    """The chance a page leads with: of a contract, when the model gives chances."""
    value = getattr(match, "p_contract", None)
    return None if _missing(value) else float(value)


def firm_match_rows(
    matches, umkm: dict, firms: pd.DataFrame, filters: MatchFilters, k: int, lang: str
) -> list[dict]:
    """The top ``k`` matches passing ``filters``, as cards (firm details from ``firms``,
    the served profiles, indexed by firm_id)."""
    ids = [m.firm_id for m in matches]
    info = firms.set_index("firm_id").reindex(ids)
    km = haversine_km([umkm["lat"]], [umkm["lon"]], info["lat"].to_numpy(), info["lon"].to_numpy())[
        0
    ]
    rows = []
    for m, (_, f), dist in zip(matches, info.iterrows(), km):
        if filters.investment_type and f["investment_type"] != filters.investment_type:
            continue
        if filters.province and str(f["province"]).lower() != filters.province.lower():
            continue
        chance = headline_chance(m)
        if filters.min_chance and (chance is None or chance < filters.min_chance):
            continue
        rows.append(
            {
                "rank": len(rows) + 1,
                "firm_id": m.firm_id,
                "name": m.name,
                "url": f"/perusahaan/{m.firm_id}",
                "type": f["investment_type"],
                "type_label": t(f"common.investment_type.{f['investment_type']}", lang),
                "place": place(f["province"], f["regency"]),
                "distance": t("web.match.distance", lang, km=format_number(float(dist), lang=lang)),
                "chance": chance_text(chance, "contract", lang) if chance is not None else None,
                "chances": [
                    (
                        t(f"common.stage_short.{stage}", lang),
                        format_percent(getattr(m, attr), 0, lang),
                    )
                    for attr, stage in CHANCE_STAGES
                    if not _missing(getattr(m, attr, None))
                ],
                "expected_value": (
                    format_idr(m.expected_value_idr, lang)
                    if not _missing(getattr(m, "expected_value_idr", None))
                    else None
                ),
                "reasons": m.reasons,
                "status": t(f"web.match.status_{m.status}", lang)
                if getattr(m, "status", "")
                else None,
            }
        )
        if len(rows) == k:
            break
    return rows


def stage_choices(lang: str) -> list[tuple[str, str]]:
    return [(s, t(f"common.stage.{s}", lang)) for s in STAGES]


def problem_rows(problems, lang: str) -> list[dict]:
    """Validation problems as the table a facilitator reads: row, column, value, expected."""
    return [
        {
            "file": p.file,
            "row": "–" if p.row is None else str(p.row),
            "column": p.column or "–",
            "value": "" if p.value is None else str(p.value),
            "expected": p.expected_in(lang),
        }
        for p in problems
    ]


_AUDITED = ("stage", "date", "contract_value_idr", "realised_value_idr", "note")


def _value_text(field: str, value, lang: str) -> str:
    if _missing(value):
        return "–"
    if field == "stage":
        return t(f"common.stage.{value}", lang)
    if field == "date":
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if field == "note":
        return f"“{value}”"
    return format_idr(float(value), lang)


def history_rows(states, firm_names: dict[str, str], lang: str) -> list[dict]:
    """A UMKM's outcomes, newest first: the value in force, who recorded it, and one audit
    line per correction or void (who, when, what changed, why)."""
    rows = []
    for state in states:
        o = state.outcome
        current = state.current
        shown = current or {f: getattr(o, f, None) for f in _AUDITED}
        value = (
            shown.get("realised_value_idr")
            if shown.get("stage") == "realised"
            else shown.get("contract_value_idr")
        )
        audit, before = [], {f: getattr(o, f, None) for f in _AUDITED}
        for r in state.revisions:
            when = r.revised_at.strftime("%Y-%m-%d %H:%M")
            who = r.revised_by or "–"
            if r.action == "void":
                audit.append(t("web.outcome.audit_void", lang, who=who, when=when, reason=r.reason))
                continue
            after = {f: getattr(r, f, None) for f in _AUDITED}
            changes = "; ".join(
                t(
                    "web.outcome.audit_change",
                    lang,
                    what=t(f"web.outcome.field.{f}", lang),
                    old=_value_text(f, before[f], lang),
                    new=_value_text(f, after[f], lang),
                )
                for f in _AUDITED
                if _value_text(f, before[f], lang) != _value_text(f, after[f], lang)
            )
            audit.append(
                t(
                    "web.outcome.audit_correct",
                    lang,
                    who=who,
                    when=when,
                    changes=changes or "–",
                    reason=r.reason,
                )
            )
            before = after
        rows.append(
            {
                "id": o.id,
                "firm_id": o.firm_id,
                "firm": firm_names.get(o.firm_id, o.firm_id),
                "stage": shown["stage"],
                "stage_label": _value_text("stage", shown["stage"], lang),
                "date": _value_text("date", shown["date"], lang),
                "date_iso": shown["date"].isoformat()
                if hasattr(shown["date"], "isoformat")
                else "",
                "value": None if _missing(value) else format_idr(float(value), lang),
                "value_raw": "" if _missing(value) else f"{float(value):.0f}",
                "note": shown.get("note"),
                "voided": current is None,
                "recorded_by": o.recorded_by or "–",
                "recorded_at": o.recorded_at.strftime("%Y-%m-%d %H:%M"),
                "audit": audit,
            }
        )
    return rows[::-1]
