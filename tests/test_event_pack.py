"""The printed pack: one agenda per participant, legible on A4; the lists to act on."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from matcher.event_lists import action_lists
from matcher.event_pack import PAGE_WIDTH_CHARS, match_texts, pack_workbook
from matcher.schedule import Day, schedule_plan
from tests.worlds import demo_frames


@pytest.fixture(scope="module")
def room():
    umkm, firms, _ = demo_frames(40, 6, seed=2)[:3]
    u, f = umkm["umkm_id"].tolist()[:12], firms["firm_id"].tolist()
    event = pd.DataFrame({"party": ["umkm"] * len(u) + ["firm"] * len(f), "id": u + f,
                          "capacity": [1] * len(u) + [3] * len(f)})
    plan = pd.DataFrame({"umkm_id": u[:10], "firm_id": [f[i % 4] for i in range(10)],
                         "score": np.linspace(0.9, 0.1, 10), "reasons": "produk sesuai"})
    plan.loc[0, "reasons"] = "=HYPERLINK(\"http://x\")"  # must stay text
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
        assert all(ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)
                   if ws.cell(r, 1).value is not None)


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
    scores = np.array([[0.9, 0.8, 0.1],
                       [0.7, 0.6, 0.5],
                       [0.2, 0.3, 0.4]])
    pairs = np.array([[0, 0]])  # U0 meets F0; F0 (capacity 1) is full
    vetoed = np.zeros((3, 3), bool)
    vetoed[1, 1] = True
    firms, lonely = action_lists(scores, ["U0", "U1", "U2"], ["F0", "F1", "F2"], pairs,
                                 [1, 1, 1], [1, 2, 1], vetoed=vetoed, k=2)
    assert firms["firm_id"].tolist() == ["F1", "F2"]
    assert firms["option_ids"].tolist() == [["U2"], ["U1", "U2"]]  # U0 full, U1-F1 vetoed
    assert lonely["umkm_id"].tolist() == ["U1", "U2"]
    assert lonely["option_ids"].tolist() == [["F2"], ["F2", "F1"]]
    _, lonely = action_lists(scores, ["U0", "U1", "U2"], ["F0", "F1", "F2"], pairs,
                             [1, 1, 1], [1, 2, 1], min_score=0.95)
    assert "U0" in lonely["umkm_id"].tolist()  # its only meeting is not worthwhile
