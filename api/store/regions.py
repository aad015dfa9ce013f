"""A facilitator's region: a province, optionally narrowed to one regency
(:mod:`matcher.data.region_scope` owns it; here it gains its SQL filter).

One definition of "inside the region" is used for SQL filters (lists, single reads) and
for in-memory frames (the service's UMKM when ranking UMKM for a firm), so the two can
never disagree. Names compare case-insensitively; province names are the canonical ones
the loaders produce (e.g. "Jawa Timur").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func

from matcher.data import region_scope


@dataclass(frozen=True)
class Region(region_scope.Region):
    """:class:`matcher.data.region_scope.Region` (parse, mask, contains: the one definition)
    with its SQL form."""

    def sql_filter(self, table) -> ColumnElement[bool]:
        """WHERE clause selecting rows of ``table`` (has province/regency) inside the region."""
        cond = func.lower(table.province) == self.province.lower()
        if self.regency:
            cond = and_(cond, func.lower(table.regency) == self.regency.lower())
        return cond
