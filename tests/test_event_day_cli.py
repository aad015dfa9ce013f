"""The event day from the command line: schedule-event (and later preferences, packs,
replan-event) on a small demo world, with a stand-in model (tests/fakes.py)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import pytest

from matcher.cli import main
from tests.conftest import stub_services

# a stand-in model (tests/fakes.py) answers in the registry's place
main = partial(main, services=stub_services)


def _profiles(cli_world):
    return [
        "--umkm",
        str(cli_world / "umkm.csv"),
        "--firms",
        str(cli_world / "firms.csv"),
        "--event",
        str(cli_world / "event.csv"),
    ]


@pytest.fixture
def plan(cli_world, tmp_path):
    path = tmp_path / "plan.csv"
    assert main(["plan-event", *_profiles(cli_world), "--out", str(path)]) == 0
    return path


def _clash_free(s: pd.DataFrame) -> None:
    placed = s[s["slot"].notna()]
    for who in ("umkm_id", "firm_id", "table"):
        assert not placed.duplicated([who, "slot"]).any(), who


def test_schedule_event_uses_max_degree_slots_and_keeps_firm_tables(cli_world, plan, tmp_path):
    out = tmp_path / "schedule.csv"
    assert (
        main(
            [
                "schedule-event",
                *_profiles(cli_world),
                "--plan",
                str(plan),
                "--out",
                str(out),
                "--start",
                "08:00",
                "--slot-minutes",
                "30",
                "--break",
                "09:00-09:30",
            ]
        )
        == 0
    )
    s = pd.read_csv(out, keep_default_na=False, na_values=[""])
    p = pd.read_csv(plan)
    assert len(s) == len(p) and (s["status"] == "scheduled").all()
    assert set(s.columns) >= {
        "slot",
        "start",
        "end",
        "table",
        "umkm_id",
        "umkm_name",
        "firm_id",
        "firm_name",
    }
    _clash_free(s)
    degree = max(p["umkm_id"].value_counts().max(), p["firm_id"].value_counts().max())
    assert s["slot"].max() == degree
    assert (s.groupby("firm_id")["table"].nunique() == 1).all()  # a firm keeps its table
    assert "09:00" not in set(s["start"]) and s["start"].min() == "08:00"


def test_schedule_event_with_few_tables_and_a_short_day_reports_what_is_left(
    cli_world, plan, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "schedule.csv"
    argv = [
        "schedule-event",
        *_profiles(cli_world),
        "--plan",
        str(plan),
        "--out",
        str(out),
        "--tables",
        "2",
        "--end",
        "10:00",
    ]
    assert main(argv) == 0
    s = pd.read_csv(out, keep_default_na=False, na_values=[""])
    placed = s[s["status"] == "scheduled"]
    _clash_free(s)
    assert placed.groupby("slot").size().max() <= 2 and placed["slot"].max() <= 3
    assert len(placed) == 6 and (s["status"] == "unplaced").sum() == len(s) - 6
    left = len(s) - 6
    assert f"{left} pertemuan tidak dapat ditempatkan:" in capsys.readouterr().err
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main(argv) == 0
    assert f"{left} meeting(s) could not be placed:" in capsys.readouterr().err


def test_schedule_event_bad_availability_exits_2(cli_world, plan, tmp_path, capsys):
    bad = tmp_path / "availability.csv"
    bad.write_text("party,id,from,to\nfirm,NOPE,09:00,10:00\n")
    out = tmp_path / "schedule.csv"
    assert (
        main(
            [
                "schedule-event",
                *_profiles(cli_world),
                "--plan",
                str(plan),
                "--out",
                str(out),
                "--availability",
                str(bad),
            ]
        )
        == 2
    )
    assert "availability.csv, baris 2, kolom 'id'" in capsys.readouterr().err
    assert not out.exists()


def test_plan_event_with_preferences_drops_vetoes_and_counts_wishes(
    cli_world, plan, tmp_path, capsys
):
    p = pd.read_csv(plan)
    vetoed, wished = p.iloc[0], p.iloc[1]
    prefs = tmp_path / "preferences.csv"
    prefs.write_text(
        "from_party,from_id,to_id,preference\n"
        f"firm,{vetoed.firm_id},{vetoed.umkm_id},tidak\n"
        f"umkm,{vetoed.umkm_id},{vetoed.firm_id},ingin\n"
        f"umkm,{wished.umkm_id},{wished.firm_id},ingin\n"
        f"firm,{wished.firm_id},{wished.umkm_id},ingin\n"
    )
    capsys.readouterr()
    out = tmp_path / "plan2.csv"
    assert (
        main(["plan-event", *_profiles(cli_world), "--out", str(out), "--preferences", str(prefs)])
        == 0
    )
    new = pd.read_csv(out)
    pairs = set(zip(new["umkm_id"], new["firm_id"]))
    assert (vetoed.umkm_id, vetoed.firm_id) not in pairs
    assert (wished.umkm_id, wished.firm_id) in pairs
    text = capsys.readouterr()
    assert "keinginan timbal balik terpenuhi" in text.out and "veto" in text.err


@pytest.mark.slow  # writes the printable workbook
def test_schedule_event_writes_the_printable_pack(cli_world, plan, tmp_path, capsys):
    import openpyxl

    pack = tmp_path / "pack.xlsx"
    assert (
        main(
            [
                "schedule-event",
                *_profiles(cli_world),
                "--plan",
                str(plan),
                "--out",
                str(tmp_path / "s.csv"),
                "--pack",
                str(pack),
            ]
        )
        == 0
    )
    wb = openpyxl.load_workbook(pack)
    p = pd.read_csv(plan)
    assert len(wb.sheetnames) == 2 + p["firm_id"].nunique() + p["umkm_id"].nunique()
    summary = [c for row in wb["Ringkasan"].iter_rows(values_only=True) for c in row if c]
    assert any("UMKM tanpa pertemuan" in str(c) for c in summary)  # the lists to act on
    assert "UMKM tanpa pertemuan" in capsys.readouterr().err


@pytest.mark.slow  # plans, schedules and replans through the CLI
def test_replan_event_keeps_held_meetings_and_marks_changes(cli_world, tmp_path, capsys):
    event = pd.read_csv(cli_world / "event.csv", dtype=str)
    newcomer = event.loc[event["party"] == "firm", "id"].iloc[-1]
    small = tmp_path / "event.csv"
    event[event["id"] != newcomer].to_csv(small, index=False)
    profiles = [
        "--umkm",
        str(cli_world / "umkm.csv"),
        "--firms",
        str(cli_world / "firms.csv"),
        "--event",
        str(small),
    ]
    plan, first = tmp_path / "plan.csv", tmp_path / "s.csv"
    assert main(["plan-event", *profiles, "--out", str(plan)]) == 0
    assert (
        main(
            [
                "schedule-event",
                *profiles,
                "--plan",
                str(plan),
                "--out",
                str(first),
                "--break",
                "none",
            ]
        )
        == 0
    )
    s = pd.read_csv(first, keep_default_na=False, na_values=[""])
    absent = s.loc[s["slot"] == 2, "firm_id"].iloc[0]
    walk = tmp_path / "walk.csv"
    walk.write_text(f"party,id,capacity\nfirm,{newcomer},2\n")
    out = tmp_path / "s2.csv"
    capsys.readouterr()
    assert (
        main(
            [
                "replan-event",
                *profiles,
                "--schedule",
                str(first),
                "--out",
                str(out),
                "--now",
                "09:20",
                "--absent",
                absent,
                "--walk-in",
                str(walk),
                "--pack",
                str(tmp_path / "pack.xlsx"),
            ]
        )
        == 0
    )
    new = pd.read_csv(out, keep_default_na=False, na_values=[""])
    held = new[new["status"] == "held"]
    assert len(held) == (s["start"] < "09:20").sum()
    merged = held.merge(s, on=["umkm_id", "firm_id"], suffixes=("", "_before"))
    assert (merged["slot"] == merged["slot_before"]).all()
    assert (merged["table"] == merged["table_before"]).all()
    cancelled = new[new["status"] == "cancelled"]
    assert len(cancelled) and (cancelled["firm_id"] == absent).all()
    added = new[new["status"] == "new"]
    assert len(added) and newcomer in set(added["firm_id"])
    assert (added["start"] >= "09:20").all()
    _clash_free(new[new["status"] != "cancelled"])
    said = capsys.readouterr().out
    assert "Beri tahu peserta berikut" in said
    first = added.iloc[0]
    assert f"{first['start']}-{first['end']} meja {first['table']}: " in said
