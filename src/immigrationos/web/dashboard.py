"""The dashboard: the pipeline from ingest to leads, leads by priority and state, as counts.

Counts only, no person's data: lead and person counts are those of the user's area
(all for a national role), shown to roles that may read leads; ingest figures (the
reconciliation and the quarantine counted by reason) to roles that may read ingest.
The page read is an audit event (``web.dashboard``) with the figures it showed.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from immigrationos.apikit.deps import SessionDep, audit
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.resolution.models import Person
from immigrationos.sources import service as sources_service
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.models import Lead
from immigrationos.web.charts import bar_chart
from immigrationos.web.deps import signed_in
from immigrationos.web.render import page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, signed_in()]
BATCHES_SHOWN = 20


def lead_counts(session: Session, principal: Principal) -> tuple[Counter[str], Counter[str]]:
    """Return the current leads of the user's area counted by priority and by state."""
    area = principal.area()
    where = targeting_service.QueueFilter(offices=None if area is None else frozenset(area))
    query = (
        select(Lead.priority, Lead.state, func.count())
        .where(*where.clauses())
        .group_by(Lead.priority, Lead.state)
    )
    by_priority: Counter[str] = Counter()
    by_state: Counter[str] = Counter()
    for priority, state, count in session.execute(query):
        by_priority[priority or "unscored"] += int(count)
        by_state[state] += int(count)
    return by_priority, by_state


def person_count(session: Session, principal: Principal) -> int:
    """Return how many active persons lie in the user's area."""
    area = principal.area()
    query = select(func.count()).select_from(Person).where(Person.status == "ACTIVE")
    if area is not None:
        query = query.where(Person.field_office.in_(sorted(area)))
    return int(session.execute(query).scalar_one())


def ingest_figures(session: Session) -> dict[str, Any]:
    """Return the latest batches, each with its quarantine counted by reason, and totals."""
    batches = sources_service.list_batches(
        session=session, limit=BATCHES_SHOWN, offset=0, source=None, status=None, run_id=None
    )
    shown = [
        {"batch": b, "reasons": sources_service.quarantine_reasons(session=session, batch_id=b.id)}
        for b in batches
    ]
    totals = {
        "rows_read": sum(b.rows_read for b in batches),
        "rows_accepted": sum(b.rows_accepted for b in batches),
        "rows_quarantined": sum(b.rows_quarantined for b in batches),
    }
    return {"batches": shown, "totals": totals}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, principal: Viewer) -> HTMLResponse:
    """Show the pipeline counts and the leads by priority and state, as the role allows."""
    context: dict[str, Any] = {"charts": [], "pipeline": [], "ingest": None}
    shown: dict[str, Any] = {}
    ingest = None
    if principal.can(Permission.INGEST_READ):
        ingest = ingest_figures(session)
        context["ingest"] = ingest
        totals = ingest["totals"]
        context["pipeline"] += [
            ("Rows read (latest batches)", totals["rows_read"]),
            ("Rows accepted", totals["rows_accepted"]),
            ("Rows quarantined", totals["rows_quarantined"]),
        ]
        shown["ingest"] = totals
    if principal.can(Permission.LEADS_READ):
        by_priority, by_state = lead_counts(session, principal)
        persons = person_count(session, principal)
        context["pipeline"] += [
            ("Persons (your area)" if principal.area() is not None else "Persons", persons),
            ("Current leads", sum(by_state.values())),
        ]
        context["charts"] = [
            bar_chart("Leads by priority", sorted(by_priority.items(), key=lambda kv: -kv[1])),
            bar_chart("Leads by state", sorted(by_state.items())),
        ]
        shown.update(persons=persons, leads_by_state=dict(by_state))
    if context["pipeline"]:
        context["pipeline_chart"] = bar_chart("From ingest to leads", context["pipeline"])
    audit(session, principal, "web.dashboard", resource_type="dashboard", details=shown)
    session.commit()
    return page(request, "dashboard.html", principal, **context)
