"""Collateral arrests: a person encountered who was not a target, checked as a new lead.

Before anyone encountered in an operation who was not its target is booked, the officer
records the encounter (in which operation), how the identity was confirmed and the answer
to the citizenship question, and the person's records go through the same safeguards a
new lead does (``cases.recheck.evaluate``, which hands them to
``targeting.evaluate.evaluate_person``). The encounter halts, with the review it needs, on:

- a claim of US citizenship, or any citizenship indicator on the records: ``citizenship``
  (ICE Directive 16001.2), before anything else;
- an identity the officer could not confirm: ``identity``;
- no violation on the records, or a lead the safeguards (or the latest targeting run)
  would hold or suppress: ``no_violation`` / ``safeguards``; a lead a person closed,
  targeting suspended by oversight (``oversight/switch.py``), or (for a new lead) a
  priority policy with no independent sign-off halts it as ``safeguards``.

Only a CLEARED encounter may go on to a booking, and it gives the person, in the same
transaction, what a booking hangs on:

- the person's own lead, made of the evaluation (findings, evidence records, safeguards,
  score), in a one-person targeting run by the officer; its history says it came from
  this encounter, in which operation, by whom;
- the case opened from that lead, assigned to the encountering officer (an OFFICER
  account; one recorded by a supervisor waits in ``investigation`` for an assignment)
  and taken along the case machine's own transitions, each with its reason, checks,
  event, decision snapshot, deadlines and audit event, to ``arrest``: the state of a
  just-arrested person's case (``build_target_package``, ``request_operation``,
  ``record_arrest``; the arrest starts the 48-hour custody decision deadline).

A person who already has an open case keeps it: the encounter links to it (and takes it
to ``arrest`` the same way when it is before the arrest and is the officer's or nobody's);
a current OPEN lead without a case gets its case. Each encounter is a row
(``custody_collateral_encounters``, naming its operation, lead and case) and an audit
event (``custody.collateral``); each lead and case it opens is audited too
(``leads.create``, ``cases.create``, ``cases.assign``, ``cases.transition``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases import machine, recheck
from immigrationos.cases import service as cases_service
from immigrationos.cases.flows import CaseError
from immigrationos.cases.machine import CaseState, Check
from immigrationos.cases.models import Case, CaseEvent
from immigrationos.custody import deadlines as custody_deadlines
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.booking import DIRECTIVE_CITIZENSHIP
from immigrationos.custody.models import CollateralEncounter
from immigrationos.db.engine import session_scope
from immigrationos.operations import service as ops_service
from immigrationos.operations.models import Operation
from immigrationos.oversight import replay
from immigrationos.oversight import signoff as oversight_signoff
from immigrationos.oversight import switch as oversight_switch
from immigrationos.persons.access import in_area
from immigrationos.policy.engine import UseContext
from immigrationos.resolution import service as resolution_service
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.evaluate import Evaluation
from immigrationos.targeting.leads import canon, lead_values, mint_lead_id
from immigrationos.targeting.models import Lead, TargetingRun
from immigrationos.targeting.policy import load_policy

# Operations a collateral arrest can happen in: approved, or executed (recorded after).
ACTIVE_OPERATION = ("APPROVED", "EXECUTED")
# From the first state of a case to the state of a just-arrested person's case.
TO_ARREST = ("build_target_package", "request_operation", "record_arrest")
BEFORE_ARREST = frozenset(
    {CaseState.INVESTIGATION, CaseState.TARGET_PACKAGE, CaseState.OPERATION_APPROVAL}
)


@dataclass(frozen=True)
class CollateralReport:
    """What the officer records of a collateral encounter."""

    person_id: str
    field_office: str | None
    encounter: str
    identity_confirmed: bool
    identity_method: str
    citizenship_claim: bool
    citizenship_statement: str | None = None
    operation_id: str | None = None


def _outcome(
    data: CollateralReport, found: recheck.Recheck, blocked: str | None
) -> tuple[str | None, str]:
    """Return the review the encounter needs (None: cleared) and why."""
    if data.citizenship_claim:
        said = f": {data.citizenship_statement}" if data.citizenship_statement else ""
        return "citizenship", (
            f"the person claims US citizenship{said}; investigate before anything else "
            f"({DIRECTIVE_CITIZENSHIP})"
        )
    if found.halt == "citizenship":
        return "citizenship", f"a citizenship indicator on the records: {found.detail} " + (
            f"({DIRECTIVE_CITIZENSHIP})"
        )
    if not data.identity_confirmed:
        return "identity", f"the identity was not confirmed ({data.identity_method})"
    if found.halt is not None:
        return ("no_violation" if found.lead_state is None else "safeguards"), found.detail
    if blocked is not None:
        return "safeguards", blocked
    return None, found.detail


def _operation(
    session: Session, principal: Principal, data: CollateralReport
) -> tuple[Operation | None, str | None]:
    """Return the operation of the encounter (checked) and the encounter's field office."""
    if data.operation_id is None:
        office = data.field_office
        operation = None
    else:
        operation = ops_service.get_operation(session=session, operation_id=data.operation_id)
        if operation is None or not in_area(principal, operation.field_office):
            where = "" if principal.area() is None else " in your area of responsibility"
            raise CaseError(
                404, "operation-not-found",
                f"no operation {data.operation_id} is available to you{where}",
                None if operation is None else "AREA_OF_RESPONSIBILITY",
            )  # fmt: skip
        if operation.status not in ACTIVE_OPERATION:
            raise CaseError(
                409, "operation-not-active",
                f"operation {operation.operation_id} is {operation.status}: a collateral "
                "arrest is recorded in an approved (or executed) operation",
            )  # fmt: skip
        office = data.field_office or operation.field_office
        if office != operation.field_office:
            raise CaseError(
                422, "office-not-operation's",
                f"the encounter's field office {office} is not operation "
                f"{operation.operation_id}'s ({operation.field_office})",
            )  # fmt: skip
    if not in_area(principal, office):
        raise CaseError(
            403, "office-not-yours", f"{office} is not in your area of responsibility",
            "AREA_OF_RESPONSIBILITY",
        )  # fmt: skip
    return operation, office


def _current_lead(session: Session, person_id: str) -> Lead | None:
    """Return the person's current lead (following merges), or None."""
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        return None
    query = select(Lead).where(Lead.person_id == current, Lead.retired_at.is_(None))
    return session.scalars(query.order_by(Lead.created_at)).first()


def _open_case(session: Session, person_id: str) -> Case | None:
    """Return the person's open case (the oldest), or None."""
    query = (
        select(Case)
        .where(Case.person_id == person_id, Case.state.in_(sorted(machine.OPEN_STATES)))
        .order_by(Case.created_at, Case.case_id)
    )
    return session.scalars(query).first()


def _blocked(session: Session, lead: Lead | None, found: recheck.Recheck) -> str | None:
    """Return why a cleared person's lead cannot become a case now, or None."""
    if lead is not None and lead.state == "CLOSED":
        return (
            f"lead {lead.lead_id} was closed by {lead.closed_by}: {lead.closed_reason}; a "
            "closed lead is a person's decision, reviewed before anyone acts on it again"
        )
    if lead is not None:
        policy, violations = lead.policy_version, list(json.loads(lead.violations))
    elif found.evaluation is not None:
        policy, violations = found.evaluation.policy_version, list(found.evaluation.violations)
    else:
        return "no evaluation of the person's records to make a lead of"
    frozen = oversight_switch.current(session).frozen_reason(policy, violations)
    if frozen is not None:
        return f"no lead can become a case now: {frozen}"
    if lead is None:
        try:  # a new lead, like a targeting run's, only under a signed-off policy
            oversight_signoff.require_signed(session, load_policy())
        except oversight_signoff.SignOffError as exc:
            return f"no new lead can be opened: {exc.detail}"
    return None


def _where(row: CollateralEncounter) -> str:
    place = f"in operation {row.operation_id}" if row.operation_id else "(no operation named)"
    return f"collateral encounter {row.id} {place}"


@dataclass
class _Opening:
    """The session, caller and encounter that a lead and case are opened for."""

    session: Session
    principal: Principal
    purpose_id: str | None
    row: CollateralEncounter
    found: recheck.Recheck
    now: dt.datetime

    def audit(self, action: str, kind: str, subject: str, details: dict[str, Any]) -> None:
        custody_flows.audit(
            self.session, self.principal, action, kind, subject, self.purpose_id,
            {**details, "collateral_encounter": self.row.id,
             "operation_id": self.row.operation_id},
        )  # fmt: skip


def _new_lead(op: _Opening, evaluation: Evaluation) -> Lead:
    """Store the person's own lead from the encounter's evaluation, in a one-person run."""
    row, principal, now = op.row, op.principal, op.now
    person_id = op.found.person_id or row.person_id
    run_id = str(uuid.uuid4())
    state = evaluation.state.value if evaluation.state is not None else None
    targeting_service.add_run(
        session=op.session,
        run=TargetingRun(
            id=run_id, started_at=now, finished_at=now, as_of=evaluation.as_of,
            purpose_id=op.purpose_id, run_by=principal.actor, status="COMPLETED",
            policy_version=evaluation.policy_version, policy_sha256=evaluation.policy_sha256,
            withheld_sources=canon(list(evaluation.withheld_sources)), persons=1, created=1,
            stats=canon({"by_state": {state: 1}, "collateral_encounter": row.id,
                         "by_violation": dict.fromkeys(evaluation.violations, 1),
                         "notes": [f"one person: {_where(row)}"]}),
        ),
    )  # fmt: skip
    lead_id = mint_lead_id(person_id, targeting_service.all_lead_ids(session=op.session))
    values = lead_values(evaluation, person_id, row.field_office, run_id, now)
    targeting_service.insert_leads(
        session=op.session,
        rows=[{"lead_id": lead_id, **values, "closed_by": None, "closed_reason": None,
               "created_run": run_id, "created_at": now, "retired_at": None}],
    )  # fmt: skip
    evidence = ", ".join(json.loads(values["evidence"])) or "none"
    reason = (
        f"{'|'.join(evaluation.violations)} found: {_where(row)} by officer "
        f"{principal.username or principal.actor} (not a target; checked as a new lead and "
        f"cleared; evidence: {evidence})"
    )
    targeting_service.insert_events(
        session=op.session,
        rows=[{"lead_id": lead_id, "run_id": run_id, "kind": "CREATED", "person_id": person_id,
               "from_state": None, "to_state": values["state"], "from_score": None,
               "to_score": values["score"], "reason": reason, "actor": principal.actor,
               "at": now}],
    )  # fmt: skip
    op.audit(
        "leads.create", "lead", lead_id,
        {"person_id": person_id, "source": "collateral", "run_id": run_id,
         "state": values["state"], "score": values["score"],
         "violations": list(evaluation.violations), "evidence": json.loads(values["evidence"])},
    )  # fmt: skip
    lead = targeting_service.get_lead(session=op.session, lead_id=lead_id)
    assert lead is not None
    return lead


def _case_event(op: _Opening, case: Case, kind: str, **values: Any) -> CaseEvent:
    checks = values.pop("checks", [])
    event = CaseEvent(
        case_id=case.case_id, kind=kind, actor=op.principal.actor,
        actor_role=op.principal.role, checks=json.dumps(checks, sort_keys=True), at=op.now,
        **values,
    )  # fmt: skip
    return cases_service.add_event(session=op.session, event=event)


def _new_case(op: _Opening, lead: Lead) -> Case:
    """Open the case of the person's lead, as accepting the lead would; audit it."""
    reason = f"{_where(op.row)}: the person's own lead {lead.lead_id}"
    case = Case(
        case_id=cases_service.new_case_id(), lead_id=lead.lead_id, person_id=lead.person_id,
        field_office=lead.field_office, state=machine.FIRST_STATE.value, version=1,
        created_by=op.principal.actor, created_at=op.now, updated_at=op.now,
    )  # fmt: skip
    cases_service.add_case(session=op.session, case=case)
    _case_event(
        op, case, "CREATED", transition="accept_lead", to_state=case.state, reason=reason,
        checks=[op.found.as_check()], version=1,
    )  # fmt: skip
    op.audit(
        "cases.create", "case", case.case_id,
        {"lead_id": lead.lead_id, "person_id": case.person_id, "reason": reason},
    )  # fmt: skip
    return case


def _write(op: _Opening, case: Case, values: dict[str, Any]) -> None:
    """Write a case change at the version held (optimistic lock); keep the copy in step."""
    values = {**values, "updated_at": op.now}
    if not cases_service.write_if_current(
        session=op.session, case_id=case.case_id, seen_version=case.version, values=values
    ):
        raise CaseError(
            409, "case-version-stale",
            f"case {case.case_id} changed while the encounter was recorded; record it again",
        )  # fmt: skip
    for name, value in values.items():
        setattr(case, name, value)
    case.version += 1


def _assign(op: _Opening, case: Case) -> None:
    """Assign the case to the encountering officer; audit it."""
    reason = f"{_where(op.row)}: the encountering officer works the case"
    _write(op, case, {"assigned_officer": op.principal.actor, "assigned_by": op.principal.actor})
    check = {"name": "OFFICER_ELIGIBLE", "passed": True, "detail": op.principal.username}
    _case_event(
        op, case, "ASSIGNED", from_state=case.state, to_state=case.state, reason=reason,
        checks=[check], version=case.version,
    )  # fmt: skip
    op.audit(
        "cases.assign", "case", case.case_id,
        {"officer": op.principal.actor, "previous": None, "reason": reason,
         "version": case.version},
    )  # fmt: skip


def _reason(op: _Opening, name: str) -> str:
    row = op.row
    if name == "build_target_package":
        return f"{_where(row)}: the encounter record is the target package"
    if name == "request_operation":
        return f"{_where(row)}: the person was encountered in the operation, not a target"
    return f"collateral arrest, {_where(row)}: {row.encounter}"


def _to_arrest(op: _Opening, case: Case) -> None:
    """Take the case along the machine's transitions to ``arrest``, each with its reason."""
    for name in TO_ARREST:
        move = machine.BY_NAME[name]
        if case.state not in move.sources:
            continue
        if op.principal.role not in move.roles and not op.principal.is_operator:
            return  # the case waits for whoever may take it
        assert move.target is not None
        checks: list[dict[str, Any]] = []
        for check in move.checks:
            if check is Check.ASSIGNED_OFFICER:
                checks.append(
                    {"name": check.value, "passed": True, "detail": case.assigned_officer}
                )
            elif check is Check.SAFEGUARDS:
                checks.append(op.found.as_check())
        before, reason = case.state, _reason(op, name)
        _write(op, case, {"state": move.target.value, "halted_from": None})
        event = _case_event(
            op, case, "TRANSITION", transition=name, from_state=before,
            to_state=case.state, reason=reason, checks=checks, version=case.version,
        )  # fmt: skip
        replay.snapshot_case_event(op.session, case=case, event=event, as_of=op.now.date())
        deadlines = custody_deadlines.on_transition(
            op.session, case, name, case.state, op.principal.actor, op.now
        )
        op.audit(
            "cases.transition", "case", case.case_id,
            {"transition": name, "from_state": before, "to_state": case.state,
             "reason": reason, "checks": checks, "version": case.version,
             "deadlines": [{"kind": d.kind, "status": d.status} for d in deadlines]},
        )  # fmt: skip


def _lead_and_case(op: _Opening, lead: Lead | None) -> tuple[str | None, str | None, str]:
    """Link the encounter to the person's lead and case, opening what is missing."""
    person_id = op.found.person_id or op.row.person_id
    case = _open_case(op.session, person_id)
    officer = op.principal.role == "OFFICER"
    if case is not None:
        # Only a case of the officer's own area, and theirs or nobody's, is taken further.
        ours = case.assigned_officer in (None, op.principal.actor)
        ours = ours and in_area(op.principal, case.field_office)
        if CaseState(case.state) in BEFORE_ARREST and ours and officer:
            if case.assigned_officer is None:
                _assign(op, case)
            _to_arrest(op, case)
        return case.lead_id, case.case_id, f"the person's open case {case.case_id} ({case.state})"
    if lead is None:
        assert op.found.evaluation is not None
        lead = _new_lead(op, op.found.evaluation)
        opened = f"lead {lead.lead_id} and case "
    else:
        opened = f"case (of the person's open lead {lead.lead_id}) "
    case = _new_case(op, lead)
    if officer and in_area(op.principal, case.field_office):
        _assign(op, case)
        _to_arrest(op, case)
        waits = "assigned to the encountering officer"
    else:
        waits = "waiting for a supervisor of its office to assign an officer"
    return lead.lead_id, case.case_id, f"opened {opened}{case.case_id} ({case.state}, {waits})"


def _checked(
    session: Session, ctx: UseContext, data: CollateralReport, as_of: dt.date
) -> tuple[recheck.Recheck, Lead | None, str | None, str]:
    """Evaluate the person as a new lead; return the verdict, their lead, review and why."""
    lead = _current_lead(session, data.person_id)
    found = recheck.evaluate(session, ctx, data.person_id, as_of, lead.lead_id if lead else None)
    blocked = _blocked(session, lead, found) if found.halt is None else None
    review, detail = _outcome(data, found, blocked)
    return found, lead, review, detail


def record_collateral(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    data: CollateralReport,
    as_of: dt.date | None = None,
) -> CollateralEncounter:
    """Check a collateral encounter as a new lead would be; record and audit the outcome.

    A CLEARED encounter gets the person's own lead and case (or links to those they have),
    in the same transaction; the returned row names them.
    """
    if not data.encounter.strip():
        raise CaseError(422, "encounter-required", "say how the person was encountered")
    if not data.identity_method.strip():
        raise CaseError(422, "identity-method-required", "say how the identity was confirmed")
    now = custody_flows.now_utc()
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
        operation, office = _operation(session, principal, data)
        found, lead, review, detail = _checked(session, ctx, data, as_of or now.date())
        row = CollateralEncounter(
            person_id=found.person_id or data.person_id, field_office=office,
            encounter=data.encounter.strip(), identity_confirmed=data.identity_confirmed,
            identity_method=data.identity_method.strip(),
            citizenship_claim=data.citizenship_claim,
            citizenship_statement=data.citizenship_statement,
            outcome="CLEARED" if review is None else "HALTED", review=review, detail=detail,
            lead_state=found.lead_state, safeguards=json.dumps(list(found.safeguards)),
            recorded_by=principal.actor, recorded_at=now,
            operation_id=None if operation is None else operation.operation_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        if review is None:
            opening = _Opening(session, principal, purpose_id, row, found, now)
            row.lead_id, row.case_id, linked = _lead_and_case(opening, lead)
            row.detail = f"{detail}; {linked}"
        custody_flows.audit(
            session, principal, "custody.collateral", "person", row.person_id, purpose_id,
            {"outcome": row.outcome, "review": review, "detail": row.detail,
             "citizenship_claim": data.citizenship_claim,
             "identity_confirmed": data.identity_confirmed,
             "safeguards": list(found.safeguards), "operation_id": row.operation_id,
             "lead_id": row.lead_id, "case_id": row.case_id},
        )  # fmt: skip
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return row
