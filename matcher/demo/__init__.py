"""The demo world: a reproducible synthetic economy of UMKM, PMA/PMDN firms, a biased
facilitation history and an upcoming signing event, with the hidden truth behind them.

It is the team's development world (``matcher demo-data`` writes it in the data-contract
format) and the yardstick for evaluation: :meth:`World.true_relevance` gives the expected
relevance grade of *any* pair, so rankers can be scored against every firm, not only the
pairs facilitators happened to try.

How it is built (details in docs/demo-world.md):

* UMKM — products drawn from a private catalogue of ~40 product concepts (Bahasa Indonesia
  and English phrasings, KBLI 2020 codes, locality, typical certificates, regional
  affinity), Pamekasan and the rest of Madura prominent; PP 7/2021 scale consistent with
  revenue; partial disclosure (missing fields, varied spellings of provinces and regencies).
* Firms — 15 archetypes (food manufacturer, hotel, garment exporter, nickel site...),
  about half PMA; needs written in English (mostly PMA) or Indonesian.
* Latent utility (:mod:`matcher.demo.utility`) — concept and KBLI match, a distance
  penalty scaled by the product's perishability, missing required certificate, scale vs
  preference, capacity vs budget per partner, export experience for PMA, firm taste.
* History (:mod:`matcher.demo.history`) — six events 2022–2025 where facilitators proposed
  pairs by KBLI code/division or province plus randomness (exposure bias); each stage is
  the pair's utility plus noise, cut into grades.

The catalogue is private to this package; feature code must not import it.
"""

from __future__ import annotations

import importlib

# Resolved on first use (PEP 562), so `matcher --help` and the CLI's argument parser do not
# pay for numpy/scipy/the catalogue just because this package exists.
_EXPORTS = {
    "World": "matcher.demo.world",
    "generate_world": "matcher.demo.generate",
    "write_world": "matcher.demo.files",
    "FORMATS": "matcher.demo.files",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
