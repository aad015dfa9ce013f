"""Request and response bodies (pydantic v2). Requests and responses are separate models.

List-valued profile fields (KBLI codes, certificates) are JSON arrays here; the files of
the data contract write the same lists ``;``-separated.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from api.retrain import JOB_STATUSES
from matcher.data import lifecycle, rules, schema
from matcher.data.event_files import PREFERENCES
from matcher.data.outcome_state import REVISION_ACTIONS
from matcher.i18n import LANGUAGES, Message
from matcher.preferences import UNMET_REASONS


def _canonical(kind: str):
    """Accept any spelling :mod:`matcher.data.lifecycle` knows ("MoU", "macet", "Inti-Plasma")."""

    def convert(value):
        return lifecycle.canonical_value(kind, value) or value if isinstance(value, str) else value

    return BeforeValidator(convert)


Stage = Annotated[Literal[lifecycle.STAGES], _canonical("stage")]
Scheme = Annotated[Literal[lifecycle.SCHEMES], _canonical("scheme")]
FollowupStatus = Annotated[Literal[lifecycle.FOLLOWUP_STATUSES], _canonical("status")]
Scale = Literal[schema.SCALES]
InvestmentType = Literal[schema.INVESTMENT_TYPES]
Lang = Literal[LANGUAGES]
T = TypeVar("T")


# -- field rules (matcher.data.rules, the same as for files and the store) -------------
def _text(column: str, min_length: int = 0):
    """A text field: no control characters, at most the column's length."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=rules.max_length(column)),
        AfterValidator(lambda v: rules.check_text(v, column)),
    ]


Id = _text("id", min_length=1)
Name = _text("name")
FreeText = _text("products")
ShortText = _text("country")
Cell = _text("")
Note = _text("note")
Province = _text("province")
Regency = _text("regency")
Count = Annotated[int, Field(ge=0, le=rules.INT32_MAX)]
PastDate = Annotated[dt.date, AfterValidator(rules.check_date)]
NextDate = Annotated[dt.date, AfterValidator(rules.check_event_date)]  # planned: may lie ahead


# path and query parameters under the same rules
IdPath = Annotated[
    str,
    Path(max_length=rules.ID_MAX, description="an ID (at most 64 characters)"),
    AfterValidator(lambda v: rules.check_text(v, "id")),
]
KQuery = Annotated[int, Query(ge=1, le=rules.K_MAX, description="how many matches")]


class RequestBody(BaseModel):
    """Base of every request body: unknown fields refused, NaN and Infinity refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="matches before paging")
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    model_version: str | None = Field(description="version being served, if any")
    umkm: int | None = Field(description="UMKM in the served snapshot")
    firms: int | None
    database: str = Field(description="database backend (sqlite, postgresql)")
    problem: str | None = Field(None, description="why the service is degraded")


# -- profiles --------------------------------------------------------------------------
class UmkmOut(BaseModel):
    umkm_id: str
    name: str
    nib: str | None
    kbli: list[str]
    products: str
    province: str
    province_code: str
    regency: str | None
    regency_code: str | None
    lat: float
    lon: float
    location_precision: str
    scale: str | None
    annual_revenue_idr: float | None
    employees: float | None
    monthly_capacity_idr: float | None
    certifications: list[str]
    year_founded: float | None
    export_experience: float | None
    modal_usaha_idr: float | None = None
    nib_scale: str | None = None
    legal_form: str | None = None


class FirmOut(BaseModel):
    firm_id: str
    name: str
    investment_type: str
    country: str | None
    kbli: list[str]
    needs: str
    needed_kbli: list[str]
    province: str
    province_code: str
    regency: str | None
    regency_code: str | None
    lat: float
    lon: float
    location_precision: str
    required_certifications: list[str]
    preferred_scale: str | None
    budget_idr: float | None
    max_partners: int


class UmkmProfileIn(RequestBody):
    """An ad-hoc UMKM profile, checked with the same rules as a row of an umkm file."""

    umkm_id: Id = Field("adhoc", description="any label; not looked up in the store")
    name: Name = "ad-hoc profile"
    nib: ShortText | None = None
    kbli: list[Cell] | Cell = Field(
        description="5-digit KBLI 2020 codes", examples=[["10792"]], max_length=rules.K_MAX
    )
    products: FreeText = Field(examples=["keripik singkong, kerupuk ikan"])
    province: Province = Field(examples=["Jawa Timur"])
    regency: Regency | None = None
    lat: float | None = None
    lon: float | None = None
    scale: Scale | None = None
    annual_revenue_idr: float | None = None
    employees: Count | None = None
    monthly_capacity_idr: float | None = None
    certifications: list[Cell] | Cell = Field(
        default_factory=list, examples=[["halal", "pirt"]], max_length=rules.K_MAX
    )
    year_founded: Annotated[int, Field(ge=1900, le=2100)] | None = None
    export_experience: bool | None = None
    modal_usaha_idr: float | None = None
    nib_scale: str | None = None
    legal_form: str | None = None

    def to_raw_row(self) -> dict[str, Any]:
        """The profile as one row of an umkm file (lists ';'-joined, blanks empty)."""
        row = self.model_dump()
        for key in ("kbli", "certifications"):
            if isinstance(row[key], list):
                row[key] = ";".join(row[key])
        if row["export_experience"] is not None:
            row["export_experience"] = str(row["export_experience"]).lower()
        return {k: ("" if v is None else v) for k, v in row.items()}


class MatchFilters(BaseModel):
    """What a match request may narrow: firm type, firm province, minimum chance; and
    whether pairs declined before are shown (flagged) instead of left out."""

    investment_type: InvestmentType | None = Field(None, description="only PMA or only PMDN firms")
    province: str | None = Field(
        None, description="only firms in this province: name, short form (Jatim) or code"
    )
    min_chance: float | None = Field(
        None, ge=0, le=1, description="only pairs whose contract chance is at least this (0-1)"
    )
    include_declined: bool = Field(False, description="also show pairs declined before (flagged)")


class MatchRequest(MatchFilters):
    model_config = RequestBody.model_config

    profile: UmkmProfileIn
    k: int = Field(10, ge=1, le=rules.K_MAX)


# -- matches ---------------------------------------------------------------------------
class Chances(BaseModel):
    """Calibrated chances of a proposed pair (None when the served model has none)."""

    p_meeting: float | None = Field(None, description="chance of at least a meeting (0-1)")
    p_mou: float | None = Field(None, description="chance of at least an MoU (0-1)")
    p_contract: float | None = Field(None, description="chance of a contract (0-1)")
    expected_value_idr: float | None = Field(
        None,
        description="p_contract x predicted contract value (IDR), within the firm's budget per partner",
    )


class FirmMatch(Chances):
    status: str = Field(
        "", description="'partner' (sudah bermitra), 'declined' (shown when asked) or ''"
    )
    rank: int
    firm_id: str
    name: str
    score: float
    reasons: list[str]


class UmkmMatch(Chances):
    status: str = Field(
        "", description="'partner' (sudah bermitra), 'declined' (shown when asked) or ''"
    )
    rank: int
    umkm_id: str
    name: str
    score: float
    reasons: list[str]


class UmkmMatches(BaseModel):
    umkm_id: str
    model_version: str | None
    matches: list[FirmMatch]


class FirmMatches(BaseModel):
    firm_id: str
    model_version: str | None
    matches: list[UmkmMatch]


# -- outcomes --------------------------------------------------------------------------
class OutcomeIn(RequestBody):
    umkm_id: Id
    firm_id: Id
    stage: Stage = Field(
        description="declined, meeting, mou_signed (commitment), contract_signed, "
        "realised (first delivery/PO or BAST); 'MoU', 'kontrak', "
        "'realisasi' ... are understood"
    )
    date: PastDate = Field(
        default_factory=rules.today,
        description="when the stage was reached (2000-01-01 .. tomorrow)",
    )
    contract_value_idr: float | None = Field(None, ge=0, description="value in the MoU or contract")
    realised_value_idr: float | None = Field(None, ge=0, description="value delivered so far")
    scheme: Scheme | None = Field(None, description="partnership form of PP 7/2021")
    event_id: Id | None = None
    declined_by: Literal[schema.DECLINED_BY] | None = None
    note: Note | None = Field(
        None, description="the facilitator's note (who met whom, what was agreed)"
    )

    @model_validator(mode="after")
    def _declined_by_only_when_declined(self) -> OutcomeIn:
        if self.declined_by is not None and self.stage != "declined":
            raise ValueError(Message("outcomes.error.declined_by_stage", stage=repr(self.stage)))
        return self


class OutcomeOut(BaseModel):
    """An outcome as first recorded (see the history for corrections)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    umkm_id: str
    firm_id: str
    stage: str
    grade: int
    date: dt.date
    contract_value_idr: float | None
    realised_value_idr: float | None = None
    scheme: str | None = None
    event_id: str | None
    declined_by: str | None
    note: str | None = None
    recorded_by: str | None
    recorded_at: dt.datetime
    source: str
    recommended_by_engine: bool | None = Field(
        description="the firm was in the UMKM's top-k under the model then current"
    )
    model_version: str | None


class CorrectionIn(RequestBody):
    """New values for an outcome (only the fields given change) and why."""

    reason: Annotated[FreeText, StringConstraints(min_length=1, max_length=1000)]
    stage: Stage | None = None
    date: PastDate | None = None
    contract_value_idr: float | None = Field(None, ge=0)
    realised_value_idr: float | None = Field(None, ge=0)
    scheme: Scheme | None = None
    event_id: Id | None = None
    declined_by: Literal[schema.DECLINED_BY] | None = None
    note: Note | None = Field(None, description='a new note (an explicit null or "" clears it)')

    def changes(self) -> dict:
        """The fields the caller set (an explicit null clears a value)."""
        return {k: getattr(self, k) for k in self.model_fields_set if k != "reason"}


class VoidIn(RequestBody):
    reason: Annotated[FreeText, StringConstraints(min_length=1, max_length=1000)]


class _OutcomeDetails(BaseModel):
    """The values an outcome and each of its revisions carry beside stage and date."""

    model_config = ConfigDict(from_attributes=True)

    contract_value_idr: float | None
    realised_value_idr: float | None
    scheme: str | None
    event_id: str | None
    declined_by: str | None
    note: str | None = None


class OutcomeValues(_OutcomeDetails):
    stage: str
    date: dt.date


class RevisionOut(_OutcomeDetails):
    id: int
    outcome_id: int
    action: Literal[REVISION_ACTIONS]
    stage: str | None
    date: dt.date | None
    reason: str
    revised_by: str | None
    revised_at: dt.datetime


class OutcomeHistoryOut(BaseModel):
    """One outcome: as first recorded, every revision (oldest first), and its current value."""

    outcome: OutcomeOut
    revisions: list[RevisionOut]
    voided: bool
    current: OutcomeValues | None = Field(description="the values in force; null when voided")


class PairHistoryOut(BaseModel):
    umkm_id: str
    firm_id: str
    outcomes: list[OutcomeHistoryOut]
    followups: list[FollowupOut]


class FollowupIn(RequestBody):
    umkm_id: Id
    firm_id: Id
    status: FollowupStatus = Field(
        description="on_track, stalled or ended (lancar, macet, selesai ...)"
    )
    office: Annotated[ShortText, StringConstraints(max_length=128)] | None = Field(
        None, description="responsible office (OPD)"
    )
    person: Annotated[ShortText, StringConstraints(max_length=128)] | None = None
    next_step: FreeText | None = None
    next_date: NextDate | None = Field(
        None, description="planned date of the next step (up to 3 years ahead)"
    )
    note: Note | None = None
    date: PastDate = Field(default_factory=rules.today, description="when this was written")


class FollowupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    umkm_id: str
    firm_id: str
    status: str
    office: str | None
    person: str | None
    next_step: str | None
    next_date: dt.date | None
    note: str | None
    date: dt.date
    recorded_by: str | None
    recorded_at: dt.datetime


# -- events ----------------------------------------------------------------------------
class ParticipantIn(RequestBody):
    party: Literal[schema.PARTIES]
    id: Id
    capacity: int | None = Field(
        None,
        ge=schema.MIN_CAPACITY,
        le=rules.INT32_MAX,
        description="default: firm's max_partners, 1 for UMKM",
    )


class EventIn(RequestBody):
    event_id: Id
    name: Name
    date: Annotated[dt.date, AfterValidator(rules.check_event_date)] | None = None
    participants: list[ParticipantIn] = Field(min_length=2, max_length=rules.PARTICIPANTS_MAX)


class ParticipantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    party: str
    id: str = Field(validation_alias="participant_id")
    capacity: int


class EventOut(BaseModel):
    event_id: str
    name: str
    date: dt.date | None
    created_by: str | None
    participants: list[ParticipantOut]
    hidden_umkm: int = Field(
        0, description="UMKM participants outside the caller's region, not shown"
    )
    note: str | None = Field(
        None, description="why some participants are not shown, if any are not"
    )


class PairIn(RequestBody):
    """A (UMKM, firm) pair: ``{"umkm_id": "U1", "firm_id": "F1"}`` or ``["U1", "F1"]``."""

    umkm_id: Id
    firm_id: Id

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value):
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError(Message("api.error.pair_shape"))
            return {"umkm_id": value[0], "firm_id": value[1]}
        return value

    def as_tuple(self) -> tuple[str, str]:
        return (self.umkm_id, self.firm_id)


class PlanRequest(RequestBody):
    min_score: float | None = Field(
        None, description="never plan a pair scoring below this (must-include pairs excepted)"
    )
    min_chance: float | None = Field(
        None,
        ge=0,
        le=1,
        description="skip pairs whose chance of a meeting is below this (default 0.1)",
    )
    include_declined: bool = Field(False, description="allow pairs declined before")
    must_include: list[PairIn] = Field(
        default_factory=list,
        max_length=rules.PARTICIPANTS_MAX,
        description='pairs that must be planned, each {"umkm_id": "U1", "firm_id": "F1"} or ["U1", "F1"]',
    )
    exclude: list[PairIn] = Field(
        default_factory=list,
        max_length=rules.PARTICIPANTS_MAX,
        description="pairs that must not be planned, in either form",
    )
    quotas: list[ShortText] = Field(
        default_factory=list,
        max_length=rules.PARTICIPANTS_MAX,
        description="'REGION:N': at least N matched UMKM from a province ('Jawa Timur', 'Jatim', "
        "'35') or kabupaten/kota ('Pamekasan'), as `plan-event --quota`",
    )


# -- event preferences (the preferences file of `matcher plan-event --preferences`) -------
class PreferenceIn(RequestBody):
    """One side's preference about one partner: the preferences file's four columns."""

    from_party: ShortText = Field(
        description="who states it: umkm or firm (perusahaan ... understood)", examples=["umkm"]
    )
    from_id: Id = Field(description="a participant of the event of that party")
    to_id: Id = Field(description="a participant of the other party")
    preference: ShortText = Field(
        description="ingin (wants to meet) or tidak (veto: never planned); "
        "mau/ya, tolak/veto are understood",
        examples=["ingin"],
    )


class PreferencesIn(RequestBody):
    preferences: list[PreferenceIn] = Field(max_length=rules.PARTICIPANTS_MAX)


class PreferenceOut(BaseModel):
    from_party: str
    from_id: str
    to_id: str
    preference: Literal[PREFERENCES]


class PreferencesOut(BaseModel):
    event_id: str
    preferences: list[PreferenceOut]
    hidden: int = Field(
        0, description="preferences about UMKM outside the caller's region, not shown"
    )
    warnings: list[str] = Field(
        default_factory=list, description="words read with a guess (e.g. 'mau' read as 'ingin')"
    )


class WishTally(BaseModel):
    """How many wishes (``ingin``) each side stated and how many the plan meets."""

    umkm_wishes: int
    umkm_wishes_met: int
    firm_wishes: int
    firm_wishes_met: int
    mutual_pairs: int = Field(description="pairs both sides want")
    mutual_pairs_met: int


class UnmetWish(BaseModel):
    from_party: str
    from_id: str
    to_id: str
    reason: Literal[UNMET_REASONS]
    explanation: str


class PlanPair(Chances):
    umkm_id: str
    firm_id: str
    score: float
    reasons: list[str]


class PlanOut(BaseModel):
    event_id: str
    model_version: str | None
    pairs: list[PlanPair]
    hidden_pairs: int = Field(
        0, description="pairs of UMKM outside the caller's region, planned but not shown"
    )
    note: str | None = Field(None, description="why some of the event is not shown, if it is not")
    wishes: WishTally | None = Field(
        None,
        description="when the event has preferences "
        "(PUT /events/{id}/preferences): wishes met per side",
    )
    unmet_wishes: list[UnmetWish] = Field(
        default_factory=list, description="each wish the plan does not meet, and why"
    )


# -- models ----------------------------------------------------------------------------
class ModelInfo(BaseModel):
    version: str
    created_at: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    is_current: bool
    error: str | None = None


class ModelList(BaseModel):
    current: str | None
    serving: str | None = Field(description="version this server answers with right now")
    versions: list[ModelInfo]


class PromoteOut(BaseModel):
    version: str
    previous: str | None


class RetrainJobOut(BaseModel):
    """A background retrain (``POST /models/retrain``), as ``GET /models/retrain/{job_id}`` shows it."""

    job_id: str
    status: Literal[JOB_STATUSES]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: list[str] = Field(default_factory=list, description="the last progress lines")
    message: str | None = Field(
        None, description="when done, the decision line (`promoted …` / `kept …`); when failed, why"
    )
    version: str | None = Field(None, description="the challenger version this retrain registered")
    promoted: bool | None = Field(None, description="whether the challenger became current")
    report: str | None = Field(None, description="folder of the retrain report on the server")


# -- "naik kelas" advice (matcher.advice) ------------------------------------------------
class AdviceParams(BaseModel):
    """What an advice request may set (query parameters)."""

    k: int = Field(10, ge=1, le=rules.K_MAX, description="top firms a change is measured on")
    lang: Lang | None = Field(None, description="language of the texts (default id)")


class RegionAdviceParams(AdviceParams):
    region: str | None = Field(
        None,
        max_length=rules.max_length("province") + rules.max_length("regency") + 1,
        description="PROVINCE or PROVINCE/REGENCY (a scoped account: its own "
        "region by default, never wider)",
    )


class AdviceItem(BaseModel):
    """One change a UMKM could make and what it adds to its top k firms."""

    rank: int
    change_key: str = Field(
        description="catalogue key: halal, pirt, bpom, sni, iso9001, haccp, svlk, "
        "capacity, scale, cooperative, kbli"
    )
    change: str = Field(description="the change, in words")
    firms_gained: int = Field(description="firms newly in the top k")
    gained_firms: list[str] = Field(description="their names")
    gained_firm_ids: list[str]
    p_contract_gain: float | None = Field(
        description="summed contract chance over the top k, after minus now"
    )
    expected_value_gain_idr: float | None = Field(
        description="summed expected value over the top k, after minus now"
    )
    programme: str
    how: str = Field(description="the programme that helps, in words")


class UmkmAdvice(BaseModel):
    umkm_id: str
    name: str
    model_version: str | None
    k: int
    suggestions: list[AdviceItem]


class ProgrammeAdvice(BaseModel):
    """One programme across a region's UMKM: what it adds if run for every UMKM it helps."""

    programme: str
    summary: str = Field(
        description="e.g. 'sertifikasi halal untuk 40 UMKM (terbanyak: industri makanan)'"
    )
    umkm: int = Field(description="UMKM it helps")
    firms_gained: int
    p_contract_gain: float | None = Field(
        description="summed over the UMKM's top k: extra contracts expected"
    )
    expected_value_gain_idr: float | None
    how: str


class RegionAdvice(BaseModel):
    region: str | None
    model_version: str | None
    umkm: int = Field(description="UMKM of the region advised")
    best: str | None = Field(description="the programme adding the most expected value, in words")
    programmes: list[ProgrammeAdvice]
