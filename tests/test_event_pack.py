"""The printed pack: one agenda per participant, legible on A4; the lists to act on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.event_pack import PAGE_WIDTH_CHARS, match_texts, pack_workbook
from matcher.schedule import Day, schedule_plan
from tests.worlds import demo_frames


@pytest.fixture(scope="module")
def room():
    umkm, firms, _ = demo_frames(40, 6, seed=2)[:3]
    u, f = umkm["umkm_id"].tolist()[:12], firms["firm_id"].tolist()
    event = pd.DataFrame(
        {
            "party": ["umkm"] * len(u) + ["firm"] * len(f),
            "id": u + f,
            "capacity": [1] * len(u) + [3] * len(f),
        }
    )
    plan = pd.DataFrame(
        {
            "umkm_id": u[:10],
            "firm_id": [f[i % 4] for i in range(10)],
            "score": np.linspace(0.9, 0.1, 10),
            "reasons": "produk sesuai",
        }
    )
    plan.loc[0, "reasons"] = '=HYPERLINK("http://x")'  # must stay text
    schedule, _ = schedule_plan(plan, event, Day(), umkm=umkm, firms=firms)
    return umkm, firms, event, schedule


def test_pack_has_summary_master_and_an_agenda_per_participant(room):
    umkm, firms, _, schedule = room
    wb = pack_workbook(schedule, umkm, firms)
    assert wb.sheetnames[:2] == ["Ringkasan", "Jadwal per meja"]
    assert len(wb.sheetnames) == 2 + 4 + 10  # 4 firms and 10 UMKM have meetings
    firm = wb[wb.sheetnames[2]]
    assert firm["A1"].value.startswith("Agenda ")
    header = [c.value for c in firm[3]]
    assert header[:3] == ["Waktu", "Meja", "UMKM"]
    assert firm.print_title_rows == "$3:$3"  # the header repeats on each printed page


def test_pack_prints_legibly(room):
    umkm, firms, _, schedule = room
    wb = pack_workbook(schedule, umkm, firms)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        widths = [ws.column_dimensions[c].width for c in "ABCDEFG" if c in ws.column_dimensions]
        assert sum(widths) <= PAGE_WIDTH_CHARS  # fit-to-width never shrinks the text
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.sz >= 10, (ws.title, cell.coordinate)
        assert all(
            ws.row_dimensions[r].height
            for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value is not None
        )


def test_pack_says_match_in_words_never_a_raw_score(room):
    umkm, firms, _, schedule = room
    wb = pack_workbook(schedule, umkm, firms)
    ws = wb[wb.sheetnames[2]]
    match = [r[5] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    assert match and all("kecocokan" in m and "peringkat" in m for m in match)
    texts, note = match_texts(schedule.assign(p_contract=0.34))
    assert texts.iloc[0] == "peluang kontrak 34% (sedang)" and "Peluang" in note
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)


def test_action_lists_known_answer():
    from matcher.service import Alternatives

    value = np.array(
        [
            [0.9, 0.8, 0.1],
            [0.7, -np.inf, 0.5],  # U1-F1 vetoed: never suggested
            [0.2, 0.3, 0.4],
        ]
    )
    p_contract = np.full((3, 3), 0.34)
    pairs = np.array([[0, 0]])  # U0 meets F0; F0 (capacity 1) is full
    alt = Alternatives(
        value,
        pairs,
        [1, 1, 1],
        [1, 2, 1],
        ["U0", "U1", "U2"],
        ["F0", "F1", "F2"],
        p_contract=p_contract,
        k=2,
    )
    firms, lonely = alt.unused_firms(), alt.unmatched_umkm()
    assert firms["firm_id"].tolist() == ["F1", "F2"]
    assert firms["unused"].tolist() == [2, 1]
    # UMKM with room first (U2 for F1 although U0 scores higher: U0 is booked)
    assert firms["option_ids"].tolist() == [["U2", "U0"], ["U1", "U2"]]
    assert lonely["umkm_id"].tolist() == ["U1", "U2"]
    assert lonely["option_ids"].tolist() == [["F2"], ["F2", "F1"]]  # F0 is full
    assert lonely["alternatives"].iloc[0] == "F2 (peluang kontrak 34% (sedang))"
    # when every firm is full, a UMKM still gets the best firms to ask
    full = Alternatives(
        value,
        np.array([[0, 0], [2, 1], [2, 2]]),
        [1, 1, 2],
        [1, 1, 1],
        ["U0", "U1", "U2"],
        ["F0", "F1", "F2"],
        k=2,
    )
    assert full.unmatched_umkm()["option_ids"].tolist() == [["F0", "F2"]]
    assert full.unused_firms().empty


def test_pack_lists_show_names_and_chances(room):
    from matcher.service import Alternatives

    umkm, firms, event, schedule = room
    u = event.loc[event["party"] == "umkm", "id"].tolist()
    f = event.loc[event["party"] == "firm", "id"].tolist()
    value = np.tile(np.linspace(1.0, 0.5, len(f)), (len(u), 1))
    alt = Alternatives(
        value,
        np.empty((0, 2)),
        [1] * len(u),
        [3] * len(f),
        u,
        f,
        p_contract=np.full(value.shape, 0.34),
        k=1,
    )
    wb = pack_workbook(
        schedule, umkm, firms, firm_lists=alt.unused_firms(), umkm_lists=alt.unmatched_umkm()
    )
    cells = [
        c.value for row in wb["Ringkasan"].iter_rows() for c in row if isinstance(c.value, str)
    ]
    name = firms.set_index("firm_id")["name"][f[0]]
    assert f"{name} (peluang kontrak 34% (sedang))" in cells


@pytest.mark.slow  # trains a model on a 120 x 12 world
def test_the_pack_lists_are_the_plans_lists():
    """One owner: for the plan's own meetings, the lists the pack prints
    (MatchService.event_alternatives) are exactly those the planner attached to the plan."""
    from matcher.ranking import MatchModel
    from matcher.service import MatchService

    umkm, firms, outcomes, event, _ = demo_frames(120, 12, seed=3)
    service = MatchService(MatchModel(max_iter=20).fit(umkm, firms, outcomes), umkm, firms)
    event = event.assign(capacity=np.where(event["party"] == "firm", 1, event["capacity"]))
    plan = service.plan_event(event)
    lists = service.event_alternatives(event, plan)
    assert len(plan.attrs["unmatched_umkm"]) > 0
    pd.testing.assert_frame_equal(lists.unmatched_umkm(), plan.attrs["unmatched_umkm"])
    pd.testing.assert_frame_equal(lists.unused_firms(), plan.attrs["unused_firms"])
    # a meeting that does not take place frees both sides: they appear in the lists
    lists = service.event_alternatives(event, plan.iloc[1:])
    assert plan["umkm_id"].iloc[0] in set(lists.unmatched_umkm()["umkm_id"])
    assert plan["firm_id"].iloc[0] in set(lists.unused_firms()["firm_id"])
