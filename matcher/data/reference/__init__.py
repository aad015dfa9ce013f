"""Shipped Indonesian reference data: provinces and kabupaten/kota (Kemendagri 2025) and KBLI
2020/2025, with the normalisers the loaders use.

The tables are CSVs in this package (sources and checks in its README.md). Each accessor
reads its table once (``functools.lru_cache``) and hands out a copy, so a caller that edits
the frame cannot corrupt the cache. The stable API other modules call:

- regions: :func:`normalise_province`, :func:`normalise_regency`, :func:`resolve_regency`,
  :func:`normalise_region` (province_code / regency_code for one location),
  :func:`province_codes`, :func:`regency_codes`, :func:`resolve_regencies` (columns);
- KBLI: :func:`kbli_title`, :func:`kbli_lookup`, :func:`kbli_search`, :func:`kbli_exists`,
  :func:`kbli_suggest`, :func:`kbli_translate`, :func:`kbli_detect_version`,
  :func:`kbli_stats`, all taking ``version=2020`` (default) or ``2025``.
"""

from __future__ import annotations

from matcher.data.reference._tables import UnknownReferenceError
from matcher.data.reference.kbli import (
    DEFAULT_VERSION as KBLI_DEFAULT_VERSION,
)
from matcher.data.reference.kbli import (
    LEVEL_NAMES as KBLI_LEVEL_NAMES,
)
from matcher.data.reference.kbli import (
    PUBLISHED_COUNTS as KBLI_PUBLISHED_COUNTS,
)
from matcher.data.reference.kbli import (
    REGULATION as KBLI_REGULATION,
)
from matcher.data.reference.kbli import (
    VERSIONS as KBLI_VERSIONS,
)
from matcher.data.reference.kbli import (
    KbliEntry,
    kbli_categories,
    kbli_category,
    kbli_code_known,
    kbli_codes,
    kbli_codes_for_title,
    kbli_correspondence,
    kbli_detect_version,
    kbli_division_exists,
    kbli_divisions,
    kbli_exists,
    kbli_legacy,
    kbli_lookup,
    kbli_search,
    kbli_stats,
    kbli_suggest,
    kbli_table,
    kbli_title,
    kbli_translate,
    kbli_versions_of,
)
from matcher.data.reference.regions import (
    FORMER_PROVINCE,
    RegencyMatch,
    Region,
    candidates_point,
    closest_provinces,
    closest_regencies,
    lookup_column,
    moved_regency,
    normalise_province,
    normalise_regency,
    normalise_region,
    province_codes,
    province_name,
    provinces,
    regencies,
    regency_candidates,
    regency_codes,
    regency_name,
    regency_short_name,
    resolve_regencies,
    resolve_regency,
    unknown_regency,
)

__all__ = [
    "UnknownReferenceError",
    "unknown_regency",
    "KBLI_DEFAULT_VERSION",
    "KBLI_LEVEL_NAMES",
    "KBLI_PUBLISHED_COUNTS",
    "KBLI_REGULATION",
    "KBLI_VERSIONS",
    "KbliEntry",
    "kbli_categories",
    "kbli_category",
    "kbli_code_known",
    "kbli_codes",
    "kbli_codes_for_title",
    "kbli_correspondence",
    "kbli_detect_version",
    "kbli_division_exists",
    "kbli_divisions",
    "kbli_exists",
    "kbli_legacy",
    "kbli_lookup",
    "kbli_search",
    "kbli_stats",
    "kbli_suggest",
    "kbli_table",
    "kbli_title",
    "kbli_translate",
    "kbli_versions_of",
    "Region",
    "RegencyMatch",
    "candidates_point",
    "closest_provinces",
    "closest_regencies",
    "FORMER_PROVINCE",
    "lookup_column",
    "moved_regency",
    "normalise_province",
    "normalise_region",
    "normalise_regency",
    "province_codes",
    "province_name",
    "provinces",
    "regencies",
    "regency_candidates",
    "regency_codes",
    "regency_name",
    "regency_short_name",
    "resolve_regencies",
    "resolve_regency",
]
