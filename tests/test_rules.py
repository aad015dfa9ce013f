"""One set of field rules (matcher.data.rules) for files, API bodies, query parameters
and the store: each finding of the hardening review, refused where it comes in."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from matcher.data import loaders, rules
from matcher.data.errors import DataValidationError, MatcherError
from matcher.i18n import text_in
from tests.conftest import TINY_FIRMS, TINY_UMKM

TODAY = dt.date(2026, 3, 10)


def _problems(fn, raw, *args):
    with pytest.raises(DataValidationError) as info:
        fn(raw, "f.csv", *args)
    return info.value.problems


def _outcomes(date: str) -> pd.DataFrame:
    return pd.DataFrame([dict(umkm_id="U1", firm_id="F1", stage="meeting", date=date)])


# -- the rules themselves -------------------------------------------------------------
@pytest.mark.parametrize(
    "day, ok",
    [
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (TODAY, True),
        (TODAY + dt.timedelta(days=1), True),
        (TODAY + dt.timedelta(days=2), False),
        (dt.date(2300, 1, 1), False),
    ],
)
def test_date_rule_runs_from_2000_to_tomorrow(day, ok):
    assert (rules.date_problem(day, TODAY) is None) is ok
    with rules.frozen_today(TODAY):
        assert (rules.date_problem(day) is None) is ok


def test_today_can_be_frozen_by_the_environment(monkeypatch):
    monkeypatch.setenv("MATCHER_TODAY", "2024-05-06")
    assert rules.today() == dt.date(2024, 5, 6)


@pytest.mark.parametrize(
    "value, column, ok",
    [
        ("U1", "umkm_id", True),
        ("U" * 64, "umkm_id", True),
        ("U" * 65, "umkm_id", False),
        ("a\x00b", "name", False),
        ("a\x1bb", "products", False),
        ("line\nbreak", "products", True),
        ("x" * 4000, "products", True),
        ("x" * 4001, "products", False),
    ],
)
def test_text_rule(value, column, ok):
    assert (rules.text_problem(value, column) is None) is ok
    assert bool(rules.text_problems(pd.Series([value]), column).isna().all()) is ok


# -- files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "date", ["2300-01-01", "9999-12-31", "0001-01-01", "1999-12-31", "2026-03-12"]
)
def test_outcome_dates_outside_the_range_are_refused_not_crashed(date):
    with rules.frozen_today(TODAY):
        [p] = _problems(loaders.parse_outcomes, _outcomes(date))
    assert (p.row, p.column, p.value) == (2, "date", date)
    assert "2000-01-01" in p.expected and "2026-03-11" in p.expected


def test_outcome_dated_tomorrow_is_accepted():
    with rules.frozen_today(TODAY):
        frame = loaders.parse_outcomes(_outcomes("2026-03-11"), "f.csv")
    assert frame["date"].iloc[0] == pd.Timestamp("2026-03-11")


def test_nul_byte_in_regency_is_a_problem_not_a_crash():
    raw = TINY_UMKM.astype(str).copy()
    raw.loc[0, "regency"] = "Pamekasan\x00"
    [p] = _problems(loaders.parse_umkm, raw)
    assert (p.row, p.column) == (2, "regency") and "control characters" in p.expected
    assert p.value == "Pamekasan\\x00"


@pytest.mark.parametrize(
    "column, value", [("umkm_id", "U" * 65), ("name", "n" * 201), ("products", "p" * 10_000_000)]
)
def test_over_long_cells_are_refused_with_the_limit(column, value):
    raw = TINY_UMKM.astype(str).copy()
    raw.loc[1, column] = value
    [p] = _problems(loaders.parse_umkm, raw)
    assert (p.row, p.column) == (3, column)
    assert f"at most {rules.max_length(column)} characters" in p.expected
    assert len(p.value) < 200  # the message shows the start, not 10 MB


def test_country_longer_than_its_column_is_refused():
    raw = TINY_FIRMS.astype(str).copy()
    raw.loc[0, "country"] = "C" * 65
    [p] = _problems(loaders.parse_firms, raw)
    assert (p.row, p.column) == (2, "country")


def test_integer_beyond_its_column_is_refused():
    raw = TINY_FIRMS.astype(str).copy()
    raw.loc[0, "max_partners"] = str(2**31)
    [p] = _problems(loaders.parse_firms, raw)
    assert p.column == "max_partners" and "2147483647" in p.expected


def test_duplicated_column_in_a_csv_is_refused(tmp_path):
    path = tmp_path / "umkm.csv"
    TINY_UMKM.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text[0] += ",Name"
    text[1:] = [line + ",other" for line in text[1:]]
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(DataValidationError) as info:
        loaders.load_umkm(path)
    [p] = info.value.problems
    assert (p.row, p.column, p.expected) == (1, "name", "each column name once")


def test_workbook_whose_first_sheet_is_instructions_reads_the_data_sheet(tmp_path):
    path = tmp_path / "umkm.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Petunjuk": ["Isi sheet 'data'", "Satu baris per UMKM"]}).to_excel(
            xl, sheet_name="Petunjuk", index=False
        )
        TINY_UMKM.to_excel(xl, sheet_name="data", index=False)
    frame = loaders.load_umkm(path)
    assert frame["umkm_id"].tolist() == ["U1", "U2", "U3"]


def test_workbook_without_a_data_sheet_says_so(tmp_path):
    path = tmp_path / "umkm.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Petunjuk": ["Isi data di sini"]}).to_excel(
            xl, sheet_name="Petunjuk", index=False
        )
    with pytest.raises(MatcherError) as err:
        loaders.load_umkm(path)
    message = err.value.args[0]  # each sheet named in the reader's language too
    assert text_in(message, "id").startswith(
        "umkm.xlsx: tidak ada lembar yang baris pertamanya berisi nama kolom; "
        "lembar: 'Petunjuk' (baris pertama: Petunjuk)."
    )
    assert text_in(message, "en").startswith(
        "umkm.xlsx: no sheet has the column names in its first row; "
        "sheets: 'Petunjuk' (first row: Petunjuk)."
    )


def test_workbook_with_a_doubled_column_is_refused(tmp_path):
    path = tmp_path / "umkm.xlsx"
    raw = TINY_UMKM.copy()
    raw.insert(2, "NAME ", raw["name"])
    raw.to_excel(path, index=False)
    with pytest.raises(DataValidationError, match="setiap nama kolom sekali saja"):
        loaders.load_umkm(path)


# -- the store --------------------------------------------------------------------------
def test_store_guard_refuses_what_the_columns_cannot_hold(tmp_path, tiny_world):
    from api.store import FIRMS, Store, upsert_profiles
    from api.store.guard import StoreValueError
    from api.store.outcomes import append_outcome

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    _, firms = tiny_world
    bad = firms.copy()
    bad.loc[0, "firm_id"] = "F" * 65
    with (
        pytest.raises(StoreValueError, match="firm_id: expected at most 64"),
        store.transaction() as s,
    ):
        upsert_profiles(s, bad, FIRMS)
    with store.transaction() as s:
        upsert_profiles(s, firms, FIRMS)
    # the outcome flow refuses the date itself (OutcomeError), before the guard would
    with pytest.raises(MatcherError, match="date"), store.transaction() as s:
        append_outcome(
            s,
            umkm_id="U1",
            firm_id="F1",
            stage="meeting",
            date=dt.date(2300, 1, 1),
            recorded_by="t",
            source="api",
        )
    with pytest.raises(StoreValueError, match="control characters"), store.transaction() as s:
        append_outcome(
            s,
            umkm_id="U1",
            firm_id="F1",
            stage="meeting",
            date=dt.date(2024, 1, 1),
            recorded_by="a\x00b",
            source="api",
        )
    store.dispose()


def test_outcomes_stored_before_the_rule_are_left_out_of_training(tmp_path, tiny_world):
    from sqlalchemy import text

    from api.store import FIRMS, UMKM, Store, upsert_profiles
    from api.store.outcomes import outcomes_frame

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    umkm, firms = tiny_world
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
        for u, day in (("U1", "2024-01-02"), ("U2", "2300-01-01")):  # as an old server stored it
            s.execute(
                text(
                    "INSERT INTO outcomes (umkm_id, firm_id, stage, grade, date, source, "
                    "recorded_at) VALUES (:u, 'F1', 'meeting', 1, :d, 'api', '2024-01-02')"
                ),
                {"u": u, "d": day},
            )
    with store.session() as s:
        frame = outcomes_frame(s)
    assert frame["umkm_id"].tolist() == ["U1"]
    store.dispose()


# -- the CLI: a user mistake is exit 2 with a message, never a traceback ----------------------
def test_validate_and_import_of_a_far_future_date_exit_2(
    tmp_path, matcher_home, capsys, tiny_world
):
    from matcher.cli import main

    umkm, firms = tmp_path / "umkm.csv", tmp_path / "firms.csv"
    TINY_UMKM.to_csv(umkm, index=False)
    TINY_FIRMS.to_csv(firms, index=False)
    assert main(["import", "umkm", str(umkm)]) == 0
    assert main(["import", "firms", str(firms)]) == 0
    for date in ("2300-01-01", "9999-12-31"):
        path = tmp_path / f"outcomes_{date}.csv"
        _outcomes(date).to_csv(path, index=False)
        assert main(["validate", str(path), "--kind", "outcomes"]) == 2
        assert main(["import", "outcomes", str(path)]) == 2
    err = capsys.readouterr()
    assert "2000-01-01" in err.out + err.err and "Traceback" not in err.out + err.err
    long_name = tmp_path / ("hasil_temu_bisnis_" + "x" * 60 + ".csv")  # label import:<name> > 64
    _outcomes("2024-02-03").to_csv(long_name, index=False)
    assert main(["import", "outcomes", str(long_name)]) == 0


# -- writes that wait their turn ------------------------------------------------------------
def test_a_big_import_is_staged_and_lets_outcome_writes_through(tmp_path, tiny_world):
    """While a 12,000-row import runs, outcomes posted through the store still land (no
    30-second lock), and the import is all-or-nothing."""
    import threading
    import time

    from api.store import FIRMS, UMKM, Store, upsert_profiles
    from api.store.importer import import_file
    from api.store.outcomes import append_outcome

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = Store(url)
    umkm, firms = tiny_world
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
    big = pd.concat([TINY_UMKM] * 4000, ignore_index=True)
    big["umkm_id"] = [f"B{i:05d}" for i in range(len(big))]
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    result, waits = {}, []
    worker = threading.Thread(target=lambda: result.update(r=import_file(store, "umkm", path)))
    worker.start()
    while worker.is_alive():
        t0 = time.perf_counter()
        with store.transaction() as s:
            append_outcome(
                s,
                umkm_id="U1",
                firm_id="F1",
                stage="meeting",
                date=dt.date(2024, 1, 2),
                recorded_by="t",
                source="api",
            )
        waits.append(time.perf_counter() - t0)
        time.sleep(0.05)
    worker.join()
    assert result["r"].rows_written == 12_000 and waits and max(waits) < 10
    from sqlalchemy import func, inspect, select

    from api.store.models import Umkm

    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Umkm)) == 12_003
    assert not [t for t in inspect(store.engine).get_table_names() if t.startswith("staging_")]
    store.dispose()
