"""Query parameters shared by the profile lists (``GET /umkm``, ``GET /firms``)."""

from __future__ import annotations

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from api.schemas import Cell, InvestmentType, Province, Regency
from api.store.profiles import ProfileFilter
from matcher.data import rules
from matcher.data.reference import (
    UnknownReferenceError,
    kbli_codes_for_title,
    normalise_province,
    normalise_regency,
    unknown_regency,
)
from matcher.features.text import search_terms
from matcher.i18n import Message


class ListParams(BaseModel):
    province: Province | None = Field(None, description="name, short form (Jatim) or 2-digit code")
    regency: Regency | None = Field(None, description="kabupaten/kota name or 4-digit code")
    kbli: Cell | None = Field(
        None,
        min_length=2,
        max_length=64,
        description="KBLI code prefix (10, 107) or words of its title (tekstil)",
    )
    certificate: Cell | None = Field(None, max_length=64, description="e.g. halal")
    scale: Cell | None = Field(None, max_length=32, description="mikro, kecil or menengah")
    q: Cell | None = Field(
        None,
        min_length=2,
        max_length=rules.NAME_MAX,
        description="text in the name or products/needs; a product word also "
        "finds its synonyms in Indonesian and English",
    )
    investment_type: InvestmentType | None = Field(None, description="firms only")
    limit: int = Field(50, ge=1, le=rules.LIMIT_MAX)
    offset: int = Field(0, ge=0, le=rules.OFFSET_MAX)

    def to_filter(self) -> ProfileFilter:
        """Spellings normalised the way the loaders normalise profiles."""
        province_code, province = None, None
        try:
            if self.province:
                province_code, province = normalise_province(self.province)
        except UnknownReferenceError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                Message("api.error.field", field="province", detail=_arg(exc)),
            ) from None
        regency = None
        if self.regency:
            found = normalise_regency(self.regency, province_code)
            if found is None:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    Message(
                        "api.error.field",
                        field="regency",
                        detail=unknown_regency(self.regency, province_code),
                    ),
                )
            regency = found[1]
        kbli = self.kbli.strip() if self.kbli else None
        if kbli and not kbli.isdigit():
            kbli = kbli_codes_for_title(kbli)
        return ProfileFilter(
            province=province,
            regency=regency,
            kbli_prefix=kbli,
            certificate=self.certificate,
            scale=self.scale,
            q=search_terms(self.q) if self.q else None,
            investment_type=self.investment_type,
        )


def _arg(exc: Exception):
    """An exception's own text, a Message kept as one (rendered in the reader's language)."""
    return exc.args[0] if len(exc.args) == 1 else str(exc)
