"""Disclosures outside the agency: all or nothing, and accounted for per subject."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from immigrationos.db.engine import session_scope
from immigrationos.policy import flows, service
from immigrationos.policy.errors import DisclosureRefused, PurposeError
from immigrationos.policy.models import Disclosure, DisclosureItem
from immigrationos.policy.schemas import PurposeCreate

from .conftest import ANALYST, CTR, FINCEN_ANALYST, I94, NOW, SAR, TODAY, W2, benefit
from .test_flows import events

ICE_TO_FBI = {
    "recipient": "FBI Criminal Justice Information Services, Clarksburg WV",
    "recipient_type": "FEDERAL_AGENCY",
    "legal_basis": "5 U.S.C. § 552a(b)(7): written request of a law enforcement agency",
}


def case(engine: Engine) -> str:
    data = PurposeCreate(
        kind="CASE",  # type: ignore[arg-type]
        reference="CASE-1",
        title="case",
        justification="needed for the case",
    )
    return flows.create_purpose(principal=ANALYST, data=data, engine=engine, now=NOW).id


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_disclosure_is_recorded_per_subject_and_audited(engine: Engine) -> None:
    purpose_id = case(engine)
    records = [("cbp_i94", "I94-1", I94), ("uscis_benefits", "BEN-7", benefit("I-485", "BEN-7"))]
    disclosure = flows.disclose(
        principal=ANALYST,
        purpose_id=purpose_id,
        records=records,
        engine=engine,
        today=TODAY,
        **ICE_TO_FBI,
    )
    assert [(i.source, i.record_id) for i in disclosure.items] == [
        ("cbp_i94", "I94-1"),
        ("uscis_benefits", "BEN-7"),
    ]
    assert "given_name" in disclosure.items[0].fields
    with session_scope(engine) as session:
        [entry] = flows.accounting(session=session, subject_key="cbp_i94:I94-1", for_subject=False)
        assert entry.recipient == ICE_TO_FBI["recipient"] and entry.purpose_id == purpose_id
        assert entry.disclosed_by == ANALYST.actor and "552a(b)(7)" in entry.legal_basis
        [own] = flows.accounting(session=session, subject_key="cbp_i94:I94-1", for_subject=True)
        assert own.disclosed_by is None and own.purpose_id is None
        assert own.recipient == entry.recipient
    [(outcome, resource_id, purpose, details)] = events(engine, "disclosure.create")
    assert (outcome, resource_id, purpose) == ("SUCCESS", disclosure.id, purpose_id)
    assert "uscis_benefits:BEN-7" in details


def test_one_refused_record_refuses_the_whole_disclosure_with_every_reason(
    engine: Engine,
) -> None:
    purpose_id = case(engine)
    records = [
        ("cbp_i94", "I94-1", I94),
        ("uscis_benefits", "BEN-1", benefit("I-589")),
        ("irs_w2", "W2-1", W2),
        ("fincen_ctr", "CTR-1", CTR),
    ]
    with pytest.raises(DisclosureRefused) as caught:
        flows.disclose(
            principal=ANALYST, purpose_id=purpose_id, records=records, engine=engine, **ICE_TO_FBI
        )
    refusals = caught.value.refusals
    assert len(refusals) == 3
    assert refusals[0].startswith("uscis_benefits:BEN-1:") and "208.6" in refusals[0]
    assert refusals[1].startswith("irs_w2:W2-1:") and "6103" in refusals[1]
    assert refusals[2].startswith("fincen_ctr:CTR-1:") and "FINCEN" in refusals[2]
    assert "nothing was disclosed" in str(caught.value)
    assert count(engine, Disclosure) == 0 and count(engine, DisclosureItem) == 0
    with session_scope(engine) as session:
        assert (
            flows.accounting(session=session, subject_key="cbp_i94:I94-1", for_subject=False) == []
        )
    [(outcome, _, purpose, details)] = events(engine, "disclosure.create")
    assert outcome == "DENIED" and purpose == purpose_id and "irs_w2:W2-1" in details


def test_a_disclosure_needs_a_purpose_a_recipient_and_a_legal_basis(engine: Engine) -> None:
    with pytest.raises(PurposeError, match="no purpose P-none"):
        flows.disclose(
            principal=ANALYST,
            purpose_id="P-none",
            records=[("cbp_i94", "I94-1", I94)],
            engine=engine,
            **ICE_TO_FBI,
        )
    with pytest.raises(DisclosureRefused) as caught:
        flows.disclose(
            principal=ANALYST,
            purpose_id=case(engine),
            recipient=" ",
            recipient_type="NEIGHBOUR",
            legal_basis="",
            records=[],
            engine=engine,
        )
    assert len(caught.value.refusals) == 4
    assert [e[0] for e in events(engine, "disclosure.create")] == ["DENIED", "DENIED"]


def test_nothing_confidential_or_a_sar_is_served_on_the_person(engine: Engine) -> None:
    purpose_id = flows.create_purpose(
        principal=FINCEN_ANALYST,
        data=PurposeCreate(kind="CASE", reference="C", title="t", justification="j"),  # type: ignore[arg-type]
        engine=engine,
    ).id
    to_counsel = {
        "recipient": "Counsel of record, 1 Main St, New York NY",
        "recipient_type": "SUBJECT_OR_COUNSEL",
        "legal_basis": "service of the Notice to Appear",
    }
    for source, record_id, row in (
        ("fincen_sar", "SAR-1", SAR),
        ("uscis_benefits", "BEN-1", benefit("I-918")),
    ):
        with pytest.raises(DisclosureRefused):
            flows.disclose(
                principal=FINCEN_ANALYST,
                purpose_id=purpose_id,
                records=[(source, record_id, row)],
                engine=engine,
                **to_counsel,
            )
    served = flows.disclose(
        principal=FINCEN_ANALYST,
        purpose_id=purpose_id,
        records=[("fincen_ctr", "CTR-1", CTR)],
        engine=engine,
        **to_counsel,
    )
    assert served.items[0].hidden_from_subject is False


def test_the_subjects_copy_of_the_accounting_leaves_out_a_sar(engine: Engine) -> None:
    purpose_id = flows.create_purpose(
        principal=FINCEN_ANALYST,
        data=PurposeCreate(kind="CASE", reference="C", title="t", justification="j"),  # type: ignore[arg-type]
        engine=engine,
    ).id
    flows.disclose(
        principal=FINCEN_ANALYST,
        purpose_id=purpose_id,
        records=[("fincen_sar", "SAR-1", SAR)],
        engine=engine,
        **ICE_TO_FBI,
    )
    with session_scope(engine) as session:
        full = flows.accounting(session=session, subject_key="fincen_sar:SAR-1", for_subject=False)
        assert len(full) == 1 and full[0].items[0].source == "fincen_sar"
        assert (
            flows.accounting(session=session, subject_key="fincen_sar:SAR-1", for_subject=True)
            == []
        )
        # Once records resolve to persons, one disclosure may hold a SAR and other records
        # about the same person: the person's copy keeps the disclosure, not the SAR.
        mixed = service.get_disclosure(session=session, disclosure_id=full[0].disclosure_id)
        assert mixed is not None
        for item in mixed.items:
            item.subject_key = "person:1"
        session.add(
            DisclosureItem(
                disclosure_id=mixed.id,
                source="fincen_ctr",
                record_id="CTR-1",
                subject_key="person:1",
                fields=["record_id"],
                hidden_from_subject=False,
            )
        )
        session.commit()
        [internal] = flows.accounting(session=session, subject_key="person:1", for_subject=False)
        [own] = flows.accounting(session=session, subject_key="person:1", for_subject=True)
        assert [i.source for i in internal.items] == ["fincen_sar", "fincen_ctr"]
        assert [i.source for i in own.items] == ["fincen_ctr"]
