"""Reads of records under the platform's rules: area of responsibility, purpose, data-use
policy and audit, in one transaction with the read (a refusal is audited on its own).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from immigrationos.apikit import lawful
from immigrationos.apikit.deps import PageParams, audit
from immigrationos.auth.principal import Principal
from immigrationos.oversight import contest_restrict
from immigrationos.policy import engine as policy_engine
from immigrationos.policy.engine import Decision, Use, UseContext
from immigrationos.records import service as records_service
from immigrationos.records.schemas import (
    RecordRead,
    RecordSummary,
    RecordVersionRead,
    SearchResult,
    Withheld,
)
from immigrationos.sources.contract import SOURCES

PERSON_SOURCES = tuple(name for name, spec in SOURCES.items() if spec.person_records)
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for."""

    name: str | None
    birth_date: date | None
    identifier: str | None
    sources: tuple[str, ...]
    include_withdrawn: bool

    def terms(self) -> dict[str, Any]:
        """Return the query as the audit log records it."""
        return {
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "identifier": self.identifier,
            "sources": list(self.sources) or None,
            "include_withdrawn": self.include_withdrawn or None,
        }


def withheld_of(decisions: Iterable[Decision]) -> list[Withheld]:
    """Return the refusals that may be told, counted by source and rule."""
    told = [d for d in decisions if d.reveal_existence]
    counts = Counter((d.source, d.rule) for d in told)
    first = {(d.source, d.rule): d for d in told}
    return [
        Withheld(
            source=source,
            count=n,
            rule=rule,
            reason=first[(source, rule)].reason,
            citation=first[(source, rule)].citation,
        )
        for (source, rule), n in sorted(counts.items())
    ]


def search(
    session: Session,
    principal: Principal,
    purpose: str | None,
    query: SearchQuery,
    page: PageParams,
) -> SearchResult:
    """Search the records the caller may see under ``purpose``; audit the search."""
    ctx = lawful.use_context(session, principal, purpose, action="records.search")
    policy = policy_engine.get_policy()
    wanted = query.sources or PERSON_SOURCES
    by_source = {source: policy.decide_source(ctx, source, Use.READ) for source in wanted}
    allowed = [source for source, decision in by_source.items() if decision.allowed]
    refused_sources = [decision for decision in by_source.values() if not decision.allowed]
    matches = (
        records_service.rank(
            session=session,
            name=query.name,
            birth_date=query.birth_date,
            identifier=query.identifier,
            sources=allowed,
            offices=principal.area(),
            include_withdrawn=query.include_withdrawn,
            max_candidates=MAX_CANDIDATES,
        )
        if allowed
        else []
    )
    # Most sources' record decisions read nothing of the record: those are decided once,
    # by source. One read brings the payloads of the other sources' hits, with what is
    # shown of every hit that can reach the page.
    by_record = {s for s in allowed if policy.record_fields(ctx, s, Use.READ) != frozenset()}
    end = page.offset + page.limit
    per_record = {m.id for m in matches if m.source in by_record}
    per_source = [m for m in matches if m.id not in per_record and by_source[m.source].allowed]
    # Hits decided by source are kept, so the page's are among the first ``end`` of them.
    to_read = per_record | {m.id for m in per_source[:end]}
    shown, records = records_service.summaries(
        session=session, matches=[m for m in matches if m.id in to_read], payloads_of=per_record
    )
    summary = {h.id: h for h in shown}
    kept: list[records_service.RecordMatch] = []
    withheld_decisions: list[Decision] = []
    for match in matches:
        if match.id in per_record:
            decision = policy.decide_record(ctx, match.source, records[match.id], Use.READ)
        else:
            decision = by_source[match.source]
        if decision.allowed:
            kept.append(match)
        else:
            withheld_decisions.append(decision)
    sliced = [summary[m.id] for m in kept[page.offset : end]]
    items = [
        RecordSummary(
            source=h.source,
            record_id=h.record_id,
            version=h.version,
            display_name=h.display_name,
            birth_date=h.birth_date,
            sex=h.sex,
            state=h.state,
            field_office=h.field_office,
            score=round(h.score, 4),
            matched_on=list(h.matched_on),
        )
        for h in sliced
    ]
    following = page.offset + len(items)
    audit(
        session,
        principal,
        "records.search",
        resource_type="record",
        purpose=ctx.purpose.id if ctx.purpose else purpose,
        details={
            "query": {k: v for k, v in query.terms().items() if v is not None},
            "returned": [f"{h.source}:{h.record_id}" for h in sliced],
            "matches": len(kept),
            "withheld": len(withheld_decisions),
            "sources_withheld": sorted(d.source for d in refused_sources),
        },
    )
    session.commit()
    return SearchResult(
        items=items,
        total=len(kept),
        limit=page.limit,
        offset=page.offset,
        next_offset=following if following < len(kept) else None,
        withheld=withheld_of(withheld_decisions)
        + [
            Withheld(source=d.source, count=0, rule=d.rule, reason=d.reason, citation=d.citation)
            for d in refused_sources
            if d.reveal_existence
        ],
        sources_searched=list(allowed),
    )


def _visible(
    session: Session,
    principal: Principal,
    purpose: str | None,
    source: str,
    record_id: str,
    action: str,
) -> tuple[records_service.RecordRow, UseContext, Decision]:
    """Return a record the caller may read under ``purpose``; refuse (audited) otherwise."""
    ref = f"{source}:{record_id}"
    ctx = lawful.require_source(
        session, principal, purpose, source, action=action, resource_type="record", resource_id=ref
    )
    row = records_service.get_record(session=session, source=source, record_id=record_id)
    area = principal.area()
    if row is None or (area is not None and row.field_office not in area):
        raise lawful.refuse(
            session,
            principal,
            status=404,
            kind="record-not-found",
            detail=lawful.not_found_detail(ref, principal),
            action=action,
            purpose=purpose,
            resource_type="record",
            resource_id=ref,
            rule=None if row is None else "AREA_OF_RESPONSIBILITY",
        )
    decision = policy_engine.get_policy().decide_record(ctx, source, row.payload, Use.READ)
    # A record kept only as the record of an error (oversight/contest_restrict.py).
    decision = contest_restrict.refusal(session, principal, source, record_id) or decision
    if not decision.allowed:
        raise lawful.refuse_decision(
            session,
            principal,
            decision,
            action=action,
            purpose=purpose,
            resource_type="record",
            resource_id=ref,
        )
    return row, ctx, decision


def read_record(
    session: Session, principal: Principal, purpose: str | None, source: str, record_id: str
) -> RecordRead:
    """Return a record's current version; audit the read."""
    row, _ctx, decision = _visible(session, principal, purpose, source, record_id, "records.read")
    versions = records_service.list_versions(session=session, source=source, record_id=record_id)
    audit(
        session,
        principal,
        "records.read",
        resource_type="record",
        resource_id=f"{source}:{record_id}",
        purpose=purpose,
        details={
            "version": row.version,
            "rule": decision.rule,
            "authorization": decision.authorization_id,
        },
    )
    session.commit()
    return RecordRead(
        source=row.source,
        record_id=row.record_id,
        version=row.version,
        change=row.change,
        withdrawn=row.withdrawn,
        display_name=row.display_name,
        birth_date=row.birth_date,
        sex=row.sex,
        state=row.state,
        zip=row.zip,
        field_office=row.field_office,
        batch_id=row.batch_id,
        ingested_at=row.ingested_at,
        fields=row.payload,
        versions=len(versions),
        policy_rule=decision.rule,
    )


def read_versions(
    session: Session, principal: Principal, purpose: str | None, source: str, record_id: str
) -> list[RecordVersionRead]:
    """Return every version of a record, oldest first; audit the read."""
    _visible(session, principal, purpose, source, record_id, "records.read_versions")
    versions = records_service.list_versions(session=session, source=source, record_id=record_id)
    audit(
        session,
        principal,
        "records.read_versions",
        resource_type="record",
        resource_id=f"{source}:{record_id}",
        purpose=purpose,
        details={"versions": len(versions)},
    )
    session.commit()
    return [
        RecordVersionRead(
            version=v.version,
            change=v.change,
            batch_id=v.batch_id,
            row_hash=v.row_hash,
            source_file=v.source_file,
            line_number=v.line_number,
            ingested_at=v.ingested_at,
            fields=v.payload,
        )
        for v in versions
    ]


def records_for_disclosure(
    session: Session, principal: Principal, purpose: str | None, refs: list[tuple[str, str]]
) -> list[tuple[str, str, dict[str, Any]]]:
    """Return the records to disclose, each one the caller may read in their area."""
    found = []
    for source, record_id in dict.fromkeys(refs):
        row, _ctx, _decision = _visible(
            session, principal, purpose, source, record_id, "disclosure.create"
        )
        found.append((row.source, row.record_id, row.payload))
    return found
