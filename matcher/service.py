"""The one façade used by the CLI, the API and the web app.

A :class:`MatchService` binds a fitted model to a set of profiles (canonical frames, see
:mod:`matcher.data.schema`). It owns the ID<->index maps (:class:`matcher.index.IdIndex`)
and the per-entity encodings, so every request only scores pairs. It does no I/O: callers
load files or rows from the store and hand frames in.

The model it wraps implements :class:`matcher.protocols.MatchingModel` (encode each side
once, score blocks and aligned pairs, top-k firms, reasons) and optionally
:class:`matcher.protocols.ChanceModel` (chances, contract values);
:class:`matcher.ranking.MatchModel` is the real one. ``tests/model_contract.py`` checks the
real model and every test stand-in against the same contract.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from matcher.data.schema import UMKM_COLUMNS
from matcher.feedback import DECLINED, PairStatus, status_words
from matcher.i18n import Figure, Message
from matcher.index import IdIndex, pair_positions
from matcher.topk import top_k_rows

CHANCE_COLUMNS = ("p_meeting", "p_mou", "p_contract", "expected_value_idr")
# status: "partner" (MoU or beyond: sudah bermitra), "declined" (only when asked for), ""
RECOMMENDATION_COLUMNS = (
    "umkm_id",
    "firm_id",
    "rank",
    "score",
    *CHANCE_COLUMNS,
    "status",
    "reasons",
)
# how many firms beyond k an outcome-free list keeps (MatchService.recommend_ahead), so
# that up to this many declined pairs can be left out of it without scoring again
AHEAD_MARGIN = 10


def chance_texts(p: np.ndarray, stage: str = "contract", lang: str | None = None) -> np.ndarray:
    """:func:`matcher.i18n.chance_text` for many chances: one text per distinct per-mille
    value (at most 1,001 formatted), looked up for every row."""
    from matcher.i18n import chance_text, t

    p = np.asarray(p, dtype=float)
    out = np.full(len(p), t("chances.unknown", lang), dtype=object)
    ok = np.isfinite(p)
    if ok.any():
        keys, inverse = np.unique(np.rint(p[ok] * 1000).astype(np.int64), return_inverse=True)
        texts = np.array([chance_text(k / 1000, stage, lang) for k in keys], dtype=object)
        out[ok] = texts[inverse]
    return out


class MatchService:
    """Recommend firms for UMKM, UMKM for firms, and score event rooms."""

    model_version: str | None = None
    include_declined: bool = False  # default for every question (see with_outcomes)

    def __init__(
        self,
        model,
        umkm: pd.DataFrame | None,
        firms: pd.DataFrame,
        *,
        encode_umkm_upfront: bool = True,
        encoded_firms=None,
        outcomes: pd.DataFrame | None = None,
    ):
        """``umkm=None`` binds the firms only: a firm-side service that answers for UMKM
        profiles handed in (:meth:`match_profile`; what batch engines ship and stream).
        ``encode_umkm_upfront=False`` (batch runs) encodes UMKM chunk by chunk in
        :meth:`recommend_chunk`, so memory does not grow with the number of UMKM; other
        questions then encode all UMKM on first use. ``encoded_firms``: the firms'
        encodings when already made (another service's), so they are not made again."""
        self.model = model
        self.umkm = (
            pd.DataFrame(columns=list(UMKM_COLUMNS))
            if umkm is None
            else umkm.reset_index(drop=True)
        )
        self.firms = firms.reset_index(drop=True)
        self.umkm_index = IdIndex(self.umkm["umkm_id"], kind="umkm")
        self.firm_index = IdIndex(self.firms["firm_id"], kind="firm")
        upfront = encode_umkm_upfront and umkm is not None
        self._U_all = model.encode_umkm(self.umkm) if upfront else None
        self._F = model.encode_firms(self.firms) if encoded_firms is None else encoded_firms
        self.status = PairStatus(outcomes)

    def with_outcomes(
        self, outcomes: pd.DataFrame | PairStatus | None, include_declined: bool = False
    ) -> MatchService:
        """The same service (encodings shared, nothing re-encoded) answering with these
        recorded outcomes (a frame, or their :class:`~matcher.feedback.PairStatus`): e.g.
        the store's, read for each request. ``include_declined`` shows declined pairs
        (flagged) instead of leaving them out, for every question."""
        other = copy.copy(self)
        other.status = outcomes if isinstance(outcomes, PairStatus) else PairStatus(outcomes)
        other.include_declined = include_declined
        return other

    def firm_side(self) -> MatchService:
        """This service's model and firms (encodings shared), without its UMKM."""
        service = MatchService(self.model, None, self.firms, encoded_firms=self._F)
        service.model_version = self.model_version
        service.status, service.include_declined = self.status, self.include_declined
        return service

    @property
    def _U(self):
        if self._U_all is None:
            self._U_all = self.model.encode_umkm(self.umkm)
        return self._U_all

    @classmethod
    def from_registry(
        cls,
        registry=None,
        umkm: pd.DataFrame | None = None,
        firms: pd.DataFrame | None = None,
        version: str | None = None,
        **options,
    ) -> MatchService:
        """Bind the registry's current (or given) model version to these profiles.

        ``registry`` is a :class:`matcher.registry.RegistryReader` (or the training side's
        :class:`training.registry.Registry`, a subclass) or a folder path (None: the default
        registry). The loaded artifact is checksum-verified by the registry.
        """
        from matcher.registry import RegistryReader

        reg = registry if isinstance(registry, RegistryReader) else RegistryReader(registry)
        service = cls(reg.load(version), umkm, firms, **options)
        service.model_version = reg.resolve(version)
        return service

    # -- scoring -------------------------------------------------------------------
    def score_matrix(self, umkm_ids: Sequence[str], firm_ids: Sequence[str]) -> np.ndarray:
        """Dense scores, rows in the order of ``umkm_ids``, columns of ``firm_ids``."""
        u = self.umkm_index.to_index(list(umkm_ids))
        f = self.firm_index.to_index(list(firm_ids))
        return self.model.score_block(self._U, self._F, u, f)

    def explain(self, umkm_ids: Sequence[str], firm_ids: Sequence[str]) -> list[str]:
        """Reasons for aligned pairs (umkm_ids[i], firm_ids[i])."""
        u = self.umkm_index.to_index(list(umkm_ids))
        f = self.firm_index.to_index(list(firm_ids))
        return self.model.explain_pairs(self._U, self._F, u, f)

    # -- recommendations -----------------------------------------------------------
    def iter_recommend_firms(
        self, umkm_ids: Sequence[str] | None = None, k: int = 10, chunk_size: int = 2048, **filters
    ) -> Iterator[pd.DataFrame]:
        """Top-k firms per UMKM, yielded chunk by chunk so memory stays bounded."""
        for u_idx in self.chunk_positions(umkm_ids, chunk_size):
            yield self.recommend_chunk(u_idx, k, **filters)

    def chunk_positions(self, umkm_ids: Sequence[str] | None, chunk_size: int) -> list[np.ndarray]:
        """UMKM positions per chunk, in input order: the unit every batch engine scores."""
        if chunk_size < 1:
            raise MatcherError(
                Message("cli.args.at_least_one", option="chunk_size", got=chunk_size)
            )
        u_all = (
            np.arange(len(self.umkm_index))
            if umkm_ids is None
            else self.umkm_index.to_index(list(umkm_ids))
        )
        return [u_all[s : s + chunk_size] for s in range(0, len(u_all), chunk_size)]

    def firm_mask(
        self, investment_type: str | None = None, province_code: str | None = None
    ) -> np.ndarray | None:
        """Firms a match request may return: of this investment type (PMA / PMDN) and in
        this province (2-digit code); None when there is no filter."""
        if investment_type is None and province_code is None:
            return None
        mask = np.ones(len(self.firms), dtype=bool)
        if investment_type is not None:
            mask &= (
                self.firms["investment_type"].astype(str).str.upper() == investment_type.upper()
            ).to_numpy()
        if province_code is not None:
            mask &= (self.firms["province_code"].astype(str) == str(province_code)).to_numpy()
        return mask

    def recommend_chunk(
        self,
        u_idx: np.ndarray,
        k: int = 10,
        *,
        firm_mask: np.ndarray | None = None,
        min_chance: float | None = None,
        include_declined: bool | None = None,
        explained: int | None = None,
    ) -> pd.DataFrame:
        """Top-k firms for the UMKM at positions ``u_idx``: the unit of work of every batch
        engine (local chunks here, Dask tasks in :mod:`matcher.scale`), so they agree row
        for row.

        Declined pairs (recorded outcomes) are left out unless ``include_declined``; only
        firms in ``firm_mask`` (see :meth:`firm_mask`) and pairs whose contract chance is
        at least ``min_chance`` are returned (so fewer than k when few qualify). With
        ``explained``, only each UMKM's first ``explained`` rows get reasons (the others
        None; :meth:`restatus` explains them if they move up)."""
        u_idx = np.asarray(u_idx, dtype=np.int64)
        if self._U_all is None:  # batch mode: encode just this chunk
            U, local = self.model.encode_umkm(self.umkm.iloc[u_idx]), np.arange(len(u_idx))
        else:
            U, local = self._U_all, u_idx
        if include_declined is None:
            include_declined = self.include_declined
        # fetch enough candidates that k remain after the filters
        extra = (
            0
            if include_declined
            else self.status.max_declined(self.umkm["umkm_id"].to_numpy()[u_idx])
        )
        if firm_mask is not None:
            extra += int((~firm_mask).sum())
        cols, vals, X = self.model.top_firms(U, self._F, local, k + extra, return_features=True)
        lazy = explained is not None and explained < cols.shape[1]
        frame = self._frame(u_idx, cols, vals, None if lazy else X, U, local)
        if lazy:
            frame = self._explain_first(frame, explained, X, U, local, cols)
        if not extra and min_chance is None:
            return frame
        keep = np.ones(len(frame), dtype=bool)
        if not include_declined:
            keep &= (frame["status"] != DECLINED).to_numpy()
        if firm_mask is not None:
            keep &= firm_mask[cols.ravel()]
        if min_chance is not None:
            keep &= frame["p_contract"].to_numpy(float) >= min_chance
        frame = frame[keep]
        frame = frame[frame.groupby("umkm_id", sort=False).cumcount().to_numpy() < k].copy()
        frame["rank"] = frame.groupby("umkm_id", sort=False).cumcount().to_numpy() + 1
        return frame.reset_index(drop=True)

    def recommend_firms(
        self, umkm_ids: Sequence[str] | None = None, k: int = 10, **filters
    ) -> pd.DataFrame:
        parts = list(self.iter_recommend_firms(umkm_ids, k, **filters))
        if not parts:
            return pd.DataFrame(columns=list(RECOMMENDATION_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    def without_outcomes(self) -> MatchService:
        """This service with no recorded outcomes and declined pairs kept: what it answers
        depends on the model and the profiles only (scores, chances, reasons), so it can be
        kept per snapshot while outcomes come and go; :meth:`restatus` applies the outcomes
        afterwards, with no model work."""
        return self.with_outcomes(None, include_declined=True)

    def recommend_ahead(
        self,
        umkm_ids: Sequence[str] | None = None,
        k: int = 10,
        *,
        margin: int = AHEAD_MARGIN,
        firm_mask: np.ndarray | None = None,
        min_chance: float | None = None,
    ) -> pd.DataFrame:
        """Top ``k + margin`` firms per UMKM with no outcomes applied (see
        :meth:`without_outcomes`), under the same filters as :meth:`recommend_firms`:
        :meth:`restatus` turns it into :meth:`recommend_firms`' answer for any outcomes.
        Only the first k rows per UMKM carry reasons (the rest rarely show: explaining
        them would double the work); :meth:`restatus` explains one that moves up."""
        return self.without_outcomes().recommend_firms(
            umkm_ids, k + margin, firm_mask=firm_mask, min_chance=min_chance, explained=k
        )

    def restatus(
        self, ahead: pd.DataFrame, k: int, margin: int = AHEAD_MARGIN
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """:meth:`recommend_firms`' top-``k`` answer under this service's outcomes (and its
        ``include_declined``), made from ``ahead`` (:meth:`recommend_ahead` with the same
        ``k``, ``margin`` and filters) without scoring again: each pair's status, the
        "sudah bermitra" / "pernah ditolak" flag leading its reasons, declined pairs left
        out, ranks counted again.

        Returns (rows, IDs of the UMKM it cannot answer for): a UMKM whose ``k + margin``
        fetched firms lost more than ``margin`` declined ones may have better firms beyond
        them, so its rows are left out and the caller asks :meth:`recommend_firms`."""
        if not len(ahead):
            return ahead.copy(), np.empty(0, dtype=object)
        # arrays, not groupby: for one UMKM's list (every read after an outcome) pandas'
        # per-call overhead was most of the time. Rows come grouped by UMKM, best first.
        u = ahead["umkm_id"].to_numpy(dtype=object)
        n = len(u)
        first = np.r_[True, u[1:] != u[:-1]]
        starts = np.flatnonzero(first)
        if len(set(u[starts])) < len(starts):
            raise ValueError("restatus: the rows of each UMKM must be together, best first")
        group = np.cumsum(first) - 1
        status = self.status.lookup(u, ahead["firm_id"].to_numpy(dtype=object))
        keep = np.ones(n, dtype=bool) if self.include_declined else status != DECLINED
        running = np.cumsum(keep)
        rank = running - (running - keep)[starts][group]  # 1-based among the kept rows
        fetched = np.diff(np.r_[starts, n])
        kept = np.add.reduceat(keep.astype(np.int64), starts)
        short_group = (fetched >= k + margin) & (kept < k)
        rows = np.flatnonzero(keep & (rank <= k) & ~short_group[group])
        frame = ahead.iloc[rows].reset_index(drop=True)
        reasons = frame["reasons"].to_numpy(dtype=object).copy()
        flagged = np.flatnonzero((status[rows] != "") & pd.notna(reasons))
        if len(flagged):  # the flag leads, as MatchService.chances writes it
            words = status_words(status[rows][flagged])
            reasons[flagged] = [f"{w}; {r}" if r else w for w, r in zip(words, reasons[flagged])]
        frame["rank"] = rank[rows]
        frame["status"] = status[rows]
        frame["reasons"] = reasons
        short = u[starts][short_group]
        unexplained = np.flatnonzero(frame["reasons"].isna().to_numpy())
        if len(unexplained):  # rows from beyond the first k moved up: explain them now
            part = frame.iloc[unexplained]
            model_reasons = self.explain(part["umkm_id"].tolist(), part["firm_id"].tolist())
            reasons = frame["reasons"].to_numpy(dtype=object).copy()
            reasons[unexplained] = self._reason_texts(
                part["p_contract"].to_numpy(float),
                part["status"].to_numpy(dtype=object),
                model_reasons,
            )
            frame["reasons"] = reasons
        return frame, np.asarray(short, dtype=object)

    def recommend_umkm(
        self,
        firm_id: str,
        k: int = 10,
        umkm_ids: Sequence[str] | None = None,
        *,
        min_chance: float | None = None,
        include_declined: bool | None = None,
    ) -> pd.DataFrame:
        """Top-k UMKM for one firm (the reverse question), best first; among ``umkm_ids``
        only when given (e.g. the UMKM of a facilitator's region). Declined pairs are left
        out unless ``include_declined``; ``min_chance``: contract chance at least this."""
        f = self.firm_index.to_index([firm_id])
        pool = (
            np.arange(len(self.umkm_index))
            if umkm_ids is None
            else self.umkm_index.to_index(list(umkm_ids))
        )
        include_declined = self.include_declined if include_declined is None else include_declined
        if len(pool) and not include_declined and self.status.max_declined([firm_id], side="firm"):
            status = self.status.lookup(
                self.umkm["umkm_id"].to_numpy()[pool], np.repeat(firm_id, len(pool))
            )
            pool = pool[status != DECLINED]
        if len(pool) == 0:
            return pd.DataFrame(
                columns=[
                    "firm_id",
                    "umkm_id",
                    "rank",
                    "score",
                    *CHANCE_COLUMNS,
                    "status",
                    "reasons",
                ]
            )
        scores = self.model.score_block(self._U, self._F, pool, f)[:, 0]
        if min_chance is not None:
            p = self._model_chances(scores)[:, 2]
            scores = np.where(p >= min_chance, scores, -np.inf)
        rows, vals = top_k_rows(scores[None, :], k)
        rows, vals = rows[:, np.isfinite(vals[0])], vals[:, np.isfinite(vals[0])]
        u = pool[rows[0]]
        ff = np.repeat(f, len(u))
        reasons = self.model.explain_pairs(self._U, self._F, u, ff)
        return pd.DataFrame(
            {
                "firm_id": firm_id,
                "umkm_id": self.umkm_index.to_ids(u),
                "rank": np.arange(1, len(u) + 1),
                "score": vals[0],
                **self.chances(vals[0], u, ff, reasons),
            }
        )

    def plan_event(
        self,
        event: pd.DataFrame,
        *,
        min_score: float | None = None,
        must_include: Sequence[tuple[str, str]] = (),
        exclude: Sequence[tuple[str, str]] = (),
        quotas: Sequence[str] = (),
        min_chance: float | None = None,
        stage_weights=None,
        weights: np.ndarray | None = None,
        include_declined: bool | None = None,
        preferences: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Plan an event (canonical event frame) for the largest expected value.

        Scores every (UMKM, firm) pair among the participants, turns the scores into
        calibrated chances, values each pair as ``sum_k w_k P(stage k)``
        (:func:`matcher.planning.stage_values`, ``stage_weights`` default
        ``DEFAULT_STAGE_WEIGHTS``), skips pairs whose chance of a meeting is below
        ``min_chance`` (default ``DEFAULT_MIN_CHANCE``) and solves the assignment with
        :func:`matcher.planning.plan_event`. ``weights`` (UMKM x firm, participants in
        event order) multiplies each pair's value (preferences; 0 = veto). Pairs declined
        in the recorded outcomes are not planned unless ``include_declined``. A model without
        calibration plans on its raw scores, as before. ``must_include`` and ``exclude``
        are (umkm_id, firm_id) pairs; ``quotas`` are ``"REGION:N"`` specs. ``preferences``
        (:func:`matcher.data.event_files.parse_preferences`): vetoes are never planned and
        wishes multiply the pair's value (:mod:`matcher.preferences`); the plan's ``attrs``
        then carry ``wishes`` (tally) and ``unmet_wishes``.

        Returns the event plan format: umkm_id, firm_id, score, p_meeting, p_mou,
        p_contract, expected_value_idr (per firm never above its budget), reasons; firm,
        then score order. ``attrs``: ``plan_info``, ``unmatched_umkm`` and ``unused_firms``
        (each with the best alternatives still open).
        """
        from matcher.planning import DEFAULT_MIN_CHANCE, firm_capped_values, parse_quota, plan_event
        from matcher.preferences import unmet_wishes, wish_tally

        room = self._room(
            event,
            stage_weights=stage_weights,
            include_declined=include_declined,
            preferences=preferences,
            exclude=exclude,
            weights=weights,
        )
        u_ids, f_ids, scores, chances = room.u_ids, room.f_ids, room.scores, room.chances
        min_chance = DEFAULT_MIN_CHANCE if min_chance is None else float(min_chance)
        if not 0.0 <= min_chance <= 1.0:
            raise MatcherError(Message("event.min_chance", got=Figure(min_chance, 4)))
        allowed = room.not_declined.copy()
        if room.calibrated:
            allowed &= chances[:, :, 0] >= min_chance
        umkm_rows = self.umkm.iloc[self.umkm_index.to_index(u_ids)].reset_index(drop=True)
        plan = plan_event(
            scores,
            room.cap_u,
            room.cap_f,
            min_score=min_score,
            must_include=room.positions(must_include, "must-include"),
            exclude=room.excluded,
            quotas=[parse_quota(q, umkm_rows) for q in quotas],
            values=room.value if room.calibrated else None,
            weights=room.weights,
            allowed=allowed,
            ids=(u_ids, f_ids),
        )
        i, j = plan.pairs[:, 0], plan.pairs[:, 1]
        u_sel = np.asarray(u_ids, dtype=object)[i]
        f_sel = np.asarray(f_ids, dtype=object)[j]
        u_glob = self.umkm_index.to_index(list(u_sel))
        f_glob = self.firm_index.to_index(list(f_sel))
        cols = self.chances(scores[i, j], u_glob, f_glob, self.explain(list(u_sel), list(f_sel)))
        budget = (
            self.firms["budget_idr"]
            if "budget_idr" in self.firms
            else pd.Series(np.nan, index=self.firms.index)
        )
        budgets = budget.to_numpy(float)[self.firm_index.to_index(f_ids)]  # no budget known: no cap
        cols["expected_value_idr"] = firm_capped_values(cols["expected_value_idr"], j, budgets)
        out = pd.DataFrame({"umkm_id": u_sel, "firm_id": f_sel, "score": scores[i, j], **cols})
        out = out.sort_values(["firm_id", "score"], ascending=[True, False], kind="stable")
        out.attrs["plan_info"] = {
            **plan.info,
            "objective": "expected value" if room.calibrated else "score",
            "min_chance": min_chance if room.calibrated else None,
        }
        alt = room.alternatives(plan.pairs)
        out.attrs["unmatched_umkm"] = alt.unmatched_umkm()
        out.attrs["unused_firms"] = alt.unused_firms()
        out = out.reset_index(drop=True)
        if preferences is not None:
            ok_pairs = np.argwhere(
                np.isfinite(room.open_value())
                & allowed
                & ((scores >= min_score) if min_score is not None else True)
            )
            eligible = pd.DataFrame(
                {
                    "umkm_id": np.asarray(u_ids, object)[ok_pairs[:, 0]],
                    "firm_id": np.asarray(f_ids, object)[ok_pairs[:, 1]],
                }
            )
            out.attrs["wishes"] = wish_tally(preferences, out)
            out.attrs["unmet_wishes"] = unmet_wishes(preferences, out, eligible=eligible)
        return out

    def event_alternatives(
        self,
        event: pd.DataFrame,
        meetings: pd.DataFrame,
        *,
        preferences: pd.DataFrame | None = None,
        stage_weights=None,
        include_declined: bool | None = None,
    ) -> Alternatives:
        """The lists a facilitator acts on for an event whose ``meetings`` (umkm_id, firm_id
        rows: a plan, or a schedule's meetings that take place) are fixed: the same
        :class:`Alternatives` :meth:`plan_event` attaches to its plan, valued the same way
        (expected value when calibrated, declined pairs and vetoes never suggested)."""
        room = self._room(
            event,
            stage_weights=stage_weights,
            include_declined=include_declined,
            preferences=preferences,
        )
        pairs = room.positions(
            list(zip(meetings["umkm_id"].astype(str), meetings["firm_id"].astype(str))), "meeting"
        )
        return room.alternatives(pairs)

    def _room(
        self,
        event: pd.DataFrame,
        *,
        stage_weights=None,
        include_declined: bool | None = None,
        preferences: pd.DataFrame | None = None,
        exclude=(),
        weights=None,
    ) -> _Room:
        """Scores, chances and pair values of an event's participants (one owner for what
        the planner and the lists to act on agree on)."""
        from matcher.planning import DEFAULT_STAGE_WEIGHTS, stage_values
        from matcher.preferences import preference_matrices

        is_u = (event["party"] == "umkm").to_numpy()
        u_ids = event.loc[is_u, "id"].astype(str).tolist()
        f_ids = event.loc[~is_u, "id"].astype(str).tolist()
        scores = self.score_matrix(u_ids, f_ids)
        n_u, n_f = scores.shape
        chances = self._model_chances(scores.ravel()).reshape(n_u, n_f, 3)
        calibrated = bool(np.isfinite(chances).all()) and n_u * n_f > 0
        value = (
            stage_values(chances, DEFAULT_STAGE_WEIGHTS if stage_weights is None else stage_weights)
            if calibrated
            else scores
        )
        not_declined = np.ones((n_u, n_f), dtype=bool)
        include_declined = self.include_declined if include_declined is None else include_declined
        if len(self.status) and not include_declined:  # a declined pair is not proposed again
            not_declined = (
                self.status.lookup(np.repeat(u_ids, n_f), np.tile(f_ids, n_u)) != DECLINED
            ).reshape(n_u, n_f)
        room = _Room(
            u_ids,
            f_ids,
            scores,
            chances if calibrated else None,
            value,
            not_declined,
            event.loc[is_u, "capacity"].to_numpy(dtype=np.int64),
            event.loc[~is_u, "capacity"].to_numpy(dtype=np.int64),
        )
        prefs = preference_matrices(preferences, u_ids, f_ids)
        room.excluded = np.vstack([room.positions(exclude, "excluded"), prefs.veto_pairs()]).astype(
            np.int64
        )
        if preferences is not None:  # wishes weigh in beside the caller's own weights
            weights = prefs.multiplier() * (1.0 if weights is None else np.asarray(weights, float))
        room.weights = weights
        return room

    def _model_chances(self, scores: np.ndarray) -> np.ndarray:
        if hasattr(self.model, "chances"):
            return np.asarray(self.model.chances(scores), dtype=float)
        return np.full((len(scores), 3), np.nan)

    def match_profile(self, profile: pd.DataFrame, k: int = 10, **filters) -> pd.DataFrame:
        """Top-k firms for ad-hoc UMKM profiles (canonical frame) not in this service."""
        other = MatchService(self.model, profile, self.firms, encoded_firms=self._F)
        other.status, other.include_declined = self.status, self.include_declined
        return other.recommend_firms(None, k, **filters)

    def score_profiles(
        self,
        profiles: pd.DataFrame,
        k: int = 10,
        *,
        owners: Sequence[str] | None = None,
        chunk_size: int = 2048,
        progress=None,
    ) -> pd.DataFrame:
        """Top-k firms with chances, without reasons, for ad-hoc UMKM profiles: "what if"
        variants of profiles (:mod:`matcher.advice`), scored as one batch.

        Rows: ``row`` (the profile's position in ``profiles``), firm_id, rank, score,
        p_meeting, p_mou, p_contract, expected_value_idr, status. The candidates, order,
        chances and declined-pair rule are those of :meth:`recommend_chunk`, so a profile's
        rows are what ``recommend`` gives for it. ``owners``: per profile, the UMKM whose
        recorded outcomes apply (default: its umkm_id; variants share their UMKM's).
        ``progress(n)`` is called with the profiles done after each chunk."""
        profiles = profiles.reset_index(drop=True)
        if chunk_size < 1:
            raise MatcherError(
                Message("cli.args.at_least_one", option="chunk_size", got=chunk_size)
            )
        owners = np.asarray(profiles["umkm_id"] if owners is None else owners, dtype=object).astype(
            str
        )
        firm_ids = self.firms["firm_id"].to_numpy()
        parts = []
        for s in range(0, len(profiles), chunk_size):
            chunk = profiles.iloc[s : s + chunk_size].reset_index(drop=True)
            own = owners[s : s + chunk_size]
            extra = 0 if self.include_declined else self.status.max_declined(own)
            U = self.model.encode_umkm(chunk)
            local = np.arange(len(chunk))
            cols, vals = self.model.top_firms(U, self._F, local, k + extra)
            kk = cols.shape[1]
            rows, ff, sc = np.repeat(local, kk), cols.ravel(), vals.ravel()
            side = MatchService(
                self.model,
                chunk.assign(umkm_id=[f"#{i}" for i in local]),
                self.firms,
                encode_umkm_upfront=False,
                encoded_firms=self._F,
            )
            cols_ = side.chances(sc, rows, ff)
            cols_["status"] = self.status.lookup(own[rows], firm_ids[ff])
            frame = pd.DataFrame({"row": rows + s, "firm_id": firm_ids[ff], "score": sc, **cols_})
            if extra:
                frame = frame[(frame["status"] != DECLINED).to_numpy()]
                frame = frame[frame.groupby("row", sort=False).cumcount().to_numpy() < k]
            frame.insert(2, "rank", frame.groupby("row", sort=False).cumcount().to_numpy() + 1)
            parts.append(frame)
            if progress is not None:
                progress(len(chunk))
        if not parts:
            return pd.DataFrame(
                columns=["row", "firm_id", "rank", "score", *CHANCE_COLUMNS, "status"]
            )
        return pd.concat(parts, ignore_index=True)

    def _frame(
        self, u: np.ndarray, cols: np.ndarray, vals: np.ndarray, X: np.ndarray, U, local
    ) -> pd.DataFrame:
        """Rows for UMKM ``u`` (global positions; ``local`` are their rows in ``U``)."""
        k = cols.shape[1]
        uu = np.repeat(u, k)
        ff = cols.ravel()
        reasons = (
            None
            if X is None
            else self.model.explain_features(X, U, self._F, np.repeat(local, k), ff)
        )
        frame = pd.DataFrame(
            {
                "umkm_id": self.umkm_index.to_ids(uu),
                "firm_id": self.firm_index.to_ids(ff),
                "rank": np.tile(np.arange(1, k + 1), len(u)),
                "score": vals.ravel(),
                **self.chances(vals.ravel(), uu, ff, reasons),
            }
        )
        if X is None:  # explained later (see recommend_chunk's ``explained``)
            frame["reasons"] = np.full(len(frame), None, dtype=object)
        return frame

    def _explain_first(
        self, frame: pd.DataFrame, first: int, X: np.ndarray, U, local, cols: np.ndarray
    ) -> pd.DataFrame:
        """Reasons for the rows ranked ``first`` or better (before any filter: a filtered
        row moving up is explained by :meth:`restatus`); ``frame`` row i is ``X`` row i."""
        rows = np.flatnonzero(frame["rank"].to_numpy() <= first)
        model_reasons = self.model.explain_features(
            X[rows], U, self._F, np.repeat(local, cols.shape[1])[rows], cols.ravel()[rows]
        )
        reasons = frame["reasons"].to_numpy(dtype=object).copy()
        reasons[rows] = self._reason_texts(
            frame["p_contract"].to_numpy(float)[rows],
            frame["status"].to_numpy(dtype=object)[rows],
            model_reasons,
        )
        frame["reasons"] = reasons
        return frame

    @staticmethod
    def _reason_texts(p_contract: np.ndarray, status: np.ndarray, reasons) -> list[str]:
        """A pair's reasons as shown: its status flag ("sudah bermitra"), its contract
        chance in words, then the model's reasons."""
        p_contract = np.asarray(p_contract, dtype=float)
        lead = np.where(np.isfinite(p_contract), chance_texts(p_contract), "")
        flag = status_words(status)
        return ["; ".join(x for x in parts if x) for parts in zip(flag, lead, reasons)]

    def chances(self, scores: np.ndarray, u: np.ndarray, f: np.ndarray, reasons=None) -> dict:
        """Columns p_meeting, p_mou, p_contract, expected_value_idr (and reasons led by the
        contract chance in words, when ``reasons`` are given) for aligned pairs at UMKM
        positions ``u`` and firm positions ``f`` of this service."""
        scores = np.asarray(scores, dtype=float)
        p = self._model_chances(scores)
        if hasattr(self.model, "contract_values"):  # models from before chances have neither
            # each UMKM and firm once, then combined per pair
            uu, ui = np.unique(np.asarray(u, np.int64), return_inverse=True)
            fu, fi = np.unique(np.asarray(f, np.int64), return_inverse=True)
            value = self.model.contract_values(
                self.umkm.iloc[uu].reset_index(drop=True),
                self.firms.iloc[fu].reset_index(drop=True),
                ui,
                fi,
            )
        else:
            value = np.full(len(scores), np.nan)
        status = self.status.lookup(
            self.umkm["umkm_id"].to_numpy()[np.asarray(u, np.int64)],
            self.firms["firm_id"].to_numpy()[np.asarray(f, np.int64)],
        )
        cols = {
            "p_meeting": p[:, 0],
            "p_mou": p[:, 1],
            "p_contract": p[:, 2],
            "expected_value_idr": p[:, 2] * value,
            "status": status,
        }
        if reasons is not None:  # led by "sudah bermitra" and the contract chance in words
            cols["reasons"] = self._reason_texts(p[:, 2], status, reasons)
        return cols


class _Room:
    """An event's participants as the planner sees them: scores, chances (None when the
    model is not calibrated), the planner's pair value, and which pairs may be suggested."""

    def __init__(self, u_ids, f_ids, scores, chances, value, not_declined, cap_u, cap_f):
        self.u_ids, self.f_ids = u_ids, f_ids
        self.scores, self.chances, self.value = scores, chances, value
        self.not_declined, self.cap_u, self.cap_f = not_declined, cap_u, cap_f
        self.excluded = np.empty((0, 2), dtype=np.int64)
        self.weights = None

    @property
    def calibrated(self) -> bool:
        return self.chances is not None

    def positions(self, pairs, what: str) -> np.ndarray:
        """(i, j) positions of (umkm_id, firm_id) pairs; a pair outside the event is named."""
        if len(pairs) == 0:
            return np.empty((0, 2), dtype=np.int64)
        a = np.asarray(pairs, dtype=object).reshape(-1, 2)
        frame = pd.DataFrame({"umkm_id": a[:, 0], "firm_id": a[:, 1]})
        i, j, inside = pair_positions(self.u_ids, self.f_ids, frame)
        bad = ~inside
        if bad.any():
            raise MatcherError(
                Message(
                    "event.pair.outside_one",
                    what=Message(f"event.pair.{what.replace('-', '_')}"),
                    pair=str(tuple(a[bad][0])),
                )
            )
        return np.stack([i, j], axis=1).astype(np.int64)

    def open_value(self) -> np.ndarray:
        """The planner's value where a pair may be suggested at all, -inf elsewhere: not
        declined, not excluded or vetoed, a positive weight, a positive finite value."""
        ok = np.isfinite(self.value) & (self.value > 0) & self.not_declined
        ok[self.excluded[:, 0], self.excluded[:, 1]] = False
        if self.weights is not None:
            ok &= np.asarray(self.weights, float) > 0
        return np.where(ok, self.value, -np.inf)

    def alternatives(self, pairs: np.ndarray) -> Alternatives:
        ch = self.chances
        return Alternatives(
            self.open_value(),
            pairs,
            self.cap_u,
            self.cap_f,
            self.u_ids,
            self.f_ids,
            p_meeting=None if ch is None else ch[:, :, 0],
            p_contract=None if ch is None else ch[:, :, 2],
        )


class Alternatives:
    """Who a plan leaves out, and the best pairs a facilitator could still try: the one
    owner of the lists to act on (plan summary, event report, workbook, printed pack).

    ``value`` (UMKM x firm) is the planner's pair value, -inf where a pair may not be
    suggested (declined, vetoed, excluded); ``pairs`` (m, 2) are the meetings that take
    place. A UMKM with capacity and no meeting gets the best firms that still have room
    (any firm when none has); a firm with places left gets the best UMKM not yet meeting
    it, those with room of their own first. Each list row carries ``option_ids`` and
    ``option_p_contract`` (lists, best first; NaN chances when the model has none) and
    ``alternatives``, the same options as text ("F12 (peluang kontrak 34% (sedang))")."""

    N_ALTERNATIVES = 3

    def __init__(
        self,
        value,
        pairs,
        cap_u,
        cap_f,
        u_ids,
        f_ids,
        *,
        p_meeting=None,
        p_contract=None,
        k: int = N_ALTERNATIVES,
    ):
        self.value, self.p_contract, self.p_meeting = (
            np.asarray(value, float),
            p_contract,
            p_meeting,
        )
        self.cap_u, self.cap_f = np.asarray(cap_u), np.asarray(cap_f)
        self.u_ids, self.f_ids = np.asarray(u_ids, dtype=object), np.asarray(f_ids, dtype=object)
        self.k = k
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        n_u, n_f = self.value.shape
        self.used_u = np.bincount(pairs[:, 0], minlength=n_u)
        self.used_f = np.bincount(pairs[:, 1], minlength=n_f)
        self.planned = np.zeros((n_u, n_f), dtype=bool)
        self.planned[pairs[:, 0], pairs[:, 1]] = True

    def _options(self, matrix: np.ndarray, rows: np.ndarray, p_contract) -> dict:
        """Best ``k`` finite entries of each of ``matrix``'s rows (vectorised): ids and
        contract chances as lists, and the text a facilitator reads."""
        cols, vals = top_k_rows(matrix, self.k)
        ok = np.isfinite(vals)
        ids = [list(c[m]) for c, m in zip(cols, ok)]
        if p_contract is None:
            chances = [[float("nan")] * len(c) for c in ids]
        else:
            chances = [[float(x) for x in p_contract[r, c]] for r, c in zip(rows, ids)]
        return ids, chances

    def _frame(self, base: dict, other_ids, ids, chances) -> pd.DataFrame:
        from matcher.i18n import chance_text

        names = [[other_ids[c] for c in row] for row in ids]
        text = [
            ", ".join(
                n if not np.isfinite(p) else f"{n} ({chance_text(p)})" for n, p in zip(ns, ps)
            )
            for ns, ps in zip(names, chances)
        ]
        return pd.DataFrame(
            {**base, "option_ids": names, "option_p_contract": chances, "alternatives": text}
        )

    def unmatched_umkm(self) -> pd.DataFrame:
        """UMKM without a meeting: umkm_id, meetings (0), best_p_meeting (the best chance
        of a meeting among all its pairs), option_ids, option_p_contract, alternatives."""
        rows = np.flatnonzero((self.used_u == 0) & (self.cap_u > 0))
        room = self.cap_f - self.used_f > 0
        open_firms = np.where(room[None, :] if room.any() else True, self.value, -np.inf)[rows]
        best_meeting = (
            np.nanmax(self.p_meeting[rows], axis=1, initial=0.0)
            if self.p_meeting is not None and len(rows)
            else np.full(len(rows), np.nan)
        )
        ids, chances = self._options(open_firms, rows, self.p_contract)
        return self._frame(
            {
                "umkm_id": self.u_ids[rows],
                "meetings": self.used_u[rows],
                "best_p_meeting": best_meeting,
            },
            self.f_ids,
            ids,
            chances,
        )

    def unused_firms(self) -> pd.DataFrame:
        """Firms with places left: firm_id, capacity, planned, unused, option_ids,
        option_p_contract, alternatives (UMKM with room of their own first)."""
        cols = np.flatnonzero(self.used_f < self.cap_f)
        free = self.cap_u - self.used_u > 0
        # a UMKM with room ranks above every UMKM already booked, whatever their values
        finite = self.value[np.isfinite(self.value)]
        lift = (np.ptp(finite) + 1.0) if finite.size else 0.0
        candidates = np.where(
            self.planned, -np.inf, self.value + np.where(free, lift, 0.0)[:, None]
        )
        ids, chances = self._options(
            candidates[:, cols].T, cols, None if self.p_contract is None else self.p_contract.T
        )
        return self._frame(
            {
                "firm_id": self.f_ids[cols],
                "capacity": self.cap_f[cols],
                "planned": self.used_f[cols],
                "unused": self.cap_f[cols] - self.used_f[cols],
            },
            self.u_ids,
            ids,
            chances,
        )
