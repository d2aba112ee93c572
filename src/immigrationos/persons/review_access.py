"""Identity review under the platform's rules: judgements and the review queue name records
and persons, so each is shown only when the caller may see both of its sides (area of
responsibility and data-use policy under the purpose), and every read is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import Page, PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.persons import access as persons_access
from immigrationos.persons import service as persons_service
from immigrationos.persons.schemas import JudgementRead, ReviewItemRead, ReviewQueue
from immigrationos.policy.engine import UseContext
from immigrationos.resolution import flows as resolution_flows
from immigrationos.resolution import identity
from immigrationos.resolution import service as resolution_service

# The most queue entries a request reads past before it stops (a field role's queue
# holds only its area's links, scattered through the whole queue).
MAX_QUEUE_SCAN = 50_000
QUEUE_CHUNK = 200


def visible_refs(
    session: Session, principal: Principal, ctx: UseContext, refs: Iterable[str]
) -> set[str]:
    """Return which record and person references the caller may see under ``ctx``.

    A record: it exists, the policy allows it, and its person (or, before resolution
    placed it, the record itself) is in the caller's area. A person: it exists and is
    in the caller's area.
    """
    wanted = set(refs)
    person_refs = {r for r in wanted if identity.is_person_id(r)}
    record_refs = wanted - person_refs
    visible = {
        pid
        for pid, person in persons_service.persons_by_ids(
            session=session, person_ids=person_refs
        ).items()
        if persons_access.in_area(principal, person.field_office)
    }
    rows = persons_service.records_by_refs(session=session, refs=record_refs)
    person_of = resolution_service.persons_of_records(session=session, refs=list(rows))
    persons = persons_service.persons_by_ids(session=session, person_ids=person_of.values())
    allowed, _refused = persons_access.decide_rows(ctx, list(rows.values()))
    for row in allowed:
        person = persons.get(person_of.get(row.ref, ""))
        office = person.field_office if person is not None else row.field_office
        if persons_access.in_area(principal, office):
            visible.add(row.ref)
    return visible


def check_sides(
    session: Session, principal: Principal, purpose: str | None, left: str, right: str
) -> None:
    """Refuse (audited, 404 as for a missing one) a judgement on something the caller can't see."""
    action = "resolution.judge"
    ctx = lawful.use_context(session, principal, purpose, action=action)
    sides = [s.strip() for s in (left, right)]
    visible = visible_refs(session, principal, ctx, sides)
    for side in sides:
        if side in visible:
            continue
        if identity.is_person_id(side):
            detail = persons_access.not_found_detail(side, principal)
            kind, resource = "person-not-found", "person"
        else:
            detail = lawful.not_found_detail(side, principal)
            kind, resource = "record-not-found", "record"
        raise lawful.refuse(
            session,
            principal,
            status=404,
            kind=kind,
            detail=detail,
            action=action,
            purpose=purpose,
            resource_type=resource,
            resource_id=side[:200],
        )


def list_judgements(
    session: Session,
    principal: Principal,
    purpose: str | None,
    page: PageParams,
    *,
    ref: str | None = None,
    include_superseded: bool = False,
) -> Page[JudgementRead]:
    """Return judgements (newest first) whose two sides the caller may see; audit the read."""
    ctx = lawful.use_context(session, principal, purpose, action="judgements.list")
    found = resolution_service.list_judgements(
        session=session, ref=ref, include_superseded=include_superseded
    )
    refs = {j.left_ref for j in found} | {j.right_ref for j in found}
    visible = visible_refs(session, principal, ctx, refs)
    shown = [j for j in found if j.left_ref in visible and j.right_ref in visible]
    sliced = shown[page.offset : page.offset + page.limit]
    audit(
        session,
        principal,
        "judgements.list",
        resource_type="identity_judgement",
        purpose=purpose,
        details={
            "ref": ref,
            "include_superseded": include_superseded or None,
            "returned": [j.id for j in sliced],
        },
    )
    session.commit()
    return Page[JudgementRead].of(
        [JudgementRead.model_validate(j) for j in sliced], len(shown), page
    )


def review_queue(
    session: Session, principal: Principal, purpose: str | None, page: PageParams, order: str
) -> ReviewQueue:
    """Return a page of the links most in need of review that the caller may see; audit it."""
    ctx = lawful.use_context(session, principal, purpose, action="resolution.review_queue")
    try:
        items = resolution_flows.iter_review(session, order=order)
        wanted = page.offset + page.limit + 1  # one more: is there a next page?
        kept: list[resolution_flows.ReviewItem] = []
        scanned = 0
        while len(kept) < wanted and scanned < MAX_QUEUE_SCAN:
            chunk = list(islice(items, QUEUE_CHUNK))
            if not chunk:
                break
            scanned += len(chunk)
            refs = {i.unique_id_l for i in chunk} | {i.unique_id_r for i in chunk}
            visible = visible_refs(session, principal, ctx, refs)
            kept.extend(i for i in chunk if i.unique_id_l in visible and i.unique_id_r in visible)
    except resolution_flows.ResolutionError as exc:
        raise Problem(400, "bad-order", str(exc)) from exc
    sliced = kept[page.offset : page.offset + page.limit]
    audit(
        session,
        principal,
        "resolution.review_queue",
        resource_type="person_link",
        purpose=purpose,
        details={
            "order": order,
            "returned": [f"{i.unique_id_l}|{i.unique_id_r}" for i in sliced],
        },
    )
    session.commit()
    following = page.offset + len(sliced)
    return ReviewQueue(
        items=[
            ReviewItemRead(
                person_id=i.person_id,
                unique_id_l=i.unique_id_l,
                unique_id_r=i.unique_id_r,
                match_weight=i.match_weight,
                match_probability=i.match_probability,
                uncertainty=i.uncertainty,
            )
            for i in sliced
        ],
        limit=page.limit,
        offset=page.offset,
        next_offset=following if len(kept) > following else None,
        order=order,
    )
