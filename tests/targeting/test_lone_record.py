"""A person known by one record: held on a near miss that would clear them, not for being alone.

``LOW_IDENTITY_CONFIDENCE`` holds a lone record when a record of another person alike
(``elsewhere.NameIndex.alike``) would clear it, or when the record names no document
(passport, A-number, FBI number). Each hard case the hold exists for is built here: the
naturalized citizen's old I-94 whose naturalization resolution left apart (birth date
mistyped every way the synthetic world mistypes it; a given name changed at
naturalization, found by the passport number), the grant kept with another person's
many records, and the removal recorded under an alias birth date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from immigrationos.targeting.elsewhere import MOST, NameIndex, birth_slip
from immigrationos.targeting.evaluate import Evaluation, evaluate_person
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import LeadState, SafeguardResult

from .builders import AS_OF, arrival, benefit, eoir, event, licence, numident, passport
from .lead_builders import POLICY


def _as(record: PersonRecord, **fields: str | None) -> PersonRecord:
    """Return the record with some payload fields replaced (names, birth date, numbers)."""
    return dataclasses.replace(record, payload={**record.payload, **fields})


def _old_i94(born: str = "1980-05-05", given: str = "ANA") -> PersonRecord:
    """A B-2 admission expired long ago, on a foreign passport: an overstay on its face."""
    return _as(
        arrival("2010-03-01", "B2", "2010-09-01"),
        birth_date=born,
        given_name=given,
        passport_number="G12345678",
    )


def _evaluate(records: list[PersonRecord], index: NameIndex | None = None) -> Evaluation:
    others = index.alike("P1", records) if index is not None else ()
    return evaluate_person(
        records,
        AS_OF,
        ssn_owner={},
        link_probability={},
        policy=POLICY,
        person_id="P1",
        elsewhere=others,
    )


def _low(ev: Evaluation) -> SafeguardResult:
    (low,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    return low


def test_a_lone_admission_on_a_passport_with_no_near_miss_stands() -> None:
    # The I-94 was issued on a passport at the port: it says whose it is. That the
    # person's other records are unknown (in a batch the W-2s are withheld) is no doubt
    # about who this is, and with no record alike that would clear them it stands.
    records = [_old_i94()]
    stranger = _as(benefit("N-400", "APPROVED", "2019-01-10", "2020-02-01"), given_name="LUIS")
    ev = _evaluate(records, NameIndex({"P1": records, "P2": [stranger]}))
    assert set(ev.violations) == {"OVERSTAY"}
    assert ev.state is LeadState.OPEN
    assert _low(ev).effect.value == "NONE"


@pytest.mark.parametrize("number", [{"a_number": "A203891572"}, {"fbi_number": "123456AB7"}])
def test_a_lone_record_is_held_unless_it_names_a_document(number: dict[str, str]) -> None:
    # An arrest that names no A-file and no fingerprint record is a name and a birth date
    # someone wrote down: it is held. With an A-number or an FBI number it stands.
    arrest = _as(event("ARREST", "2025-02-01"), birth_date="1990-02-02")
    bare = _evaluate([arrest])
    assert "PRESENT_WITHOUT_ADMISSION" in bare.violations
    assert bare.state is LeadState.HELD
    assert "no document number" in _low(bare).reason
    numbered = _evaluate([_as(arrest, **number)])
    assert numbered.state is LeadState.OPEN


# Birth dates as the synthetic world mistypes them (synth/noise.birth_date_noise).
SLIPS = [
    ("1987-01-01", "1987-03-03"),  # an unknown day recorded as 1 January
    ("1994-03-19", "2004-03-19"),  # a decade slip across the century
    ("1978-05-12", "1987-05-12"),  # the year's last two digits transposed
    ("1997-06-28", "1998-06-30"),  # the year off by one, the 30th written as the 28th
    ("1986-07-04", "1986-04-07"),  # day and month swapped
    ("1974-07-09", "1974-06-29"),  # ten days off, across a month (measured on s909)
]


@pytest.mark.parametrize(("on_i94", "true"), SLIPS)
def test_birth_date_slips_are_typos(on_i94: str, true: str) -> None:
    a, b = dt.date.fromisoformat(on_i94), dt.date.fromisoformat(true)
    assert birth_slip(a, b) and birth_slip(b, a)


def test_birth_dates_apart_otherwise_are_two_people() -> None:
    day = dt.date.fromisoformat
    assert not birth_slip(day("1983-01-07"), day("1987-01-07"))  # four years
    assert not birth_slip(day("1987-03-03"), day("1987-05-09"))  # two months
    assert not birth_slip(day("1987-01-01"), day("1988-03-03"))  # 1 January, other year
    # A few weeks apart is no slip either (it was "near" under the old 45-day window).
    assert not birth_slip(day("1987-03-03"), day("1987-04-10"))
    assert not birth_slip(day("1987-03-03"), day("1987-03-03"))  # the same day: no slip


@pytest.mark.parametrize(("on_i94", "true"), SLIPS)
def test_a_naturalized_citizens_lone_i94_is_held_whatever_the_birth_date_slip(
    on_i94: str, true: str
) -> None:
    # The hard case the hold exists for: a naturalized citizen's old I-94, resolved alone,
    # its birth date mistyped; the naturalization sits in another person.
    records = [_old_i94(born=on_i94)]
    naturalized = _as(benefit("N-400", "APPROVED", "2019-01-10", "2020-02-01"), birth_date=true)
    index = NameIndex({"P1": records, "P2": [naturalized]})
    ev = _evaluate(records, index)
    assert ev.state is LeadState.HELD
    low = _low(ev)
    assert "one record" in low.reason and naturalized.ref in low.evidence
    assert low.review == "IDENTITY_CONFIRMATION"


@pytest.mark.parametrize(("on_i94", "true"), SLIPS[1:4])
def test_slips_beyond_the_day_window_are_near_for_a_confirmed_person(
    on_i94: str, true: str
) -> None:
    # A person whose records agree on a date looks 45 days around it, and at the typos.
    records = [_old_i94(born=on_i94), _as(licence("2011-01-01"), birth_date=on_i94)]
    naturalized = _as(benefit("N-400", "APPROVED", "2019-01-10", "2020-02-01"), birth_date=true)
    assert NameIndex({"P1": records, "P2": [naturalized]}).alike("P1", records) == [naturalized]


def test_a_citizen_renamed_at_naturalization_is_found_by_the_passport_number() -> None:
    # Measured on the 100k world s909: ALEJANDRA PEREZ's old I-94 (birth date ten days
    # off), resolved alone; her US passport, as MARGARET PEREZ, carries the passport
    # number her I-94 was issued on. A passport number is issued to one person: the
    # record under it is a near miss whatever its name and date, and it clears her.
    records = [_as(_old_i94(given="ALEJANDRA", born="1974-07-09"), passport_number="HA8077899")]
    renamed = _as(passport("2021-06-01"), given_name="MARGARET", birth_date="1974-06-29")
    renamed = _as(renamed, passport_number="HA 8077899")
    index = NameIndex({"P1": records, "P2": [renamed]})
    assert index.alike("P1", records) == [renamed]
    ev = _evaluate(records, index)
    assert ev.state is LeadState.HELD
    assert renamed.ref in _low(ev).evidence
    # Another passport number, another name: a stranger, not a near miss; the I-94 stands.
    stranger = _as(renamed, passport_number="HA8077000")
    assert NameIndex({"P1": records, "P2": [stranger]}).alike("P1", records) == []
    alone = _evaluate(records, NameIndex({"P1": records, "P2": [stranger]}))
    assert alone.state is LeadState.OPEN


def test_a_near_miss_person_brings_every_clearing_record_of_theirs() -> None:
    # Measured on the 10k world s101: an asylee's lone I-94 (birth date 1 January); her
    # grant sat with her licence, Numident and work permits in another person, and only
    # the nearest four records were looked at: the grant was not among them.
    records = [_old_i94(born="1987-01-01")]
    theirs = [
        licence("2021-03-01", doc="EAD"),
        numident("530798690", place="SLV", code="B"),
        *(benefit("I-765", "APPROVED", f"20{y}-01-10", f"20{y}-03-01") for y in (19, 21, 23)),
        benefit("I-589", "APPROVED", "2018-01-17", "2019-02-05"),
    ]
    theirs = [_as(r, birth_date="1987-03-03") for r in theirs]
    assert len(theirs) > MOST
    index = NameIndex({"P1": records, "P2": theirs})
    assert theirs[-1] in index.alike("P1", records)
    ev = _evaluate(records, index)
    assert ev.state is LeadState.HELD
    assert theirs[-1].ref in _low(ev).evidence


def test_a_removal_under_an_alias_birth_date_is_found_through_its_persons_near_miss() -> None:
    # A person ordered removed, arrested since; another resolved person holds an arrest
    # named alike and born near (a year off) and the removal that executed the order,
    # given to the police under an alias birth date. If that person is this one, so is
    # the removal: the order is held, not sent out as unexecuted.
    records = [
        _as(eoir("REMOVAL_ORDERED", "2017-03-20", nta="2016-03-01"), birth_date="1979-10-15"),
        _as(event("ARREST", "2016-05-14"), birth_date="1979-10-15"),
    ]
    assert _evaluate(records).state is LeadState.OPEN
    other = [
        _as(event("ARREST", "2011-05-14"), birth_date="1980-10-15"),
        _as(event("REMOVAL", "2019-09-13"), birth_date="1978-02-20"),
    ]
    index = NameIndex({"P1": records, "P2": other})
    assert other[1] in index.alike("P1", records)
    ev = _evaluate(records, index)
    assert ev.state is LeadState.HELD
    assert other[1].ref in _low(ev).evidence
