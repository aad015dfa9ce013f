"""The store on SQLite and PostgreSQL: round trips, upserts, append-only outcomes,
all-or-nothing imports, accounts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.store import FIRMS, UMKM, ProfileFilter, Region, Store, load_frame, upsert_profiles
from api.store.accounts import AccountError, authenticate, create_account, revoke_account
from api.store.importer import import_file
from api.store.models import Account, Outcome
from api.store.outcomes import append_outcome, outcomes_frame
from api.store.profiles import profile_revision, search_profiles
from matcher.cli import main as cli_main
from matcher.data.errors import DataValidationError


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    yield s
    s.dispose()


@pytest.fixture
def filled(store, tiny_world):
    umkm, firms = tiny_world
    with store.transaction() as s:
        upsert_profiles(s, umkm, UMKM)
        upsert_profiles(s, firms, FIRMS)
    return store


def test_profiles_round_trip_to_the_same_canonical_frames(filled, tiny_world):
    umkm, firms = tiny_world
    with filled.session() as s:
        pd.testing.assert_frame_equal(
            load_frame(s, UMKM), umkm.sort_values("umkm_id").reset_index(drop=True)
        )
        pd.testing.assert_frame_equal(
            load_frame(s, FIRMS), firms.sort_values("firm_id").reset_index(drop=True)
        )


def test_upsert_replaces_by_id_and_bumps_the_revision(filled, tiny_world):
    umkm, _ = tiny_world
    with filled.session() as s:
        before = profile_revision(s)
    changed = umkm.iloc[[0]].copy()
    changed["name"] = "Keripik Baru"
    with filled.transaction() as s:
        upsert_profiles(s, changed, UMKM)
    with filled.session() as s:
        frame = load_frame(s, UMKM)
        assert len(frame) == 3
        assert frame.set_index("umkm_id").loc["U1", "name"] == "Keripik Baru"
        assert profile_revision(s) == before + 1


def test_migrations_are_idempotent(filled, database_url):
    again = Store(database_url)  # upgrade head on an up-to-date schema: no error, data kept
    with again.session() as s:
        assert len(load_frame(s, UMKM)) == 3
    again.dispose()


def _record(s, stage, date, by="ani"):
    return append_outcome(
        s, umkm_id="U1", firm_id="F1", stage=stage, date=date, recorded_by=by, source="api"
    )


def test_outcomes_are_append_only_in_the_database_itself(filled):
    with filled.transaction() as s:
        _record(s, "meeting", dt.date(2025, 1, 1))
    for sql in ("UPDATE outcomes SET stage = 'contract_signed'", "DELETE FROM outcomes"):
        with pytest.raises(DBAPIError, match="append-only"):
            with filled.transaction() as s:
                s.execute(text(sql))
    with filled.session() as s:
        assert [o.stage for o in s.query(Outcome)] == ["meeting"]


def test_outcomes_frame_keeps_the_latest_stage_per_pair(filled):
    with filled.transaction() as s:
        _record(s, "mou_signed", dt.date(2025, 3, 1))
        _record(s, "meeting", dt.date(2025, 1, 1))  # recorded later, but an older stage date
        append_outcome(
            s,
            umkm_id="U3",
            firm_id="F2",
            stage="declined",
            date=dt.date(2025, 2, 1),
            declined_by="firm",
            recorded_by="ani",
            source="api",
        )
    with filled.session() as s:
        frame = outcomes_frame(s).set_index(["umkm_id", "firm_id"])
    assert frame.loc[("U1", "F1"), "stage"] == "mou_signed"
    assert frame.loc[("U1", "F1"), "grade"] == 2
    assert frame.loc[("U3", "F2"), "declined_by"] == "firm"
    assert len(frame) == 2


def _write(tmp_path, name, rows):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_import_of_a_bad_file_changes_nothing_and_lists_every_problem(
    filled, database_url, tmp_path, capsys
):
    bad = _write(
        tmp_path,
        "umkm_bad.csv",
        [
            dict(umkm_id="U1", name="Renamed", kbli="10792", products="x", province="Jawa Timur"),
            dict(umkm_id="U7", name="New", kbli="1111", products="y", province="Jawa Timor"),
        ],
    )
    with filled.session() as s:
        before, rev = load_frame(s, UMKM), profile_revision(s)
    assert cli_main(["import", "umkm", str(bad), "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert "baris 3, kolom 'kbli'" in err and "baris 3, kolom 'province'" in err
    with filled.session() as s:
        pd.testing.assert_frame_equal(load_frame(s, UMKM), before)
        assert profile_revision(s) == rev


def test_import_outcomes_checks_ids_against_the_store_and_is_all_or_nothing(filled, tmp_path):
    good_row = dict(umkm_id="U1", firm_id="F1", stage="meeting", date="2025-01-02")
    bad = _write(tmp_path, "out_bad.csv", [good_row, dict(good_row, umkm_id="U404")])
    with pytest.raises(DataValidationError, match="U404") as info:
        import_file(filled, "outcomes", bad)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(3, "umkm_id", "U404")]
    with filled.session() as s:
        assert s.query(Outcome).count() == 0
    good = _write(tmp_path, "out.csv", [good_row])
    assert import_file(filled, "outcomes", good).rows_written == 1
    assert import_file(filled, "outcomes", good).rows_written == 0  # same file again adds nothing
    with filled.session() as s:
        (row,) = s.query(Outcome).all()
        assert (row.source, row.recorded_by, row.recommended_by_engine) == (
            "import",
            "import:out.csv",
            None,
        )


def test_import_profiles_upserts(store, tmp_path, database_url, capsys):
    path = _write(
        tmp_path,
        "firms.csv",
        [dict(firm_id="F9", name="N", investment_type="pma", needs="kopi", province="Aceh")],
    )
    assert cli_main(["import", "firms", str(path), "--database-url", database_url]) == 0
    assert "firms: 1 baris dibaca, 1 disimpan atau diperbarui" in capsys.readouterr().out
    with store.session() as s:
        (firm,) = load_frame(s, FIRMS).itertuples()
        assert (firm.investment_type, firm.max_partners) == ("PMA", 3)


def test_keys_are_stored_only_as_hashes_and_revocation_is_immediate(store):
    with store.transaction() as s:
        _, key = create_account(s, "ani", "facilitator", Region.parse("jatim/pamekasan"))
    with store.session() as s:
        acc = s.query(Account).one()
        assert key not in (acc.key_hash, acc.key_prefix) and len(acc.key_hash) == 64
        assert (acc.province, acc.regency) == ("Jawa Timur", "Kabupaten Pamekasan")
        who = authenticate(s, key)
        assert (who.name, who.role, who.region) == (
            "ani",
            "facilitator",
            Region("Jawa Timur", "Kabupaten Pamekasan"),
        )
        assert authenticate(s, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    with store.transaction() as s:
        revoke_account(s, "ani")
    with store.session() as s:
        assert authenticate(s, key) is None


@pytest.mark.parametrize(
    "args, message",
    [
        (("bob", "admin", Region("Aceh")), "admin melihat semua wilayah"),
        (("bob", "boss", None), "peran 'boss'"),
        (("bob", "facilitator", Region("Jawa Timor")), "yang paling mirip: Jawa Timur"),
    ],
)
def test_account_mistakes_are_explained(store, args, message):
    """Said in the facilitator's language (Indonesian by default), the nested region
    detail too."""
    from matcher.i18n import text_in

    with pytest.raises(AccountError) as err:
        with store.transaction() as s:
            create_account(s, *args)
    assert message in text_in(err.value.args[0], "id")


def test_search_filters_region_and_paging(filled):
    def ids(f=ProfileFilter(), region=None, kind=UMKM, limit=50, offset=0):
        with filled.session() as s:
            items, total = search_profiles(s, kind, f, region, limit, offset)
        return [i[kind.id_column] for i in items], total

    assert ids() == (["U1", "U2", "U3"], 3)
    assert ids(limit=1, offset=1) == (["U2"], 3)
    assert ids(ProfileFilter(kbli_prefix="107")) == (["U1", "U2"], 2)
    assert ids(ProfileFilter(kbli_prefix="13")) == (["U3"], 1)
    assert ids(ProfileFilter(certificate="pirt")) == (["U1"], 1)
    assert ids(ProfileFilter(q="TENUN")) == (["U3"], 1)
    assert ids(region=Region("Jawa Timur")) == (["U1", "U2"], 2)
    assert ids(region=Region("Jawa Timur", "Kabupaten Pamekasan")) == (["U1"], 1)
    assert ids(ProfileFilter(province="Aceh"), region=Region("Jawa Timur")) == ([], 0)
    assert ids(ProfileFilter(kbli_prefix="107"), kind=FIRMS) == (["F1", "F3"], 2)
    assert ids(ProfileFilter(certificate="halal"), kind=FIRMS) == (["F1"], 1)
