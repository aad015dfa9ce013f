""" "Naik kelas" advice: what a UMKM could change to reach more and better partners.

For each UMKM, the changes of a declared catalogue (``data/vocab/advice.psv``, with the
regulation or programme behind each row) that it could really make are applied to a copy
of its profile, and every changed profile is scored against all firms with the current
model, in one batch (:meth:`matcher.service.MatchService.score_profiles`, the same top-k,
chances and declined-pair rule as ``recommend``). A change is worth what it moves in the
UMKM's top ``k`` (default 10):

* ``firms_gained``: firms in the changed profile's top k that are not in its top k now;
* ``p_contract_gain``: summed chance of a contract over the top k, after minus now;
* ``expected_value_gain_idr``: summed expected contract value (chance x likely value) over
  the top k, after minus now.

So the advice is honest by construction: apply a suggestion to the profile, run
``recommend`` again with the same model and firms, and the gain is the one claimed.

Only changes a UMKM could make are tried (:func:`variants`):

* a certificate that some firm requires, that the UMKM does not hold (nor one implying
  it), that its sector can hold (its KBLI codes, else what its products imply) and that
  fits its scale (halal self-declare for micro and small food makers, regular halal
  otherwise; P-IRT only for home-industry food; ISO 9001 and HACCP from small up);
* monthly capacity raised to the highest level a firm of its sector asks for (budget per
  partner slot / 12) that is at most ``max_factor`` times what it has now;
* one step up in scale (PP 7/2021: annual sales at least the next class's lower bound);
* joining a cooperative/KUB (micro only): capacity pooled with ``pool_factor`` members;
* a KBLI sub-class firms need that its products already imply (the product glossary),
  in a division (2 digits) of its registered codes when it has any.

Location never changes. :func:`region_summary` adds a region's advice up per programme,
so an office can see which single programme adds the most expected value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from matcher.data import certificates
from matcher.data.errors import MatcherError
from matcher.data.schema import SCALE_REVENUE_LIMITS, SCALES
from matcher.i18n import Message
from matcher.index import IdIndex

KINDS = ("certificate", "capacity", "scale", "cooperative", "kbli")
ADVICE_COLUMNS = (
    "umkm_id",
    "umkm_name",
    "rank",
    "change_key",
    "change",
    "firms_gained",
    "gained_firm_ids",
    "gained_firm_names",
    "p_contract_gain",
    "expected_value_gain_idr",
    "programme",
    "how",
)
SUMMARY_COLUMNS = (
    "programme",
    "summary",
    "umkm",
    "firms_gained",
    "p_contract_gain",
    "expected_value_gain_idr",
    "how",
)
_SEP = "\x1f"  # between a UMKM's ID and its change's key in a variant's ID


@dataclass(frozen=True)
class Change:
    """One row of the catalogue."""

    key: str
    kind: str
    token: str
    programme: str
    kbli: tuple[str, ...]  # sector: KBLI prefixes that may hold it (empty: any)
    exclude_kbli: tuple[str, ...]
    scales: tuple[str, ...]
    params: dict
    how: str  # catalogue key advice.how.<how>
    source: str


@lru_cache(maxsize=1)
def catalogue() -> tuple[Change, ...]:
    """The declared changes, in file order (a key may have several rows: the first one a
    UMKM is eligible for applies, e.g. halal self-declare before regular halal)."""
    raw = resources.files("matcher.data").joinpath("vocab", "advice.psv").read_text("utf-8")
    lines = [line for line in raw.strip().splitlines() if line.strip()]
    header = lines[0].split("|")
    out = []
    for line in lines[1:]:
        r = dict(zip(header, line.split("|")))
        if r["kind"] not in KINDS:
            raise ValueError(f"advice.psv: kind {r['kind']!r} is not one of {KINDS}")
        split = lambda s: tuple(x for x in s.split(";") if x)  # noqa: E731
        params = {k: float(v) for k, v in (p.split("=") for p in split(r["params"]))}
        out.append(
            Change(
                r["key"],
                r["kind"],
                r["token"],
                r["programme"],
                split(r["kbli"]),
                split(r["exclude_kbli"]),
                split(r["scales"]),
                params,
                r["how"],
                r["source"],
            )
        )
    return tuple(out)


# -- which changes a UMKM could make ----------------------------------------------------------


@lru_cache(maxsize=16_384)
def _implied_kbli(products: str) -> tuple[str, ...]:
    """KBLI prefixes (3 digits or more) the products text implies (the product glossary)."""
    from matcher.features.text import analyse, glossary

    kbli = glossary().concepts["kbli"].to_numpy()
    return tuple(sorted({p for c in analyse(products)[0] for p in kbli[c] if len(p) >= 3}))


def _sector(umkm: pd.DataFrame) -> list[tuple[str, ...]]:
    """Per UMKM: its KBLI codes, else the prefixes its products imply."""
    return [
        tuple(codes) if len(codes) else _implied_kbli(str(products or ""))
        for codes, products in zip(umkm["kbli"], umkm["products"])
    ]


def _in_sector(codes: tuple[str, ...], change: Change) -> bool:
    if not change.kbli:
        return True
    return any(
        c.startswith(change.kbli) and not c.startswith(change.exclude_kbli or ("\0",))
        for c in codes
    )


def _capacity_asks(firms: pd.DataFrame) -> np.ndarray:
    """What one partner slot of each firm is worth per month (budget / partners / 12)."""
    budget = pd.to_numeric(firms["budget_idr"], errors="coerce").to_numpy(float)
    partners = np.maximum(
        pd.to_numeric(firms["max_partners"], errors="coerce").fillna(1).to_numpy(float), 1
    )
    return budget / partners / 12.0


def _divisions(codes) -> set[str]:
    return {str(c)[:2] for c in codes}


def variants(umkm: pd.DataFrame, firms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(changed profiles, what changed): one profile per (UMKM, change it could make).

    The profiles are canonical UMKM rows with ``umkm_id`` = ``<id>\\x1f<key>``; the second
    frame, aligned, has umkm_id, change_key, kind, programme, how, and the change's
    parameters (certificate token, old and new capacity, scale, KBLI code)."""
    umkm = umkm.reset_index(drop=True)
    sector = _sector(umkm)
    held = [certificates.held_bases(c) for c in umkm["certifications"]]
    scales = umkm["scale"].fillna("").astype(str).to_numpy()
    capacity = pd.to_numeric(umkm["monthly_capacity_idr"], errors="coerce").to_numpy(float)
    required = {certificates.base(t) for req in firms["required_certifications"] for t in req}
    asks = _capacity_asks(firms)
    # sector match per (UMKM, firm) on KBLI divisions (2 digits), as matrices
    divs = sorted(
        {d for codes in umkm["kbli"] for d in _divisions(codes)}
        | {d for s in sector for d in _divisions(s)}
    )
    col = {d: j for j, d in enumerate(divs)}
    u_div = np.zeros((len(umkm), len(divs)), bool)
    for i, (codes, s) in enumerate(zip(umkm["kbli"], sector)):
        u_div[i, [col[d] for d in (_divisions(codes) or _divisions(s))]] = True
    f_div = np.zeros((len(firms), len(divs)), bool)
    for j, (a, b) in enumerate(zip(firms["kbli"], firms["needed_kbli"])):
        f_div[j, [col[d] for d in _divisions(tuple(a) + tuple(b)) if d in col]] = True

    rows: list[int] = []
    meta: list[dict] = []
    done: set[tuple[int, str]] = set()

    def add(i: int, change: Change, **params) -> None:
        done.add((i, change.key))
        rows.append(i)
        meta.append(
            dict(
                change_key=change.key,
                kind=change.kind,
                programme=change.programme,
                how=change.how,
                **params,
            )
        )

    for change in catalogue():
        if change.kind == "certificate":
            b = certificates.base(change.token)
            if b not in required:
                continue  # no firm asks for it: it cannot change any ranking
            for i in range(len(umkm)):  # a loop per UMKM (not per pair): eligibility rules
                if (
                    (i, change.key) in done
                    or b in held[i]
                    or scales[i] not in change.scales
                    or not _in_sector(sector[i], change)
                ):
                    continue
                add(i, change, token=change.token)
        elif change.kind in ("capacity", "cooperative"):
            for i in np.flatnonzero(np.isfinite(capacity) & (capacity > 0)):
                if (i, change.key) in done or scales[i] not in change.scales:
                    continue
                if change.kind == "cooperative":
                    if umkm.at[i, "legal_form"] in ("koperasi", "kub"):
                        continue
                    add(
                        i,
                        change,
                        capacity_before=capacity[i],
                        capacity_after=capacity[i] * change.params.get("pool_factor", 3.0),
                    )
                    continue
                # the highest ask of a firm in its sector within the bounded step
                mine = (f_div @ u_div[i]) if u_div[i].any() else np.ones(len(firms), bool)
                top = capacity[i] * change.params.get("max_factor", 2.0)
                a = asks[mine & np.isfinite(asks) & (asks > capacity[i] * 1.01) & (asks <= top)]
                if len(a):
                    add(i, change, capacity_before=capacity[i], capacity_after=float(a.max()))
        elif change.kind == "scale":
            for i in range(len(umkm)):
                if (
                    (i, change.key) in done
                    or scales[i] not in change.scales
                    or scales[i] not in SCALES[:-1]
                ):
                    continue
                new = SCALES[SCALES.index(scales[i]) + 1]
                floor = dict(SCALE_REVENUE_LIMITS)[scales[i]]  # the next class starts above it
                add(i, change, scale_before=scales[i], scale_after=new, revenue_after=floor * 1.05)
        elif change.kind == "kbli":
            need = Counter(c for codes in firms["needed_kbli"] for c in codes if len(c) == 5)
            for i in range(len(umkm)):
                if (i, change.key) in done or scales[i] not in change.scales:
                    continue
                implied = _implied_kbli(str(umkm.at[i, "products"] or ""))
                own = tuple(umkm.at[i, "kbli"])
                # implied by its products and, when it has KBLI codes, in one of their
                # divisions (a glossary concept may span sectors: "batako" is not wood)
                divs = _divisions(own)
                cand = (
                    [
                        c
                        for c in need
                        if c.startswith(implied) and c not in own and (not divs or c[:2] in divs)
                    ]
                    if implied
                    else []
                )
                if cand:
                    best = max(cand, key=lambda c: (need[c], c))
                    add(i, change, kbli_code=best)
    profiles = umkm.iloc[rows].reset_index(drop=True) if rows else umkm.iloc[:0].copy()
    info = (
        pd.DataFrame(meta)
        if meta
        else pd.DataFrame(columns=["change_key", "kind", "programme", "how"])
    )
    info.insert(0, "umkm_id", umkm["umkm_id"].to_numpy()[rows] if rows else [])
    profiles = apply_changes(profiles, info)
    profiles["umkm_id"] = (
        info["umkm_id"].astype(str) + _SEP + info["change_key"].astype(str)
    ).to_numpy()
    return profiles, info


def apply_changes(profiles: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """The profiles with each row's change (``info``, aligned: a :func:`variants` frame)
    made: the one place a change is written into a profile (tests apply advice with it)."""
    out = profiles.reset_index(drop=True).copy()
    info = info.reset_index(drop=True)
    kind = info["kind"].to_numpy() if len(info) else np.array([], dtype=object)

    def append(col: str, rows: np.ndarray, values) -> None:  # tuple cells: one list comprehension
        out.loc[rows, col] = pd.Series(
            [tuple(a) + (b,) for a, b in zip(out.loc[rows, col], values)], index=rows, dtype=object
        )

    rows = np.flatnonzero(kind == "certificate")
    if len(rows):
        append("certifications", rows, info.loc[rows, "token"])
    rows = np.flatnonzero((kind == "capacity") | (kind == "cooperative"))
    if len(rows):
        out.loc[rows, "monthly_capacity_idr"] = (
            info.loc[rows, "capacity_after"].astype(float).to_numpy()
        )
    rows = np.flatnonzero(kind == "cooperative")
    if len(rows):
        out.loc[rows, "legal_form"] = "kub"
    rows = np.flatnonzero(kind == "scale")
    if len(rows):
        out.loc[rows, "scale"] = info.loc[rows, "scale_after"].to_numpy()
        revenue = (
            pd.to_numeric(out.loc[rows, "annual_revenue_idr"], errors="coerce")
            .fillna(0.0)
            .to_numpy(float)
        )
        out.loc[rows, "annual_revenue_idr"] = np.maximum(
            info.loc[rows, "revenue_after"].astype(float).to_numpy(), revenue
        )
    rows = np.flatnonzero(kind == "kbli")
    if len(rows):
        append("kbli", rows, info.loc[rows, "kbli_code"])
    return out


def apply_advice(
    umkm: pd.DataFrame, firms: pd.DataFrame, umkm_id: str, change_key: str
) -> pd.DataFrame:
    """One UMKM's profile (one-row canonical frame, its own ID) with the change ``change_key``
    of its advice made."""
    one = umkm[umkm["umkm_id"] == umkm_id]
    profiles, info = variants(one, firms)
    hit = (info["change_key"] == change_key).to_numpy()
    if not hit.any():
        raise MatcherError(
            Message("advice.no_such_change", umkm=repr(umkm_id), change=repr(change_key))
        )
    return profiles[hit].assign(umkm_id=umkm_id).reset_index(drop=True)


# -- scoring ----------------------------------------------------------------------------------


def _change_text(info: pd.DataFrame, lang: str | None) -> list[str]:
    from matcher.data.reference import kbli_title
    from matcher.i18n import format_idr, t

    out = []
    for m in info.itertuples(index=False):
        m = m._asdict()
        kind = m["kind"]
        if kind == "certificate":
            out.append(
                t(
                    "advice.change.certificate",
                    lang,
                    cert=certificates.label(m["token"], lang or "id"),
                )
            )
        elif kind in ("capacity", "cooperative"):
            out.append(
                t(
                    f"advice.change.{kind}",
                    lang,
                    before=format_idr(m["capacity_before"], lang),
                    after=format_idr(m["capacity_after"], lang),
                )
            )
        elif kind == "scale":
            out.append(
                t(
                    "advice.change.scale",
                    lang,
                    before=t(f"common.scale.{m['scale_before']}", lang),
                    after=t(f"common.scale.{m['scale_after']}", lang),
                    revenue=format_idr(m["revenue_after"], lang),
                )
            )
        else:
            code = m["kbli_code"]
            out.append(t("advice.change.kbli", lang, code=code, title=kbli_title(code) or ""))
    return out


def advise(
    service,
    umkm: pd.DataFrame | None = None,
    *,
    k: int = 10,
    lang: str | None = None,
    chunk_size: int = 2048,
    progress=None,
    changes: tuple | None = None,
) -> pd.DataFrame:
    """Ranked changes per UMKM (``ADVICE_COLUMNS``), best first; only changes that add
    expected value (or, for a model without chances, chance or score) are listed.

    ``service``: a :class:`~matcher.service.MatchService` (its model, firms and recorded
    outcomes are used as they are); ``umkm``: the canonical profiles to advise (default:
    the service's). Every UMKM's profile now and all its changed profiles are scored in
    one batch. ``progress(n)``: called with profiles scored. ``changes``: the
    :func:`variants` of ``umkm`` when already made (e.g. to size a progress bar)."""
    from matcher.i18n import t

    if k < 1:
        raise MatcherError(Message("cli.args.at_least_one", option="k", got=k))
    umkm = (service.umkm if umkm is None else umkm).reset_index(drop=True)
    firms = service.firms
    profiles, info = variants(umkm, firms) if changes is None else changes
    both = pd.concat([umkm, profiles], ignore_index=True)
    owners = np.concatenate(
        [umkm["umkm_id"].astype(str).to_numpy(), info["umkm_id"].astype(str).to_numpy()]
    )
    top = service.score_profiles(both, k, owners=owners, chunk_size=chunk_size, progress=progress)
    n_u, n_all = len(umkm), len(both)
    row = top["row"].to_numpy()
    p = top["p_contract"].to_numpy(float)
    ev = top["expected_value_idr"].to_numpy(float)
    sc = top["score"].to_numpy(float)

    def per_row(x):
        return np.bincount(row, weights=np.nan_to_num(x), minlength=n_all)

    known_p = np.isfinite(p).any()
    known_ev = np.isfinite(ev).any()
    sum_p, sum_ev, sum_sc = per_row(p), per_row(ev), per_row(sc)
    base = np.arange(n_u)
    owner_pos = np.concatenate(
        [base, IdIndex(umkm["umkm_id"], kind="umkm").positions(info["umkm_id"])]
    )
    # firms in a changed profile's top k that are not in its UMKM's top k now
    pair = owner_pos[row].astype(np.int64) * len(firms) + service.firm_index.to_index(
        top["firm_id"].tolist()
    )
    new = (row >= n_u) & ~np.isin(pair, pair[row < n_u])
    gained_n = np.bincount(row[new], minlength=n_all)
    gained = top[new].assign(row=row[new])
    names = dict(zip(firms["firm_id"], firms["name"]))
    g_ids = gained.groupby("row")["firm_id"].agg(lambda s: "; ".join(map(str, s)))
    g_names = gained.groupby("row")["firm_id"].agg(
        lambda s: "; ".join(str(names.get(f, f)) for f in s)
    )

    v = np.arange(n_u, n_all)
    o = owner_pos[v]
    out = pd.DataFrame(
        {
            "umkm_id": info["umkm_id"].astype(str).to_numpy(),
            "umkm_name": umkm["name"].to_numpy()[o] if len(o) else [],
            "change_key": info["change_key"].to_numpy(),
            "change": _change_text(info, lang),
            "firms_gained": gained_n[v],
            "gained_firm_ids": g_ids.reindex(v).fillna("").to_numpy(),
            "gained_firm_names": g_names.reindex(v).fillna("").to_numpy(),
            "p_contract_gain": (sum_p[v] - sum_p[o]) if known_p else np.nan,
            "expected_value_gain_idr": (sum_ev[v] - sum_ev[o]) if known_ev else np.nan,
            "programme": info["programme"].to_numpy(),
            "how": [t(f"advice.how.{h}", lang) for h in info["how"]],
            "_score_gain": sum_sc[v] - sum_sc[o],
        }
    )
    # what ranks a change: expected value when known, else the chance, else the raw score
    merit = (
        out["expected_value_gain_idr"]
        if known_ev
        else (out["p_contract_gain"] if known_p else out["_score_gain"])
    )
    out["_merit"] = merit.to_numpy(float)
    tol = 1e-6 * (np.abs(sum_ev[o]).max() if known_ev and len(o) else 1.0) if len(o) else 0.0
    out = out[out["_merit"] > max(tol, 1e-9)]
    out = out.sort_values(
        ["umkm_id", "_merit", "firms_gained", "change_key"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    order = IdIndex(umkm["umkm_id"], kind="umkm").positions(out["umkm_id"])
    out = out.iloc[np.argsort(order, kind="stable")]
    out.insert(2, "rank", out.groupby("umkm_id", sort=False).cumcount().to_numpy() + 1)
    return out[list(ADVICE_COLUMNS)].reset_index(drop=True)


# -- a region's view ---------------------------------------------------------------------------


def region_summary(
    advice: pd.DataFrame, umkm: pd.DataFrame, lang: str | None = None
) -> pd.DataFrame:
    """Per programme, what it adds if the office runs it for every UMKM of ``advice`` it
    helps: UMKM helped, firms gained, chance and expected value added; the programme that
    adds the most expected value first (``SUMMARY_COLUMNS``)."""
    from matcher.data.reference import kbli_title
    from matcher.i18n import t

    if advice.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    division = dict(
        zip(umkm["umkm_id"].astype(str), [c[0][:2] if len(c) else "" for c in umkm["kbli"]])
    )
    grouped = advice.groupby("programme", sort=False)
    out = grouped.agg(
        umkm=("umkm_id", "nunique"),
        firms_gained=("firms_gained", "sum"),
        p_contract_gain=("p_contract_gain", "sum"),
        expected_value_gain_idr=("expected_value_gain_idr", "sum"),
    ).reset_index()
    if out["expected_value_gain_idr"].notna().any():
        out = out.sort_values(["expected_value_gain_idr", "umkm"], ascending=False, kind="stable")
    else:
        out = out.sort_values(["p_contract_gain", "umkm"], ascending=False, kind="stable")
    lines, hows = [], []
    for prog, n in zip(out["programme"], out["umkm"]):
        who = advice.loc[advice["programme"] == prog, "umkm_id"].astype(str).map(division)
        top = who[who != ""].value_counts()
        sector = (kbli_title(top.index[0]) or "") if len(top) else ""
        key = "advice.summary.line_sector" if sector else "advice.summary.line"
        lines.append(
            t(
                key,
                lang,
                programme=t(f"advice.programme.{prog}", lang),
                n=int(n),
                sector=sector.lower(),
            )
        )
        hows.append(advice.loc[advice["programme"] == prog, "how"].mode().iloc[0])
    out["summary"] = lines
    out["how"] = hows
    return out[list(SUMMARY_COLUMNS)].reset_index(drop=True)
