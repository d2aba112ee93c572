"""Reviewers' judgements as data, and the queue of links that most need one.

A judgement (SAME, DIFFERENT or UNSURE, with a reason) names two records or persons;
``constraints_for_next_run`` hands those in force to the next run as must-link and
cannot-link pairs of records; the review queue leaves out the pairs already judged.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.records.models import Record
from immigrationos.resolution import identity
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.models import VERDICTS, IdentityJudgement
from immigrationos.resolution.run_flows import ResolutionError
from immigrationos.sources.contract import PERSON_SOURCES

# -- judgements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of a judgement: a record or a person, as it stands now."""

    kind: str  # RECORD or PERSON
    ref: str


def parse_side(session: Session, ref: str) -> Side:
    """Return the side a reference names; raise ResolutionError when it names nothing."""
    ref = ref.strip()
    if identity.is_person_id(ref):
        person = resolution_service.get_person(session=session, person_id=ref)
        if person is None:
            raise ResolutionError(f"no person has id {ref}")
        if person.status != "ACTIVE":
            now = resolution_service.current_person_id(session=session, person_id=ref)
            where = f"; judge {now}, the person it is now" if now else ""
            raise ResolutionError(f"person {ref} is {person.status}{where}")
        return Side("PERSON", ref)
    try:
        source, record_id = resolution_service.split_ref(ref)
    except ValueError as exc:
        raise ResolutionError(
            f"{ref!r} is neither a person ID (P and 10 characters) nor a record 'source:record_id'"
        ) from exc
    if source not in PERSON_SOURCES:
        raise ResolutionError(f"{source!r} is not a source of person records")
    exists = session.execute(
        select(Record.id).where(Record.source == source, Record.record_id == record_id)
    ).first()
    if exists is None:
        raise ResolutionError(f"no record {ref} is in the record index")
    return Side("RECORD", f"{source}:{record_id}")


def judge(
    *,
    engine: Engine,
    principal: Principal,
    left: str,
    right: str,
    verdict: str,
    reason: str,
    purpose_id: str | None = None,
) -> IdentityJudgement:
    """Record a reviewer's judgement on two records or persons; audit it; return it.

    The pair is stored in sorted order; a judgement already in force on the same pair
    is superseded by this one. The permission check is the caller's.

    Raises:
        ResolutionError: a blank reason, an unknown verdict, a side that names nothing
            (or a person no longer active), or the same thing on both sides.
    """
    if not reason or not reason.strip():
        raise ResolutionError("a judgement needs a reason: say what shows it")
    if verdict not in VERDICTS:
        raise ResolutionError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    with session_scope(engine) as session:
        a, b = sorted((parse_side(session, left), parse_side(session, right)), key=lambda s: s.ref)
        if a.ref == b.ref:
            raise ResolutionError(f"both sides name {a.ref}: a judgement is about two things")
        previous = resolution_service.current_judgement(
            session=session, left_ref=a.ref, right_ref=b.ref
        )
        judgement = resolution_service.add_judgement(
            session=session,
            judgement=IdentityJudgement(
                id=str(uuid.uuid4()),
                left_kind=a.kind,
                left_ref=a.ref,
                right_kind=b.kind,
                right_ref=b.ref,
                verdict=verdict,
                reason=reason.strip(),
                purpose_id=purpose_id,
                made_by=principal.actor,
                made_at=datetime.now(UTC),
            ),
        )
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="resolution.judge",
            resource_type="identity_judgement",
            resource_id=judgement.id,
            purpose=purpose_id,
            client=principal.client,
            details={
                "left": a.ref,
                "right": b.ref,
                "verdict": verdict,
                "reason": judgement.reason,
                "supersedes": previous.id if previous else None,
            },
        )
        session.commit()
        session.expunge(judgement)
        return judgement


def _expand(session: Session, kind: str, ref: str) -> list[str]:
    """Return the records a side stands for now (a person's current records)."""
    if kind == "RECORD":
        return [ref]
    current = resolution_service.current_person_id(session=session, person_id=ref)
    return resolution_service.records_of(session=session, person_id=current) if current else []


@dataclass(frozen=True)
class JudgedPairs:
    """The judgements in force, as sets of records: which record pairs they decide."""

    sides: tuple[tuple[str, frozenset[str], frozenset[str]], ...]  # verdict, left, right

    def covers(self, a: str, b: str) -> bool:
        """Return whether a judgement in force decides whether ``a`` and ``b`` are one."""
        for verdict, left, right in self.sides:
            if (a in left and b in right) or (a in right and b in left):
                return True
            if verdict == "SAME" and a in left | right and b in left | right:
                return True
        return False


def judged_pairs(session: Session) -> JudgedPairs:
    """Return the judgements in force expanded to the records they cover now."""
    sides = []
    for j in resolution_service.list_judgements(session=session):
        left = frozenset(_expand(session, j.left_kind, j.left_ref))
        right = frozenset(_expand(session, j.right_kind, j.right_ref))
        if left and right:
            sides.append((j.verdict, left, right))
    return JudgedPairs(tuple(sides))


def constraints_for_next_run(
    engine: Engine,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (must-link, cannot-link) record pairs the judgements in force ask for.

    A person is expanded to its current records (following merges). SAME ties both
    sides' records together (a chain through all of them, so the whole group is one);
    DIFFERENT forbids every pair across the two sides; UNSURE asks nothing. Pairs are
    ``unique_id``s, each pair sorted, the lists sorted and without repeats.
    """
    must: set[tuple[str, str]] = set()
    cannot: set[tuple[str, str]] = set()
    with session_scope(engine) as session:
        for verdict, left, right in judged_pairs(session).sides:
            if verdict == "SAME":
                chain = sorted(left | right)
                must.update(pairwise(chain))
            elif verdict == "DIFFERENT":
                cannot.update((min(a, b), max(a, b)) for a in left for b in right if a != b)
    return sorted(must), sorted(cannot)


# -- the review queue -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """A link for a reviewer: two records of one person and how sure the run was."""

    person_id: str
    unique_id_l: str
    unique_id_r: str
    match_weight: float
    match_probability: float
    uncertainty: float  # 1 at the threshold, 0 at certainty either way


def probability_threshold(threshold: float) -> float:
    """Return a run's threshold as a probability (a match weight is converted)."""
    if 0.0 <= threshold <= 1.0:
        return threshold
    return float(1.0 / (1.0 + math.pow(2.0, -threshold)))


def iter_review(session: Session, *, order: str = "threshold") -> Iterator[ReviewItem]:
    """Yield unjudged links, most in need of review first.

    ``order``: ``threshold`` (probability nearest the latest run's threshold first) or
    ``confidence`` (the weakest link of each person, least confident person first).
    """
    run = resolution_service.latest_completed_run(session=session)
    if run is None:
        return
    threshold = probability_threshold(run.threshold)
    span = max(threshold, 1.0 - threshold) or 1.0
    judged = judged_pairs(session)
    if order == "threshold":
        links = resolution_service.links_by_closeness(session=session, threshold=threshold)
    elif order == "confidence":
        links = resolution_service.weakest_links(session=session)
    else:
        raise ResolutionError(f"order must be threshold or confidence, not {order!r}")
    for link in links:
        if judged.covers(link.unique_id_l, link.unique_id_r):
            continue
        closeness = abs(link.match_probability - threshold) / span
        yield ReviewItem(
            person_id=link.person_id,
            unique_id_l=link.unique_id_l,
            unique_id_r=link.unique_id_r,
            match_weight=link.match_weight,
            match_probability=link.match_probability,
            uncertainty=round(max(0.0, 1.0 - closeness), 6),
        )


def review_queue(engine: Engine, limit: int = 50, *, order: str = "threshold") -> list[ReviewItem]:
    """Return the ``limit`` unjudged links most in need of a reviewer (see ``iter_review``)."""
    with session_scope(engine) as session:
        found = []
        for item in iter_review(session, order=order):
            found.append(item)
            if len(found) >= limit:
                break
        return found
