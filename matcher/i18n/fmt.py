"""Numbers, money, percentages and chances as an Indonesian reader writes them.

``format_idr(1.5e9)`` → ``Rp1,5 miliar``; ``format_idr(105e6)`` → ``Rp105 juta``;
``format_number(1500000)`` → ``1.500.000``; ``format_percent(0.125)`` → ``12,5%``;
``chance_text(0.34, "contract")`` → ``peluang kontrak 34% (sedang)``. With ``lang="en"``
the English forms (``Rp1.5 billion``, ``12.5%``). Used by reasons, workbooks, reports,
pages and the terminal alike.
"""

from __future__ import annotations

import math

from matcher.i18n.catalogue import current_lang, t

# (threshold, Indonesian word, English word), largest first
_MONEY_UNITS = ((1e12, "triliun", "trillion"), (1e9, "miliar", "billion"), (1e6, "juta", "million"))
# chance bands: lower bound of each band, highest first; words live in the catalogue
CHANCE_BANDS = ((0.6, "high"), (0.3, "medium"), (0.1, "low"), (0.0, "very_low"))


def _separators(lang: str | None) -> tuple[str, str]:
    """(thousands, decimal) separators."""
    return (".", ",") if current_lang(lang) == "id" else (",", ".")


def format_number(x: float, decimals: int = 0, lang: str | None = None, trim: bool = False) -> str:
    """``1500000`` → ``1.500.000``; ``decimals`` digits after the comma (``trim`` drops trailing zeros)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    thousands, decimal = _separators(lang)
    text = f"{abs(x):,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    return ("-" if x < 0 and text.strip("0.,") else "") + text


def _significant(value: float) -> int:
    """Decimals that keep three significant digits for a value of at least 1."""
    return max(0, 2 - int(math.floor(math.log10(max(abs(value), 1.0)))))


def format_idr(x: float, lang: str | None = None) -> str:
    """Rupiah in words an official writes: ``Rp1,5 miliar``, ``Rp105 juta``, ``Rp750.000``."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    lang = current_lang(lang)
    for threshold, word_id, word_en in _MONEY_UNITS:
        if abs(x) >= threshold:
            scaled = x / threshold
            number = format_number(scaled, _significant(scaled), lang, trim=True)
            return f"Rp{number} {word_id if lang == 'id' else word_en}"
    return f"Rp{format_number(round(x), 0, lang)}"


def format_percent(p: float, decimals: int | None = None, lang: str | None = None) -> str:
    """A share (0..1) as a percentage: ``0.125`` → ``12,5%``, ``0.34`` → ``34%`` (one decimal at most by default)."""
    if p is None or (isinstance(p, float) and not math.isfinite(p)):
        return "–"
    pct = 100.0 * p
    trim = decimals is None
    return f"{format_number(pct, 1 if decimals is None else decimals, lang, trim=trim)}%"


def chance_words(p: float, lang: str | None = None) -> str:
    """The band a chance falls in, in words: ``tinggi``, ``sedang``, ``rendah``, ``sangat rendah``."""
    for lower, band in CHANCE_BANDS:
        if p >= lower:
            return t(f"common.chance_band.{band}", lang)
    return t("common.chance_band.very_low", lang)


def chance_text(p: float, stage: str = "contract", lang: str | None = None) -> str:
    """``peluang kontrak 34% (sedang)``: a chance as a facilitator reads it, never a raw score."""
    shown = (
        round(100.0 * p) / 100.0
    )  # the band of the percent printed: never "10% (sangat rendah)" beside "10% (rendah)"
    return t(
        "common.chance",
        lang,
        stage=t(f"common.stage_short.{stage}", lang),
        percent=format_percent(shown, 0, lang=lang),
        band=chance_words(shown, lang),
    )
