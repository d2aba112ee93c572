"""Worksite use cases: audit a directory of Forms I-9, keep the run, run an inspection.

Reading and auditing need no database (``read_inputs``, ``audit_inputs``): an employer
audits itself on its own machine. Keeping a run (``record_audit``), an inspection's
cross-checks against SSA and USCIS records (``run_audit`` in inspection mode) and the
inspection's notices own their transaction here: the change and its audit event
(``worksite.audit``, ``worksite.inspection.create``, ``worksite.notice.issue``) commit
together or not at all. A refusal raises :class:`WorksiteError` with the HTTP status,
a kind and the words that say what was wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.persons.access import in_area
from immigrationos.policy import service as policy_service
from immigrationos.policy.errors import PurposeError
from immigrationos.worksite import audit as audit_engine
from immigrationos.worksite import crosscheck, io_csv
from immigrationos.worksite import service as worksite_service
from immigrationos.worksite.model import (
    AuditContext,
    AuditResult,
    Category,
    Classification,
    Employer,
    Finding,
    FormResult,
    GovernmentRecords,
    I9Form,
    Mode,
    RosterEntry,
)
from immigrationos.worksite.models import WorksiteAudit, WorksiteFinding
from immigrationos.worksite.rules import registry
from immigrationos.worksite.schemas import (
    AuditCounts,
    AuditReport,
    FindingRead,
    FormResultRead,
    ReadErrorRead,
)

Progress = Callable[[int, int], None]


class WorksiteError(ValueError):
    """A worksite action that cannot be done: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.rule = status, kind, detail, rule


@dataclass
class AuditInputs:
    """What an audit reads: the forms, what could not be read, the roster and the employer."""

    forms: list[I9Form]
    errors: list[io_csv.InputError] = field(default_factory=list)
    roster: dict[str, RosterEntry] = field(default_factory=dict)
    employer: Employer = field(default_factory=Employer)
    files: list[dict[str, str]] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_inputs(
    directory: Path,
    *,
    roster: Path | None = None,
    employer: Path | None = None,
) -> AuditInputs:
    """Read a directory of CSV/JSON records and filled PDFs, a roster and an employer.

    A file, row or field that cannot be read is an error naming it; the forms that could
    be read are kept beside the errors (the caller decides whether to go on).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise io_csv.InputError(str(directory), "not a directory of Form I-9 records")
    skip = {p.resolve() for p in (roster, employer) if p is not None}
    forms, errors = io_csv.read_directory(directory)
    if skip:
        forms = [f for f in forms if (directory / f.source.split(":")[0]).resolve() not in skip]
    found = AuditInputs(forms=forms, errors=list(errors))
    if roster is not None:
        try:
            found.roster = io_csv.read_roster_csv(roster)
        except io_csv.InputError as exc:
            found.errors.append(exc)
        except OSError as exc:
            found.errors.append(io_csv.InputError(str(roster), f"unreadable: {exc}"))
    if employer is not None:
        try:
            found.employer = io_csv.read_employer(employer)
        except io_csv.InputError as exc:
            found.errors.append(exc)
        except OSError as exc:
            found.errors.append(io_csv.InputError(str(employer), f"unreadable: {exc}"))
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    found.files = [
        {"name": p.relative_to(directory).as_posix(), "sha256": _sha256(p)} for p in files
    ]
    return found


def audit_inputs(
    inputs: AuditInputs,
    *,
    mode: Mode,
    policy: str,
    audit_date: dt.date,
    records: GovernmentRecords | None = None,
    on_progress: Progress | None = None,
) -> AuditResult:
    """Audit the forms read under a classification policy (inspection mode: with records)."""
    if mode is Mode.INSPECTION and records is None:
        raise WorksiteError(
            428, "records-required", "an inspection cross-checks government records: none given"
        )
    ctx = AuditContext(
        audit_date=audit_date,
        employer=inputs.employer,
        roster=inputs.roster,
        mode=mode,
        records=records if mode is Mode.INSPECTION else None,
    )
    return audit_engine.audit_forms(inputs.forms, ctx, policy=policy, on_progress=on_progress)


# -- the JSON of a result -----------------------------------------------------------------


def finding_read(finding: Finding) -> FindingRead:
    """Return a finding as the API and the CLI's JSON show it."""
    return FindingRead(
        rule_id=finding.rule_id,
        form_id=finding.form_id,
        source=finding.source,
        employee_id=finding.employee_id,
        message=finding.message,
        fields=list(finding.fields),
        citation=finding.citation,
        category=str(finding.category),
        classification=str(finding.classification),
        policy=finding.policy,
        mitigations=list(finding.mitigations),
        guidance=finding.guidance,
        records=crosscheck.record_refs(finding),
    )


def counts_of(result: AuditResult, errors: int = 0) -> AuditCounts:
    """Return the counts of an audit result."""
    every = result.findings()
    by_class = Counter(str(f.classification) for f in every)
    return AuditCounts(
        forms_audited=len(result.forms),
        forms_required=result.forms_required,
        findings=len(every),
        substantive=by_class[Classification.SUBSTANTIVE.value],
        technical=by_class[Classification.TECHNICAL.value],
        suspect=sum(1 for f in every if f.category == Category.SUSPECT_DOCUMENT),
        read_errors=errors,
        by_rule=dict(sorted(Counter(f.rule_id for f in every).items())),
    )


def report_of(result: AuditResult, errors: Sequence[io_csv.InputError] = ()) -> AuditReport:
    """Return the JSON report of an audit: per form, its source and its findings."""
    return AuditReport(
        mode=str(result.mode.value),
        policy=result.policy,
        audit_date=result.audit_date,
        employer=dataclasses.asdict(result.employer),
        counts=counts_of(result, len(errors)),
        forms=[
            FormResultRead(
                form_id=f.form_id,
                source=f.source,
                employee_id=f.employee_id,
                destroy_by=f.destroy_by,
                findings=[finding_read(x) for x in f.findings],
            )
            for f in result.forms
        ],
        employer_findings=[finding_read(x) for x in result.employer_findings],
        errors=[ReadErrorRead(source=e.file, message=str(e)) for e in errors],
    )


# -- keeping a run ------------------------------------------------------------------------


def _employer_json(employer: Employer) -> str:
    return json.dumps(dataclasses.asdict(employer), default=str, sort_keys=True)


def _finding_row(audit_id: str, f: Finding) -> WorksiteFinding:
    return WorksiteFinding(
        audit_id=audit_id,
        form_id=f.form_id,
        source=f.source,
        employee_id=f.employee_id,
        rule_id=f.rule_id,
        citation=f.citation,
        category=str(f.category),
        classification=str(f.classification),
        policy=f.policy,
        message=f.message,
        fields=json.dumps(list(f.fields)),
        mitigations=json.dumps(list(f.mitigations)),
        guidance=f.guidance,
        records=json.dumps(crosscheck.record_refs(f)),
    )


def add_run(
    session: Session,
    principal: Principal,
    *,
    purpose_id: str | None,
    inputs: AuditInputs,
    result: AuditResult,
    consulted: Sequence[str] = (),
    field_office: str | None = None,
) -> WorksiteAudit:
    """Add an audit run, its findings and its audit event to the session (not committed)."""
    counts = counts_of(result, len(inputs.errors))
    audit = WorksiteAudit(
        audit_id=worksite_service.new_audit_id(),
        employer_name=result.employer.name or "(employer not named)",
        employer=_employer_json(result.employer),
        mode=result.mode.value,
        policy=result.policy,
        audit_date=result.audit_date,
        field_office=field_office,
        purpose_id=purpose_id,
        created_by=principal.actor,
        created_role=principal.role,
        created_at=dt.datetime.now(dt.UTC),
        forms_audited=counts.forms_audited,
        forms_required=counts.forms_required,
        findings_count=counts.findings,
        substantive_count=counts.substantive,
        technical_count=counts.technical,
        suspect_count=counts.suspect,
        read_errors=counts.read_errors,
        forms=json.dumps(
            [
                {
                    "form_id": f.form_id,
                    "source": f.source,
                    "employee_id": f.employee_id,
                    "destroy_by": f.destroy_by.isoformat() if f.destroy_by else None,
                }
                for f in result.forms
            ]
        ),
        files=json.dumps(inputs.files + [{"name": e.file, "error": str(e)} for e in inputs.errors]),
    )
    rows = [_finding_row(audit.audit_id, f) for f in result.findings()]
    worksite_service.add_audit(session=session, audit=audit, findings=rows)
    audit_service.append(
        session=session,
        actor=principal.actor,
        actor_role=principal.role,
        action="worksite.audit",
        resource_type="worksite_audit",
        resource_id=audit.audit_id,
        purpose=purpose_id,
        client=principal.client,
        details={
            "mode": audit.mode,
            "policy": audit.policy,
            "employer": audit.employer_name,
            "forms": counts.forms_audited,
            "findings": counts.findings,
            "files": [f["name"] for f in inputs.files],
            # The government records the cross-checks read (person data: every one named).
            "records": list(consulted),
        },
    )
    return audit


def office_of(principal: Principal, session: Session, purpose_id: str | None) -> str | None:
    """Return the field office an audit belongs to: its purpose's, else the user's first."""
    if purpose_id:
        purpose = policy_service.get_purpose(session=session, purpose_id=purpose_id)
        if purpose is not None and purpose.field_office:
            return purpose.field_office
    area = principal.area()
    return area[0] if area else None


def run_audit(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    inputs: AuditInputs,
    mode: Mode,
    policy: str,
    audit_date: dt.date,
    on_progress: Progress | None = None,
) -> tuple[WorksiteAudit, AuditResult]:
    """Audit and keep the run; in inspection mode read SSA and USCIS records under the purpose.

    Raises WorksiteError when the purpose or the data-use policy refuses the reads.
    """
    with session_scope(engine) as session:
        records: crosscheck.PlatformRecords | None = None
        if purpose_id:
            try:
                policy_service.load_context(
                    session=session, principal=principal, purpose_id=purpose_id
                )
            except PurposeError as exc:
                raise WorksiteError(403, "purpose-refused", str(exc), "PURPOSE_REFUSED") from exc
        if mode is Mode.INSPECTION:
            try:
                records = crosscheck.PlatformRecords.open(session, principal, purpose_id)
            except crosscheck.RecordsRefused as exc:
                status = 428 if exc.rule == "PURPOSE_REQUIRED" else 403
                kind = "purpose-required" if status == 428 else "data-use-refused"
                raise WorksiteError(status, kind, exc.detail, exc.rule) from exc
            records.prefetch(inputs.forms)  # a few queries for all forms, not two per form
        result = audit_inputs(
            inputs,
            mode=mode,
            policy=policy,
            audit_date=audit_date,
            records=records,
            on_progress=on_progress,
        )
        audit = add_run(
            session,
            principal,
            purpose_id=purpose_id,
            inputs=inputs,
            result=result,
            consulted=records.consulted if records is not None else (),
            field_office=office_of(principal, session, purpose_id),
        )
        session.commit()
        session.refresh(audit)
        session.expunge(audit)
    return audit, result


# -- reading a run back -------------------------------------------------------------------


def visible_audit(session: Session, principal: Principal, audit_id: str) -> WorksiteAudit:
    """Return an audit run the principal may see; 404 (the same words) otherwise."""
    audit = worksite_service.get_audit(session=session, audit_id=audit_id)
    if audit is None or not in_area(principal, audit.field_office):
        where = "" if principal.area() is None else " in your area of responsibility"
        raise WorksiteError(
            404, "audit-not-found", f"no audit {audit_id} is available to you{where}"
        )
    return audit


def _finding_of(row: WorksiteFinding) -> Finding:
    found = Finding(
        rule_id=row.rule_id,
        form_id=row.form_id,
        message=row.message,
        fields=list(json.loads(row.fields)),
        citation=row.citation,
        category=Category(row.category),
        classification=Classification(row.classification),
        policy=row.policy,
        mitigations=list(json.loads(row.mitigations)),
        guidance=row.guidance,
        source=row.source,
        employee_id=row.employee_id,
    )
    return found


def result_of(audit: WorksiteAudit, rows: Sequence[WorksiteFinding]) -> AuditResult:
    """Return the AuditResult a kept run stands for (for its report, notices and fine)."""
    employer_data: dict[str, Any] = json.loads(audit.employer)
    since = employer_data.get("everify_since")
    employer = Employer(
        name=str(employer_data.get("name") or ""),
        address=str(employer_data.get("address") or ""),
        state=str(employer_data.get("state") or ""),
        employee_count=int(employer_data.get("employee_count") or 0),
        everify=bool(employer_data.get("everify")),
        everify_since=dt.date.fromisoformat(since) if since else None,
    )
    forms: dict[str, FormResult] = {}
    for item in json.loads(audit.forms):
        destroy = item.get("destroy_by")
        forms[item["form_id"]] = FormResult(
            form_id=item["form_id"],
            source=item.get("source", ""),
            employee_id=item.get("employee_id", ""),
            destroy_by=dt.date.fromisoformat(destroy) if destroy else None,
        )
    result = AuditResult(
        mode=Mode(audit.mode),
        policy=audit.policy,
        audit_date=audit.audit_date,
        employer=employer,
        forms=list(forms.values()),
        forms_required=audit.forms_required,
    )
    rules = registry.load_rules()
    for row in rows:
        finding = _finding_of(row)
        # An employer-level check's finding stays the employer's, as the audit gave it.
        per_form = row.rule_id not in rules or rules[row.rule_id].per_form
        holder = forms.get(row.form_id) if row.form_id and per_form else None
        if holder is None:
            result.employer_findings.append(finding)
        else:
            holder.findings.append(finding)
    return result


def read_result(
    session: Session, principal: Principal, audit_id: str
) -> tuple[WorksiteAudit, AuditResult]:
    """Return a visible run and its result."""
    audit = visible_audit(session, principal, audit_id)
    rows = worksite_service.findings_of(session=session, audit_id=audit_id)
    return audit, result_of(audit, rows)
