"""A facilitator's region: a province, optionally narrowed to one regency.

One definition of "inside the region" is used for SQL filters (lists, single reads) and
for in-memory frames (the service's UMKM when ranking UMKM for a firm), so the two can
never disagree. Names compare case-insensitively; province names are the canonical ones
the loaders produce (e.g. "Jawa Timur").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, and_, func

from matcher.data.errors import MatcherError


@dataclass(frozen=True)
class Region:
    province: str
    regency: str | None = None

    @classmethod
    def parse(cls, text: str) -> Region:
        """``"PROVINCE"`` or ``"PROVINCE/REGENCY"`` (as typed on the command line)."""
        province, _, regency = text.partition("/")
        province, regency = province.strip(), regency.strip()
        if not province:
            raise MatcherError(f"region {text!r}: expected PROVINCE or PROVINCE/REGENCY")
        return cls(province, regency or None)

    def __str__(self) -> str:
        return self.province + (f"/{self.regency}" if self.regency else "")

    def sql_filter(self, table) -> ColumnElement[bool]:
        """WHERE clause selecting rows of ``table`` (has province/regency) inside the region."""
        cond = func.lower(table.province) == self.province.lower()
        if self.regency:
            cond = and_(cond, func.lower(table.regency) == self.regency.lower())
        return cond

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
