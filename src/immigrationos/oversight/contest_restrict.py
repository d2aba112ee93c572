"""The hooks the access paths call: records kept only as the record of an error, and the
leads a contest holds.

Small and dependency-free on purpose (models only): ``records.access``,
``persons.access`` and ``targeting.service`` call it, so it must import none of them.

- ``refusal``/``split_rows``: a record restricted by an upheld contest (a US citizen or
  an identity error found) is refused to every enforcement read; the OVERSIGHT role
  still reads it, as the record of the error.
- ``held_lead_ids``: the leads an open contest holds; a targeting run keeps them HELD.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.db.refs import IN_CHUNK, by_source
from immigrationos.oversight.contest_models import ContestHold, RecordRestriction
from immigrationos.policy.context import Decision

RULE = "CONTEST_RESTRICTED"
CITATION = "ImmigrationOS oversight: a record kept only as the record of an error"
# Who may still read a restricted record: those who watch the platform, not enforcement.
READERS = frozenset(("OVERSIGHT",))


class _Ref(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def record_id(self) -> str: ...


R = TypeVar("R", bound=_Ref)


def restrictions_of(
    session: Session, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RecordRestriction]:
    """Return the restrictions on ``(source, record_id)`` pairs that have one.

    Asked source by source, which the primary key (source, record_id) answers
    (``db.refs.by_source``).
    """
    found: dict[tuple[str, str], RecordRestriction] = {}
    for source, ids in by_source(refs, IN_CHUNK):
        query = select(RecordRestriction).where(
            RecordRestriction.source == source, RecordRestriction.record_id.in_(ids)
        )
        found.update({(r.source, r.record_id): r for r in session.scalars(query)})
    return found


def _decision(restriction: RecordRestriction) -> Decision:
    return Decision(
        allowed=False,
        source=restriction.source,
        rule=RULE,
        reason=(
            f"record {restriction.source}:{restriction.record_id} is kept only as the record "
            f"of an error ({restriction.kind}, contest {restriction.contest_id}): it may not "
            "be used for enforcement; oversight may read it"
        ),
        citation=CITATION,
    )


def refusal(session: Session, principal: Principal, source: str, record_id: str) -> Decision | None:
    """Return the refusal of an enforcement read of a restricted record (None: no refusal)."""
    if principal.role in READERS:
        return None
    found = restrictions_of(session, [(source, record_id)]).get((source, record_id))
    return None if found is None else _decision(found)


def split_rows(
    session: Session, principal: Principal, rows: Sequence[R]
) -> tuple[list[R], list[Decision]]:
    """Return the rows the caller may read and the refusals of the restricted others."""
    if principal.role in READERS or not rows:
        return list(rows), []
    found = restrictions_of(session, [(r.source, r.record_id) for r in rows])
    if not found:
        return list(rows), []
    kept = [r for r in rows if (r.source, r.record_id) not in found]
    return kept, [_decision(x) for x in found.values()]


def held_lead_ids(session: Session) -> frozenset[str]:
    """Return the leads an open contest holds (a targeting run keeps them HELD)."""
    query = select(ContestHold.lead_id).where(ContestHold.released_at.is_(None))
    return frozenset(session.scalars(query))
