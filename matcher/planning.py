"""Capacity-aware optimal plan for a matchmaking / signing event.

The planner is a set of pure functions over a dense score matrix (UMKM rows x firm
columns): it never scores pairs itself, so it works with any model and is easy to test.

Problem solved by :func:`plan_event` (a weighted bipartite *b-matching*)::

    maximise    sum_ij w_ij v_ij x_ij            v = ``values`` if given, else ``scores``;
                                                 w = ``weights`` (default 1; 0 = veto)
    subject to  sum_j x_ij <= umkm_capacity_i    every UMKM
                sum_i x_ij <= firm_capacity_j    every firm
                x_ij = 0  if excluded, not ``allowed``, score < min_score, or w v <= 0
                          (unless must-include)
                x_ij = 1  if must-include
                #{matched UMKM in region q} >= N_q   every quota q
                x_ij in {0, 1}

Without quotas the constraint matrix is the incidence matrix of a bipartite graph, which
is totally unimodular, so the LP relaxation solved by HiGHS' dual simplex returns an
integral vertex: the LP optimum *is* the integer optimum. Quotas over regions (nested or
disjoint sets of UMKM) usually keep the LP vertex integral too; when it is not (e.g. UMKM
with capacity > 1 inside a quota) the problem is solved as a MILP (``scipy.optimize.milp``).

Scale: a 5,000 x 500 room has 2.5 M candidate pairs and the full LP takes about a minute.
We solve it by *column generation* instead, which is exact, not a heuristic: start from
each UMKM's and each firm's best few pairs, solve the LP on those columns, then price
every left-out pair with the LP duals (vectorised over the whole matrix). A left-out pair
with positive reduced cost ``v_ij - y_i - z_j > 0`` could improve the plan and is added;
when none is left the duals certify the restricted optimum as optimal for the full
problem. Quotas enter the LP as elastic rows (a slack with a large penalty), so the
restricted LP is always feasible and the final slack tells whether a quota is impossible.
When a MILP is needed it runs on the generated columns plus every left-out pair whose
reduced cost is within the integrality gap of the certified LP bound (no other pair can be
part of a better plan), so it too is optimal over all pairs.

:func:`greedy_plan` (best pair first) is the reference baseline for tests and
benchmarks only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, linprog, milp

from matcher.data.errors import MatcherError
from matcher.i18n import Message

# Pricing tolerance, relative to the largest pair value.
_REDUCED_COST_TOL = 1e-7
# Column generation converges in a handful of rounds in practice; this bounds a runaway.
_MAX_ROUNDS = 1000
# Improving pairs added per UMKM and per firm in a round (see _best_per_participant).
_PER_ROUND = 5


def _top_of_rows_and_columns(score: np.ndarray, k_row: int, k_col: int) -> np.ndarray:
    """Mask of each row's ``k_row`` and each column's ``k_col`` highest scores."""
    n_u, n_f = score.shape
    mask = np.zeros(score.shape, dtype=bool)
    if n_u and n_f:
        top = np.argpartition(-score, min(k_row, n_f) - 1, axis=1)[:, :k_row]
        mask[np.arange(n_u)[:, None], top] = True
        top = np.argpartition(-score, min(k_col, n_u) - 1, axis=0)[:k_col, :]
        mask[top, np.arange(n_f)[None, :]] = True
    return mask


class PlanInfeasibleError(MatcherError):
    """The requested constraints cannot all hold; the message names the one that breaks."""


@dataclass(frozen=True)
class Quota:
    """At least ``min_count`` distinct matched UMKM among the rows where ``mask`` is True."""

    mask: np.ndarray
    min_count: int
    label: str


@dataclass
class Plan:
    """Chosen pairs as (UMKM row, firm column) positions into the score matrix."""

    pairs: np.ndarray  # (m, 2) int64, sorted by UMKM row then firm column
    values: np.ndarray  # (m,) the value each pair contributes to the objective
    objective: float
    status: str  # "optimal" (plan_event) or "greedy" (greedy_plan)
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pairs)


# --------------------------------------------------------------------------- inputs


@dataclass
class _Problem:
    """Validated inputs shared by the optimal and the greedy planner."""

    value: np.ndarray  # (n_u, n_f) float, 0 where not finite
    eligible: np.ndarray  # (n_u, n_f) bool: may be chosen (forced pairs included)
    forced: np.ndarray  # (k, 2) must-include pairs
    cap_u: np.ndarray
    cap_f: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape


def _pair_array(pairs, shape: tuple[int, int], what: str) -> np.ndarray:
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    bad = (arr < 0).any(axis=1) | (arr[:, 0] >= shape[0]) | (arr[:, 1] >= shape[1])
    if bad.any():
        raise ValueError(f"{what}: pair {tuple(arr[bad][0])} is outside the {shape} score matrix")
    return np.unique(arr, axis=0)


def _capacity(cap, n: int, what: str) -> np.ndarray:
    arr = np.asarray(cap, dtype=np.int64).reshape(-1)
    if arr.shape != (n,):
        raise ValueError(f"{what} has {arr.size} entries, expected {n}")
    if (arr < 0).any():
        raise ValueError(f"{what} must be >= 0")
    return arr


def _prepare(
    scores,
    umkm_capacity,
    firm_capacity,
    min_score,
    must_include,
    exclude,
    values,
    ids=None,
    weights=None,
    allowed=None,
) -> _Problem:
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D (UMKM x firm) matrix, got shape {scores.shape}")
    value = scores if values is None else np.asarray(values, dtype=float)
    if value.shape != scores.shape:
        raise ValueError(f"values shape {value.shape} differs from scores shape {scores.shape}")
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != scores.shape:
            raise ValueError(
                f"weights shape {weights.shape} differs from scores shape {scores.shape}"
            )
        value = value * weights
    cap_u = _capacity(umkm_capacity, scores.shape[0], "umkm_capacity")
    cap_f = _capacity(firm_capacity, scores.shape[1], "firm_capacity")
    forced = _pair_array(must_include, scores.shape, "must_include")
    banned = _pair_array(exclude, scores.shape, "exclude")

    finite = np.isfinite(scores) & np.isfinite(value)
    eligible = finite & (value > 0)
    if min_score is not None:
        eligible &= scores >= min_score
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != scores.shape:
            raise ValueError(
                f"allowed shape {allowed.shape} differs from scores shape {scores.shape}"
            )
        eligible &= allowed
    eligible[banned[:, 0], banned[:, 1]] = False

    _check_forced(forced, banned, cap_u, cap_f, ids)
    eligible[forced[:, 0], forced[:, 1]] = True
    return _Problem(np.where(finite, value, 0.0), eligible, forced, cap_u, cap_f)


def _check_forced(forced, banned, cap_u, cap_f, ids) -> None:
    """Must-include pairs that contradict exclusions or capacities: name them."""

    def name(side: int, k: int) -> Message:
        what = ("umkm", "firm")[side]
        if ids is not None:
            return Message(f"event.forced.{what}", value=repr(ids[side][k]))
        return Message(f"event.forced.{what}_at", k=int(k))

    n_f = len(cap_f)
    both = forced[np.isin(forced[:, 0] * n_f + forced[:, 1], banned[:, 0] * n_f + banned[:, 1])]
    if len(both):
        raise PlanInfeasibleError(
            Message(
                "event.forced.both",
                n=len(both),
                umkm=name(0, both[0, 0]),
                firm=name(1, both[0, 1]),
            )
        )
    for side, cap in enumerate((cap_u, cap_f)):
        need = np.bincount(forced[:, side], minlength=len(cap))
        over = np.flatnonzero(need > cap)
        if len(over):
            k = over[0]
            more = Message("event.forced.more", n=len(over)) if len(over) > 1 else ""
            raise PlanInfeasibleError(
                Message(
                    "event.forced.over",
                    who=name(side, k),
                    need=int(need[k]),
                    cap=int(cap[k]),
                    more=more,
                )
            )


def _check_quotas(problem: _Problem, quotas: Sequence[Quota]) -> None:
    """Quotas that cannot hold whatever the rest of the plan does."""
    n_u = problem.shape[0]
    reachable = problem.eligible.any(axis=1) & (problem.cap_u > 0)
    for q in quotas:
        mask = np.asarray(q.mask, dtype=bool)
        if mask.shape != (n_u,):
            raise ValueError(f"quota {q.label!r}: mask has shape {mask.shape}, expected ({n_u},)")
        if q.min_count > mask.sum():
            raise PlanInfeasibleError(
                Message(
                    "event.quota.too_few",
                    label=repr(q.label),
                    n=q.min_count,
                    have=int(mask.sum()),
                    name=q.label,
                )
            )
        if q.min_count > (mask & reachable).sum():
            raise PlanInfeasibleError(
                Message(
                    "event.quota.unreachable",
                    label=repr(q.label),
                    n=q.min_count,
                    have=int((mask & reachable).sum()),
                    name=q.label,
                )
            )


# --------------------------------------------------------------------------- optimal


def plan_event(
    scores: np.ndarray,
    umkm_capacity: np.ndarray,
    firm_capacity: np.ndarray,
    *,
    min_score: float | None = None,
    must_include=(),
    exclude=(),
    quotas: Sequence[Quota] = (),
    values: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    initial_columns: int | None = None,
    ids: tuple[Sequence[str], Sequence[str]] | None = None,
) -> Plan:
    """Optimal plan: the pairs with the largest total value that respect every constraint.

    ``values`` (default: ``scores``) is each pair's value, e.g. :func:`stage_values` of
    calibrated chances; ``weights`` multiplies it per pair (facilitators' preferences;
    0 vetoes a pair); ``allowed`` is a boolean mask of pairs that may be planned at all
    (e.g. a minimum chance). ``must_include`` / ``exclude`` are (i, j) position pairs. ``initial_columns`` is how many
    best pairs per UMKM and per firm seed the column generation (default: from the
    capacities); it changes speed, never the answer. ``ids`` = (UMKM IDs, firm IDs) in row /
    column order lets error messages name participants instead of positions. Raises
    :class:`PlanInfeasibleError` naming the constraint that cannot hold.
    """
    t0 = time.perf_counter()
    problem = _prepare(
        scores,
        umkm_capacity,
        firm_capacity,
        min_score,
        must_include,
        exclude,
        values,
        ids,
        weights,
        allowed,
    )
    quotas = [q for q in quotas if q.min_count > 0]
    _check_quotas(problem, quotas)
    if not problem.eligible.any():
        return Plan(
            np.empty((0, 2), np.int64),
            np.empty(0),
            0.0,
            "optimal",
            {
                "method": "nothing to plan",
                "candidate_pairs": 0,
                "seconds": time.perf_counter() - t0,
            },
        )
    lp = _ColumnGeneration(problem, quotas, initial_columns)
    x, bound = lp.solve()
    method = "lp (column generation)"
    if quotas and np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:
        # Quotas with multi-partner UMKM can break total unimodularity: fractional vertex.
        x = lp.solve_integer(bound)
        method = "milp on generated columns"
    chosen = lp.columns[x > 0.5]
    chosen = chosen[np.lexsort((chosen[:, 1], chosen[:, 0]))]
    pair_values = problem.value[chosen[:, 0], chosen[:, 1]]
    objective = float(pair_values.sum())
    info = {
        "method": method,
        "candidate_pairs": int(problem.eligible.sum()),
        "columns": len(lp.columns),
        "rounds": lp.rounds,
        "lp_bound": bound,
        "integrality_gap": max(0.0, bound - objective),
        "seconds": time.perf_counter() - t0,
    }
    return Plan(chosen, pair_values, objective, "optimal", info)


class _ColumnGeneration:
    """The LP over a growing subset of pairs (columns), priced against the full matrix.

    Variables: x (one per column), then per quota UMKM a "matched" indicator y_i <= sum_j
    x_ij, then per quota an elastic slack s_q. Rows: UMKM capacity, firm capacity,
    y-links, quota rows ``-sum y - s <= -N``.
    """

    def __init__(self, problem: _Problem, quotas: Sequence[Quota], initial_columns: int | None):
        self.p = problem
        self.quotas = quotas
        n_u, n_f = problem.shape
        self.quota_rows = (
            np.flatnonzero(np.logical_or.reduce([np.asarray(q.mask, bool) for q in quotas]))
            if quotas
            else np.empty(0, np.int64)
        )
        # position of a UMKM's y-link row among the links, -1 if it is in no quota
        self.link_of = np.full(n_u, -1, np.int64)
        self.link_of[self.quota_rows] = np.arange(len(self.quota_rows))
        # any slack must cost more than the whole plan can earn
        self.penalty = 1.0 + float(np.abs(problem.value).max(initial=0.0)) * (
            min(problem.cap_u.sum(), problem.cap_f.sum()) + 1
        )
        self.is_forced = np.zeros((n_u, n_f), dtype=bool)
        self.is_forced[problem.forced[:, 0], problem.forced[:, 1]] = True
        self.in_model = np.zeros((n_u, n_f), dtype=bool)
        self.columns = np.empty((0, 2), dtype=np.int64)
        self.rounds = 0
        self._add(self._seed(initial_columns))

    # -- columns -------------------------------------------------------------------
    def _seed(self, initial_columns: int | None) -> np.ndarray:
        """Each UMKM's and each firm's best eligible pairs, and all forced pairs."""
        p = self.p
        k_u = initial_columns or int(2 * p.cap_u.max(initial=1) + 5)
        k_f = initial_columns or int(2 * p.cap_f.max(initial=1) + 5)
        mask = _top_of_rows_and_columns(np.where(p.eligible, p.value, -np.inf), k_u, k_f)
        mask &= p.eligible
        mask[p.forced[:, 0], p.forced[:, 1]] = True
        return np.argwhere(mask)

    def _best_per_participant(self, gain: np.ndarray) -> np.ndarray:
        """The ``_PER_ROUND`` most improving pairs of every UMKM and every firm (-inf = none).

        Adding every improving pair at once can pull most of a 2.5 M-pair room into the LP
        on skewed scores; a few per participant keeps the LP small and still converges.
        """
        return np.argwhere(
            _top_of_rows_and_columns(gain, _PER_ROUND, _PER_ROUND) & np.isfinite(gain)
        )

    def _add(self, new: np.ndarray) -> None:
        self.in_model[new[:, 0], new[:, 1]] = True
        self.columns = np.vstack([self.columns, new])

    # -- model ---------------------------------------------------------------------
    def _model(self):
        p, cols = self.p, self.columns
        n_u, n_f = p.shape
        m, k, nq = len(cols), len(self.quota_rows), len(self.quotas)
        xs = np.arange(m)
        ones = np.ones(m)
        capacity_rows = sp.vstack(
            [
                sp.csr_matrix((ones, (cols[:, 0], xs)), shape=(n_u, m)),
                sp.csr_matrix((ones, (cols[:, 1], xs)), shape=(n_f, m)),
            ]
        )
        rows = [sp.hstack([capacity_rows, sp.csr_matrix((n_u + n_f, k + nq))])]
        b = [p.cap_u, p.cap_f]
        if nq:
            link = self.link_of[cols[:, 0]]
            in_q = link >= 0
            x_part = sp.csr_matrix((-ones[in_q], (link[in_q], xs[in_q])), shape=(k, m))
            rows.append(sp.hstack([x_part, sp.identity(k), sp.csr_matrix((k, nq))]))
            q_y = sp.csr_matrix(
                np.vstack(
                    [-np.asarray(q.mask, bool)[self.quota_rows].astype(float) for q in self.quotas]
                )
            )
            rows.append(sp.hstack([sp.csr_matrix((nq, m)), q_y, -sp.identity(nq)]))
            b += [np.zeros(k), -np.array([q.min_count for q in self.quotas], float)]
        A = sp.vstack(rows, format="csr")
        c = np.concatenate(
            [-p.value[cols[:, 0], cols[:, 1]], np.zeros(k), np.full(nq, self.penalty)]
        )
        lower = np.zeros(m + k + nq)
        lower[:m] = self.is_forced[cols[:, 0], cols[:, 1]]
        upper = np.concatenate([np.ones(m + k), np.full(nq, np.inf)])
        return c, A, np.concatenate(b).astype(float), lower, upper

    # -- solving -------------------------------------------------------------------
    def solve(self) -> tuple[np.ndarray, float]:
        """LP optimum over all pairs (certified by pricing); returns (x, plan value bound)."""
        p = self.p
        n_u, n_f = p.shape
        tol = _REDUCED_COST_TOL * max(1.0, float(np.abs(p.value).max(initial=0.0)))
        for self.rounds in range(1, _MAX_ROUNDS + 1):
            c, A, b, lo, hi = self._model()
            res = linprog(c, A_ub=A, b_ub=b, bounds=np.column_stack([lo, hi]), method="highs-ds")
            if res.status != 0:  # elastic quotas keep it feasible; anything else is a bug
                raise RuntimeError(f"LP solver failed: {res.message}")
            dual = -res.ineqlin.marginals  # >= 0 prices of the <= rows
            y_u, y_f = dual[:n_u].copy(), dual[n_u : n_u + n_f]
            if len(self.quota_rows):
                y_u[self.quota_rows] -= dual[n_u + n_f : n_u + n_f + len(self.quota_rows)]
            # reduced gain of every pair; <= 0 for all left-out pairs certifies optimality
            reduced = p.value - y_u[:, None] - y_f[None, :]
            improving = (reduced > tol) & p.eligible & ~self.in_model
            if not improving.any():
                break
            self._add(self._best_per_participant(np.where(improving, reduced, -np.inf)))
        else:
            raise RuntimeError(
                f"column generation did not converge in {_MAX_ROUNDS} rounds; "
                "the plan's optimality could not be proven"
            )
        self.reduced_gain = reduced
        self.tol = tol
        self._raise_if_quota_slack(res.x)
        return res.x[: len(self.columns)], self._value(res.x)

    def solve_integer(self, bound: float) -> np.ndarray:
        """MILP (x, y integral) on the generated columns, proven optimal over all pairs.

        Reduced-cost argument: any plan using a left-out pair whose reduced gain is -d is
        worth at most ``bound - d``. So once the MILP on the columns has value z, only
        left-out pairs with d <= bound - z could do better; they are added and the MILP
        solved again, after which no left-out pair can improve on it.
        """
        x = self._milp()
        if self._quota_slack(x).max(initial=0.0) > 1e-6:
            # integrality needs columns the LP did not: every allowed pair of quota UMKM
            extra = self.p.eligible & ~self.in_model
            extra[np.setdiff1d(np.arange(self.p.shape[0]), self.quota_rows)] = False
            self._add(np.argwhere(extra))
            x = self._milp()
        self._raise_if_quota_slack(x)
        gap = bound - self._value(x)
        promising = self.p.eligible & ~self.in_model & (self.reduced_gain >= -gap - self.tol)
        if gap > self.tol and promising.any():
            self._add(np.argwhere(promising))
            x = self._milp()
        return x[: len(self.columns)]

    def _value(self, x: np.ndarray) -> float:
        cols = self.columns
        return float(self.p.value[cols[:, 0], cols[:, 1]] @ x[: len(cols)])

    def _milp(self) -> np.ndarray:
        c, A, b, lo, hi = self._model()
        m, k = len(self.columns), len(self.quota_rows)
        integrality = np.concatenate([np.ones(m + k), np.zeros(len(self.quotas))])
        res = milp(
            c,
            constraints=LinearConstraint(A, -np.inf, b),
            integrality=integrality,
            bounds=(lo, hi),
            options={"mip_rel_gap": 1e-9},
        )
        if res.status != 0 or res.x is None:
            raise RuntimeError(f"MILP solver failed: {res.message}")
        return res.x

    def _quota_slack(self, x: np.ndarray) -> np.ndarray:
        return x[len(x) - len(self.quotas) :] if self.quotas else np.empty(0)

    def _raise_if_quota_slack(self, x: np.ndarray) -> None:
        for q, s in zip(self.quotas, self._quota_slack(x)):
            if s > 1e-6:
                raise PlanInfeasibleError(
                    Message(
                        "event.quota.conflict",
                        label=repr(q.label),
                        n=q.min_count,
                        most=int(round(q.min_count - s)),
                    )
                )


# --------------------------------------------------------------------------- greedy


def greedy_plan(
    scores: np.ndarray,
    umkm_capacity: np.ndarray,
    firm_capacity: np.ndarray,
    *,
    min_score: float | None = None,
    must_include=(),
    exclude=(),
    values: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> Plan:
    """Reference baseline (tests and benchmarks only): forced pairs, then the best
    remaining pair while both sides have room. Ignores quotas; not optimal."""
    t0 = time.perf_counter()
    p = _prepare(
        scores,
        umkm_capacity,
        firm_capacity,
        min_score,
        must_include,
        exclude,
        values,
        None,
        weights,
        allowed,
    )
    left_u, left_f = p.cap_u.copy(), p.cap_f.copy()
    np.subtract.at(left_u, p.forced[:, 0], 1)
    np.subtract.at(left_f, p.forced[:, 1], 1)
    open_pairs = p.eligible.copy()
    open_pairs[p.forced[:, 0], p.forced[:, 1]] = False
    cand = np.argwhere(open_pairs)
    order = np.argsort(-p.value[cand[:, 0], cand[:, 1]], kind="stable")
    chosen = [tuple(pair) for pair in p.forced]
    for i, j in cand[order].tolist():  # a sequential decision by nature; reference only
        if left_u[i] > 0 and left_f[j] > 0:
            chosen.append((i, j))
            left_u[i] -= 1
            left_f[j] -= 1
    pairs = np.array(sorted(chosen), dtype=np.int64).reshape(-1, 2)
    pair_values = p.value[pairs[:, 0], pairs[:, 1]]
    return Plan(
        pairs,
        pair_values,
        float(pair_values.sum()),
        "greedy",
        {"method": "greedy", "seconds": time.perf_counter() - t0},
    )


# --------------------------------------------------------------------------- helpers


def region_quota(umkm: pd.DataFrame, region: str, min_count: int) -> Quota:
    """Quota over the UMKM frame's rows in ``region``: a province (any accepted spelling:
    "Jatim", "Jawa Timur", "35") or else a kabupaten/kota ("Pamekasan", "Kota Malang").

    A name that is both a province and a city ("Bengkulu") means the province; write
    "Kota Bengkulu" for the city. Unknown names raise a MatcherError with suggestions.
    """
    from matcher.data import reference as ref

    try:
        code, name = ref.normalise_province(region)
        return Quota((umkm["province_code"] == code).to_numpy(bool), int(min_count), name)
    except ValueError:
        pass
    found = ref.normalise_regency(region)
    if found is None:
        near = ref.closest_provinces(region) + ref.closest_regencies(region)
        hint = Message("data.rule.closest", names=", ".join(near)) if near else ""
        raise MatcherError(Message("event.quota.region", value=repr(region), hint=hint))
    code, name = found
    return Quota((umkm["regency_code"] == code).to_numpy(bool), int(min_count), name)


def parse_quota(spec: str, umkm: pd.DataFrame) -> Quota:
    """``"REGION:N"`` (e.g. ``"Pamekasan:5"``) -> :func:`region_quota`."""
    region, sep, count = spec.rpartition(":")
    try:
        n = int(count)
    except ValueError:
        n = -1
    if not sep or not region.strip() or n < 0:
        raise MatcherError(Message("event.quota.syntax", spec=repr(spec)))
    return region_quota(umkm, region.strip(), n)


# --------------------------------------------------------------------------- value

#: Relative value of reaching each stage (meeting, MoU, contract): a pair's value is
#: sum_k w_k P(reach stage k), so a likely contract (0.9, 0.8, 0.7 -> 5.3) outweighs two
#: likely meetings that go no further (0.9, 0.3, 0.1 -> 1.9 each).
DEFAULT_STAGE_WEIGHTS = (1.0, 2.0, 4.0)
#: Pairs whose chance of even a meeting is below this are not planned: a slot spent on them
#: is a slot a facilitator could use better (``--min-chance``).
DEFAULT_MIN_CHANCE = 0.1


def stage_values(chances: np.ndarray, stage_weights=DEFAULT_STAGE_WEIGHTS) -> np.ndarray:
    """Expected value of pairs from their chances (..., 3) [p_meeting, p_mou, p_contract]:
    ``sum_k w_k p_k``. NaN chances (a model without calibration) give NaN."""
    w = np.asarray(stage_weights, dtype=float)
    if w.shape != (3,) or (w < 0).any() or not np.isfinite(w).all():
        raise MatcherError(Message("event.stage_weights", value=repr(stage_weights)))
    return np.asarray(chances, dtype=float) @ w


def parse_stage_weights(text: str) -> tuple[float, float, float]:
    """``"1,2,4"`` -> (1.0, 2.0, 4.0), with a clear error for anything else."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    try:
        w = tuple(float(p) for p in parts)
    except ValueError:
        w = ()
    if len(w) != 3 or any(not np.isfinite(x) or x < 0 for x in w):
        raise MatcherError(Message("event.stage_weights", value=repr(text)))
    return w


def firm_capped_values(values: np.ndarray, firm_pos: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Per-pair expected values scaled so no firm's total exceeds its budget.

    ``values`` (m,) per planned pair, ``firm_pos`` (m,) the pair's firm, ``budget`` per firm
    (NaN = unknown: left as is). A firm whose pairs add up to more than its yearly budget
    cannot sign them all at those values; its pairs are scaled down in proportion, so each
    firm's total is at most its budget and the plan's total is the sum over its pairs.
    """
    values = np.asarray(values, dtype=float)
    firm_pos = np.asarray(firm_pos, dtype=np.int64)
    known = np.isfinite(values)
    total = np.bincount(firm_pos[known], weights=values[known], minlength=len(budget))
    cap = np.asarray(budget, dtype=float)
    scale = np.where(
        np.isfinite(cap) & (total > cap) & (total > 0), cap / np.where(total > 0, total, 1), 1.0
    )
    return values * scale[firm_pos]
