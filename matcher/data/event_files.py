"""The event-day input files: availability windows and preferences (contract in docs/data.md).

Both are read with the loaders' reader and checker (:mod:`matcher.data.loaders`), so bad
rows are reported the same way: file, row, column, value and what was expected, all at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data.loaders import _Checker, _read_whole, excel_integer_text
from matcher.data.schema import PARTIES
from matcher.i18n import Message
from matcher.index import IdIndex

AVAILABILITY_COLUMNS = ("party", "id", "from", "to")
PREFERENCE_COLUMNS = ("from_party", "from_id", "to_id", "preference", "umkm_id", "firm_id")
PREFERENCES = ("ingin", "tidak")
# what offices write for the two preferences (lower-cased) -> the contract's word
PREFERENCE_WORDS = {
    "ingin": "ingin",
    "mau": "ingin",
    "want": "ingin",
    "wish": "ingin",
    "ya": "ingin",
    "yes": "ingin",
    "tidak": "tidak",
    "tidak mau": "tidak",
    "tolak": "tidak",
    "veto": "tidak",
    "no": "tidak",
}
_CLOCK_RULE = Message("data.rule.clock")


def _minutes(c: _Checker, column: str) -> pd.Series:
    s = c.required(column)
    parts = s.str.extract(r"^(\d{1,2})\s*[:.]\s*(\d{2})(?::00)?$")
    h = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    bad = (s != "") & (h.isna() | (h > 23) | (m > 59))
    c.fail(bad.to_numpy(), column, _CLOCK_RULE)
    return (h * 60 + m).where(~bad)


def _participant(c: _Checker, party: pd.Series, column: str, event: pd.DataFrame) -> pd.Series:
    ids = excel_integer_text(c.required(column))
    known = set(zip(event["party"], event["id"].astype(str)))
    ok = [(p, i) in known for p, i in zip(party.fillna(""), ids)]
    c.fail(
        (ids != "").to_numpy() & party.notna().to_numpy() & ~np.array(ok, dtype=bool),
        column,
        Message("data.rule.participant"),
        values=ids,
    )
    return ids


def parse_availability(raw: pd.DataFrame, source: str, event: pd.DataFrame) -> pd.DataFrame:
    """Raw windows -> frame (party, id, from, to) with times in minutes after midnight.

    A participant may have several rows (several windows); one without rows is free all day.
    """
    c = _Checker(raw, source)
    c.require_columns(AVAILABILITY_COLUMNS)
    c.required("party")
    party = c.vocabulary("party", PARTIES)
    ids = _participant(c, party, "id", event)
    start, end = _minutes(c, "from"), _minutes(c, "to")
    c.fail(
        (start.notna() & end.notna() & (end <= start)).to_numpy(),
        "to",
        Message("data.rule.after_from"),
    )
    frame = pd.DataFrame({"party": party, "id": ids, "from": start, "to": end})
    frame = c.finish(frame.reset_index(drop=True))
    return frame.astype({"from": np.int64, "to": np.int64})


def load_availability(path: str | Path, event: pd.DataFrame) -> pd.DataFrame:
    return parse_availability(_read_whole(path), str(path), event)


def free_slots(
    availability: pd.DataFrame, ids: list[str], party: str, slots: np.ndarray
) -> np.ndarray:
    """(len(ids) x slots) bool: the participant can attend the whole slot. Participants
    with no window in ``availability`` are free all day."""
    free = np.ones((len(ids), len(slots)), dtype=bool)
    rows = availability[availability["party"] == party]
    if rows.empty:
        return free
    pos = IdIndex(ids, kind=party).positions(rows["id"])
    inside = (rows["from"].to_numpy()[:, None] <= slots[None, :, 0]) & (
        slots[None, :, 1] <= rows["to"].to_numpy()[:, None]
    )
    listed = np.zeros(len(ids), dtype=bool)
    listed[pos] = True
    free[listed] = False
    np.logical_or.at(free, pos, inside)
    return free


def parse_preferences(raw: pd.DataFrame, source: str, event: pd.DataFrame) -> pd.DataFrame:
    """Raw preferences -> frame (from_party, from_id, to_id, preference, umkm_id, firm_id).

    ``from_party`` says who states the preference; ``to_id`` is a participant of the other
    party. ``preference`` is ``ingin`` (wants to meet) or ``tidak`` (veto: never plan the
    pair); mau/want/ya and tolak/veto are read as those, with a warning. The same statement
    twice is kept once; a participant both wanting and vetoing the same partner is an error.
    """
    c = _Checker(raw, source)
    c.require_columns(PREFERENCE_COLUMNS[:4])
    c.required("from_party")
    party = c.vocabulary("from_party", PARTIES)
    other = party.map({"umkm": "firm", "firm": "umkm"})
    from_id = _participant(c, party, "from_id", event)
    to_id = _participant(c, other, "to_id", event)
    word = c.required("preference").str.lower().str.replace(r"\s+", " ", regex=True)
    pref = word.map(PREFERENCE_WORDS)
    c.fail(((word != "") & pref.isna()).to_numpy(), "preference", Message("data.rule.preference"))
    c.warn_once(
        (pref.notna() & ~word.isin(PREFERENCES)).to_numpy(),
        "preference",
        lambda v: Message("data.rule.preference_read", word=PREFERENCE_WORDS[v.lower()]),
    )
    key = party.fillna("") + "\x00" + from_id + "\x00" + to_id
    both = pref.notna() & key.map(pref.groupby(key).nunique()).gt(1)
    c.fail(both.to_numpy(), "preference", Message("data.rule.preference_both"), values=word)
    is_u = (party == "umkm").to_numpy()
    frame = pd.DataFrame(
        {
            "from_party": party,
            "from_id": from_id,
            "to_id": to_id,
            "preference": pref,
            "umkm_id": np.where(is_u, from_id, to_id),
            "firm_id": np.where(is_u, to_id, from_id),
        }
    )
    frame = c.finish(frame)
    out = frame.drop_duplicates(["from_party", "from_id", "to_id"]).reset_index(drop=True)
    out.attrs["warnings"] = frame.attrs["warnings"]
    return out


def load_preferences(path: str | Path, event: pd.DataFrame) -> pd.DataFrame:
    return parse_preferences(_read_whole(path), str(path), event)
