"""Status reasoning: intervals name their records, latest decisions win, bad input is safe."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from immigrationos.persons.service import PersonRecordRow
from immigrationos.targeting.records import PersonRecord, from_stored
from immigrationos.targeting.status import derive_status

from .builders import AS_OF, arrival, benefit, departure, eoir, event, licence, numident, tip


def test_intervals_name_their_records() -> None:
    entry = arrival("2015-01-01", "H1B", "2018-01-01")
    green = benefit("I-485", "APPROVED", "2016-01-01", "2017-06-01")
    status = derive_status([entry, green], AS_OF)
    lpr = [i for i in status.status if i.kind == "LPR"]
    assert lpr == [lpr[0]] and lpr[0].evidence == (green.ref,)
    assert lpr[0].start == dt.date(2017, 6, 1) and lpr[0].end is None
    (h1b,) = [i for i in status.work if i.kind == "ADMISSION_H1B"]
    assert h1b.evidence == (entry.ref,) and h1b.end == dt.date(2018, 1, 1)
    assert any(f.kind == "APPROVED_I-485" and f.evidence == (green.ref,) for f in status.relief)


def test_admission_ends_at_departure() -> None:
    status = derive_status([arrival("2015-01-01", "H1B", "2018-01-01"), departure("2016-03-01")],
                           AS_OF)  # fmt: skip
    (h1b,) = status.work
    assert h1b.end == dt.date(2016, 3, 1)
    assert status.presence.last_exit is not None and not status.presence.present


def test_latest_eoir_decision_wins_and_a_reopened_order_is_not_latest() -> None:
    order = eoir("REMOVAL_ORDERED", "2018-03-01", absentia=True)
    relief = eoir("RELIEF_GRANTED", "2019-06-01", "2018-05-01")
    status = derive_status([order, relief], AS_OF)
    assert status.latest_eoir is not None and status.latest_eoir.ref == relief.ref
    assert [f.kind for f in status.relief] == ["EOIR_RELIEF_GRANTED"]


def test_decision_after_as_of_leaves_the_application_pending() -> None:
    status = derive_status([benefit("I-589", "APPROVED", "2025-01-01", "2027-01-01")], AS_OF)
    assert [f.kind for f in status.relief] == ["PENDING_I-589"]


def test_numident_code_b_is_not_lasting_authorization() -> None:
    status = derive_status([numident("123456789", place="MEX", code="B", issued="2010-01-01")],
                           AS_OF)  # fmt: skip
    (b,) = status.work
    assert b.start == b.end == dt.date(2010, 1, 1)
    assert status.citizenship == ()


def test_citizenship_evidence_is_collected() -> None:
    status = derive_status([numident("123456789"), licence("2020-01-01", "US_PASSPORT")], AS_OF)
    assert {f.kind for f in status.citizenship} == {
        "US_BIRTH",
        "NUMIDENT_CODE_A",
        "DMV_US_PASSPORT",
    }


def test_presence_ignores_tips_and_names_the_exit() -> None:
    removal = event("REMOVAL", "2020-01-01")
    status = derive_status([removal, tip("2024-01-01")], AS_OF)
    assert not status.presence.present
    assert status.presence.last_exit is not None
    assert status.presence.last_exit.evidence == (removal.ref,)


def test_bad_fields_are_ignored_without_crashing() -> None:
    odd = [
        PersonRecord("cbp_i94", "X1", {"event": "ARRIVAL", "event_date": "2020-02-31"}),
        PersonRecord("irs_w2", "X2", {"tax_year": "20x4", "employee_tin": None}),
        PersonRecord("eoir_cases", "X3", {"status": "REMOVAL_ORDERED", "decision_date": "soon"}),
        PersonRecord("uscis_benefits", "X4", {"form_type": "I-765", "status": "APPROVED",
                                              "valid_from": "2020-13-01", "valid_until": ""}),
        PersonRecord("ssa_numident", "X5", {"birth_place": None, "death_date": "1-1-2020"}),
        PersonRecord("dmv_licenses", "X6", {"issue_date": dt.date(2021, 1, 1)}),
        PersonRecord("eoir_cases", "X7", {"appeal_pending": True, "decision_date": None}),
    ]  # fmt: skip
    status = derive_status(odd, AS_OF)
    assert status.admissions == () and status.eoir_decisions == ()
    assert status.presence.present and status.presence.deceased is None
    assert status.presence.last_evidence is not None
    assert status.presence.last_evidence.day == dt.date(2021, 1, 1)


def test_status_is_frozen() -> None:
    status = derive_status([numident("123456789"), event("REMOVAL", "2020-01-01")], AS_OF)
    assert isinstance(hash(status), int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.__setattr__("as_of", AS_OF)


def test_stored_rows_become_person_records() -> None:
    def row(record_id: str, withdrawn: bool) -> PersonRecordRow:
        return PersonRecordRow(
            source="dmv_licenses", record_id=record_id, version=1, withdrawn=withdrawn,
            display_name="ANA PEREZ", birth_date=None, sex="F", field_office=None,
            payload={"issue_date": "2021-01-01"},
        )  # fmt: skip

    (rec,) = from_stored([row("D1", False), row("D2", True)])
    assert rec.ref == "dmv_licenses:D1" and rec.day == dt.date(2021, 1, 1)
