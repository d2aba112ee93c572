"""Each safeguard on hand-built persons, and how they combine into a lead's state."""

from __future__ import annotations

import pytest

from immigrationos.targeting import safeguards as sg
from immigrationos.targeting.detectors.base import Finding
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.evaluate import evaluate_person
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import Effect, LeadState, SafeguardResult
from immigrationos.targeting.status import derive_status

from .builders import (
    AS_OF,
    arrival,
    benefit,
    eoir,
    licence,
    numident,
    passport,
    self_departure,
    w2,
)
from .lead_builders import POLICY, evaluate, record

ITIN = "912785678"


def ewi() -> list[PersonRecord]:
    """Return a person present without admission who works under an ITIN."""
    return [licence("2022-03-01"), w2(2024, ITIN), w2(2025, ITIN)]


def effect(
    records: list[PersonRecord], name: str, withheld: frozenset[str] = frozenset()
) -> SafeguardResult:
    ev = evaluate(records, withheld=withheld)
    (result,) = [s for s in ev.safeguards if s.name == name]
    return result


def test_a_violator_with_no_safeguard_is_open() -> None:
    ev = evaluate(ewi())
    assert set(ev.violations) == {"PRESENT_WITHOUT_ADMISSION", "UNAUTHORIZED_EMPLOYMENT"}
    assert ev.state is LeadState.OPEN
    assert all(s.effect is Effect.NONE for s in ev.safeguards)


@pytest.mark.parametrize(
    "evidence",
    [
        passport("2015-06-01", place="MEX"),
        numident("123456789", place="PR", code=None),
        numident("123456789", place="GU", code="B"),
        numident("123456789", place="MEX", code="A"),
        benefit("N-400", "APPROVED", "2019-01-01", "2019-09-01"),
        licence("2020-01-01", doc="US_BIRTH_CERTIFICATE"),
        licence("2020-01-01", doc="NATURALIZATION_CERTIFICATE"),
        arrival("2020-01-01", "USC", None),
        record("uscis_benefits", form_type="N-600", status="PENDING", filed_date="2024-01-01"),
        record(
            "cbp_i94",
            event="ARRIVAL",
            event_date="2010-01-01",
            class_of_admission="B2",
            admit_until="2010-06-01",
            citizenship_country="USA",
        ),
        record("fincen_ctr", transaction_date="2024-01-01", id_type="PASSPORT", id_country="USA"),
    ],
    ids=lambda r: f"{r.source}",
)
def test_citizenship_evidence_suppresses_and_opens_a_review(evidence: PersonRecord) -> None:
    ev = evaluate([*ewi(), evidence])
    (cit,) = [s for s in ev.safeguards if s.name == "CITIZENSHIP_EVIDENCE"]
    assert cit.effect is Effect.SUPPRESS and cit.review == "CITIZENSHIP_REVIEW"
    assert evidence.ref in cit.evidence
    assert "16001.2" in cit.legal_basis
    # Evidence that is also a status clears the detectors (no lead); the rest suppresses.
    assert ev.state in (None, LeadState.SUPPRESSED)
    assert ev.score is None
    if ev.state is not None:
        assert [r.action for r in ev.recommendations] == ["INVESTIGATE_CITIZENSHIP_CLAIM"]
    assert sg.lead_state(evaluate(ewi()).findings, [cit]) is LeadState.SUPPRESSED


def test_derived_citizenship_sign_lpr_as_a_child() -> None:
    child_lpr = record(
        "uscis_benefits",
        form_type="I-485",
        status="APPROVED",
        filed_date="2008-01-01",
        decision_date="2008-06-01",
        birth_date="1995-02-03",
    )
    ctx_records = [*ewi(), child_lpr]
    assert sg.derived_citizenship_signs(ctx_records) == [
        (child_lpr.ref, "permanent residence at age 13 (INA §320)")
    ]
    result = effect(ctx_records, "CITIZENSHIP_EVIDENCE")
    assert result.effect is Effect.SUPPRESS and child_lpr.ref in result.evidence


def test_adult_lpr_and_stale_code_b_are_not_citizenship_evidence() -> None:
    adult = record(
        "uscis_benefits",
        form_type="I-485",
        status="APPROVED",
        filed_date="2008-01-01",
        decision_date="2008-06-01",
        birth_date="1980-02-03",
    )
    assert sg.derived_citizenship_signs([adult]) == []
    result = effect([*ewi(), numident("123456789", place="MEX", code="B")], "CITIZENSHIP_EVIDENCE")
    assert result.effect is Effect.NONE


def test_a_withheld_citizenship_source_holds() -> None:
    result = effect(ewi(), "CITIZENSHIP_EVIDENCE", withheld=frozenset({"dmv_licenses"}))
    assert result.effect is Effect.HOLD and "dmv_licenses" in result.reason


@pytest.mark.parametrize(
    "relief",
    [
        benefit("I-589", "PENDING", "2024-01-01"),
        benefit("I-485", "PENDING", "2024-01-01"),
        benefit("I-821", "APPROVED", "2023-01-01", "2023-03-01", ("2023-03-01", "2027-03-01")),
        benefit("I-821D", "PENDING", "2024-01-01"),
        benefit("I-918", "PENDING", "2024-01-01"),
        benefit("I-914", "PENDING", "2024-01-01"),
        benefit("I-360", "PENDING", "2024-01-01"),
        eoir("REMOVAL_ORDERED", "2025-01-01", appeal=True),
        eoir("RELIEF_GRANTED", "2025-01-01"),
    ],
    ids=lambda r: f"{r.payload.get('form_type') or r.payload.get('status')}",
)
def test_pending_or_granted_relief_holds(relief: PersonRecord) -> None:
    ev = evaluate([*ewi(), w2(2021, ITIN), relief])
    (held,) = [s for s in ev.safeguards if s.name == "PENDING_RELIEF"]
    assert held.effect is Effect.HOLD and relief.ref in held.evidence and held.legal_basis
    assert ev.state is LeadState.HELD
    assert ev.score is not None


def test_asylum_pending_recommends_awaiting_the_decision() -> None:
    ev = evaluate([*ewi(), benefit("I-589", "PENDING", "2024-01-01")])
    assert "AWAIT_ASYLUM_DECISION" in [r.action for r in ev.recommendations]


def test_timely_extension_holds_an_overstay() -> None:
    records = [
        arrival("2025-01-10", "B2", "2025-07-09"),
        benefit("I-539", "PENDING", "2025-06-01"),
        w2(2025, ITIN),
    ]
    ev = evaluate(records)
    assert ev.state is LeadState.HELD
    assert "INA §248" in next(s for s in ev.safeguards if s.name == "PENDING_RELIEF").legal_basis


def test_weak_links_hold_until_identity_is_confirmed() -> None:
    records = ewi()
    links = {r.ref: 0.6 for r in records}
    ev = evaluate(records, links=links)
    (weak,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert weak.effect is Effect.HOLD and weak.review == "IDENTITY_CONFIRMATION"
    assert ev.state is LeadState.HELD
    assert ev.recommendations[0].action == "CONFIRM_IDENTITY"
    assert evaluate(records, links={r.ref: 0.95 for r in records}).state is LeadState.OPEN


def test_a_weak_link_holds_only_the_findings_resting_on_it() -> None:
    # The only wage record is weakly linked: the work finding needs it and is held (and
    # so is any finding that needs it as the latest evidence of presence).
    records = [licence("2022-03-01"), w2(2025, ITIN)]
    ev = evaluate(records, links={records[1].ref: 0.5})
    (weak,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert weak.effect is Effect.HOLD and weak.applies_to is not None
    assert "UNAUTHORIZED_EMPLOYMENT" in {f.violation for f in weak.applies_to}
    assert all(records[1].ref in f.evidence for f in weak.applies_to)


def test_a_finding_the_strong_records_also_show_stands_on_them_alone() -> None:
    # 2024's wages (strong) show the unauthorized work that 2025's (weak) also show: the
    # finding is found again without the weak record, cites only strong ones, is not held.
    records = ewi()
    ev = evaluate(records, links={records[2].ref: 0.5})
    (weak,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert weak.effect is Effect.NONE
    work = next(f for f in ev.findings if f.violation == "UNAUTHORIZED_EMPLOYMENT")
    assert records[2].ref not in work.evidence and records[1].ref in work.evidence
    assert ev.state is LeadState.OPEN


def test_a_weakly_linked_record_clears_but_never_incriminates() -> None:
    # A weakly linked pending asylum application still holds the lead (it may be theirs).
    records = [*ewi(), benefit("I-589", "PENDING", filed="2024-01-10")]
    ev = evaluate(records, links={records[-1].ref: 0.5})
    assert ev.state is not LeadState.OPEN


def test_identity_threshold_is_configurable() -> None:
    records = ewi()
    links = {r.ref: 0.6 for r in records}
    ev = evaluate_person(
        records, AS_OF, ssn_owner={}, link_probability=links, policy=POLICY, identity_threshold=0.5
    )
    assert ev.state is LeadState.OPEN


def test_deceased_suppresses() -> None:
    ev = evaluate([*ewi(), numident("123456780", place="MEX", code="C", died="2026-02-01")])
    (dead,) = [s for s in ev.safeguards if s.name == "DECEASED"]
    assert dead.effect is Effect.SUPPRESS
    assert ev.state is LeadState.SUPPRESSED
    assert [r.action for r in ev.recommendations] == ["CLOSE"]


def test_confirmed_departure_after_last_presence_suppresses() -> None:
    ev = evaluate([*ewi(), self_departure("2026-01-10", "2026-02-01")])
    (gone,) = [s for s in ev.safeguards if s.name == "DEPARTED"]
    assert gone.effect is Effect.SUPPRESS and "departed 2026-02-01" in gone.reason
    assert ev.state is LeadState.SUPPRESSED


def test_presence_after_the_departure_keeps_the_lead() -> None:
    ev = evaluate([*ewi(), self_departure("2023-01-10", "2023-02-01"), licence("2024-05-01")])
    assert next(s for s in ev.safeguards if s.name == "DEPARTED").effect is Effect.NONE


def _victim_context(findings: list[Finding], records: list[PersonRecord]) -> sg.SafeguardContext:
    return sg.SafeguardContext(
        records=records,
        status=derive_status(records, AS_OF),
        findings=findings,
        ssn_owner={"555667777": OwnerInfo("P1", "ANA PEREZ", record="ssa_numident:N9")},
        link_probability={},
        person_id="P1",
    )


def test_identity_theft_victim_redirects_the_fraud_flag_to_the_user() -> None:
    used = w2(2024, "555667777")
    flag = Finding("IDENTITY_FRAUD", AS_OF, (used.ref, "ssa_numident:N9"), "wages under SSN")
    other = Finding("UNAUTHORIZED_EMPLOYMENT", AS_OF, (used.ref,), "tax year 2024")
    result = sg.identity_theft_victim(_victim_context([flag, other], [used]))
    assert result.effect is Effect.REDIRECT
    assert result.applies_to == (flag,)
    assert result.redirect_to == (used.ref,)
    assert sg.lead_state([flag], [result]) is LeadState.SUPPRESSED
    assert sg.lead_state([flag, other], [result]) is LeadState.OPEN
    assert sg.actionable([flag, other], [result]) == [other]


def test_wages_in_another_name_under_ones_own_ssn_mark_a_victim() -> None:
    own = numident("555667777", place="MEX", code="C")
    used = record(
        "irs_w2",
        tax_year="2024",
        employee_tin="555667777",
        given_name="JUAN",
        family_name="LOPEZ",
        wages="1000",
    )
    result = sg.identity_theft_victim(_victim_context([], [own, used]))
    assert result.effect is Effect.REDIRECT and result.redirect_to == (used.ref,)
    assert result.applies_to == ()


def test_no_victim_without_an_ssn() -> None:
    ctx = sg.SafeguardContext(ewi(), derive_status(ewi(), AS_OF), [], {}, {}, person_id="P1")
    assert sg.identity_theft_victim(ctx).effect is Effect.NONE


def _result(effect: Effect, applies_to: tuple[Finding, ...] | None = None) -> SafeguardResult:
    return SafeguardResult("TEST", effect, "test", applies_to=applies_to)


def test_lead_state_combinator() -> None:
    f1 = Finding("OVERSTAY", AS_OF, ("a:1",), "")
    f2 = Finding("UNAUTHORIZED_EMPLOYMENT", AS_OF, ("a:2",), "")
    assert sg.lead_state([], [_result(Effect.HOLD)]) is None
    assert sg.lead_state([f1], []) is LeadState.OPEN
    assert sg.lead_state([f1], [_result(Effect.NONE)]) is LeadState.OPEN
    assert sg.lead_state([f1], [_result(Effect.HOLD)]) is LeadState.HELD
    hold_suppress = [_result(Effect.HOLD), _result(Effect.SUPPRESS)]
    assert sg.lead_state([f1], hold_suppress) is LeadState.SUPPRESSED
    # A whole-person suppression wins even when a scoped safeguard leaves a finding open.
    mixed = [_result(Effect.SUPPRESS), _result(Effect.REDIRECT, (f1,))]
    assert sg.lead_state([f1, f2], mixed) is LeadState.SUPPRESSED
    assert sg.lead_state([f1, f2], [_result(Effect.HOLD, (f1,))]) is LeadState.OPEN
    assert sg.lead_state([f1, f2], [_result(Effect.HOLD, (f1, f2))]) is LeadState.HELD
    scoped = [_result(Effect.HOLD, (f1,)), _result(Effect.SUPPRESS, (f2,))]
    assert sg.lead_state([f1, f2], scoped) is LeadState.HELD


def test_a_person_known_by_one_record_is_held_naming_records_alike_that_would_clear_them() -> None:
    # A naturalized citizen's old I-94, resolved alone: a textbook overstay on its face. The
    # naturalization sits in another person, its birth date a month off.
    import dataclasses

    from immigrationos.targeting.elsewhere import NameIndex

    from .builders import arrival, benefit

    alone = [
        dataclasses.replace(
            arrival("2015-03-01", "B2", "2015-09-01"),
            payload={
                **arrival("2015-03-01", "B2", "2015-09-01").payload,
                "birth_date": "1974-04-28",
            },
        )
    ]
    naturalized = benefit("N-400", "APPROVED", filed="2019-01-10", decided="2020-02-01")
    naturalized = dataclasses.replace(
        naturalized, payload={**naturalized.payload, "birth_date": "1974-03-31"}
    )
    others = NameIndex({"P1": alone, "P2": [naturalized]}).alike("P1", alone)
    assert others == [naturalized]
    ev = evaluate_person(
        alone, AS_OF, ssn_owner={}, link_probability={}, policy=POLICY, elsewhere=others
    )
    (low,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert low.effect is Effect.HOLD and "one record" in low.reason
    assert naturalized.ref in low.evidence
    assert ev.state is LeadState.HELD
    # With nobody alike, a lone record is held when it names no document (this I-94 has no
    # passport number); one that does stands (tests/targeting/test_lone_record.py).
    bare = evaluate_person(alone, AS_OF, ssn_owner={}, link_probability={}, policy=POLICY)
    assert bare.state is LeadState.HELD and set(bare.violations) == {"OVERSTAY"}
    (low,) = [s for s in bare.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert "no document number" in low.reason


def test_a_withheld_record_showing_citizenship_holds_the_lead_without_saying_what_it_is() -> None:
    # The platform found citizenship in a record the purpose may not read (a bank's
    # report on a US passport): the lead is held for a citizenship review, never OPEN,
    # and the reason names neither the record nor its source.
    ev = evaluate_person(
        ewi(), AS_OF, ssn_owner={}, link_probability={}, policy=POLICY, withheld_citizenship=True
    )
    (cit,) = [s for s in ev.safeguards if s.name == "CITIZENSHIP_EVIDENCE"]
    assert cit.effect is Effect.HOLD and cit.review == "CITIZENSHIP_REVIEW"
    assert cit.evidence == () and "fincen" not in cit.reason
    assert ev.state is LeadState.HELD


def test_shows_citizenship_reads_the_signs_a_withheld_record_may_carry() -> None:
    bank = record("fincen_ctr", id_type="PASSPORT", id_country="USA", transaction_date="2024-01-02")
    foreign = record(
        "fincen_ctr", id_type="PASSPORT", id_country="MEX", transaction_date="2024-01-02"
    )
    assert sg.shows_citizenship([bank], AS_OF)
    assert not sg.shows_citizenship([foreign, w2(2024, ITIN)], AS_OF)
    assert sg.shows_citizenship([numident("123456789", place="MEX", code="A")], AS_OF)
    assert not sg.shows_citizenship([], AS_OF)


def test_wages_under_another_s_ssn_in_that_holder_s_own_name_hold_the_lead() -> None:
    # Two W-2s under SSN 123-45-6789, whose Numident holder (another person, a citizen)
    # is ANA PEREZ, written in her name: these may be her own wages resolved apart.
    ssn = "123456789"
    owner = {ssn: OwnerInfo(person_id="P-HOLDER", name="ANA MARIA PEREZ")}
    mine = [w2(2024, ssn), w2(2025, ssn)]
    ev = evaluate_person(mine, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert "IDENTITY_FRAUD" in ev.violations
    (low,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert low.effect is Effect.HOLD and "own name" in low.reason
    assert {r.ref for r in mine} <= set(low.evidence)
    assert ev.state is LeadState.HELD
    # In another name, the number's use by someone else stands.
    other = [
        record("irs_w2", **{**r.payload, "given_name": "LUIS", "family_name": "RUIZ"}) for r in mine
    ]
    ev2 = evaluate_person(other, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    (low2,) = [s for s in ev2.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert low2.effect is Effect.NONE and ev2.state is LeadState.OPEN


@pytest.mark.parametrize(
    ("given", "family"),
    [("SANDY", "JEFFERSON"), ("EVANS", "MIKE"), ("Jefferson", "Sandra")],
)
def test_wages_sharing_a_name_with_the_holder_hold_married_names_nicknames_swaps(
    given: str, family: str
) -> None:
    # A citizen's own W-2s under a nickname (holder SANDRA JEFFERSON), or with the names
    # swapped, and a nickname (holder MICHAEL EVANS: measured under an investigation).
    ssn = "123456789"
    holder = "MICHAEL EVANS" if family == "MIKE" else "SANDRA JEFFERSON"
    owner = {ssn: OwnerInfo(person_id="P-HOLDER", name=holder)}
    wages = [
        record("irs_w2", tax_year=str(y), employee_tin=ssn, given_name=given, family_name=family)
        for y in (2024, 2025)
    ]
    ev = evaluate_person(wages, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert ev.violations and ev.state is LeadState.HELD


@pytest.mark.parametrize(
    ("holder_given", "holder_family", "given", "family"),
    [
        ("LAURA", "VILLANUEVA RAMOS", "LAURA", "VILLANUEVA"),  # one of two surnames
        ("GUADALUPE", "CARDENAS SANCHEZ", "LUPITA", "CARDENAS"),  # and a nickname
        ("MARIA DEL CARMEN", "LARA RUIZ", "M", "LARA RUIZ"),  # an initial, the surnames
        ("DOROTHY LYNN", "JOHNSON", "DOTTIE", "JOHNSON"),
        ("PATRICIA NICOLE", "JOHNSON", "PAT", "SMITH"),  # a married name
        ("MARY", "LEE", "MARY", "WALKER"),
    ],
)
def test_a_citizens_own_wages_resolved_apart_are_held_whatever_form_of_her_name(
    holder_given: str, holder_family: str, given: str, family: str
) -> None:
    # Measured: under a worksite investigation (IRS data readable), citizens' own W-2s
    # resolved apart from their Numident became OPEN leads (fraud, unauthorized work,
    # presence without admission) when written in one of these forms of their name.
    ssn = "123456789"
    owner = {
        ssn: OwnerInfo(
            person_id="P-HOLDER",
            name=f"{holder_given} {holder_family}",
            given=holder_given,
            family=holder_family,
            sex="F",
        )
    }
    wages = [
        record("irs_w2", tax_year=str(y), employee_tin=ssn, given_name=given, family_name=family)
        for y in (2024, 2025)
    ]
    ev = evaluate_person(wages, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert ev.violations and ev.state is LeadState.HELD


@pytest.mark.parametrize(
    ("given", "family"),
    [("LUIS", "VILLANUEVA"), ("J", "PEREZ"), ("CARLOS", "MENDEZ")],
)
def test_wages_under_another_given_name_still_stand(given: str, family: str) -> None:
    # A relative sharing only the family name, or a stranger: another person uses the
    # number, and the fraud stands. So does a man holder's given name alone (workers of
    # one community share common given names).
    ssn = "123456789"
    owner = {
        ssn: OwnerInfo(
            person_id="P-HOLDER",
            name="LAURA VILLANUEVA RAMOS",
            given="LAURA",
            family="VILLANUEVA RAMOS",
            sex="F",
        )
    }
    wages = [
        record("irs_w2", tax_year=str(y), employee_tin=ssn, given_name=given, family_name=family)
        for y in (2024, 2025)
    ]
    ev = evaluate_person(wages, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert "IDENTITY_FRAUD" in ev.violations and ev.state is LeadState.OPEN


def test_one_wage_record_in_the_holders_name_holds_the_persons_other_wages_too() -> None:
    # Measured on s808 under an investigation: a citizen's own W-2s resolved apart, three
    # as JOSE MANUEL GONZALEZ under his SSN, one with the surname mistyped (GONZALES) or
    # under a mistyped SSN: the findings resting on that one stayed OPEN.
    ssn = "374270666"
    owner = {
        ssn: OwnerInfo(
            person_id="P-HOLDER",
            name="JOSE MANUEL GONZALEZ",
            given="JOSE MANUEL",
            family="GONZALEZ",
        )
    }
    wages = [
        record("irs_w2", tax_year="2023", employee_tin=ssn, given_name="JOSE MANUEL",
               family_name="GONZALEZ"),
        record("irs_w2", tax_year="2024", employee_tin=ssn, given_name="JOSE MANUEL",
               family_name="GONZALES"),
        record("irs_w2", tax_year="2025", employee_tin="374270667", given_name="JOSE MANUEL",
               family_name="GONZALEZ"),
    ]  # fmt: skip
    ev = evaluate_person(wages, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert ev.violations and ev.state is LeadState.HELD
    (low,) = [s for s in ev.safeguards if s.name == "LOW_IDENTITY_CONFIDENCE"]
    assert set(low.applies_to or ()) == set(ev.findings)


def test_a_man_holders_given_name_under_another_family_name_stands() -> None:
    # JOSE PEREZ under JOSE SOTO GARCIA's number: a worker of his community, not a
    # married name.
    ssn = "123456789"
    owner = {
        ssn: OwnerInfo(
            person_id="P-HOLDER",
            name="JOSE SOTO GARCIA",
            given="JOSE",
            family="SOTO GARCIA",
            sex="M",
        )
    }
    wages = [
        record("irs_w2", tax_year=str(y), employee_tin=ssn, given_name="JOSE", family_name="PEREZ")
        for y in (2024, 2025)
    ]
    ev = evaluate_person(wages, AS_OF, ssn_owner=owner, link_probability={}, policy=POLICY)
    assert "IDENTITY_FRAUD" in ev.violations and ev.state is LeadState.OPEN
