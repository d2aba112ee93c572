"""Legal documents over HTTP: the form catalogue, generate a draft, list, read, sign, download,
and record the service of a signed document (with its history on every read)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import EngineDep, PurposeHeader, SessionDep, audit, require
from immigrationos.apikit.problems import Problem, responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.documents import flows, serving
from immigrationos.documents.forms import FORMS
from immigrationos.documents.models import DocumentService, LegalDocument
from immigrationos.documents.schemas import (
    CHARGES,
    DocumentCreate,
    DocumentCreateForCase,
    DocumentList,
    DocumentRead,
    FormCatalogue,
    ServiceCreate,
    ServiceOutcomeRead,
    ServiceRead,
    form_reads,
)

router = APIRouter(tags=["documents"])

DocumentIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="A document ID: D and ten characters.")
]
CaseIdPath = Annotated[
    str, Path(min_length=1, max_length=40, description="A case ID: C and ten characters.")
]


def _refuse(
    session: Session,
    principal: Principal,
    purpose: str | None,
    action: str,
    resource_id: str | None,
    error: flows.DocumentError,
) -> Problem:
    """Audit a refused document request (committed on its own) and return its problem."""
    session.rollback()
    problem = lawful.refuse(
        session,
        principal,
        status=error.status,
        kind=error.kind,
        detail=error.detail,
        action=action,
        purpose=purpose,
        resource_type="document",
        resource_id=resource_id,
        rule=error.rule,
    )
    if error.status == 404:
        problem.extra.pop("rule", None)  # hidden answers exactly as missing
    return problem


def document_read(
    document: LegalDocument, services: list[DocumentService] | None = None
) -> DocumentRead:
    """Return a document's record (with its service history) as the API shows it."""
    return DocumentRead(
        document_id=document.document_id,
        number=document.number,
        form=document.form,
        title=FORMS[document.form].title,
        case_id=document.case_id,
        person_id=document.person_id,
        field_office=document.field_office,
        state=document.state,
        based_on=document.based_on,
        sha256=document.sha256,
        draft_sha256=document.draft_sha256,
        size=len(document.pdf),
        generated_by=document.generated_by,
        generated_by_name=document.generated_by_name,
        generated_role=document.generated_role,
        generated_at=document.generated_at,
        signed_by=document.signed_by,
        signed_by_name=document.signed_by_name,
        signed_role=document.signed_role,
        signed_at=document.signed_at,
        basis=json.loads(document.basis),
        download=f"/api/v1/documents/{document.document_id}/pdf",
        service_methods=list(FORMS[document.form].service_methods),
        service=[ServiceRead.model_validate(x) for x in services or []],
    )


def _generate(
    session: Session,
    engine: EngineDep,
    principal: Principal,
    purpose: str | None,
    case_id: str,
    body: DocumentCreate,
) -> DocumentRead:
    lawful.use_context(session, principal, purpose, action="documents.generate",
                       resource_type="case", resource_id=case_id)  # fmt: skip
    session.rollback()  # the flow owns its transaction
    try:
        document = flows.generate(
            engine, principal=principal, purpose_id=purpose, case_id=case_id,
            form_code=body.form, entries=body.entries, based_on=body.based_on,
        )  # fmt: skip
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, "documents.generate", None, exc) from exc
    return document_read(document)


@router.get(
    "/documents/forms",
    response_model=FormCatalogue,
    summary="The forms: who drafts and signs each, when, and the charges known",
    responses=responses(401, 403),
)
def forms(
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_READ)],
) -> FormCatalogue:
    """Return the form table (no person data)."""
    audit(session, principal, "documents.forms", resource_type="document")
    session.commit()
    return FormCatalogue(forms=form_reads(), charges=CHARGES)


@router.post(
    "/documents",
    response_model=DocumentRead,
    status_code=201,
    summary="Generate a DRAFT of a form for a case",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def generate(
    body: DocumentCreateForCase,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_GENERATE)],
    purpose: PurposeHeader = None,
) -> DocumentRead:
    """Generate a numbered, hashed DRAFT from the case and the facts servable on the person."""
    return _generate(session, engine, principal, purpose, body.case_id, body)


@router.post(
    "/cases/{case_id}/documents",
    response_model=DocumentRead,
    status_code=201,
    summary="Generate a DRAFT of a form for this case",
    responses=responses(400, 401, 403, 404, 409, 422, 428),
)
def generate_for_case(
    case_id: CaseIdPath,
    body: DocumentCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_GENERATE)],
    purpose: PurposeHeader = None,
) -> DocumentRead:
    """Generate a numbered, hashed DRAFT from the case and the facts servable on the person."""
    return _generate(session, engine, principal, purpose, case_id, body)


@router.get(
    "/cases/{case_id}/documents",
    response_model=DocumentList,
    summary="A case's documents, newest first",
    responses=responses(401, 403, 404, 428),
)
def list_for_case(
    case_id: CaseIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_READ)],
    purpose: PurposeHeader = None,
) -> DocumentList:
    """Return the documents of a case the caller may see; audit the read."""
    try:
        found = flows.list_of_case(session, principal, purpose, case_id)
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, "documents.list", None, exc) from exc
    history = serving.services(session, found)
    return DocumentList(
        items=[document_read(d, history[d.document_id]) for d in found], total=len(found)
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentRead,
    summary="A document: number, state, hash, who generated and signed it",
    responses=responses(401, 403, 404, 428),
)
def read(
    document_id: DocumentIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_READ)],
    purpose: PurposeHeader = None,
) -> DocumentRead:
    """Return a document's record; audit the read."""
    try:
        document = flows.read(session, principal, purpose, document_id)
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, "documents.read", document_id, exc) from exc
    return document_read(document, serving.services(session, [document])[document_id])


@router.get(
    "/documents/{document_id}/pdf",
    summary="Download a document's PDF (audited, with the hash served)",
    responses={
        **responses(401, 403, 404, 428),
        200: {"content": {"application/pdf": {}}, "description": "The PDF."},
    },
    response_class=Response,
)
def download(
    document_id: DocumentIdPath,
    session: SessionDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_READ)],
    purpose: PurposeHeader = None,
) -> Response:
    """Return the PDF as stored (a DRAFT carries its watermark); audit each download."""
    try:
        found = flows.download(session, principal, purpose, document_id)
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, "documents.download", document_id, exc) from exc
    return Response(
        content=found.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Document-SHA256": found.document.sha256,
            "X-Document-State": found.document.state,
        },
    )


@router.post(
    "/documents/{document_id}/sign",
    response_model=DocumentRead,
    summary="Sign a DRAFT: rendered again without the watermark, with the new hash",
    responses=responses(401, 403, 404, 409, 428),
)
def sign(
    document_id: DocumentIdPath,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_SIGN)],
    purpose: PurposeHeader = None,
) -> DocumentRead:
    """Sign a draft as a role the form names (a warrant: a supervisor who did not draft it)."""
    lawful.use_context(session, principal, purpose, action="documents.sign",
                       resource_type="document", resource_id=document_id)  # fmt: skip
    session.rollback()
    try:
        document = flows.sign(
            engine, principal=principal, purpose_id=purpose, document_id=document_id
        )
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, "documents.sign", document_id, exc) from exc
    return document_read(document)


@router.post(
    "/documents/{document_id}/service",
    response_model=ServiceOutcomeRead,
    status_code=201,
    summary="Record how, when, by whom and on whom a signed document was served (or an attempt)",
    responses=responses(401, 403, 404, 409, 422, 428),
)
def record_service(
    document_id: DocumentIdPath,
    body: ServiceCreate,
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(Permission.DOCUMENTS_GENERATE)],
    purpose: PurposeHeader = None,
) -> ServiceOutcomeRead:
    """Record a service (8 CFR 103.8, 1003.13) or a refused or failed attempt; audit it."""
    action = "documents.serve"
    lawful.use_context(session, principal, purpose, action=action,
                       resource_type="document", resource_id=document_id)  # fmt: skip
    session.rollback()
    try:
        done = serving.record_service(
            engine, principal=principal, purpose_id=purpose, document_id=document_id, data=body
        )
    except flows.DocumentError as exc:
        raise _refuse(session, principal, purpose, action, document_id, exc) from exc
    return ServiceOutcomeRead(service=ServiceRead.model_validate(done.service), effect=done.effect)
