"""`matcher plan-event` end to end on a small demo world, with a stand-in model (pseudo-random
scores, tests/fakes.py) in the registry's place (training is tested elsewhere; here the
command's wiring and outputs are the point)."""

from __future__ import annotations

from functools import partial

import openpyxl
import pandas as pd

from matcher.cli import main
from tests.conftest import stub_services

# a stand-in model (tests/fakes.py) answers in the registry's place
main = partial(main, services=stub_services)


def _args(cli_world, out, *extra):
    return [
        "plan-event",
        "--umkm",
        str(cli_world / "umkm.csv"),
        "--firms",
        str(cli_world / "firms.csv"),
        "--event",
        str(cli_world / "event.csv"),
        "--out",
        str(out),
        *extra,
    ]


def test_plan_respects_capacities_quota_and_min_score(cli_world, tmp_path):
    event = pd.read_csv(cli_world / "event.csv", keep_default_na=False)
    firm_cap = event[event["party"] == "firm"].set_index("id")["capacity"].astype(int)
    assert (
        main(_args(cli_world, tmp_path / "plan.csv", "--min-score", "0.2", "--quota", "Jatim:3"))
        == 0
    )
    plan = pd.read_csv(tmp_path / "plan.csv")
    assert list(plan.columns) == [
        "umkm_id",
        "firm_id",
        "score",
        "p_meeting",
        "p_mou",
        "p_contract",
        "expected_value_idr",
        "status",
        "reasons",
    ]
    assert plan["umkm_id"].is_unique  # UMKM capacity defaults to 1
    per_firm = plan["firm_id"].value_counts()
    assert (per_firm.to_numpy() <= firm_cap[per_firm.index].to_numpy()).all()
    assert (plan["score"] >= 0.2).all() and len(plan) > 0


def test_workbook_output_has_a_sheet_per_planned_firm(cli_world, tmp_path):
    assert main(_args(cli_world, tmp_path / "plan.xlsx")) == 0
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    planned = {
        r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=3, max_row=6, values_only=True)
    }
    firm_sheets = [wb[n] for n in wb.sheetnames[1:]]
    assert len(firm_sheets) == planned["Perusahaan"] > 0
    assert sum(ws.max_row - 3 for ws in firm_sheets) == planned["Pasangan direncanakan"]


def test_bad_pair_file_and_bad_quota_exit_2_and_write_nothing(cli_world, tmp_path, capsys):
    bad = tmp_path / "exclude.csv"
    bad.write_text("umkm_id,firm_id\nNOPE,FIRM-0001\n")
    assert main(_args(cli_world, tmp_path / "plan.csv", "--exclude", str(bad))) == 2
    assert (
        "exclude.csv, baris 2, kolom 'umkm_id': nilai 'NOPE'" in capsys.readouterr().err
    )  # Indonesian CLI
    assert main(_args(cli_world, tmp_path / "plan.csv", "--quota", "Jatim")) == 2
    assert "yang diharapkan WILAYAH:N" in capsys.readouterr().err
    assert main(_args(cli_world, tmp_path / "plan.csv", "--quota", "Jatim:1000")) == 2
    assert "meminta 1000 UMKM terpasang" in capsys.readouterr().err
    assert not (tmp_path / "plan.csv").exists()
