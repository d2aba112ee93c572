"""Person search and the person profile, read through ``persons.access``.

Search is ``persons.access.search`` (``persons.search`` audit event); the profile is
``read_person``, ``read_timeline`` and ``read_links`` (one audit event each), all under
the purpose the user names, their area and the data-use policy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from immigrationos.apikit.deps import PageParams, SessionDep
from immigrationos.apikit.problems import Problem
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.persons import access as persons_access
from immigrationos.persons.schemas import PersonLinks, PersonRead, PersonTimeline
from immigrationos.policy import views as policy_views
from immigrationos.policy.engine import get_policy
from immigrationos.records import access as records_access
from immigrationos.web.charts import waterfall
from immigrationos.web.deps import purpose_of, signed_in
from immigrationos.web.render import is_htmx, page, refusal

router = APIRouter(include_in_schema=False)
Searcher = Annotated[Principal, signed_in(Permission.PERSONS_SEARCH)]
Reader = Annotated[Principal, signed_in(Permission.PERSONS_READ)]
Accountant = Annotated[Principal, signed_in(Permission.DISCLOSURES_READ)]
Text = Annotated[str, Query(max_length=200)]
PAGE_SIZE = 25
TIMELINE_SIZE = 100
# Below this, the weakest link holding a person together is called out on the profile.
UNCERTAIN_IDENTITY = 0.9


@router.get("/persons", response_class=HTMLResponse)
def search(
    request: Request,
    session: SessionDep,
    principal: Searcher,
    purpose: Text = "",
    name: Text = "",
    birth_date: Text = "",
    identifier: Annotated[str, Query(max_length=40)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Search persons by name, birth date or any identifier, under the purpose."""
    purpose_id = purpose_of(request, purpose)
    terms = {"name": name.strip(), "birth_date": birth_date.strip(), "identifier": identifier}
    context: dict[str, Any] = {"terms": terms, "purpose": purpose_id, "result": None}
    if not any(v.strip() for v in terms.values()):
        return page(request, "persons.html", principal, **context)
    born: date | None = None
    if terms["birth_date"]:
        try:
            born = date.fromisoformat(terms["birth_date"])
        except ValueError:
            context["error"] = "Write the birth date as year-month-day, e.g. 1990-02-03."
            return page(request, "persons.html", principal, status=400, **context)
    query = records_access.SearchQuery(
        name=terms["name"] or None,
        birth_date=born,
        identifier=identifier.strip() or None,
        sources=(),
        include_withdrawn=False,
    )
    params = PageParams(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    try:
        context["result"] = persons_access.search(session, principal, purpose_id, query, params)
    except Problem as exc:
        return refusal(request, principal, exc, what="person")
    except ValueError as exc:
        context["error"] = str(exc)
        return page(request, "persons.html", principal, status=400, **context)
    context["page_number"] = page_number
    return page(request, "persons.html", principal, **context)


def flags_of(person: PersonRead, timeline: PersonTimeline, links: PersonLinks) -> list[str]:
    """Return what an officer should notice about a person before acting, in words."""
    flags = []
    if person.status != "ACTIVE":
        now = person.current_person_id or "no current person"
        flags.append(f"This identity is {person.status.lower()}: it now stands for {now}.")
    if person.confidence < UNCERTAIN_IDENTITY:
        flags.append(
            f"Identity uncertain: the weakest link holding these records together has "
            f"confidence {person.confidence:.2f}. Confirm before acting."
        )
    if person.records <= 1:
        flags.append("Known by a single record: nothing corroborates it.")
    withdrawn = sum(1 for entry in timeline.items if entry.withdrawn)
    if withdrawn:
        flags.append(f"{withdrawn} record(s) were withdrawn by their source.")
    if person.withheld or links.withheld:
        flags.append("Some records are withheld under your purpose (see below).")
    if len(person.birth_dates) > 1:
        flags.append("The records give more than one birth date.")
    return flags


def restrictions_of(sources: set[str]) -> dict[str, dict[str, Any]]:
    """Return each source's use restrictions from the data-use policy in force."""
    policy = get_policy().document
    found: dict[str, dict[str, Any]] = {}
    for source in sorted(sources):
        rules = policy.sources.get(source)
        if rules is None:
            continue
        found[source] = {
            "explanation": rules.explanation,
            "rules": [(str(r.kind), r.citation) for r in rules.rules],
        }
    return found


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def profile(
    request: Request,
    session: SessionDep,
    principal: Reader,
    person_id: str,
    purpose: Text = "",
    timeline_page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Show a person: identity with each link's waterfall, timeline, addresses, flags."""
    purpose_id = purpose_of(request, purpose)
    person_id = person_id[:40]
    try:
        person = persons_access.read_person(session, principal, purpose_id, person_id)
        params = PageParams(limit=TIMELINE_SIZE, offset=(timeline_page - 1) * TIMELINE_SIZE)
        timeline = persons_access.read_timeline(session, principal, purpose_id, person_id, params)
        links = persons_access.read_links(session, principal, purpose_id, person_id)
    except Problem as exc:
        return refusal(request, principal, exc, what="person")
    sources = {s.source for s in person.sources} | {e.source for e in timeline.items}
    return page(
        request,
        "person.html",
        principal,
        person=person,
        timeline=timeline,
        links=links,
        waterfalls=[
            waterfall(
                link.explanation.model_dump()
                if isinstance(link.explanation, BaseModel)
                else link.explanation
            )
            for link in links.items
        ],
        flags=flags_of(person, timeline, links),
        restrictions=restrictions_of(sources),
        purpose=purpose_id,
        timeline_page=timeline_page,
    )


@router.get("/persons/{person_id}/disclosures", response_class=HTMLResponse)
def disclosures(
    request: Request,
    session: SessionDep,
    principal: Accountant,
    person_id: str,
    purpose: Text = "",
) -> HTMLResponse:
    """Show the accounting of disclosures of each of a person's records (Privacy Act)."""
    purpose_id = purpose_of(request, purpose)
    person_id = person_id[:40]
    try:
        params = PageParams(limit=TIMELINE_SIZE, offset=0)
        timeline = persons_access.read_timeline(session, principal, purpose_id, person_id, params)
    except Problem as exc:
        return refusal(request, principal, exc, what="person")
    entries, refused = [], []
    for record in timeline.items:
        key = f"{record.source}:{record.record_id}"
        try:
            # The API's own view: the source's data-use rule, then the audited read.
            found = policy_views.accounting(session, principal, key, purpose_id, False)
        except Problem as exc:
            session.rollback()
            refused.append((key, exc.detail))
            continue
        entries += [(key, entry) for entry in found]
    return page(
        request,
        "fragments/disclosures.html" if is_htmx(request) else "disclosures.html",
        principal,
        person_id=person_id,
        purpose=purpose_id,
        entries=entries,
        refused=refused,
        records=len(timeline.items),
    )
