"""Query parameters shared by the profile lists (``GET /umkm``, ``GET /firms``)."""
from __future__ import annotations

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from api.schemas import Cell, Province, Regency
from matcher.data import rules

from api.store.profiles import ProfileFilter
from matcher.data.reference import (
    UnknownReferenceError,
    closest_regencies,
    normalise_province,
    normalise_regency,
)


class ListParams(BaseModel):
    province: Province | None = Field(None, description="name, short form (Jatim) or 2-digit code")
    regency: Regency | None = Field(None, description="kabupaten/kota name or 4-digit code")
    kbli: str | None = Field(None, pattern=r"^\d{1,5}$", description="KBLI code prefix, e.g. 10 or 107")
    certificate: Cell | None = Field(None, max_length=64, description="e.g. halal")
    scale: Cell | None = Field(None, max_length=32, description="mikro, kecil or menengah")
    q: Cell | None = Field(None, min_length=2, max_length=rules.NAME_MAX,
                           description="text in the name or description")
    limit: int = Field(50, ge=1, le=rules.LIMIT_MAX)
    offset: int = Field(0, ge=0, le=rules.OFFSET_MAX)

    def to_filter(self) -> ProfileFilter:
        """Spellings normalised the way the loaders normalise profiles."""
        province_code, province = None, None
        try:
            if self.province:
                province_code, province = normalise_province(self.province)
        except UnknownReferenceError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"province: {exc}") from None
        regency = None
        if self.regency:
            found = normalise_regency(self.regency, province_code)
            if found is None:
                hint = ", ".join(closest_regencies(self.regency, province_code)) or "none close"
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    f"regency: unknown {self.regency!r}; closest: {hint}")
            regency = found[1]
        return ProfileFilter(province=province, regency=regency, kbli_prefix=self.kbli,
                             certificate=self.certificate, scale=self.scale, q=self.q)
