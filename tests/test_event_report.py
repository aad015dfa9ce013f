"""The event report: hand-computed figures in report.md, charts written as PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.event_report import event_summary, write_event_report

UMKM = pd.DataFrame(
    {"umkm_id": ["u1", "u2", "u3", "u4"], "province": ["Jawa Timur", "Jawa Timur", "Bali", "Bali"]}
)
FIRMS = pd.DataFrame(
    {
        "firm_id": ["f1", "f2"],
        "investment_type": ["PMA", "PMDN"],
        "budget_idr": [600e6, np.nan],
        "max_partners": [3, 2],
    }
)
EVENT = pd.DataFrame(
    {
        "party": ["umkm"] * 4 + ["firm"] * 2,
        "id": ["u1", "u2", "u3", "u4", "f1", "f2"],
        "capacity": [1, 1, 1, 1, 3, 2],
    }
)
PLAN = pd.DataFrame(
    {
        "umkm_id": ["u1", "u3", "u2"],
        "firm_id": ["f1", "f1", "f2"],
        "score": [0.5, 0.25, 0.8],
        "p_contract": [0.5, 0.25, 0.4],
        "expected_value_idr": [100e6, 50e6, np.nan],
        "reasons": ["", "", ""],
    }
)


def test_summary_figures_by_hand():
    s = event_summary(PLAN, UMKM, FIRMS, EVENT)
    assert s["pairs"] == 3 and s["umkm_matched"] == 3 and s["umkm_matched_share"] == 0.75
    assert s["firm_capacity"] == 5 and s["firm_capacity_used_share"] == 0.6
    # the total is the sum over planned pairs: 100 M + 50 M; f2's pair has no value
    assert s["expected_value_idr"] == 150e6 and s["pairs_without_budget"] == 1
    prov = s["by_province"].set_index("province")
    assert prov.loc["Jawa Timur", "matched"] == 2 and prov.loc["Bali", "share"] == 0.5
    types = s["by_type"].set_index("investment_type")
    assert types.loc["PMA", "pairs"] == 2 and types.loc["PMA", "used_share"] == 2 / 3
    assert types.loc["PMDN", "capacity"] == 2 and np.isnan(types.loc["PMDN", "expected_value_idr"])


def test_report_markdown_links_existing_pngs(tmp_path):
    path = write_event_report(PLAN, UMKM, FIRMS, EVENT, tmp_path / "report")
    text = path.read_text(encoding="utf-8")
    assert "Pairs planned: **3**" in text
    assert "UMKM matched: **3 of 4** (75%)" in text
    assert "**3 of 5 places** (60%)" in text
    assert "Rp 150.0 juta" in text and "1 pair(s) without a calibrated chance" in text
    for name in ("matched_by_province.png", "capacity_by_type.png", "scores.png"):
        assert f"]({name})" in text
        assert (tmp_path / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [
        "capacity_by_type.png",
        "matched_by_province.png",
        "report.md",
        "scores.png",
    ]
