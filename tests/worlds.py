"""Small worlds for tests, built in memory and cached per session.

``line_world()`` is hand-made so the right match is obvious: five product lines, each with
firms that need exactly that product (in English where the UMKM writes Indonesian), and a
history in which only matching pairs ever signed. ``demo_frames(...)`` runs the demo
generator and the contract loaders on a small world.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data.loaders import (
    load_event,
    load_firms,
    load_outcomes,
    load_umkm,
    parse_firms,
    parse_outcomes,
    parse_umkm,
)

# (UMKM products, KBLI, province) and the matching firm need (English) with its KBLI
LINES = [
    (
        "garam rakyat beryodium",
        "08930",
        "Jawa Timur",
        "sea salt supplier for food factory",
        "08930",
    ),
    ("keripik singkong balado", "10794", "Jawa Tengah", "cassava chips for our snack brand", ""),
    ("batik tulis khas madura", "13134", "Jatim", "hand drawn batik fabric for hotel", ""),
    (
        "seragam kerja dan wearpack",
        "14120",
        "Jawa Barat",
        "workwear and uniforms for plant staff",
        "14120",
    ),
    ("kopi robusta sangrai", "10761", "Lampung", "roasted coffee beans", ""),
]
STAGES = ["declined", "meeting", "mou_signed", "contract_signed"]


@lru_cache(maxsize=1)
def line_world():
    rng = np.random.default_rng(0)
    umkm, firms, outcomes = [], [], []
    for i in range(150):
        p = LINES[i % 5]
        umkm.append(
            dict(
                umkm_id=f"U{i:03d}",
                name=f"Usaha {i}",
                kbli=p[1],
                products=p[0],
                province=p[2],
                certifications="halal" if i % 2 else "",
            )
        )
    for j in range(20):
        p = LINES[j % 5]
        firms.append(
            dict(
                firm_id=f"F{j:02d}",
                name=f"PT Mitra {j}",
                investment_type="PMA" if j % 2 else "PMDN",
                needs=p[3],
                needed_kbli=p[4],
                province="DKI Jakarta",
                max_partners="3",
            )
        )
    for i in range(100):  # U100..U149 never facilitated: cold start
        for j in rng.choice(20, 4, replace=False):
            grade = 3 if i % 5 == j % 5 else 0
            outcomes.append(
                dict(
                    umkm_id=f"U{i:03d}",
                    firm_id=f"F{j:02d}",
                    stage=STAGES[grade],
                    date=f"2024-{1 + i % 9:02d}-15",
                    event_id=f"E{i % 9}",
                )
            )
    u = parse_umkm(pd.DataFrame(umkm).astype(str), "tiny umkm")
    f = parse_firms(pd.DataFrame(firms).astype(str), "tiny firms")
    o = parse_outcomes(pd.DataFrame(outcomes), "tiny outcomes", u, f)
    return u, f, o


@lru_cache(maxsize=1)
def tiny_model():
    from matcher.ranking import MatchModel

    u, f, o = line_world()
    return MatchModel(max_iter=40, n_negatives=6, random_state=0).fit(u, f, o)


@lru_cache(maxsize=4)
def demo_frames(n_umkm=400, n_firms=60, seed=0):
    """(umkm, firms, outcomes, event, world) of a small demo world via the contract files."""
    from matcher.demo import generate_world, write_world

    world = generate_world(n_umkm=n_umkm, n_firms=n_firms, seed=seed)
    with tempfile.TemporaryDirectory() as d:
        write_world(world, d)
        d = Path(d)
        umkm = load_umkm(d / "umkm.csv")
        firms = load_firms(d / "firms.csv")
        outcomes = load_outcomes(d / "outcomes.csv", umkm, firms)
        event = load_event(d / "event.csv", umkm, firms)
    return umkm, firms, outcomes, event, world


@lru_cache(maxsize=1)
def calibrated():
    """A small demo world and a model with calibrated chances and contract values."""
    from training.train import fit_calibrated

    umkm, firms, outcomes, _, _ = demo_frames(400, 60, 0)
    return umkm, firms, outcomes, fit_calibrated(umkm, firms, outcomes, params=dict(max_iter=40))
