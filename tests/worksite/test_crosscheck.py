"""Inspection cross-checks: Numident, deceased, shared SSNs, USCIS documents.

In memory first (the rules), then against records ingested into the test database and
read through the platform's record index under a purpose (the policy, the audit trail).
All names and numbers are synthetic.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import purpose_flows
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import UseContext
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.sources import flows as ingest_flows
from immigrationos.worksite import audit, crosscheck, generator
from immigrationos.worksite.crosscheck import (
    CROSSCHECK_RULES,
    InMemoryRecords,
    PlatformRecords,
    RecordsRefused,
    check_deceased,
    check_numident,
    check_shared_ssns,
    check_uscis_documents,
    crosscheck_forms,
    names_agree,
    record_refs,
)
from immigrationos.worksite.model import (
    AuditContext,
    Document,
    DocumentList,
    GovernmentRecords,
    I9Form,
    Mode,
    NumidentFact,
    Section1,
    Section2,
    Status,
    UscisDocumentFact,
)
from immigrationos.worksite.rules import registry

AUDIT_DAY = date(2026, 11, 2)


def form(
    form_id: str,
    first: str,
    last: str,
    dob: date,
    ssn: str = "",
    *,
    employee_id: str = "",
    a_number: str = "",
    card: str = "",
) -> I9Form:
    """Return a minimal synthetic form for the cross-checks."""
    s1 = Section1(
        last_name=last,
        first_name=first,
        date_of_birth=dob,
        ssn=ssn,
        status_boxes=[Status.PERMANENT_RESIDENT if a_number else Status.CITIZEN],
        lpr_uscis_number=a_number,
        signed=True,
        date_signed=date(2024, 3, 4),
    )
    s2 = Section2()
    if card:
        s2.list_a = [
            Document(DocumentList.A, "Permanent Resident Card (I-551)", "USCIS", card, None)
        ]
    return I9Form(
        form_id=form_id,
        source=f"forms.csv:{form_id}",
        employee_id=employee_id or form_id,
        section1=s1,
        section2=s2,
    )


def records() -> InMemoryRecords:
    """Return SSA and USCIS records of a few synthetic people."""
    found = InMemoryRecords()
    for fact in (
        NumidentFact("521234567", "GARCIA LOPEZ", "WILLIAM", date(1980, 5, 17), None, "ssa_numident:N1"),
        NumidentFact("521234568", "OKAFOR", "CHIDI", date(1991, 2, 3), None, "ssa_numident:N2"),
        NumidentFact("521234569", "BRANDT", "ELSA", date(1950, 1, 9), date(2019, 6, 1), "ssa_numident:N3"),
    ):  # fmt: skip
        found.numidents[fact.ssn] = fact
    found.documents["A012345678"] = [
        UscisDocumentFact("A012345678", "I-485", "NGUYEN", "THANH", date(1988, 8, 8), None, "uscis_benefits:U1")
    ]  # fmt: skip
    found.documents["IOE0912345678"] = [
        UscisDocumentFact("IOE0912345678", "I-765", "MORALES", "ANA", date(1995, 7, 1), None, "uscis_benefits:U2")
    ]  # fmt: skip
    return found


def ctx(mode: Mode = Mode.INSPECTION, recs: GovernmentRecords | None = None) -> AuditContext:
    """Return an inspection's context over the records."""
    return AuditContext(audit_date=AUDIT_DAY, mode=mode, records=recs or records())


@pytest.mark.parametrize(
    ("given", "family", "rec_given", "rec_family"),
    [
        ("Bill", "García-López", "WILLIAM", "GARCIA LOPEZ"),  # nickname, accents, hyphen
        ("William", "Garcia", "WILLIAM", "GARCIA LOPEZ"),  # one of two surnames
        ("W", "Garcialopez", "WILLIAM", "GARCIA LOPEZ"),  # an initial, joined surnames
        ("Guillermo", "Lopez", "WILLIAM", "GARCIA LOPEZ"),  # a cognate
        ("Wiliam", "Garcia", "WILLIAM", "GARCIA LOPEZ"),  # a slip in a long name
        ("Garcia", "William", "WILLIAM", "GARCIA"),  # given and family swapped
    ],
)
def test_typical_variants_of_one_name_agree(
    given: str, family: str, rec_given: str, rec_family: str
) -> None:
    assert names_agree(given, family, rec_given, rec_family)


@pytest.mark.parametrize(
    ("given", "family"), [("Maria", "Okafor"), ("Chidi", "Smith"), ("Ana", "Okafo")]
)
def test_other_names_do_not_agree(given: str, family: str) -> None:
    assert not names_agree(given, family, "CHIDI", "OKAFOR")


def test_the_registry_holds_the_four_cross_checks_with_citations() -> None:
    rules = registry.load_rules()
    for rule_id in crosscheck.CROSSCHECK_RULES:
        assert rule_id in rules, rule_id
        assert rules[rule_id].citation
    assert rules["SSN_SHARED"].per_form is False
    assert rules["NUMIDENT_MISMATCH"].check is check_numident


def test_a_matching_form_draws_nothing() -> None:
    ok = form("F1", "Bill", "Garcia", date(1980, 5, 17), "521-23-4567")
    assert crosscheck_forms([ok], ctx()) == []


def test_a_day_month_swap_is_tolerated_but_another_date_is_not() -> None:
    swapped = form("F1", "William", "Garcia Lopez", date(1980, 17 - 12, 17), "521234567")
    assert list(check_numident(swapped, ctx())) == []
    other = form("F2", "William", "Garcia Lopez", date(1981, 5, 17), "521234567")
    (finding,) = list(check_numident(other, ctx()))
    assert finding.rule_id == "NUMIDENT_MISMATCH"
    assert "section1.date_of_birth" in finding.fields
    assert record_refs(finding) == ["ssa_numident:N1"]


def test_a_name_ssa_does_not_hold_for_the_ssn_is_a_mismatch_naming_the_record() -> None:
    wrong = form("F3", "Maria", "Jones", date(1991, 2, 3), "521234568")
    (finding,) = list(check_numident(wrong, ctx()))
    assert finding.form_id == "F3"
    assert finding.fields == ["section1.ssn", "section1.last_name", "section1.first_name"]
    assert "ssa_numident:N2" in finding.message and finding.citation


def test_the_ssn_of_a_dead_person() -> None:
    dead = form("F4", "Elsa", "Brandt", date(1950, 1, 9), "521234569")
    (finding,) = list(check_deceased(dead, ctx()))
    assert finding.rule_id == "SSN_DECEASED" and record_refs(finding) == ["ssa_numident:N3"]
    assert list(check_numident(dead, ctx())) == []


def test_an_ssn_ssa_never_issued_is_not_a_mismatch_here() -> None:
    assert crosscheck_forms([form("F5", "A", "B", date(1990, 1, 1), "521999999")], ctx()) == []


def test_one_ssn_on_two_employees_flags_both_forms_but_not_a_rehire() -> None:
    a = form("F6", "Chidi", "Okafor", date(1991, 2, 3), "521234568", employee_id="E6")
    b = form("F7", "Tunde", "Adeyemi", date(1990, 4, 4), "521234568", employee_id="E7")
    rehire = form("F8", "Chidi", "Okafor", date(1991, 2, 3), "521234568", employee_id="E6")
    found = list(check_shared_ssns([a, b, rehire], ctx()))
    assert sorted(f.form_id for f in found) == ["F6", "F7", "F8"]
    assert all(f.rule_id == "SSN_SHARED" for f in found)
    assert all("ssa_numident:N2" in record_refs(f) for f in found)
    assert list(check_shared_ssns([a, rehire], ctx())) == []


def test_uscis_numbers_absent_or_of_another_person() -> None:
    mine = form("F9", "Thanh", "Nguyen", date(1988, 8, 8), a_number="A12345678")
    assert list(check_uscis_documents(mine, ctx())) == []  # A12345678 == A012345678
    unknown = form("F10", "Thanh", "Nguyen", date(1988, 8, 8), a_number="A099999999")
    (missing,) = list(check_uscis_documents(unknown, ctx()))
    assert "no A-number" in missing.message and missing.fields == ["section1.lpr_uscis_number"]
    stolen = form("F11", "Pedro", "Ruiz", date(1970, 1, 1), card="IOE0912345678")
    (other,) = list(check_uscis_documents(stolen, ctx()))
    assert "another person" in other.message
    assert record_refs(other) == ["uscis_benefits:U2"]
    assert other.fields[0] == "section2.list_a[0].number"


def test_a_self_audit_never_cross_checks() -> None:
    wrong = form("F3", "Maria", "Jones", date(1991, 2, 3), "521234568")
    assert crosscheck_forms([wrong, wrong], ctx(Mode.SELF)) == []


# -- through the platform's records --------------------------------------------------------

SSA = (
    "record_id,ssn,given_name,middle_name,family_name,birth_date,sex,birth_place,"
    "citizenship_code,issue_date,death_date\n"
    "NUM-1,521234568,CHIDI,,OKAFOR,1991-02-03,M,NGA,C,2012-04-01,\n"
    "NUM-2,521234569,ELSA,,BRANDT,1950-01-09,F,WI,A,1966-01-01,2019-06-01\n"
)
USCIS = (
    "record_id,receipt_number,form_type,status,filed_date,decision_date,valid_from,"
    "valid_until,a_number,given_name,family_name,birth_date,sex,country_of_birth,street,city,"
    "state,zip\n"
    "USC-1,IOE0912345678,I-765,APPROVED,2024-01-02,2024-03-01,2024-03-01,2026-03-01,"
    "A012345678,THANH,NGUYEN,1988-08-08,F,VNM,1 Oak St,Los Angeles,CA,90012\n"
    "USC-2,ZLA0000000001,I-589,PENDING,2024-01-02,,,,A077777777,LINH,TRAN,1990-02-02,F,VNM,"
    "2 Oak St,Los Angeles,CA,90012\n"
)


@pytest.fixture()
def ingested(engine: Engine, tmp_path: Path, lake_dir: Path) -> tuple[Engine, Principal, str]:
    """SSA and USCIS records in the test database, and a purpose to read them under."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ssa_numident.csv").write_text(SSA, encoding="utf-8")
    (folder / "uscis_benefits.csv").write_text(USCIS, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    principal = Principal.operator("inspector")
    purpose = purpose_flows.create_purpose(
        principal=principal,
        engine=engine,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference="WSI-TEST-1",
            title="Form I-9 inspection of a synthetic employer",
            justification="worksite inspection cross-checks (test)",
        ),
    )
    return engine, principal, purpose.id


def test_platform_records_read_under_a_purpose_and_name_each_record(
    ingested: tuple[Engine, Principal, str],
) -> None:
    engine, principal, purpose_id = ingested
    forms = [
        form("P1", "Maria", "Jones", date(1991, 2, 3), "521234568", employee_id="E1"),
        form("P2", "Elsa", "Brandt", date(1950, 1, 9), "521234569", employee_id="E2"),
        form("P3", "Thanh", "Nguyen", date(1988, 8, 8), card="IOE0912345678", employee_id="E3"),
        form("P4", "Rosa", "Diaz", date(1988, 8, 8), a_number="A012345678", employee_id="E4"),
        # An asylum applicant's A-number (8 CFR 208.6): never named in a notice, so no finding.
        form("P5", "Rosa", "Diaz", date(1988, 8, 8), a_number="A077777777", employee_id="E5"),
    ]
    with session_scope(engine) as session:
        recs = PlatformRecords.open(session, principal, purpose_id)
        found = crosscheck_forms(forms, ctx(recs=recs))
    by_form = {(f.form_id, f.rule_id): f for f in found}
    assert set(by_form) == {
        ("P1", "NUMIDENT_MISMATCH"),
        ("P2", "SSN_DECEASED"),
        ("P4", "USCIS_DOCUMENT_MISMATCH"),
    }
    assert record_refs(by_form[("P1", "NUMIDENT_MISMATCH")]) == ["ssa_numident:NUM-1"]
    assert record_refs(by_form[("P4", "USCIS_DOCUMENT_MISMATCH")]) == ["uscis_benefits:USC-1"]
    assert {"ssa_numident:NUM-1", "ssa_numident:NUM-2", "uscis_benefits:USC-1"} <= set(
        recs.consulted
    )
    assert "uscis_benefits:USC-2" not in recs.consulted
    assert [d.source for d in recs.withheld] == ["uscis_benefits"]


def test_platform_records_refuse_without_a_usable_purpose(
    ingested: tuple[Engine, Principal, str],
) -> None:
    engine, principal, purpose_id = ingested
    with session_scope(engine) as session:
        with pytest.raises(RecordsRefused, match="declare the purpose"):
            PlatformRecords.open(session, principal, None)
        with pytest.raises(RecordsRefused):
            PlatformRecords.open(session, principal, "P-NOT-A-PURPOSE")
        # No purpose in the context: the data-use policy itself refuses SSA's records.
        bare = UseContext(principal=principal, purpose=None, today=AUDIT_DAY)
        with pytest.raises(RecordsRefused, match="ssa_numident") as refused:
            PlatformRecords(session, bare)
        assert refused.value.rule
        ctx_ok = policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
        assert PlatformRecords(session, ctx_ok).consulted == []


@pytest.mark.parametrize("seed", [101, 202, 303])
def test_on_generated_sets_every_seeded_cross_check_error_is_found_and_nothing_else(
    seed: int,
) -> None:
    n_forms = 300
    gset = generator.generate(seed, n_forms)
    inspection = AuditContext(
        audit_date=gset.audit_date, employer=gset.employer, roster=gset.roster_map(),
        mode=Mode.INSPECTION, records=gset.government,
    )  # fmt: skip
    result = audit.audit_forms(gset.forms, inspection)
    found = {(f.form_id, f.rule_id) for f in result.findings() if f.rule_id in CROSSCHECK_RULES}
    truth = {(f, r) for f, r in gset.truth if r in CROSSCHECK_RULES}
    assert {r for _, r in truth} == set(CROSSCHECK_RULES)
    assert found == truth
    assert all(record_refs(f) or "no record" in f.message for f in result.findings()
               if f.rule_id in CROSSCHECK_RULES)  # fmt: skip
