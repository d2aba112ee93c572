"""Document use cases: generate a draft of a form for a case, sign it, read and download it.

Each flow owns its transaction: the document, its signature and their audit events
(``documents.generate``, ``documents.sign``, ``documents.download``, ``documents.read``,
``documents.list``) commit together or not at all. A refusal raises
:class:`DocumentError` with the HTTP status, a kind and the words that say what was
wrong; the view audits it.

Before a draft is generated and again before it is signed, the flow checks: the case
is visible to the caller and open (not halted for a review), the caller's role may
draft (or sign) this form, the case is in a state the form belongs to, the safeguards
still clear the person (``cases.recheck``, the same evaluation a transition runs), and
the form's legal precondition (``forms.Gate``) holds on the person's records. The
document is made of the facts ``facts.served_facts`` allows and nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth import service as auth_service
from immigrationos.auth.principal import Principal
from immigrationos.cases import machine, recheck
from immigrationos.cases import service as cases_service
from immigrationos.cases.models import Case
from immigrationos.db.engine import session_scope
from immigrationos.documents import facts as served
from immigrationos.documents import render
from immigrationos.documents import service as documents_service
from immigrationos.documents.forms import (
    FORMS,
    WARRANT_FORMS,
    Form,
    Gate,
    GateResult,
    final_order_basis,
    no_prior_order,
    prior_removal,
)
from immigrationos.documents.models import LegalDocument
from immigrationos.documents.schemas import CHARGE_OF_VIOLATION, CHARGES, DocumentEntries
from immigrationos.persons import service as persons_service
from immigrationos.persons.access import in_area
from immigrationos.policy import engine as policy_engine
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import UseContext
from immigrationos.policy.errors import PurposeError
from immigrationos.resolution import service as resolution_service
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.records import PersonRecord, from_stored
from immigrationos.targeting.status import PersonStatus, derive_status

AGENCY = "U.S. Department of Homeland Security"
DRAFT_MARK = "DRAFT - NOT SIGNED - NOT VALID FOR SERVICE"


class DocumentError(ValueError):
    """A document that cannot be generated, signed or read: the HTTP status, a kind, why."""

    def __init__(self, status: int, kind: str, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.rule = status, kind, detail, rule


@dataclass(frozen=True)
class Download:
    """A document's PDF as served: its bytes, number and hash."""

    document: LegalDocument
    pdf: bytes

    @property
    def filename(self) -> str:
        """Return the file name the download suggests."""
        return f"{self.document.number}.pdf"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def use_context(session: Session, principal: Principal, purpose_id: str | None) -> UseContext:
    """Return the caller's use context under a purpose (documents are person data)."""
    if not purpose_id:
        raise DocumentError(428, "purpose-required", "documents are person data: declare a purpose")
    try:
        return policy_service.load_context(
            session=session, principal=principal, purpose_id=purpose_id
        )
    except PurposeError as exc:
        raise DocumentError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc


def audit_document(
    session: Session,
    principal: Principal,
    action: str,
    document_id: str | None,
    purpose_id: str | None,
    details: dict[str, Any],
) -> None:
    """Append a document audit event in the flow's transaction."""
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action=action,
        resource_type="document",
        resource_id=document_id,
        purpose=purpose_id,
        client=principal.client,
        details=details,
    )


def _where(principal: Principal) -> str:
    return "" if principal.area() is None else " in your area of responsibility"


def visible_case(session: Session, principal: Principal, case_id: str) -> Case:
    """Return a case the caller may see; 404 (same words) otherwise."""
    case = cases_service.get_case(session=session, case_id=case_id)
    if case is None or not in_area(principal, case.field_office):
        rule = None if case is None else "AREA_OF_RESPONSIBILITY"
        raise DocumentError(
            404, "case-not-found", f"no case {case_id} is available to you{_where(principal)}", rule
        )
    return case


def visible_document(session: Session, principal: Principal, document_id: str) -> LegalDocument:
    """Return a document of a case the caller may see; 404 (same words) otherwise."""
    document = documents_service.get_document(session=session, document_id=document_id)
    if document is None or not in_area(principal, document.field_office):
        rule = None if document is None else "AREA_OF_RESPONSIBILITY"
        raise DocumentError(
            404, "document-not-found",
            f"no document {document_id} is available to you{_where(principal)}", rule,
        )  # fmt: skip
    return document


def person_records(session: Session, person_id: str) -> tuple[str, list[PersonRecord]]:
    """Return the person's current ID and records; 409 when they were resolved away."""
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        raise DocumentError(
            409, "person-gone",
            f"person {person_id} is gone (their records were resolved elsewhere): the case "
            "must be reviewed before any document is made",
        )  # fmt: skip
    rows = persons_service.records_of_person(session=session, person_id=current)
    return current, from_stored(rows)


def _status(
    ctx: UseContext, person_id: str, records: list[PersonRecord], day: dt.date
) -> PersonStatus:
    """Return the person's status from the records the purpose may read (as targeting does)."""
    records_of = {person_id: list(records)}
    targeting_flows.lawful_records(ctx, records_of, day)
    return derive_status(records_of[person_id], day)


def _check_case(case: Case, form: Form, principal: Principal, verb: str) -> None:
    state = machine.CaseState(case.state)
    if state in machine.TERMINAL:
        raise DocumentError(409, "case-closed", f"case {case.case_id} is {case.state}: it is over")
    if state in machine.HALTED:
        raise DocumentError(
            409, "case-halted",
            f"case {case.case_id} is in {case.state}: no document is {verb} until the review "
            "resumes it",
        )  # fmt: skip
    if state not in form.states:
        raise DocumentError(
            409, "form-not-available",
            f"a {form.code} ({form.title}) belongs to a case in "
            f"{', '.join(sorted(s.value for s in form.states))}; case {case.case_id} is "
            f"{case.state}",
        )  # fmt: skip


def _check_safeguards(
    session: Session, ctx: UseContext, case: Case, day: dt.date
) -> dict[str, object]:
    verdict = recheck.evaluate(session, ctx, case.person_id, day, case.lead_id)
    if verdict.halt is not None:
        raise DocumentError(
            409, "safeguards-refuse",
            f"the safeguards no longer clear the person of case {case.case_id} "
            f"({verdict.detail}); no document is made. Take the case's next step to open "
            "the review.",
        )  # fmt: skip
    return verdict.as_check()


def _check_gate(
    session: Session, form: Form, case: Case, status: PersonStatus, based_on: str | None
) -> tuple[GateResult, LegalDocument | None]:
    warrant: LegalDocument | None = None
    if form.gate is Gate.NONE:
        result = GateResult(True, "no precondition beyond the case's state")
    elif form.gate is Gate.NO_PRIOR_ORDER:
        result = no_prior_order(status, case.state)
    elif form.gate is Gate.PRIOR_REMOVAL:
        result = prior_removal(status)
    elif form.gate is Gate.FINAL_ORDER:
        result = final_order_basis(status, case.state)
    else:
        signed = documents_service.signed_warrants(
            session=session, case_id=case.case_id, forms=WARRANT_FORMS
        )
        if based_on is not None:
            signed = [d for d in signed if d.document_id == based_on]
        if signed:
            warrant = signed[0]
            result = GateResult(
                True, f"signed {warrant.form} {warrant.number} of {warrant.signed_at:%Y-%m-%d}",
                (warrant.document_id,),
            )  # fmt: skip
        else:
            which = f" {based_on}" if based_on else ""
            result = GateResult(
                False,
                f"no signed Warrant for Arrest (I-200) or Warrant of Removal (I-205){which} "
                f"on case {case.case_id}: a detainer is issued only with one behind it",
            )
    if not result.passed:
        raise DocumentError(
            409, "precondition-failed",
            f"a {form.code} ({form.title}) cannot be made for case {case.case_id}: "
            f"{result.detail}", form.gate.value,
        )  # fmt: skip
    return result, warrant


def _default_charges(session: Session, case: Case, facts: served.ServedFacts) -> list[str]:
    """Return the charges the case's lead suggests, only if every record behind it is servable."""
    lead = targeting_service.get_lead(session=session, lead_id=case.lead_id)
    if lead is None:
        return []
    evidence = set(json.loads(lead.evidence))
    if not evidence or not evidence <= set(facts.records):
        return []  # the lead rests on a record a served document may not use
    violations = json.loads(lead.violations)
    return [CHARGE_OF_VIOLATION[v] for v in violations if v in CHARGE_OF_VIOLATION]


def _complete_entries(
    session: Session, form: Form, case: Case, facts: served.ServedFacts, entries: DocumentEntries
) -> DocumentEntries:
    if not entries.charges and form.code in ("I-862", "I-213", "I-200"):
        entries = entries.model_copy(update={"charges": _default_charges(session, case, facts)})
    if form.code == "I-862" and not entries.charges:
        raise DocumentError(
            422, "charges-required",
            "a Notice to Appear states the charges: give them in entries.charges (INA "
            "sections; none could be taken from records that may be served on the person)",
        )  # fmt: skip
    if form.code == "I-286" and entries.custody_determination is None:
        raise DocumentError(
            422, "entry-required",
            "a Notice of Custody Determination states the decision: give "
            "entries.custody_determination",
        )  # fmt: skip
    texts = [
        entries.narrative, entries.immigration_court, entries.detaining_agency,
        entries.removal_country,
    ]  # fmt: skip
    repeated = sorted({v for t in texts for v in facts.screen(t)})
    if repeated:
        raise DocumentError(
            422, "confidential-text",
            f"the text entered repeats {len(repeated)} value(s) that only records which may "
            "not appear in a document served on the person give (8 U.S.C. § 1367, 8 CFR "
            "208.6, 31 U.S.C. § 5318(g)(2)); remove them",
        )  # fmt: skip
    return entries


def _context_of(
    document: LegalDocument,
    form: Form,
    *,
    signature: dict[str, Any] | None,
    warrant: LegalDocument | None,
) -> dict[str, Any]:
    facts = served.ServedFacts.from_json(json.loads(document.facts))
    entries = DocumentEntries.model_validate_json(document.entries)
    return {
        "agency": AGENCY,
        "form": form,
        "number": document.number,
        "draft": signature is None,
        "draft_mark": DRAFT_MARK,
        "facts": facts,
        "entries": entries,
        "charges": [(c, CHARGES[c]) for c in entries.charges],
        "case_id": document.case_id,
        "field_office": document.field_office or "",
        "generated_at": document.generated_at,
        "generated_by_name": document.generated_by_name,
        "generated_role": document.generated_role,
        "signature": signature,
        "basis": json.loads(document.basis),
        "warrant": warrant,
    }


def _pdf(
    document: LegalDocument,
    form: Form,
    signature: dict[str, Any] | None,
    warrant: LegalDocument | None,
) -> bytes:
    """Render a document: a watermarked draft without ``signature``, the signed one with it."""
    draft = signature is None
    title = f"{form.code} {form.title} {document.number}" + (" (DRAFT)" if draft else "")
    context = _context_of(document, form, signature=signature, warrant=warrant)
    return render.render_pdf(form.template, context, title=title)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def name_of(session: Session, principal: Principal) -> str:
    """Return the caller's display name."""
    user = auth_service.get_user(session=session, user_id=principal.actor)
    return user.display_name if user is not None else principal.username


def generate(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    form_code: str,
    entries: DocumentEntries | None = None,
    based_on: str | None = None,
    today: dt.date | None = None,
) -> LegalDocument:
    """Generate a DRAFT of a form for a case from its servable facts; number, hash, audit it.

    Raises:
        DocumentError: the case is not visible, closed or halted; the role may not draft
            this form; the case's state or the form's precondition refuses it; the
            safeguards no longer clear the person; an entry is missing or repeats what
            only a confidential record says.
    """
    day = today or _today()
    form = FORMS.get(form_code)
    if form is None:
        raise DocumentError(
            400, "form-unknown", f"no form {form_code!r}; forms: {', '.join(FORMS)}"
        )
    with session_scope(engine) as session:
        ctx = use_context(session, principal, purpose_id)
        case = visible_case(session, principal, case_id)
        if principal.role not in form.generators and not principal.is_operator:
            raise DocumentError(
                403, "form-not-allowed",
                f"a {form.code} is drafted by {', '.join(sorted(form.generators))}, "
                f"not {principal.role}",
            )  # fmt: skip
        _check_case(case, form, principal, "made")
        safeguards = _check_safeguards(session, ctx, case, day)
        person_id, records = person_records(session, case.person_id)
        status = _status(ctx, person_id, records, day)
        gate, warrant = _check_gate(session, form, case, status, based_on)
        facts = served.served_facts(policy_engine.get_policy(), ctx, records)
        entries = _complete_entries(session, form, case, facts, entries or DocumentEntries())
        now = dt.datetime.now(dt.UTC)
        sequence = documents_service.next_sequence(session=session, form=form.code, year=now.year)
        document = LegalDocument(
            document_id=documents_service.new_document_id(),
            number=documents_service.number_of(form.code, now.year, sequence),
            form=form.code,
            year=now.year,
            sequence=sequence,
            case_id=case.case_id,
            person_id=person_id,
            field_office=case.field_office,
            state="DRAFT",
            based_on=warrant.document_id if warrant is not None else None,
            facts=json.dumps(facts.to_json(), sort_keys=True),
            entries=entries.model_dump_json(),
            basis=json.dumps([gate.as_check(form.gate), safeguards], sort_keys=True, default=str),
            generated_by=principal.actor,
            generated_by_name=name_of(session, principal),
            generated_role=principal.role,
            generated_at=now,
        )
        document.pdf = _pdf(document, form, None, warrant)
        document.sha256 = document.draft_sha256 = sha256(document.pdf)
        documents_service.add_document(session=session, document=document)
        audit_document(
            session, principal, "documents.generate", document.document_id, purpose_id,
            {"case_id": case.case_id, "form": form.code, "number": document.number,
             "sha256": document.sha256, "person_id": person_id, "based_on": document.based_on,
             "precondition": gate.as_check(form.gate), "records": list(facts.records)},
        )  # fmt: skip
        try:
            session.commit()
        except IntegrityError as exc:  # another document took the number at the same moment
            raise DocumentError(
                409, "number-taken", f"{document.number} was just taken: generate it again"
            ) from exc
        session.refresh(document)
        session.expunge(document)
    return document


def sign(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    document_id: str,
    today: dt.date | None = None,
) -> LegalDocument:
    """Sign a DRAFT: check again, render it without the watermark, store the new hash; audit.

    Raises:
        DocumentError: the document is not visible or already signed; the role may not
            sign this form; the signer drafted the warrant; the case or the safeguards or
            the form's precondition no longer allow it.
    """
    day = today or _today()
    with session_scope(engine) as session:
        ctx = use_context(session, principal, purpose_id)
        document = visible_document(session, principal, document_id)
        form = FORMS[document.form]
        if document.state != "DRAFT":
            raise DocumentError(
                409, "document-signed",
                f"{document.number} was signed by {document.signed_by_name} on "
                f"{document.signed_at:%Y-%m-%d %H:%M} UTC; generate a new draft to change it",
            )  # fmt: skip
        # A signature is a legal act of a person in a role: the operator never signs.
        if principal.role not in form.signers:
            who = "a supervisory officer" if form.signers == {"SUPERVISOR"} else "an officer"
            raise DocumentError(
                403, "signer-not-allowed",
                f"a {form.code} ({form.title}) is signed by {who} "
                f"({', '.join(sorted(form.signers))}), not {principal.role}",
            )  # fmt: skip
        if form.warrant and principal.actor == document.generated_by:
            raise DocumentError(
                403, "signer-drafted-it",
                f"{document.number} is a warrant you drafted: another supervisory officer "
                "reviews and signs it",
            )  # fmt: skip
        case = visible_case(session, principal, document.case_id)
        _check_case(case, form, principal, "signed")
        safeguards = _check_safeguards(session, ctx, case, day)
        person_id, records = person_records(session, case.person_id)
        status = _status(ctx, person_id, records, day)
        gate, warrant = _check_gate(session, form, case, status, document.based_on)
        now = dt.datetime.now(dt.UTC)
        name = name_of(session, principal)
        signature = {"name": name, "role": principal.role, "at": now}
        pdf = _pdf(document, form, signature, warrant)
        digest = sha256(pdf)
        written = session.execute(
            update(LegalDocument)
            .where(LegalDocument.document_id == document_id, LegalDocument.state == "DRAFT")
            .values(
                state="SIGNED", signed_by=principal.actor, signed_by_name=name,
                signed_role=principal.role, signed_at=now, pdf=pdf, sha256=digest,
            )
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if getattr(written, "rowcount", 0) != 1:
            session.rollback()
            raise DocumentError(
                409, "document-signed", f"{document_id} was just signed by someone else"
            )
        audit_document(
            session, principal, "documents.sign", document_id, purpose_id,
            {"case_id": case.case_id, "form": form.code, "number": document.number,
             "draft_sha256": document.draft_sha256, "sha256": digest,
             "precondition": gate.as_check(form.gate), "safeguards": safeguards},
        )  # fmt: skip
        session.commit()
        session.expire_all()
        signed = visible_document(session, principal, document_id)
        session.refresh(signed)
        session.expunge(signed)
    return signed


def read(
    session: Session, principal: Principal, purpose_id: str | None, document_id: str
) -> LegalDocument:
    """Return a document's record (not its PDF) under a purpose; audit the read."""
    use_context(session, principal, purpose_id)
    document = visible_document(session, principal, document_id)
    audit_document(
        session, principal, "documents.read", document_id, purpose_id,
        {"case_id": document.case_id, "form": document.form, "number": document.number},
    )  # fmt: skip
    session.commit()
    return document


def list_of_case(
    session: Session, principal: Principal, purpose_id: str | None, case_id: str
) -> list[LegalDocument]:
    """Return a case's documents, newest first, under a purpose; audit the read."""
    use_context(session, principal, purpose_id)
    visible_case(session, principal, case_id)
    found = documents_service.documents_of_case(session=session, case_id=case_id)
    audit_document(
        session, principal, "documents.list", None, purpose_id,
        {"case_id": case_id, "returned": [d.number for d in found]},
    )  # fmt: skip
    session.commit()
    return found


def download(
    session: Session, principal: Principal, purpose_id: str | None, document_id: str
) -> Download:
    """Return a document's PDF under a purpose; audit each download with the hash served."""
    use_context(session, principal, purpose_id)
    document = visible_document(session, principal, document_id)
    pdf = bytes(document.pdf)
    if sha256(pdf) != document.sha256:
        raise DocumentError(
            500, "document-corrupt",
            f"{document.number}'s stored PDF does not match its recorded SHA-256: it is not "
            "served; report it",
        )  # fmt: skip
    audit_document(
        session, principal, "documents.download", document_id, purpose_id,
        {"case_id": document.case_id, "form": document.form, "number": document.number,
         "state": document.state, "sha256": document.sha256},
    )  # fmt: skip
    session.commit()
    return Download(document, pdf)


def warrant_of(session: Session, document: LegalDocument) -> LegalDocument | None:
    """Return the warrant a detainer rests on (None for other documents)."""
    if document.based_on is None:
        return None
    return documents_service.get_document(session=session, document_id=document.based_on)
