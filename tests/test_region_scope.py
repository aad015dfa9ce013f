"""matcher.data.region_scope: one definition of a facilitator's region, used by the store,
accounts, reports and advice alike."""

from __future__ import annotations

import pandas as pd
import pytest

from api.store import Region as StoreRegion
from matcher.data.errors import MatcherError
from matcher.data.region_scope import Region, RegionError, canonical_region


def test_parse_mask_contains_on_known_answers():
    region = Region.parse(" Jawa Timur / Kabupaten Pamekasan ")
    assert region == Region("Jawa Timur", "Kabupaten Pamekasan")
    assert str(region) == "Jawa Timur/Kabupaten Pamekasan"
    frame = pd.DataFrame(
        {
            "province": ["jawa timur", "Jawa Timur", "Bali", "Jawa Timur"],
            "regency": ["kabupaten pamekasan", None, "Kabupaten Pamekasan", "Kota Malang"],
        }
    )
    assert region.mask(frame).tolist() == [True, False, False, False]
    assert Region("Jawa Timur").mask(frame).tolist() == [True, True, False, True]
    assert region.contains("JAWA TIMUR", "Kabupaten pamekasan")
    assert not region.contains("Jawa Timur", None) and Region("Jawa Timur").contains(
        "Jawa Timur", None
    )
    with pytest.raises(MatcherError, match="expected PROVINCE"):
        Region.parse("/Pamekasan")


def test_canonical_names_keep_the_callers_class():
    assert canonical_region(Region.parse("jatim/pamekasan")) == Region(
        "Jawa Timur", "Kabupaten Pamekasan"
    )
    stored = canonical_region(StoreRegion.parse("jatim"))
    assert type(stored) is StoreRegion and stored == StoreRegion("Jawa Timur")
    assert isinstance(stored, Region)  # the store's region is this one, plus its SQL filter
    with pytest.raises(RegionError, match="Kabupaten Malang, Kota Malang"):
        canonical_region(Region.parse("jatim/malang"))
    with pytest.raises(RegionError, match="atlantis"):
        canonical_region(Region("atlantis"))
