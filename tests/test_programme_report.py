"""The programme report: known answers on a small history, and every table's rows sum to
the totals (on random histories too)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from api.store import Region
from matcher.cli import main as cli_main
from matcher.data import loaders
from matcher.data.lifecycle import SCHEMES, STAGES
from matcher.programme import (
    COUNT_COLUMNS,
    DIMENSIONS,
    VALUE_COLUMNS,
    programme_report,
    report_json,
    write_programme_report,
)

TODAY = dt.date(2026, 6, 30)


def _outcomes(rows, umkm, firms):
    return loaders.parse_outcomes(
        pd.DataFrame(rows).astype(str).replace("nan", ""), "o", umkm, firms, latest_only=False
    )


@pytest.fixture
def history(tiny_world):
    umkm, firms = tiny_world
    rows = [
        # U1-F1: met, MoU 500 juta, contract 400 juta, realised 150 juta (event EV1, rantai pasok)
        dict(umkm_id="U1", firm_id="F1", stage="meeting", date="2026-01-10", event_id="EV1"),
        dict(
            umkm_id="U1",
            firm_id="F1",
            stage="MoU",
            date="2026-01-10",
            contract_value_idr=5e8,
            event_id="EV1",
            scheme="rantai pasok",
        ),
        dict(
            umkm_id="U1", firm_id="F1", stage="kontrak", date="2026-03-01", contract_value_idr=4e8
        ),
        dict(
            umkm_id="U1",
            firm_id="F1",
            stage="realisasi",
            date="2026-05-01",
            realised_value_idr=1.5e8,
        ),
        # U2-F1: MoU 200 juta at EV1, then silence since February (needs follow-up)
        dict(
            umkm_id="U2",
            firm_id="F1",
            stage="mou_signed",
            date="2026-02-01",
            contract_value_idr=2e8,
            event_id="EV1",
            scheme="subkontrak",
        ),
        # U3-F2: MoU 1 miliar at EV2 then contract; office says stalled
        dict(
            umkm_id="U3",
            firm_id="F2",
            stage="mou_signed",
            date="2026-04-01",
            contract_value_idr=1e9,
            event_id="EV2",
            scheme="Inti-Plasma",
        ),
        dict(
            umkm_id="U3",
            firm_id="F2",
            stage="contract_signed",
            date="2026-05-01",
            contract_value_idr=8e8,
        ),
        # U2-F3: met at EV2, then declined
        dict(umkm_id="U2", firm_id="F3", stage="meeting", date="2026-04-01", event_id="EV2"),
        dict(umkm_id="U2", firm_id="F3", stage="declined", date="2026-04-15", declined_by="firm"),
    ]
    followups = loaders.parse_followups(
        pd.DataFrame(
            [
                dict(umkm_id="U3", firm_id="F2", status="lancar", date="2026-05-02"),
                dict(
                    umkm_id="U3",
                    firm_id="F2",
                    status="macet",
                    office="DPMPTSP Aceh",
                    person="Rahmat",
                    next_step="rapat ulang",
                    next_date="2026-07-15",
                    date="2026-06-01",
                ),
            ]
        ),
        "fu",
        umkm,
        firms,
    )
    return _outcomes(rows, umkm, firms), followups, umkm, firms


def test_known_answers(history):
    report = programme_report(*history, today=TODAY)
    tot = report.totals
    assert (tot["pairs"], tot["committed"], tot["contracted"]) == (4, 3, 2)
    assert tot["share_contracted"] == pytest.approx(2 / 3)
    assert (
        tot["stage_realised"],
        tot["stage_contract_signed"],
        tot["stage_mou_signed"],
        tot["stage_declined"],
    ) == (1, 1, 1, 1)
    assert tot["potential_value_idr"] == 5e8 + 2e8 + 1e9  # value at the first commitment
    assert tot["contract_value_idr"] == 4e8 + 8e8
    assert tot["realised_value_idr"] == 1.5e8
    reasons = report.follow_up.set_index(["umkm_id", "firm_id"])["follow_up_reason"].to_dict()
    assert reasons == {("U2", "F1"): "silent", ("U3", "F2"): "stalled"}
    by_event = report.tables["event"].set_index("group")
    assert by_event.loc["EV1", "pairs"] == 2 and by_event.loc["EV2", "potential_value_idr"] == 1e9
    by_scheme = report.tables["scheme"].set_index("group")
    assert by_scheme.loc["inti-plasma", "contract_value_idr"] == 8e8


def test_filters_by_event_and_region(history):
    ev1 = programme_report(*history, event="EV1", today=TODAY)
    assert sorted(ev1.pairs["umkm_id"]) == ["U1", "U2"]
    jatim = programme_report(
        *history, region=Region("Jawa Timur", "Kabupaten Pamekasan"), today=TODAY
    )
    assert jatim.pairs["umkm_id"].tolist() == ["U1"]
    assert jatim.tables["region"]["group"].tolist() == ["Kabupaten Pamekasan"]


def _assert_tables_sum_to_totals(report):
    for dim in DIMENSIONS:
        table = report.tables[dim]
        for col in (*COUNT_COLUMNS, *VALUE_COLUMNS):
            assert table[col].sum() == pytest.approx(report.totals[col]), (dim, col)


def test_every_table_sums_to_the_totals(history):
    _assert_tables_sum_to_totals(programme_report(*history, today=TODAY))


@pytest.mark.parametrize("seed", range(5))
def test_tables_sum_to_totals_on_random_histories(seed, tiny_world):
    umkm, firms = tiny_world
    rng = np.random.default_rng(seed)
    n = 60
    rows = pd.DataFrame(
        {
            "umkm_id": rng.choice(umkm["umkm_id"], n),
            "firm_id": rng.choice(firms["firm_id"], n),
            "stage": rng.choice(STAGES, n),
            "date": [
                f"2026-{m:02d}-{d:02d}"
                for m, d in zip(rng.integers(1, 7, n), rng.integers(1, 28, n))
            ],
            "contract_value_idr": np.where(
                rng.random(n) < 0.5, rng.integers(1, 100, n) * 1e7, np.nan
            ),
            "realised_value_idr": np.where(
                rng.random(n) < 0.3, rng.integers(1, 50, n) * 1e7, np.nan
            ),
            "scheme": np.where(rng.random(n) < 0.6, rng.choice(SCHEMES, n), ""),
            "event_id": np.where(rng.random(n) < 0.5, rng.choice(["EV1", "EV2"], n), ""),
        }
    )
    report = programme_report(
        _outcomes(rows.to_dict("records"), umkm, firms), None, umkm, firms, today=TODAY
    )
    _assert_tables_sum_to_totals(report)
    assert report.totals["pairs"] == rows[["umkm_id", "firm_id"]].drop_duplicates().shape[0]


def test_writes_markdown_and_workbook_with_charts(history, tmp_path):
    from openpyxl import load_workbook

    report = programme_report(*history, today=TODAY)
    md_files = write_programme_report(report, tmp_path / "laporan.md", lang="id")
    text = (tmp_path / "laporan.md").read_text(encoding="utf-8")
    assert "Laporan program kemitraan" in text and "Rp1,7 miliar" in text  # potential total
    assert "66,7%" in text and "DPMPTSP Aceh" in text and "macet" in text
    assert {p.name for p in md_files} == {"laporan.md", "laporan_tahapan.png", "laporan_nilai.png"}
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in md_files if p.suffix == ".png")
    write_programme_report(report, tmp_path / "laporan.xlsx", lang="id")
    wb = load_workbook(tmp_path / "laporan.xlsx")
    assert wb.sheetnames == [
        "Ringkasan",
        "Per acara",
        "Per wilayah",
        "Per perusahaan",
        "Per skema",
        "Perlu tindak lanjut",
        "Pasangan",
    ]
    ws = wb["Per acara"]
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "Jumlah"
    assert ws.cell(row=last, column=2).value == sum(
        ws.cell(row=r, column=2).value for r in range(2, last)
    )
    assert len(wb["Ringkasan"]._images) == 2
    json_body = report_json(report)
    assert json_body["totals"]["pairs"] == 4 and len(json_body["follow_up"]) == 2


def test_cli_report_from_the_store_and_bad_requests(tiny_world, tmp_path, capsys):
    from api.store import FIRMS, UMKM, Store, upsert_profiles

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = Store(url)
    with store.transaction() as s:
        upsert_profiles(s, tiny_world[0], UMKM)
        upsert_profiles(s, tiny_world[1], FIRMS)
    store.dispose()
    path = tmp_path / "o.csv"
    pd.DataFrame(
        [
            dict(
                umkm_id="U1",
                firm_id="F1",
                stage="MoU",
                date="2026-01-10",
                contract_value_idr="5e8",
                event_id="EV1",
            )
        ]
    ).to_csv(path, index=False)
    db = ["--database-url", url]
    assert cli_main(["import", "outcomes", str(path), *db]) == 0
    out = tmp_path / "r.md"
    capsys.readouterr()
    assert cli_main(["report", "programme", "--out", str(out), "--event", "EV1", *db]) == 0
    assert "Rp500 juta" in out.read_text(encoding="utf-8")
    assert (
        "1 hasil dari penyimpanan data: 1 pasangan, 0 berkontrak, 1 perlu tindak lanjut"
        in capsys.readouterr().err
    )
    argv = ["report", "programme", "--out", str(out), "--lang", "en", *db]
    assert cli_main(argv) == 0
    assert (
        "1 outcomes from store: 1 pairs, 0 contracted, 1 need follow-up" in capsys.readouterr().err
    )
    assert cli_main(["report", "programme", "--out", str(tmp_path / "r.pdf"), *db]) == 2
    assert cli_main(["report", "programme", "--out", str(out), "--region", "Jawa Timor", *db]) == 2
    assert "yang paling mirip: Jawa Timur" in capsys.readouterr().err
