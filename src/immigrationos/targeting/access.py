"""Reads of leads under the platform's rules: area of responsibility, purpose, data-use
policy and audit, in one transaction with the read (a refusal is audited on its own).

A field role sees the leads of its area (the person's field office). Each source a lead
names is decided under the reader's purpose, as a person's records are
(``persons.access``): records of a refused source are cut out of the explanation and the
answer says how many and why; those whose very existence must stay hidden are cut out
silently. A lead whose findings rest only on refused records is not served: it answers
like a lead that does not exist when they must stay hidden, with the refusal otherwise.

Closing a lead (``close_lead``) is a person's decision under the same rules: a lead the
caller could not read cannot be closed, and answers as it would to a read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.persons.access import in_area
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.engine import Decision, Use, UseContext
from immigrationos.records import access as records_access
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.models import Lead
from immigrationos.targeting.schemas import LeadEventRead, LeadList, LeadRead, LeadSummary

REF_KEYS = ("evidence", "redirect_to")
REDACTED = "withheld: rests on records your purpose may not read"
CLOSE = "leads.close"  # the audit action of closing a lead, as the close flow records it


def not_found_detail(lead_id: str, principal: Principal) -> str:
    """Return the words of a 404 for a lead: the same whether it is missing or hidden."""
    where = "" if principal.area() is None else " in your area of responsibility"
    return f"no lead {lead_id} is available to you{where}"


def _source(ref: str) -> str:
    return ref.partition(":")[0]


def refs_in(value: Any) -> set[str]:
    """Return every record reference an explanation names (in its evidence lists)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in REF_KEYS and isinstance(item, list):
                found.update(str(r) for r in item)
            else:
                found |= refs_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= refs_in(item)
    return found


def redact(value: Any, refused: Mapping[str, Decision]) -> Any:
    """Return an explanation without the records of refused sources.

    A part (finding, safeguard, factor, recommendation, address) all of whose records are
    refused keeps its name but loses its words: they may repeat what the records say.
    """
    if isinstance(value, list):
        return [redact(v, refused) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: redact(v, refused) for k, v in value.items() if k not in REF_KEYS}
    emptied = False
    for key in REF_KEYS:
        if key in value and isinstance(value[key], list):
            kept = [r for r in value[key] if _source(str(r)) not in refused]
            emptied = emptied or (bool(value[key]) and not kept)
            out[key] = kept
    if emptied:
        for words in ("detail", "reason", "reasons", "street", "city", "zip"):
            if words in out:
                out[words] = REDACTED if isinstance(out[words], str) else []
    return out


def _decisions(ctx: UseContext, sources: Iterable[str]) -> dict[str, Decision]:
    policy = policy_engine.get_policy()
    return {s: policy.decide_source(ctx, s, Use.READ) for s in sorted(set(sources))}


def _refused(decisions: Mapping[str, Decision]) -> dict[str, Decision]:
    return {s: d for s, d in decisions.items() if not d.allowed}


def _summary(lead: Lead) -> LeadSummary:
    return LeadSummary(
        lead_id=lead.lead_id,
        person_id=lead.person_id,
        state=lead.state,
        score=lead.score,
        priority=lead.priority,
        violations=json.loads(lead.violations),
        safeguards=json.loads(lead.safeguards),
        field_office=lead.field_office,
        as_of=lead.as_of,
        updated_at=lead.updated_at,
    )


def _refuse_missing(
    session: Session,
    principal: Principal,
    purpose: str | None,
    lead_id: str,
    rule: str | None,
    action: str = "leads.read",
) -> Problem:
    problem = lawful.refuse(
        session,
        principal,
        status=404,
        kind="lead-not-found",
        detail=not_found_detail(lead_id, principal),
        action=action,
        purpose=purpose,
        resource_type="lead",
        resource_id=lead_id,
        rule=rule,
    )
    problem.extra.pop("rule", None)
    return problem


def check_decision(
    session: Session,
    principal: Principal,
    purpose: str | None,
    lead_id: str,
    action: str = "leads.recommendation",
) -> None:
    """Refuse (audited, 404 as for a missing lead) a decision on a lead the caller can't see."""
    lawful.use_context(
        session,
        principal,
        purpose,
        action=action,
        resource_type="lead",
        resource_id=lead_id,
    )
    lead = targeting_service.get_lead(session=session, lead_id=lead_id)
    if lead is None or lead.retired_at is not None or not in_area(principal, lead.field_office):
        problem = lawful.refuse(
            session,
            principal,
            status=404,
            kind="lead-not-found",
            detail=not_found_detail(lead_id, principal),
            action=action,
            purpose=purpose,
            resource_type="lead",
            resource_id=lead_id,
            rule=None if lead is None else "AREA_OF_RESPONSIBILITY",
        )
        problem.extra.pop("rule", None)
        raise problem


def check_close(session: Session, principal: Principal, purpose: str | None, lead_id: str) -> Lead:
    """Return the lead the caller may close; refuse (audited) what they may not.

    A lead that is missing, outside the caller's area, or resting only on records whose
    existence the purpose must not learn answers 404 exactly as a read does; one resting
    only on refused records otherwise answers the refusal (403). A retired or already
    closed lead answers 409.
    """
    ctx = lawful.use_context(
        session, principal, purpose, action=CLOSE, resource_type="lead", resource_id=lead_id
    )
    lead = targeting_service.get_lead(session=session, lead_id=lead_id)
    if lead is None or not in_area(principal, lead.field_office):
        raise _refuse_missing(
            session, principal, purpose, lead_id,
            None if lead is None else "AREA_OF_RESPONSIBILITY", CLOSE,
        )  # fmt: skip
    evidence = list(json.loads(lead.evidence))
    refused = _refused(_decisions(ctx, {_source(r) for r in evidence}))
    if evidence and all(_source(r) in refused for r in evidence):
        first = refused[_source(evidence[0])]
        if not first.reveal_existence:
            raise _refuse_missing(session, principal, purpose, lead_id, first.rule, CLOSE)
        raise lawful.refuse_decision(
            session, principal, first, action=CLOSE, purpose=purpose,
            resource_type="lead", resource_id=lead_id,
        )  # fmt: skip
    problem = _close_conflict(lead)
    if problem is not None:
        raise _refuse_close(session, principal, purpose, lead_id, problem)
    return lead


def _close_conflict(lead: Lead) -> Problem | None:
    if lead.retired_at is not None:
        return Problem(
            409,
            "lead-not-current",
            f"lead {lead.lead_id} is retired (no longer the person's current lead) and "
            "cannot be closed; its history names the lead that replaced it",
        )
    if lead.state == "CLOSED":
        return Problem(
            409,
            "lead-already-closed",
            f"lead {lead.lead_id} is already closed (by {lead.closed_by}: "
            f"{lead.closed_reason}); nothing was changed",
        )
    return None


def _refuse_close(
    session: Session, principal: Principal, purpose: str | None, lead_id: str, problem: Problem
) -> Problem:
    return lawful.refuse(
        session,
        principal,
        status=problem.status,
        kind=problem.kind,
        detail=problem.detail,
        action=CLOSE,
        purpose=purpose,
        resource_type="lead",
        resource_id=lead_id,
    )


def close_lead(
    session: Session,
    engine: Engine,
    principal: Principal,
    purpose: str | None,
    lead_id: str,
    reason: str,
) -> LeadRead:
    """Close a lead as the caller's decision, with the reason; return it as a read shows it.

    The close itself (state, history event, ``leads.close`` audit event) is
    ``targeting.flows.close_lead``, in its own transaction; the answer is a read of the
    closed lead (audited as ``leads.read``).
    """
    check_close(session, principal, purpose, lead_id)
    session.rollback()  # the check holds no lock: the close flow owns its transaction
    try:
        targeting_flows.close_lead(
            engine, principal=principal, purpose_id=purpose, lead_id=lead_id, reason=reason
        )
    except targeting_flows.TargetingError as exc:
        # Someone closed (or a run retired) the lead since the check: say which.
        session.rollback()
        lead = targeting_service.get_lead(session=session, lead_id=lead_id)
        problem = None if lead is None else _close_conflict(lead)
        if problem is None:
            problem = Problem(400, "lead-close-invalid", str(exc))
        raise _refuse_close(session, principal, purpose, lead_id, problem) from exc
    session.rollback()  # read the lead as the flow committed it
    return read_lead(session, principal, purpose, lead_id)


def _unservable(ctx: UseContext, lead: Lead) -> Decision | None:
    """Return the refusal of a lead whose every record is refused, or None if it is served."""
    evidence = list(json.loads(lead.evidence))
    if not evidence:
        return None
    decisions = _decisions(ctx, {_source(r) for r in evidence})
    if any(d.allowed for d in decisions.values()):
        return None
    return decisions[_source(evidence[0])]


def _refuse_unservable(
    session: Session, principal: Principal, purpose: str | None, lead_id: str, first: Decision
) -> Problem:
    if not first.reveal_existence:
        return _refuse_missing(session, principal, purpose, lead_id, first.rule)
    return lawful.refuse_decision(
        session, principal, first, action="leads.read", purpose=purpose,
        resource_type="lead", resource_id=lead_id,
    )  # fmt: skip


def _served(
    session: Session,
    principal: Principal,
    purpose: str | None,
    ctx: UseContext,
    lead: Lead,
    history: list[Any],
) -> LeadRead:
    """Return a lead as the caller may see it and append the read's audit event (no commit).

    Raises the refusal (audited on its own) when every record the lead rests on is refused.
    """
    lead_id = lead.lead_id
    explanation = json.loads(lead.evaluation)
    evidence = list(json.loads(lead.evidence))
    decisions = _decisions(ctx, {_source(r) for r in refs_in(explanation) | set(evidence)})
    refused = _refused(decisions)
    visible = [r for r in evidence if _source(r) not in refused]
    if evidence and not visible:
        raise _refuse_unservable(
            session, principal, purpose, lead_id, refused[_source(evidence[0])]
        )
    cut = [r for r in refs_in(explanation) | set(evidence) if _source(r) in refused]
    audit(
        session,
        principal,
        "leads.read",
        resource_type="lead",
        resource_id=lead_id,
        purpose=purpose,
        details={"person_id": lead.person_id, "state": lead.state, "evidence": visible,
                 "withheld": len(cut)},
    )  # fmt: skip
    return LeadRead(
        **_summary(lead).model_dump(),
        evidence=visible,
        policy_version=lead.policy_version,
        policy_sha256=lead.policy_sha256,
        closed_by=lead.closed_by,
        closed_reason=lead.closed_reason,
        created_at=lead.created_at,
        explanation=redact(explanation, refused),
        history=[
            LeadEventRead(
                kind=e.kind,
                run_id=e.run_id,
                person_id=e.person_id,
                from_state=e.from_state,
                to_state=e.to_state,
                from_score=e.from_score,
                to_score=e.to_score,
                reason=e.reason,
                actor=e.actor,
                at=e.at,
            )
            for e in history
        ],
        withheld=records_access.withheld_of(refused[_source(r)] for r in cut),
    )


def read_lead(
    session: Session, principal: Principal, purpose: str | None, lead_id: str
) -> LeadRead:
    """Return a lead's full explanation as the caller may see it; audit the read."""
    ctx = lawful.use_context(
        session, principal, purpose, action="leads.read", resource_type="lead", resource_id=lead_id
    )
    lead = targeting_service.get_lead(session=session, lead_id=lead_id)
    if lead is None or not in_area(principal, lead.field_office):
        raise _refuse_missing(
            session, principal, purpose, lead_id, None if lead is None else "AREA_OF_RESPONSIBILITY"
        )
    history = targeting_service.events_of(session=session, lead_id=lead_id)
    served = _served(session, principal, purpose, ctx, lead, history)
    session.commit()
    return served


def read_leads(
    session: Session, principal: Principal, purpose: str | None, lead_ids: Sequence[str]
) -> list[LeadRead]:
    """Return many leads as ``read_lead`` would, in the order asked, in one transaction.

    The pages that show many leads at once (the map) read them here: one purpose check,
    one query for the leads and one for their histories, a ``leads.read`` audit event per
    lead served, one commit. A lead that has gone (or left the caller's area) since the
    list that named it was read, or whose records are all refused, is left out: the
    refusal of the latter is audited as ``read_lead`` audits it.
    """
    ctx = lawful.use_context(session, principal, purpose, action="leads.read", resource_type="lead")
    leads = targeting_service.get_leads(session=session, lead_ids=lead_ids)
    histories = targeting_service.events_of_leads(session=session, lead_ids=list(leads))
    readable = [
        leads[i] for i in lead_ids if i in leads and in_area(principal, leads[i].field_office)
    ]
    # Refusals first: each is audited in a transaction of its own, which must not wait on
    # this session's audit appends (the chain admits one writer at a time).
    kept = []
    for lead in readable:
        refusal = _unservable(ctx, lead)
        if refusal is None:
            kept.append(lead)
        else:
            _refuse_unservable(session, principal, purpose, lead.lead_id, refusal)
    served = [
        _served(session, principal, purpose, ctx, lead, histories.get(lead.lead_id, []))
        for lead in kept
    ]
    session.commit()
    return served


def list_leads(
    session: Session,
    principal: Principal,
    purpose: str | None,
    page: PageParams,
    *,
    state: str | None = None,
    violation: str | None = None,
    priority: str | None = None,
    field_office: str | None = None,
) -> LeadList:
    """Return a page of the current leads the caller may see, highest score first; audit it.

    ``field_office`` narrows the queue to one office; one outside the caller's area holds
    no lead (the principal, and so the purpose and policy checks, stay the caller's own).

    A lead whose findings rest only on sources the purpose may not read is left out: it
    is not served, not counted in ``total`` and takes no place in the offsets (a page is
    ``limit`` servable leads after ``offset`` servable ones); the audit event counts it.

    Cost: which leads are left out depends only on the sources of each one's evidence,
    so the queue is counted by source set in SQL (``service.queue_source_sets``: one
    ``GROUP BY`` of a few dozen rows, whatever the number of leads), and the page is read
    in SQL order with LIMIT/OFFSET, the left-out source sets excluded in the same query,
    summary columns only.
    """
    ctx = lawful.use_context(session, principal, purpose, action="leads.list")
    where = targeting_service.QueueFilter(
        state=state,
        priority=priority,
        violation=violation,
        offices=_offices(principal, field_office),
    )
    counts = dict(targeting_service.queue_source_sets(session=session, where=where))
    source_sets = {key: json.loads(key) for key in counts}
    refused = _refused(_decisions(ctx, {s for found in source_sets.values() for s in found}))
    left_out = sorted(
        key
        for key, found in source_sets.items()
        if refused and found and all(source in refused for source in found)
    )
    hidden = sum(counts[key] for key in left_out)
    total = sum(counts.values()) - hidden
    sliced = targeting_service.queue_page(
        session=session, where=where, offset=page.offset, limit=page.limit, excluding=left_out
    )
    audit(
        session,
        principal,
        "leads.list",
        resource_type="lead",
        purpose=purpose,
        details={
            "filters": _filters(state, violation, priority, field_office),
            "returned": [lead.lead_id for lead in sliced],
            "left_out": hidden,
        },
    )
    session.commit()
    following = page.offset + len(sliced)
    return LeadList(
        items=[_summary(lead) for lead in sliced],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )


def _offices(principal: Principal, field_office: str | None) -> frozenset[str] | None:
    """Return the offices a queue holds: the caller's area, narrowed to one if asked."""
    area = principal.area()
    if field_office is None:
        return None if area is None else frozenset(area)
    return frozenset({field_office}) if area is None or field_office in area else frozenset()


def _filters(
    state: str | None, violation: str | None, priority: str | None, field_office: str | None
) -> dict[str, str | None]:
    """Return a queue's filters as its audit event names them (the office only when asked)."""
    found = {"state": state, "violation": violation, "priority": priority}
    if field_office is not None:
        found["field_office"] = field_office
    return found
