import pandas as pd
from fastapi import APIRouter, HTTPException, status

from api import matching, schemas
from api.deps import PrincipalDep, SnapshotDep
from matcher.data.loaders import parse_umkm
from matcher.i18n import Message

router = APIRouter(tags=["match"])

SOURCE = "request body"


@router.post(
    "/match",
    response_model=schemas.UmkmMatches,
    summary="Firms ranked for an ad-hoc UMKM profile (not stored)",
)
def match(body: schemas.MatchRequest, principal: PrincipalDep, snapshot: SnapshotDep):
    """The profile is checked with the data contract's rules for an umkm file row; every
    problem is reported (422). A scoped facilitator may only match profiles in its region."""
    profile = parse_umkm(pd.DataFrame([body.profile.to_raw_row()]), SOURCE)
    region = principal.region
    row = profile.iloc[0]
    if region is not None and not region.contains(row["province"], row["regency"]):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            Message(
                "api.error.out_of_scope_profile",
                region=str(region),
                where=f"{row['province']}{'/' + row['regency'] if row['regency'] else ''}",
            ),
        )
    return matching.match_profile(snapshot, profile, body.k, body)
