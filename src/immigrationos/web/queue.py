"""The lead queue narrowed to one field office: ``targeting.access.list_leads`` plus an area.

The API's queue has no office filter (a field role sees its whole area, a national role
the country). Narrowing must not change whose purpose is valid or how the data-use policy
decides, so the principal stays the user's own and only the queue's office condition is
narrowed; every other step (purpose context, source decisions, left-out leads, paging,
the ``leads.list`` audit event) is ``targeting.access``'s own, called piece by piece.
When ``targeting.access.list_leads`` takes an office filter, this module goes away.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.auth.principal import Principal
from immigrationos.targeting import access as targeting_access
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.schemas import LeadList


def list_leads_of_office(
    session: Session,
    principal: Principal,
    purpose: str | None,
    page: PageParams,
    office: str,
    *,
    state: str | None = None,
    violation: str | None = None,
    priority: str | None = None,
) -> LeadList:
    """Return a page of the queue of one office of the user's area; audit it as the API does."""
    ctx = lawful.use_context(session, principal, purpose, action="leads.list")
    area = principal.area()
    offices = frozenset({office}) if area is None or office in area else frozenset()
    where = targeting_service.QueueFilter(
        state=state, priority=priority, violation=violation, offices=offices
    )
    source = targeting_access._source
    evidence = {
        lead_id: json.loads(refs)
        for lead_id, refs in targeting_service.queue_evidence(session=session, where=where)
    }
    refused = targeting_access._refused(
        targeting_access._decisions(ctx, {source(r) for refs in evidence.values() for r in refs})
    )
    left_out = {
        lead_id
        for lead_id, refs in evidence.items()
        if refused and refs and all(source(r) in refused for r in refs)
    }
    total = len(evidence) - len(left_out)
    sliced = targeting_access._servable_page(session, where, page, left_out)
    audit(
        session,
        principal,
        "leads.list",
        resource_type="lead",
        purpose=purpose,
        details={
            "filters": {
                "state": state,
                "violation": violation,
                "priority": priority,
                "field_office": office,
            },
            "returned": [lead.lead_id for lead in sliced],
            "left_out": len(left_out),
        },
    )
    session.commit()
    following = page.offset + len(sliced)
    return LeadList(
        items=[targeting_access._summary(lead) for lead in sliced],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < total else None,
    )
