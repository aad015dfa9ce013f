"""A facilitator's region: a province, optionally narrowed to one regency, in canonical names.

The one owner of what a region *is* and of turning what someone typed ("jatim/pamekasan")
into the names the loaders give profiles ("Jawa Timur" / "Kabupaten Pamekasan"):
:class:`Region` (parse, inside-the-region for frames) and :func:`canonical_region`. Names
compare case-insensitively. The store adds the SQL form of "inside"
(:class:`api.store.regions.Region`); accounts, reports, advice and the programme report use
these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from matcher.data.errors import MatcherError
from matcher.i18n import Message

R = TypeVar("R", bound="Region")


class RegionError(MatcherError):
    """A region names an unknown province or regency; ``detail`` says which, with the
    closest names."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Region:
    province: str
    regency: str | None = None

    @classmethod
    def parse(cls: type[R], text: str) -> R:
        """``"PROVINCE"`` or ``"PROVINCE/REGENCY"`` (as typed on the command line)."""
        province, _, regency = text.partition("/")
        province, regency = province.strip(), regency.strip()
        if not province:
            raise MatcherError(Message("data.region.syntax", text=repr(text)))
        return cls(province, regency or None)

    def __str__(self) -> str:
        return self.province + (f"/{self.regency}" if self.regency else "")

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean mask of the rows of a canonical frame inside the region."""
        inside = frame["province"].astype(str).str.lower() == self.province.lower()
        if self.regency:
            inside &= frame["regency"].fillna("").astype(str).str.lower() == self.regency.lower()
        return inside

    def contains(self, province: str | None, regency: str | None) -> bool:
        if (province or "").lower() != self.province.lower():
            return False
        return not self.regency or (regency or "").lower() == self.regency.lower()


def canonical_region(region: R) -> R:
    """The region spelled as the loaders spell profiles ("jatim/pamekasan" ->
    "Jawa Timur/Kabupaten Pamekasan"), of the same class as ``region``; an unknown province
    or regency is a :class:`RegionError`."""
    from matcher.data.reference import (
        UnknownReferenceError,
        normalise_province,
        normalise_regency,
        unknown_regency,
    )

    try:
        code, province = normalise_province(region.province)
    except UnknownReferenceError as exc:
        raise RegionError(exc.args[0]) from None  # a Message, said in the reader's language
    if region.regency is None:
        return type(region)(province)
    found = normalise_regency(region.regency, code)
    if found is None:
        raise RegionError(unknown_regency(region.regency, code))
    return type(region)(province, found[1])
