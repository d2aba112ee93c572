"""Reads of persons under the platform's rules: area of responsibility, purpose, data-use
policy and audit, in one transaction with the read (a refusal is audited on its own).

A person's area is the field office resolution placed it in (its latest dated record
with a location); a field role sees the persons of its area, each with every record the
data-use policy allows under the purpose. Records the policy refuses are left out and
the answer says how many and why, as record search does; records whose very existence
must stay hidden (a SAR to a user without the FinCEN grant) are left out silently, and
a person made only of such records answers exactly like a person that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import ValidationError
from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.apikit.problems import Problem
from immigrationos.auth.principal import Principal
from immigrationos.oversight import contest_restrict
from immigrationos.persons import facts
from immigrationos.persons import service as persons_service
from immigrationos.persons.schemas import (
    AddressSeen,
    ExplanationRead,
    LinkRead,
    PersonHit,
    PersonLinks,
    PersonRead,
    PersonSearchResult,
    PersonTimeline,
    SeenDate,
    SeenValue,
    SourcePresent,
    TimelineEntry,
)
from immigrationos.persons.service import PersonRecordRow
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.engine import Decision, Use, UseContext
from immigrationos.records import access as records_access
from immigrationos.records import service as records_service
from immigrationos.records.schemas import Withheld
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution import variants
from immigrationos.resolution.models import Person

MAX_RECORD_HITS = 500
# A record found only under another spelling of the name ranks this much lower.
VARIANT_DISCOUNT = 0.95


def not_found_detail(person_id: str, principal: Principal) -> str:
    """Return the words of a 404 for a person: the same whether it is missing or hidden."""
    where = "" if principal.area() is None else " in your area of responsibility"
    return f"no person {person_id} is available to you{where}"


def in_area(principal: Principal, field_office: str | None) -> bool:
    """Return whether a person (or record) of ``field_office`` is in the caller's area."""
    area = principal.area()
    return area is None or (field_office is not None and field_office in area)


def decide_rows(
    ctx: UseContext, rows: Sequence[PersonRecordRow]
) -> tuple[list[PersonRecordRow], list[Decision]]:
    """Return the records the policy allows under ``ctx`` and the refusals of the others."""
    policy = policy_engine.get_policy()
    by_source: dict[str, Decision] = {}
    allowed, refused = [], []
    for row in rows:
        source_decision = by_source.get(row.source)
        if source_decision is None:
            source_decision = by_source[row.source] = policy.decide_source(
                ctx, row.source, Use.READ
            )
        decision = (
            policy.decide_record(ctx, row.source, row.payload, Use.READ)
            if source_decision.allowed
            else source_decision
        )
        if decision.allowed:
            allowed.append(row)
        else:
            refused.append(decision)
    return allowed, refused


@dataclass(frozen=True)
class VisiblePerson:
    """A person the caller may see, with the records the policy allows and the refusals."""

    person: Person
    ctx: UseContext
    rows: list[PersonRecordRow]
    refused: list[Decision]


def _refuse_missing(
    session: Session,
    principal: Principal,
    purpose: str | None,
    person_id: str,
    action: str,
    rule: str | None,
) -> Problem:
    return lawful.refuse(
        session,
        principal,
        status=404,
        kind="person-not-found",
        detail=not_found_detail(person_id, principal),
        action=action,
        purpose=purpose,
        resource_type="person",
        resource_id=person_id,
        rule=rule,
    )


def visible_person(
    session: Session, principal: Principal, purpose: str | None, person_id: str, action: str
) -> VisiblePerson:
    """Return a person the caller may see under ``purpose``; refuse (audited) otherwise."""
    ctx = lawful.use_context(
        session, principal, purpose, action=action, resource_type="person", resource_id=person_id
    )
    person = persons_service.get_person(session=session, person_id=person_id)
    if person is None or not in_area(principal, person.field_office):
        rule = None if person is None else "AREA_OF_RESPONSIBILITY"
        raise _refuse_missing(session, principal, purpose, person_id, action, rule)
    rows = persons_service.records_of_person(session=session, person_id=person_id)
    allowed, refused = decide_rows(ctx, rows)
    # Records kept only as the record of an error (oversight/contest_restrict.py).
    allowed, restricted = contest_restrict.split_rows(session, principal, allowed)
    refused += restricted
    hidden = [d for d in refused if not d.reveal_existence]
    if rows and not allowed and hidden:
        # Only records whose existence must stay hidden: the person must stay hidden too.
        problem = _refuse_missing(session, principal, purpose, person_id, action, hidden[0].rule)
        problem.extra.pop("rule", None)
        raise problem
    return VisiblePerson(person=person, ctx=ctx, rows=allowed, refused=refused)


def _current_id(session: Session, person: Person) -> str | None:
    if person.status == "ACTIVE":
        return person.person_id
    return resolution_service.current_person_id(session=session, person_id=person.person_id)


def read_person(
    session: Session, principal: Principal, purpose: str | None, person_id: str
) -> PersonRead:
    """Return a person's profile from the records the caller may see; audit the read."""
    seen = visible_person(session, principal, purpose, person_id, "persons.read")
    person = seen.person
    found = persons_service.profile(seen.rows)
    audit(
        session,
        principal,
        "persons.read",
        resource_type="person",
        resource_id=person_id,
        purpose=purpose,
        details={
            "status": person.status,
            "records": [r.ref for r in seen.rows],
            "withheld": len(seen.refused),
        },
    )
    session.commit()
    return PersonRead(
        person_id=person.person_id,
        status=person.status,
        merged_into=person.merged_into,
        current_person_id=_current_id(session, person),
        confidence=person.confidence,
        field_office=person.field_office,
        best_name=found.best_name,
        given_name=found.given_name,
        family_name=found.family_name,
        other_names=[
            SeenValue(value=s.value, records=s.records, sources=list(s.sources))
            for s in found.other_names
        ],
        birth_dates=[
            SeenDate(value=s.value, records=s.records, sources=list(s.sources))
            for s in found.birth_dates
        ],
        sex=found.sex,
        identifiers={
            kind: [SeenValue(value=s.value, records=s.records, sources=list(s.sources)) for s in v]
            for kind, v in found.identifiers.items()
        },
        addresses=[
            AddressSeen(
                street=a.address.street,
                city=a.address.city,
                state=a.address.state,
                zip=a.address.zip,
                first_seen=a.first_seen,
                last_seen=a.last_seen,
                records=a.records,
                sources=list(a.sources),
            )
            for a in found.addresses
        ],
        sources=[SourcePresent(source=s, records=n) for s, n in found.sources],
        records=len(seen.rows),
        withheld=records_access.withheld_of(seen.refused),
        created_run=person.created_run,
        updated_run=person.updated_run,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def read_timeline(
    session: Session, principal: Principal, purpose: str | None, person_id: str, page: PageParams
) -> PersonTimeline:
    """Return a page of a person's records in date order; audit the read."""
    seen = visible_person(session, principal, purpose, person_id, "persons.read_timeline")
    ordered = persons_service.timeline(seen.rows)
    sliced = ordered[page.offset : page.offset + page.limit]
    audit(
        session,
        principal,
        "persons.read_timeline",
        resource_type="person",
        resource_id=person_id,
        purpose=purpose,
        details={"returned": [r.ref for r in sliced], "withheld": len(seen.refused)},
    )
    session.commit()
    following = page.offset + len(sliced)
    return PersonTimeline(
        person_id=person_id,
        items=[
            TimelineEntry(
                date=r.record_date,
                date_field=facts.record_date_column(r.source),
                source=r.source,
                record_id=r.record_id,
                version=r.version,
                withdrawn=r.withdrawn,
                display_name=r.display_name,
                field_office=r.field_office,
                summary=facts.summary(r.source, r.payload),
            )
            for r in sliced
        ],
        total=len(ordered),
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < len(ordered) else None,
        withheld=records_access.withheld_of(seen.refused),
    )


def _explanation(text: str) -> ExplanationRead | dict[str, object]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"unparsed": text}
    try:
        return ExplanationRead.model_validate(parsed)
    except ValidationError:
        return parsed if isinstance(parsed, dict) else {"value": parsed}


def read_links(
    session: Session, principal: Principal, purpose: str | None, person_id: str
) -> PersonLinks:
    """Return the links holding a person together, with explanations; audit the read."""
    seen = visible_person(session, principal, purpose, person_id, "persons.read_links")
    shown = {r.ref for r in seen.rows}
    links = resolution_service.links_of(session=session, person_id=person_id)
    kept = [link for link in links if link.unique_id_l in shown and link.unique_id_r in shown]
    told = not any(not d.reveal_existence for d in seen.refused)
    audit(
        session,
        principal,
        "persons.read_links",
        resource_type="person",
        resource_id=person_id,
        purpose=purpose,
        details={"links": len(kept), "withheld": len(links) - len(kept)},
    )
    session.commit()
    return PersonLinks(
        person_id=person_id,
        confidence=seen.person.confidence,
        items=[
            LinkRead(
                unique_id_l=link.unique_id_l,
                unique_id_r=link.unique_id_r,
                match_weight=link.match_weight,
                match_probability=link.match_probability,
                explanation=_explanation(link.explanation),
            )
            for link in kept
        ],
        # Links to records whose existence is hidden are not counted either.
        withheld=len(links) - len(kept) if told else 0,
    )


@dataclass
class _Found:
    person_id: str
    hit: records_service.RecordHit
    matched: int
    sources: set[str]


def _record_hits(
    session: Session, query: records_access.SearchQuery, sources: list[str]
) -> list[records_service.RecordHit]:
    """Return the records matching the query, under the name as typed and its variants.

    A name is also searched as the name tables spell it otherwise (BILL as WILLIAM, LUPE
    as GUADALUPE, MOHAMED as MUHAMMAD: ``resolution.variants``), so a person recorded
    only under another form is found; such a hit ranks a little below the same hit
    under the name as typed. An identifier selects the records by itself.
    """

    def run(name: str | None) -> list[records_service.RecordHit]:
        return records_service.search(
            session=session,
            name=name,
            birth_date=query.birth_date,
            identifier=query.identifier,
            sources=sources,
            include_withdrawn=query.include_withdrawn,
            max_candidates=MAX_RECORD_HITS,
        )

    hits = run(query.name)
    if query.name is None or query.identifier is not None:
        return hits
    seen = {(h.source, h.record_id) for h in hits}

    def present(keys: frozenset[str]) -> frozenset[str]:
        return records_service.name_keys_present(session=session, keys=keys)

    for variant in variants.telling_variants(query.name, present):
        for hit in run(variant):
            if (hit.source, hit.record_id) not in seen:
                seen.add((hit.source, hit.record_id))
                hits.append(replace(hit, score=hit.score * VARIANT_DISCOUNT))
    hits.sort(key=lambda h: -h.score)
    return hits[:MAX_RECORD_HITS]


def search(
    session: Session,
    principal: Principal,
    purpose: str | None,
    query: records_access.SearchQuery,
    page: PageParams,
) -> PersonSearchResult:
    """Search persons by their records' names, birth dates and identifiers; audit the search.

    Records are found as record search finds them (the same tolerant name matching),
    grouped by person, and persons ranked by their best record's score, then by how
    many of their records matched, then by confidence.
    """
    ctx = lawful.use_context(session, principal, purpose, action="persons.search")
    policy = policy_engine.get_policy()
    wanted = query.sources or records_access.PERSON_SOURCES
    by_source = {source: policy.decide_source(ctx, source, Use.READ) for source in wanted}
    allowed = [source for source, decision in by_source.items() if decision.allowed]
    refused_sources = [d for d in by_source.values() if not d.allowed]
    hits = _record_hits(session, query, allowed) if allowed else []
    person_of = resolution_service.persons_of_records(
        session=session, refs=[f"{h.source}:{h.record_id}" for h in hits]
    )
    persons = persons_service.persons_by_ids(session=session, person_ids=person_of.values())
    found: dict[str, _Found] = {}
    withheld_decisions: list[Decision] = []
    for hit in hits:
        pid = person_of.get(f"{hit.source}:{hit.record_id}")
        person = persons.get(pid) if pid else None
        if person is None or not in_area(principal, person.field_office):
            continue
        decision = policy.decide_record(ctx, hit.source, hit.payload, Use.READ)
        if not decision.allowed:
            withheld_decisions.append(decision)
            continue
        entry = found.get(person.person_id)
        if entry is None:
            found[person.person_id] = _Found(person.person_id, hit, 1, {hit.source})
        else:
            entry.matched += 1
            entry.sources.add(hit.source)
    ranked = sorted(
        found.values(),
        key=lambda f: (-f.hit.score, -f.matched, -persons[f.person_id].confidence, f.person_id),
    )
    sliced = ranked[page.offset : page.offset + page.limit]
    items = [
        PersonHit(
            person_id=f.person_id,
            display_name=f.hit.display_name,
            birth_date=f.hit.birth_date,
            field_office=persons[f.person_id].field_office,
            confidence=round(persons[f.person_id].confidence, 4),
            score=round(f.hit.score, 4),
            matched_on=list(f.hit.matched_on),
            records_matched=f.matched,
            sources=sorted(f.sources),
        )
        for f in sliced
    ]
    audit(
        session,
        principal,
        "persons.search",
        resource_type="person",
        purpose=ctx.purpose.id if ctx.purpose else purpose,
        details={
            "query": {k: v for k, v in query.terms().items() if v is not None},
            "returned": [f.person_id for f in sliced],
            "matches": len(ranked),
            "withheld": len(withheld_decisions),
            "sources_withheld": sorted(d.source for d in refused_sources),
        },
    )
    session.commit()
    following = page.offset + len(items)
    return PersonSearchResult(
        items=items,
        total=len(ranked),
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < len(ranked) else None,
        withheld=records_access.withheld_of(withheld_decisions)
        + [
            Withheld(source=d.source, count=0, rule=d.rule, reason=d.reason, citation=d.citation)
            for d in refused_sources
            if d.reveal_existence
        ],
        sources_searched=list(allowed),
    )
