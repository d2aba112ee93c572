"""Service of signed documents: how, when, by whom and on whom a document was served.

A signed document is served on its recipient by the methods of 8 CFR 103.8(a)(2) and
8 CFR 1003.13: in person, by regular or certified mail, or on the counsel of record who
filed a Form G-28 (recorded at booking); a detainer (I-247A) is delivered to the law
enforcement agency that holds the person (``forms.Form.served_on``). A refused or failed
attempt is recorded too, with its reason. Each record is a row and an audit event
(``documents.serve``) committed together.

Refused, in words: a DRAFT (only a signed document is served), a form never served (the
I-213 is an internal record), a method the form is not served by, a time before the
signature or in the future, mail without an address, service on counsel when none is of
record, an attempt without its reason, a case closed or halted for a review, and text
that repeats what only a confidential record says (8 U.S.C. § 1367, 8 CFR 208.6).

A Notice to Appear served starts nothing on the case by itself: proceedings commence
when it is filed with the immigration court (8 CFR 1003.14(a)), which the case records
with ``start_proceedings``; the outcome says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import machine
from immigrationos.cases.models import Case
from immigrationos.custody import booking as custody_booking
from immigrationos.db.engine import session_scope
from immigrationos.documents import facts as served
from immigrationos.documents import flows
from immigrationos.documents import service as documents_service
from immigrationos.documents.flows import DocumentError
from immigrationos.documents.forms import FORMS, Form
from immigrationos.documents.models import DocumentService, LegalDocument
from immigrationos.documents.schemas import ServiceCreate
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.engine import UseContext

MAIL = frozenset({"REGULAR_MAIL", "CERTIFIED_MAIL"})
METHOD_WORDS = {
    "IN_PERSON": "in person",
    "REGULAR_MAIL": "by regular mail",
    "CERTIFIED_MAIL": "by certified mail, return receipt requested",
    "COUNSEL_OF_RECORD": "on counsel of record (Form G-28)",
    "AGENCY": "by delivery to the law enforcement agency that holds the person",
}
START_PROCEEDINGS = machine.BY_NAME["start_proceedings"]


@dataclass(frozen=True)
class ServiceOutcome:
    """A recorded service and what it starts (or the step it leads to)."""

    service: DocumentService
    effect: str | None


def _utc(value: dt.datetime) -> dt.datetime:
    """Return an aware UTC time (SQLite gives back naive ones)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def certificate_text(document: LegalDocument, form: Form, data: ServiceCreate, name: str) -> str:
    """Return the officer's certificate of service composed from what was recorded."""
    when = f"{_utc(data.served_at):%B %-d, %Y at %H:%M} UTC"
    where = f" at {data.address}" if data.address else ""
    how = METHOD_WORDS[data.method]
    if data.outcome == "SERVED":
        tracking = f" (article {data.tracking_number})" if data.tracking_number else ""
        return (
            f"I certify that on {when} I served this {form.code} ({form.title}), number "
            f"{document.number}, on {data.recipient}{where}, {how}{tracking}. {name}"
        )
    verb = "refused to accept" if data.outcome == "REFUSED" else "could not be served"
    return (
        f"I certify that on {when} I attempted to serve this {form.code} ({form.title}), "
        f"number {document.number}, on {data.recipient}{where}, {how}; it {verb}: "
        f"{data.reason}. {name}"
    )


def _check_form(document: LegalDocument, form: Form, principal: Principal) -> None:
    if not form.service_methods:
        raise DocumentError(
            409, "form-not-served",
            f"a {form.code} ({form.title}) is an internal record: it is never served on the "
            f"person, so {document.number} has no service to record",
        )  # fmt: skip
    if principal.role not in form.generators:
        raise DocumentError(
            403, "server-not-allowed",
            f"a {form.code} is served by {', '.join(sorted(form.generators))}, not "
            f"{principal.role}",
        )  # fmt: skip
    if document.state != "SIGNED" or document.signed_at is None:
        raise DocumentError(
            409, "document-not-signed",
            f"{document.number} is a {document.state}: only a signed document is served; "
            "it is signed first",
        )  # fmt: skip


def _check_case(case: Case) -> None:
    state = machine.CaseState(case.state)
    if state in machine.TERMINAL:
        raise DocumentError(409, "case-closed", f"case {case.case_id} is {case.state}: it is over")
    if state in machine.HALTED:
        raise DocumentError(
            409, "case-halted",
            f"case {case.case_id} is in {case.state}: no document is served until the review "
            "resumes it",
        )  # fmt: skip


def _check_entry(
    session: Session,
    ctx: UseContext,
    document: LegalDocument,
    form: Form,
    data: ServiceCreate,
    now: dt.datetime,
) -> None:
    if data.method not in form.service_methods:
        ways = ", ".join(form.service_methods)
        raise DocumentError(
            422, "service-method-not-allowed",
            f"a {form.code} is served {ways}, not {data.method}",
        )  # fmt: skip
    signed_at = _utc(document.signed_at or now)
    served_at = _utc(data.served_at)
    # A time of service is given to the minute (the page's field): service in the very
    # minute of signing is not before it.
    if served_at < signed_at.replace(second=0, microsecond=0):
        raise DocumentError(
            422, "served-before-signed",
            f"served_at {served_at:%Y-%m-%d %H:%M} UTC is before {document.number} was signed "
            f"({signed_at:%Y-%m-%d %H:%M} UTC): a document is served only once signed",
        )  # fmt: skip
    if served_at > now:
        raise DocumentError(
            422, "served-in-future",
            f"served_at {served_at:%Y-%m-%d %H:%M} UTC is in the future: record a service "
            "once it happened",
        )  # fmt: skip
    if data.method in MAIL and not (data.address or "").strip():
        raise DocumentError(422, "address-required", "service by mail needs the address mailed to")
    if data.outcome != "SERVED" and not (data.reason or "").strip():
        raise DocumentError(
            422, "reason-required",
            f"a {data.outcome.lower()} attempt needs its reason: give it in 'reason'",
        )  # fmt: skip
    if data.method == "COUNSEL_OF_RECORD":
        booking = custody_booking.booking_of_case(session, document.case_id)
        if booking is None or not booking.counsel:
            raise DocumentError(
                409, "no-counsel-of-record",
                f"case {document.case_id} records no counsel of record (Form G-28, recorded at "
                "booking): serve the person instead",
            )  # fmt: skip
    _person, records = flows.person_records(session, document.person_id)
    facts = served.served_facts(policy_engine.get_policy(), ctx, records)
    texts = (data.recipient, data.address, data.reason, data.certificate)
    repeated = sorted({v for t in texts for v in facts.screen(t)})
    if repeated:
        raise DocumentError(
            422, "confidential-text",
            f"the service record repeats {len(repeated)} value(s) that only records which may "
            "not appear in a document served on the person give (8 U.S.C. § 1367, 8 CFR "
            "208.6, 31 U.S.C. § 5318(g)(2)); remove them",
        )  # fmt: skip


def _effect(form: Form, case: Case, data: ServiceCreate) -> str | None:
    if form.code != "I-862" or data.outcome != "SERVED":
        return None
    step = (
        f"record it on case {case.case_id} with {START_PROCEEDINGS.name}"
        if case.state in START_PROCEEDINGS.sources
        else f"case {case.case_id} is {case.state}"
    )
    return (
        "Notice to Appear served: proceedings commence when it is filed with the immigration "
        f"court (8 CFR 1003.14(a)); {step}"
    )


def record_service(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    document_id: str,
    data: ServiceCreate,
    now: dt.datetime | None = None,
) -> ServiceOutcome:
    """Record a service (or a refused or failed attempt) of a signed document; audit it.

    Raises:
        DocumentError: the document is not visible, not signed or never served; the role
            may not serve it; the case is closed or halted; the method, the time, the
            address, the reason or the counsel of record does not hold; the text repeats
            what only a confidential record says.
    """
    moment = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        ctx = flows.use_context(session, principal, purpose_id)
        document = flows.visible_document(session, principal, document_id)
        form = FORMS[document.form]
        _check_form(document, form, principal)
        case = flows.visible_case(session, principal, document.case_id)
        _check_case(case)
        _check_entry(session, ctx, document, form, data, moment)
        name = flows.name_of(session, principal)
        certificate = (data.certificate or "").strip() or certificate_text(
            document, form, data, name
        )
        row = DocumentService(
            document_id=document.document_id, case_id=document.case_id, method=data.method,
            outcome=data.outcome, served_at=_utc(data.served_at), recipient=data.recipient.strip(),
            address=(data.address or "").strip() or None,
            tracking_number=(data.tracking_number or "").strip() or None,
            reason=(data.reason or "").strip() or None, certificate=certificate,
            served_by=principal.actor, served_by_name=name, served_role=principal.role,
            recorded_at=moment,
        )  # fmt: skip
        documents_service.add_service(session=session, service=row)
        effect = _effect(form, case, data)
        flows.audit_document(
            session, principal, "documents.serve", document_id, purpose_id,
            {"case_id": case.case_id, "form": form.code, "number": document.number,
             "sha256": document.sha256, "method": data.method, "outcome": data.outcome,
             "served_at": row.served_at.isoformat(), "recipient": row.recipient,
             "reason": row.reason, "service_id": row.id, "effect": effect},
        )  # fmt: skip
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return ServiceOutcome(row, effect)


def services(session: Session, documents: list[LegalDocument]) -> dict[str, list[DocumentService]]:
    """Return the service history of documents already read under a purpose, by ID."""
    return documents_service.services_of(
        session=session, document_ids=[d.document_id for d in documents]
    )
