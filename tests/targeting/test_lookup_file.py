"""The shared lookups written to a file answer as the dictionaries they came from."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.elsewhere import NameIndex
from immigrationos.targeting.lookup_file import (
    FileOwners,
    IndexFile,
    LookupFileError,
    LookupWriter,
    write,
)
from immigrationos.targeting.records import PersonRecord

PERSONS = [f"P{n}" for n in range(6)]
OWNERS = {
    "123456789": OwnerInfo("P1", "JOSE LOPEZ", dt.date(1981, 3, 4), None, "ssa_numident:N1",
                           "JOSE", "LOPEZ", "M"),
    "987654321": OwnerInfo("P2", "ANA DIAZ", None, dt.date(2020, 5, 6), "ssa_numident:N2"),
}  # fmt: skip

rows = st.lists(
    st.tuples(
        st.sampled_from(PERSONS),
        st.sampled_from(["JOSE", "JOSEPH", "ANA", "XIU YING", ""]),
        st.sampled_from(["LOPEZ", "LOPES", "DE LEON", "NG"]),
        st.one_of(
            st.sampled_from(
                ["1981-01-01", "1981-03-04", "1981-04-03", "1991-03-04", "1981-09-30", ""]
            ),
            st.dates(dt.date(1980, 1, 1), dt.date(1982, 12, 31)).map(dt.date.isoformat),
        ),
        st.sampled_from(["", "A100200300", "A100200301"]),
        st.sampled_from(["", "X1234567"]),
        st.sampled_from(["cbp_i94", "enforcement_events", "uscis_benefits", "irs_w2", "tips"]),
        st.booleans(),
    ),
    max_size=20,
)


def _records_of(drawn: list) -> dict[str, list[PersonRecord]]:
    out: dict[str, list[PersonRecord]] = {}
    for n, (pid, given_name, family, born, a_number, passport, source, _) in enumerate(drawn):
        payload = {"given_name": given_name, "family_name": family, "birth_date": born,
                   "a_number": a_number, "passport_number": passport}  # fmt: skip
        out.setdefault(pid, []).append(PersonRecord(source, f"R{n}", payload))
    return out


def _index(drawn: list, records_of: dict[str, list[PersonRecord]]) -> NameIndex:
    """An index of some records as objects and some as stored text, as runs add them."""
    index = NameIndex()
    as_text = iter(flag for *_, flag in drawn)
    for pid, records in records_of.items():
        for r in records:
            text = json.dumps(dict(r.payload)) if next(as_text) else None
            # A tip stands for a withheld record that shows citizenship: kept unread.
            index.add(pid, r, text, withheld_citizenship=r.source == "tips")
    return index


@settings(max_examples=150, deadline=None)
@given(rows)
def test_a_lookup_file_answers_as_the_index_and_owners_it_was_written_from(drawn: list) -> None:
    records_of = _records_of(drawn)
    index = _index(drawn, records_of)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "lookups.sqlite3", OWNERS, index)
        on_file = IndexFile(path)
        for pid in PERSONS:
            own = records_of.get(pid, [])
            assert on_file.alike(pid, own) == index.alike(pid, own)
            assert on_file.records_of(pid) == index.records_of(pid)
        owners = FileOwners(path)
        assert dict(owners) == OWNERS
        assert owners.get("000000000") is None and "123456789" in owners
        # Written record by record as a run reads them (never the whole index in memory).
        writer = LookupWriter(Path(tmp) / "streamed.sqlite3")
        as_text = iter(flag for *_, flag in drawn)
        for pid, records in records_of.items():
            for r in records:
                text = json.dumps(dict(r.payload)) if next(as_text) else None
                writer.add(pid, r, text, withheld_citizenship=r.source == "tips")
        streamed = IndexFile(writer.finish(OWNERS))
        for pid in PERSONS:
            own = records_of.get(pid, [])
            assert streamed.alike(pid, own) == index.alike(pid, own)
            assert streamed.records_of(pid) == index.records_of(pid)
        assert dict(FileOwners(streamed.path)) == OWNERS
        for reader in (on_file, owners, streamed):
            reader.close()


def test_a_record_held_as_an_object_is_read_back_with_its_dates_as_text() -> None:
    index = NameIndex()
    payload = {"given_name": "ANA", "family_name": "DIAZ", "birth_date": dt.date(1990, 2, 3)}
    index.add("P1", PersonRecord("cbp_i94", "R1", payload))
    with tempfile.TemporaryDirectory() as tmp:
        on_file = IndexFile(write(Path(tmp) / "f.sqlite3", {}, index))
        (back,) = on_file.records_of("P1")
        assert back.payload["birth_date"] == "1990-02-03"
        assert back.date("birth_date") == dt.date(1990, 2, 3)
        on_file.close()


def test_only_the_path_is_pickled_and_the_copy_opens_the_file_itself() -> None:
    index = NameIndex({"P1": [PersonRecord("cbp_i94", "R1", {"given_name": "ANA"})]})
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "f.sqlite3", OWNERS, index)
        on_file, owners = IndexFile(path), FileOwners(path)
        assert len(owners) == 2 and on_file.records_of("P1")  # both connected now
        blob = pickle.dumps((on_file, owners))
        assert len(blob) < 1_000
        copy_index, copy_owners = pickle.loads(blob)
        assert copy_index.records_of("P1") == on_file.records_of("P1")
        assert copy_owners["987654321"] == OWNERS["987654321"]
        for reader in (on_file, owners, copy_index, copy_owners):
            reader.close()


def test_a_lookup_file_is_never_overwritten_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    write(path, OWNERS, NameIndex())
    before = path.read_bytes()
    with pytest.raises(LookupFileError, match="exists already"):
        write(path, {}, NameIndex())
    assert path.read_bytes() == before
    missing = IndexFile(tmp_path / "gone.sqlite3")
    with pytest.raises(LookupFileError, match=r"gone\.sqlite3"):
        missing.records_of("P1")


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    class Broken(NameIndex):
        def entries(self):  # type: ignore[no-untyped-def]
            yield "record", ("P1", "cbp_i94", "R1", "{}")
            raise OSError("disk full")

    path = tmp_path / "f.sqlite3"
    with pytest.raises(LookupFileError, match="disk full"):
        write(path, OWNERS, Broken())
    assert not path.exists()


def test_a_record_that_cannot_be_written_stops_the_file_and_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    writer = LookupWriter(path)
    writer.add("P1", PersonRecord("cbp_i94", "R1", {"given_name": "ANA"}))
    with pytest.raises(LookupFileError, match=r"f\.sqlite3 could not be written.*set"):
        writer.add("P2", PersonRecord("cbp_i94", "R2", {"given_name": {"ANA"}}))
    assert not path.exists()
    path.touch()
    with pytest.raises(LookupFileError, match="exists already"):
        LookupWriter(path)
