"""Property: any citizenship record on any person means the lead is never OPEN.

Persons are built from any mix of sources (arrivals of every class, departures, benefits
of every form and status, court cases, enforcement events, wages under ITINs and other
people's SSNs, licences, currency transactions, tips, stale Numident records, weak
links); one citizenship record of any kind is added. Whatever the detectors find, the
lead is SUPPRESSED (or there is none).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from immigrationos.targeting import safeguards as sg
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import LeadState

from .builders import AS_OF
from .lead_builders import evaluate, record

days = st.dates(min_value=dt.date(1995, 1, 1), max_value=AS_OF).map(dt.date.isoformat)
later = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 1, 1)).map(
    dt.date.isoformat
)
CLASSES = [
    "B1",
    "B2",
    "WT",
    "WB",
    "F1",
    "J1",
    "H1B",
    "H2A",
    "H2B",
    "L1",
    "O1",
    "TN",
    "CW",
    "PAROLE",
    "LPR",
    "OTHER",
]
FORMS = [
    "I-485",
    "I-589",
    "I-821",
    "I-821D",
    "I-765",
    "N-400",
    "I-130",
    "I-751",
    "I-918",
    "I-914",
    "I-360",
    "I-539",
]
TINS = ["912785678", "555667777", "321540000", "321541234", "123456789"]
OWNERS = {"555667777": OwnerInfo("P2", "JOHN SMITH", record="ssa_numident:N9")}


def _arrival(d: str, cls: str, until: str | None) -> PersonRecord:
    return record(
        "cbp_i94",
        event="ARRIVAL",
        event_date=d,
        class_of_admission=cls,
        admit_until=until,
        citizenship_country="MEX",
    )


plain_records = st.one_of(
    st.builds(
        _arrival, days, st.sampled_from(CLASSES), st.one_of(st.none(), later, st.just("D/S"))
    ),
    st.builds(lambda d: record("cbp_i94", event="DEPARTURE", event_date=d), days),
    st.builds(
        lambda f, s, d, dec, vu: record(
            "uscis_benefits",
            form_type=f,
            status=s,
            filed_date=d,
            decision_date=dec,
            valid_until=vu,
            state="TX",
            country_of_birth="GTM",
        ),
        st.sampled_from([f for f in FORMS if f != "N-400"]),
        st.sampled_from(["PENDING", "APPROVED", "DENIED", "WITHDRAWN"]),
        days,
        st.one_of(st.none(), days),
        st.one_of(st.none(), later),
    ),
    st.builds(
        lambda s, d, a, ap: record(
            "eoir_cases",
            status=s,
            nta_date="1994-01-01",
            decision_date=d,
            in_absentia=a,
            appeal_pending=ap,
            nationality="HND",
        ),
        st.sampled_from(
            [
                "PENDING",
                "REMOVAL_ORDERED",
                "RELIEF_GRANTED",
                "TERMINATED",
                "VOLUNTARY_DEPARTURE",
                "ADMIN_CLOSED",
            ]
        ),
        st.one_of(st.none(), days),
        st.sampled_from(["true", "false"]),
        st.sampled_from(["true", "false"]),
    ),
    st.builds(
        lambda k, d: record("enforcement_events", event_type=k, event_date=d),
        st.sampled_from(["ENCOUNTER", "ARREST", "RELEASE", "REMOVAL", "RETURN"]),
        days,
    ),
    st.builds(
        lambda y, t: record("irs_w2", tax_year=str(y), employee_tin=t, wages="1000"),
        st.integers(1995, AS_OF.year),
        st.sampled_from(TINS),
    ),
    st.builds(lambda d: record("dmv_licenses", issue_date=d, legal_presence_document="NONE"), days),
    st.builds(lambda d: record("fincen_ctr", transaction_date=d, id_type="CONSULAR_ID"), days),
    st.builds(lambda d: record("tips", received_date=d, allegation="x", anonymous="true"), days),
    st.builds(
        lambda c, d: record(
            "ssa_numident", ssn="123456789", birth_place="MEX", citizenship_code=c, issue_date=d
        ),
        st.sampled_from([None, "B", "C", "D"]),
        days,
    ),
    st.builds(
        lambda d, c: record(
            "criminal_history", offense_category=c, disposition="CONVICTED", disposition_date=d
        ),
        days,
        st.sampled_from(["VIOLENT", "DUI", "TRAFFIC"]),
    ),
    st.builds(
        lambda d, c: record("cbp_home_departures", report_date=d, confirmed_departure_date=c),
        days,
        st.one_of(st.none(), days),
    ),
)

citizenship_records = st.one_of(
    st.builds(
        lambda d, p: record("dos_passports", issue_date=d, birth_place=p),
        days,
        st.sampled_from(["CA", "PR", "MEX", "IND"]),
    ),
    st.builds(
        lambda d, p: record(
            "ssa_numident", ssn="222334444", birth_place=p, citizenship_code="A", issue_date=d
        ),
        days,
        st.sampled_from(["TX", "MEX"]),
    ),
    st.builds(
        lambda d, p: record(
            "ssa_numident", ssn="222334444", birth_place=p, citizenship_code=None, issue_date=d
        ),
        days,
        st.sampled_from(["TX", "PR", "GU", "VI", "AS", "MP"]),
    ),
    st.builds(
        lambda f, dec: record(
            "uscis_benefits",
            form_type="N-400",
            status="APPROVED",
            filed_date=min(f, dec),
            decision_date=dec,
        ),
        days,
        days,
    ),
    st.builds(
        lambda d, doc: record("dmv_licenses", issue_date=d, legal_presence_document=doc),
        days,
        st.sampled_from(["US_PASSPORT", "US_BIRTH_CERTIFICATE", "NATURALIZATION_CERTIFICATE"]),
    ),
    st.builds(
        lambda d: record("cbp_i94", event="ARRIVAL", event_date=d, class_of_admission="USC"), days
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person=st.lists(plain_records, min_size=0, max_size=12),
    citizenship=citizenship_records,
    weak=st.floats(0.0, 1.0),
)
def test_citizenship_evidence_never_leaves_an_open_lead(
    person: list[PersonRecord], citizenship: PersonRecord, weak: float
) -> None:
    records = [*person, citizenship]
    links = {r.ref: weak for r in records}
    ev = evaluate(records, ssn_owner=OWNERS, links=links)
    event(f"findings: {bool(ev.findings)}, state: {ev.state}")
    assert ev.state is not LeadState.OPEN
    assert ev.state in (None, LeadState.SUPPRESSED)
    # The combinator alone: any findings at all, with these safeguards, are never OPEN.
    assert sg.lead_state(ev.findings, ev.safeguards) is not LeadState.OPEN


@settings(max_examples=100, deadline=None)
@given(person=st.lists(plain_records, min_size=1, max_size=12))
def test_without_citizenship_evidence_the_citizenship_safeguard_stays_silent(
    person: list[PersonRecord],
) -> None:
    ev = evaluate(person, ssn_owner=OWNERS)
    (cit,) = [s for s in ev.safeguards if s.name == "CITIZENSHIP_EVIDENCE"]
    assert cit.effect is sg.Effect.NONE
