"""Outcomes in a facilitator's words: stage, scheme and follow-up status names, and one
line for an outcome's values (used by the CLI history, the programme report and pages)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from matcher.i18n import format_idr, t


def stage_name(stage: str, lang: str | None = None) -> str:
    return t(f"common.stage.{stage}", lang)


def scheme_name(scheme: str | None, lang: str | None = None) -> str:
    return t(f"outcomes.scheme.{scheme or 'none'}", lang)


def status_name(status: str, lang: str | None = None) -> str:
    return t(f"outcomes.status.{status}", lang)


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))


def values_text(values: dict, lang: str | None = None) -> str:
    """``MoU ditandatangani 2025-03-01, nilai kontrak Rp1,5 miliar, skema rantai pasok``."""
    date = values.get("date")
    parts = [
        stage_name(values["stage"], lang)
        + (f" {date:%Y-%m-%d}" if isinstance(date, (dt.date, pd.Timestamp)) else "")
    ]
    if _given(values.get("contract_value_idr")):
        parts.append(
            t(
                "outcomes.values.contract",
                lang,
                value=format_idr(values["contract_value_idr"], lang),
            )
        )
    if _given(values.get("realised_value_idr")):
        parts.append(
            t(
                "outcomes.values.realised",
                lang,
                value=format_idr(values["realised_value_idr"], lang),
            )
        )
    if values.get("scheme"):
        parts.append(t("outcomes.values.scheme", lang, scheme=scheme_name(values["scheme"], lang)))
    if values.get("event_id"):
        parts.append(t("outcomes.values.event", lang, event=values["event_id"]))
    if values.get("declined_by"):
        parts.append(t("outcomes.values.declined_by", lang, side=values["declined_by"]))
    return ", ".join(parts)
