"""User mistakes and states to act on, beyond the registry (tests/test_registry_messages.py):
the event day's times and pairs, re-planning, argument checks, the demo generator, the
Dask engine. Each comes from the catalogue: Indonesian by default, English as a choice,
and a CLI mistake exits 2 without a traceback."""

from __future__ import annotations

import pytest

from matcher.cli import main
from matcher.data.errors import MatcherError
from matcher.i18n import text_in
from tests.conftest import store_with_profiles


def _said(call) -> tuple[str, str]:
    """(Indonesian, English) of the MatcherError ``call`` raises."""
    with pytest.raises(MatcherError) as err:
        call()
    return text_in(err.value.args[0], "id"), text_in(err.value.args[0], "en")


def test_times_of_the_event_day_are_refused_in_the_readers_words():
    from matcher.schedule import Day, parse_break, parse_clock

    assert _said(lambda: parse_clock("25:00", "--start")) == (
        "--start '25:00': yang diharapkan jam JJ:MM, mis. 09:00 atau 13.30",
        "--start '25:00': expected a time HH:MM, e.g. 09:00 or 13.30",
    )
    indonesian, english = _said(lambda: parse_break("12:00-1x"))
    assert indonesian.startswith("akhir istirahat '1x': yang diharapkan jam JJ:MM")
    assert english.startswith("break end '1x': expected a time HH:MM")
    assert _said(lambda: parse_break("noon")) == (
        "istirahat 'noon': yang diharapkan DARI-SAMPAI, mis. 12:00-13:00",
        "break 'noon': expected FROM-TO, e.g. 12:00-13:00",
    )
    indonesian, english = _said(lambda: Day(start=600, end=540))
    assert indonesian == "hari acara berakhir (09:00) sebelum dimulai (10:00)"
    assert english == "the day ends (09:00) before it starts (10:00)"


def test_pairs_outside_the_event_and_a_schedule_without_slots():
    import pandas as pd

    from matcher.replan import slot_times
    from matcher.schedule import pair_positions

    plan = pd.DataFrame({"umkm_id": ["U1", "U9"], "firm_id": ["F1", "F1"]})
    assert _said(lambda: pair_positions(plan, ["U1"], ["F1"], "plan")) == (
        "rencana: pasangan (U9, F1) bukan peserta acara ini (1 pasangan seperti itu)",
        "plan: pair (U9, F1) is not among the event's participants (1 such pair(s))",
    )
    empty = pd.DataFrame({"slot": pd.Series([None], dtype="Int64"), "start": [""], "end": [""]})
    indonesian, english = _said(lambda: slot_times(empty))
    assert indonesian.startswith("jadwal tidak berisi satu pun pertemuan yang mendapat slot")
    assert english == "the schedule has no placed meeting, so its slots are unknown"


def test_argument_checks_of_the_library_name_what_was_given():
    from matcher.batch import make_engine
    from matcher.demo.generate import check_sizes

    assert _said(lambda: make_engine("spark")) == (
        "mesin 'spark' tidak dikenal: yang diharapkan salah satu dari local, dask",
        "unknown engine 'spark': expected one of local, dask",
    )
    indonesian, english = _said(lambda: check_sizes(0, 3))
    assert indonesian == (
        "dunia demo memerlukan paling sedikit 1 UMKM dan 1 perusahaan (tertulis 0 UMKM, "
        "3 perusahaan)"
    )
    assert english == "a demo world needs at least 1 UMKM and 1 firm (got 0 UMKM, 3 firms)"


def test_a_failed_dask_chunk_is_one_line_in_the_readers_language():
    from matcher.i18n import Message

    message = Message(
        "cli.dask.chunk_failed",
        n=12,
        reason="KilledWorker: gone",
        hint=Message("cli.dask.killed_hint"),
    )
    assert text_in(message, "id") == (
        "penilaian potongan UMKM ke-12 gagal di pekerja Dask: KilledWorker: gone (sebuah "
        "pekerja mati, sering karena kehabisan memori: coba --chunk-size yang lebih kecil)"
    )
    assert str(message).startswith("scoring UMKM chunk 12 failed on a Dask worker")


def test_cli_argument_mistakes_exit_2_in_indonesian(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    path = tmp_path / "event.csv"
    path.write_text("event_id,party,id\nE1,umkm,U1\n")
    assert main(["validate", str(path), "--kind", "event"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "kesalahan: --kind event memerlukan --umkm dan --firms (peserta harus ada di sana)\n"
    )
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert main(["validate", str(path), "--kind", "event"]) == 2
    assert "--kind event needs --umkm and --firms" in capsys.readouterr().err


def test_unknown_ids_say_what_they_name_in_the_readers_words():
    from matcher.index import IdIndex

    index = IdIndex(["U1", "U2"], kind="umkm")
    assert _said(lambda: index.to_index(["U9"])) == (
        "ID UMKM tidak dikenal: U9",
        "unknown umkm id: U9",
    )
    assert _said(lambda: IdIndex(["F1", "F1"], kind="firm"))[0] == "ID perusahaan ganda: F1"


# -- the outcome store and retraining -----------------------------------------------------------
@pytest.fixture
def store(tmp_path, tiny_world):
    s = store_with_profiles(f"sqlite:///{tmp_path / 'm.db'}", tiny_world)
    yield s
    s.dispose()


def test_outcome_refusals_name_the_field_value_and_rule_in_either_language(store):
    import datetime as dt

    from api.store.outcomes import correct_outcome, outcome_state, record_outcome

    def record(**values):
        with store.transaction() as s:
            record_outcome(s, umkm_id="U1", firm_id="F1", recorded_by="ani", source="api", **values)

    indonesian, english = _said(lambda: record(stage="signed", date=dt.date(2025, 1, 10)))
    assert indonesian.startswith("stage 'signed': seharusnya salah satu dari declined, meeting")
    assert english.startswith("stage 'signed': expected one of declined, meeting")
    indonesian, english = _said(
        lambda: record(stage="meeting", date=dt.date(2025, 1, 10), contract_value_idr=-5.0)
    )
    assert (indonesian, english) == (
        "contract_value_idr -5.0: seharusnya angka >= 0",
        "contract_value_idr -5.0: expected a number >= 0",
    )
    assert _said(
        lambda: record(stage="meeting", date=dt.date(2025, 1, 10), declined_by="firm")
    ) == (
        "declined_by hanya untuk tahap 'declined', bukan 'meeting'",
        "declined_by is only for stage 'declined', not 'meeting'",
    )
    with store.session() as s:
        assert _said(lambda: outcome_state(s, 404)) == (
            "tidak ada hasil dengan ID 404",
            "no outcome with id 404",
        )
    record(stage="meeting", date=dt.date(2025, 1, 10))
    with store.transaction() as s:
        indonesian, _ = _said(lambda: correct_outcome(s, 1, reason="x", by="ani", grade=3))
    assert indonesian.startswith("grade tidak dapat dikoreksi; koreksi hanya boleh mengubah stage")


def test_retrain_refusals_say_what_to_do(store):
    from api.retrain import read_store
    from training.retrain import retrain

    indonesian, english = _said(lambda: read_store(store))
    assert indonesian.startswith("penyimpanan (sqlite:///")
    assert indonesian.endswith(
        ") belum berisi hasil: catat hasil lewat API atau `matcher import outcomes BERKAS`, "
        "atau beri --umkm/--firms/--outcomes"
    )
    assert "has no outcomes yet" in english
    indonesian, english = _said(lambda: retrain(None, None, None, None, tolerance=-1))
    assert indonesian == (
        "toleransi (-1) dan margin baseline (0,02) harus >= 0 dan porsi uji (0,2) antara 0 dan 1"
    )
    assert "tolerance (-1) and baseline margin (0.02) must be >= 0" in english


def test_the_store_guard_says_an_event_dates_range_in_the_readers_words():
    import datetime as dt

    from api.store.guard import check_records
    from api.store.models import Followup
    from matcher.data import rules

    with rules.frozen_today(dt.date(2026, 1, 1)):
        indonesian, english = _said(
            lambda: check_records(Followup, [{"next_date": dt.date(2300, 1, 1)}])
        )
    assert indonesian == (
        "penyimpanan tidak dapat menampung nilai berikut; tidak ada yang ditulis: "
        "catatan 1, next_date: seharusnya tanggal dari 2000-01-01 sampai 2029-01-03"
    )
    assert english.endswith("record 1, next_date: expected a date from 2000-01-01 to 2029-01-03")
