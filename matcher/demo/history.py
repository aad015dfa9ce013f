"""Facilitation history (with exposure bias) and the upcoming signing event.

At each past event the facilitators proposed pairs by a simple rule among the UMKM who came
to that event: a UMKM registered under a KBLI code the firm shows (its needed_kbli, else its
own kbli; the same division when nobody has that exact code), or one from the firm's
province, plus some random picks. So most pairs were never tried, and the
tried ones are concentrated where the rule looks: a ranker trained naively on outcomes
learns the facilitators' habits as much as the truth. Each proposed pair's furthest stage
is its latent utility plus noise, cut into grades (:func:`matcher.demo.utility.draw_grade`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.data.schema import STAGES
from matcher.demo.catalogue import MADURA_OTHER, PAMEKASAN
from matcher.demo.utility import draw_grade
from matcher.demo.world import World

# Past events: id and date; later events are bigger (more firms and UMKM attend).
EVENTS = (
    ("EVT-2022-1", "2022-09-14"),
    ("EVT-2023-1", "2023-03-08"),
    ("EVT-2023-2", "2023-09-20"),
    ("EVT-2024-1", "2024-03-13"),
    ("EVT-2024-2", "2024-09-25"),
    ("EVT-2025-1", "2025-03-19"),
)
FIRM_ATTENDANCE = np.linspace(0.3, 0.8, len(EVENTS))
UMKM_ATTENDANCE = np.linspace(0.15, 0.6, len(EVENTS))
PROPOSALS_PER_FIRM = (2, 6)  # inclusive
RULE_MODES = (0.5, 0.35, 0.15)  # same KBLI code (else division), same province, random
# Days from the event to the date the furthest stage was reached, by grade.
STAGE_LAG_DAYS = ((0, 30), (3, 30), (20, 120), (45, 200))
DECLINED_BY_BLANK_P = 0.12
CONTRACT_VALUE_BLANK_P = 0.1

# The upcoming signing event: 56 firms (29 PMA, 27 PMDN) and 196 UMKM when available.
EVENT_FIRMS = {"PMA": 29, "PMDN": 27}
EVENT_UMKM = 196


def _pool(members: np.ndarray, keys: np.ndarray, n_keys: int):
    """CSR layout of (key -> members): sorted members, start offset and count per key."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return members[order], starts, counts


def _draw(pool, keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random member of each key's pool; -1 where the pool is empty or key < 0."""
    members, starts, counts = pool
    safe = np.maximum(keys, 0)
    c = np.where(keys >= 0, counts[safe], 0)
    pos = starts[safe] + np.floor(rng.random(len(keys)) * np.maximum(c, 1)).astype(np.int64)
    return (
        np.where(c > 0, members[np.minimum(pos, len(members) - 1)], -1)
        if len(members)
        else np.full(len(keys), -1)
    )


def _propose(
    world: World, firms: np.ndarray, attendees: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The facilitators' proposals at one event: (umkm_idx, firm_idx), no duplicates."""
    U, F = world.latent_umkm, world.latent_firms
    k = rng.integers(PROPOSALS_PER_FIRM[0], PROPOSALS_PER_FIRM[1] + 1, len(firms))
    f = np.repeat(firms, k)
    from matcher.demo.variants import variant

    mode = rng.choice(3, size=len(f), p=variant(world.variant).rule_modes)

    # KBLI pools over every (attendee, registered code): by exact code and by division.
    codes = U.kbli[attendees]
    rows, cols = np.nonzero(codes >= 0)
    code_pool = _pool(attendees[rows], codes[rows, cols], 100_000)
    div_pool = _pool(attendees[rows], codes[rows, cols] // 1000, 100)
    # One of the firm's stated codes per proposal (valid ones sorted first).
    fcode = -np.sort(-F.stated_kbli[f], axis=1)
    n_valid = (fcode >= 0).sum(axis=1)
    col = np.floor(rng.random(len(f)) * np.maximum(n_valid, 1)).astype(np.int64)
    code_key = np.where(n_valid > 0, fcode[np.arange(len(f)), col], -1)

    prov_pool = _pool(attendees, U.province[attendees].astype(np.int64), 100)
    u = np.full(len(f), -1, dtype=np.int64)
    by_kbli = mode == 0
    u[by_kbli] = _draw(code_pool, code_key[by_kbli], rng)
    by_div = by_kbli & (u < 0)
    u[by_div] = _draw(div_pool, np.where(code_key[by_div] >= 0, code_key[by_div] // 1000, -1), rng)
    by_prov = mode == 1
    u[by_prov] = _draw(prov_pool, F.province[f[by_prov]].astype(np.int64), rng)
    # Random picks, and any rule pick that found nobody, go to a random attendee.
    fallback = u < 0
    u[fallback] = rng.choice(attendees, size=fallback.sum())
    pairs = np.unique(np.column_stack([u, f]), axis=0)
    return pairs[:, 0], pairs[:, 1]


def simulate_history(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """Outcomes of every pair proposed at the past events, in the contract's raw format."""
    parts = []
    for (event_id, day), f_share, u_share in zip(EVENTS, FIRM_ATTENDANCE, UMKM_ATTENDANCE):
        firms = np.flatnonzero(rng.random(world.n_firms) < f_share)
        attendees = np.flatnonzero(rng.random(world.n_umkm) < u_share)
        if not len(firms) or not len(attendees):
            continue
        u, f = _propose(world, firms, attendees, rng)
        parts.append(_attempts(world, u, f, event_id, day, rng))
    if not parts:
        cols = [
            "umkm_id",
            "firm_id",
            "stage",
            "contract_value_idr",
            "date",
            "event_id",
            "declined_by",
        ]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return _outcome_frame(world, pd.concat(parts, ignore_index=True), rng)


def _attempts(
    world: World, u: np.ndarray, f: np.ndarray, event_id: str, day: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Pairs that met at one event: each one's furthest stage (grade) and when it was reached."""
    grade = draw_grade(world.utility(u, f), rng)
    lo, hi = np.array(STAGE_LAG_DAYS).T
    lag = np.floor(rng.uniform(lo[grade], hi[grade] + 1)).astype("timedelta64[D]")
    return pd.DataFrame(
        {"u": u, "f": f, "grade": grade, "event_id": event_id, "date": np.datetime64(day) + lag}
    )


def _outcome_frame(world: World, h: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Attempts as outcomes in the contract's raw format (who declined, contract values)."""
    U, F = world.latent_umkm, world.latent_firms
    u, f, grade = h["u"].to_numpy(), h["f"].to_numpy(), h["grade"].to_numpy()

    # Who said no: the firm when the UMKM plainly falls short of its terms, else either.
    feats = world.pair_features(u, f)
    firm_reason = (
        feats["missing_cert"]
        | (feats["scale_gap"] > 0)
        | (feats["capacity_ratio"] < 0.5)
        | (feats["concept_sim"] < 0.3)
    )
    by_firm = rng.random(len(h)) < np.where(firm_reason, 0.8, 0.4)
    declined_by = np.where(by_firm, "firm", "umkm").astype(object)
    declined_by[(grade != 0) | (rng.random(len(h)) < DECLINED_BY_BLANK_P)] = None

    per_partner = F.budget_idr[f] / F.max_partners[f]
    deliverable = np.minimum(per_partner, 12.0 * U.monthly_capacity_idr[u])
    value = (deliverable * rng.uniform(0.15, 0.9, len(h)) / 1e6).round() * 1e6
    value = np.where((grade == 3) & (rng.random(len(h)) >= CONTRACT_VALUE_BLANK_P), value, np.nan)

    out = pd.DataFrame(
        {
            "umkm_id": world.umkm["umkm_id"].to_numpy()[u],
            "firm_id": world.firms["firm_id"].to_numpy()[f],
            "stage": np.array(STAGES)[grade],
            "contract_value_idr": value,
            "date": pd.to_datetime(h["date"]).dt.strftime("%Y-%m-%d"),
            "event_id": h["event_id"],
            "declined_by": declined_by,
        }
    )
    return out.sort_values(
        ["date", "event_id", "firm_id", "umkm_id"], kind="stable", ignore_index=True
    )


def upcoming_event(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """Participants of the next signing event (raw ``event`` format).

    Firms: 29 PMA and 27 PMDN when the world has them (the shortfall of one type is filled
    with the other), East Java sites twice as likely. UMKM: 196, Madura three times and the
    rest of East Java 1.5 times as likely, and UMKM whose main product some attending firm
    needs 1.5 times. Firms get a capacity of 2–8 (usually their max_partners); UMKM capacity
    is left blank (the default, 1).
    """
    U, F = world.latent_umkm, world.latent_firms
    firm_w = np.where(F.province == "35", 2.0, 1.0)
    chosen: list[np.ndarray] = []
    target = sum(EVENT_FIRMS.values())
    for kind, want in EVENT_FIRMS.items():
        pool = np.flatnonzero(F.is_pma == (kind == "PMA"))
        take = min(want, len(pool))
        if take:
            chosen.append(
                rng.choice(pool, size=take, replace=False, p=firm_w[pool] / firm_w[pool].sum())
            )
    firms = np.concatenate(chosen) if chosen else np.array([], dtype=np.int64)
    short = min(target, world.n_firms) - len(firms)
    if short > 0:
        rest = np.setdiff1d(np.arange(world.n_firms), firms)
        firms = np.concatenate([firms, rng.choice(rest, size=short, replace=False)])
    firms = np.sort(firms)

    madura = np.isin(U.regency, (PAMEKASAN, *MADURA_OTHER))
    umkm_w = np.where(madura, 3.0, np.where(U.province == "35", 1.5, 1.0))
    wanted = np.isin(U.concepts[:, 0], F.needs[firms].ravel())
    umkm_w = umkm_w * np.where(wanted, 1.5, 1.0)
    n_u = min(EVENT_UMKM, world.n_umkm)
    umkm = np.sort(rng.choice(world.n_umkm, size=n_u, replace=False, p=umkm_w / umkm_w.sum()))

    own = rng.random(len(firms)) < 0.7
    capacity = np.where(own, F.max_partners[firms], rng.integers(2, 9, len(firms)))
    return pd.DataFrame(
        {
            "party": ["firm"] * len(firms) + ["umkm"] * len(umkm),
            "id": np.concatenate(
                [world.firms["firm_id"].to_numpy()[firms], world.umkm["umkm_id"].to_numpy()[umkm]]
            ),
            "capacity": pd.array(
                np.concatenate([capacity, np.full(len(umkm), np.nan)]), dtype="Int64"
            ),
        }
    )


# The demo's signing event, held after every past outcome date (latest event + max lag).
NEXT_EVENT = ("EVT-DEMO-NEXT", "2025-11-12")


def next_event_outcomes(world: World, umkm_ids, firm_ids, seed: int = 0) -> pd.DataFrame:
    """What happened after the demo's signing event to the pairs that met there (raw
    ``outcomes`` format), drawn from the world's truth as the past events were: the demo's
    stand-in for the outcomes facilitators record after a real event."""
    rng = np.random.default_rng([world.seed, seed, 16])
    u = pd.Index(world.umkm["umkm_id"]).get_indexer(list(umkm_ids))
    f = pd.Index(world.firms["firm_id"]).get_indexer(list(firm_ids))
    if (u < 0).any() or (f < 0).any():
        raise ValueError("next_event_outcomes: pairs must come from this world")
    return _outcome_frame(world, _attempts(world, u, f, *NEXT_EVENT, rng), rng)
