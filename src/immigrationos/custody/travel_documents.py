"""Travel documents: the document a removal needs, tracked per case.

A case's travel document moves NOT_REQUESTED -> REQUESTED -> ISSUED or REFUSED (a refused
request may be made again, an issued one renewed); each status names the destination
country and its date. A valid passport on record is recorded as kind ``PASSPORT``,
ISSUED with its expiry. A seat on a removal flight needs a document that is ISSUED, for
the flight's country, and not expired on the day of the flight (:func:`not_ready`).
Each change names the version its author saw (optimistic locking) and is audited
(``custody.travel_document``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from immigrationos.auth.principal import Principal
from immigrationos.cases.flows import CaseError, is_open
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.models import (
    TRAVEL_DOCUMENT_KINDS,
    TRAVEL_DOCUMENT_STATUSES,
    TravelDocument,
)
from immigrationos.db.engine import session_scope

# The statuses each status may move to (None: no document recorded yet).
NEXT: dict[str | None, frozenset[str]] = {
    None: frozenset({"NOT_REQUESTED", "REQUESTED", "ISSUED"}),
    "NOT_REQUESTED": frozenset({"REQUESTED", "ISSUED"}),
    "REQUESTED": frozenset({"ISSUED", "REFUSED"}),
    "REFUSED": frozenset({"REQUESTED"}),
    "ISSUED": frozenset({"REQUESTED", "REFUSED"}),
}


@dataclass(frozen=True)
class TravelDocumentChange:
    """A new status of a case's travel document, with its country and dates."""

    status: str
    country: str
    kind: str = "TRAVEL_DOCUMENT"
    number: str | None = None
    requested_on: dt.date | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    refused_on: dt.date | None = None
    note: str | None = None


def of_case(session: Session, case_id: str) -> TravelDocument | None:
    """Return the travel document of a case, or None."""
    query = select(TravelDocument).where(TravelDocument.case_id == case_id)
    return session.scalars(query).one_or_none()


def not_ready(doc: TravelDocument | None, destination: str, day: dt.date) -> str | None:
    """Return why the document does not carry its person to ``destination`` on ``day``."""
    if doc is None:
        return "no travel document recorded (request one, or record a valid passport)"
    if doc.status != "ISSUED":
        return f"travel document {doc.status}, not ISSUED"
    if doc.country.upper() != destination.upper():
        return f"travel document for {doc.country}, not {destination.upper()}"
    if doc.expires_on is not None and doc.expires_on < day:
        return f"travel document expired {doc.expires_on}, before the flight of {day}"
    return None


def _validate(change: TravelDocumentChange, before: str | None) -> None:
    if change.status not in TRAVEL_DOCUMENT_STATUSES:
        raise CaseError(
            422, "travel-document-status-unknown",
            f"{change.status!r} is not one of {', '.join(TRAVEL_DOCUMENT_STATUSES)}",
        )  # fmt: skip
    if change.kind not in TRAVEL_DOCUMENT_KINDS:
        raise CaseError(
            422, "travel-document-kind-unknown",
            f"{change.kind!r} is not one of {', '.join(TRAVEL_DOCUMENT_KINDS)}",
        )  # fmt: skip
    if len(change.country.strip()) != 3:
        raise CaseError(
            422, "country-required", "the destination country: an ISO 3166 alpha-3 code"
        )
    if change.status not in NEXT[before]:
        allowed = ", ".join(sorted(NEXT[before]))
        raise CaseError(
            409, "travel-document-transition",
            f"a travel document {before or 'not yet recorded'} moves to {allowed}, "
            f"not {change.status}",
        )  # fmt: skip
    needed = {"REQUESTED": "requested_on", "ISSUED": "issued_on", "REFUSED": "refused_on"}
    field = needed.get(change.status)
    if field is not None and getattr(change, field) is None:
        raise CaseError(422, "date-required", f"{change.status} needs its date ({field})")
    if change.status == "REFUSED" and not (change.note or "").strip():
        raise CaseError(422, "reason-required", "a refusal needs the consulate's reason (note)")
    if change.status == "ISSUED" and change.kind == "PASSPORT" and change.expires_on is None:
        raise CaseError(422, "date-required", "a passport on record needs its expiry")


def record(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    case_id: str,
    change: TravelDocumentChange,
    version: int | None,
) -> TravelDocument:
    """Record the travel document's new status at the version seen (None: the first); audit it."""
    with session_scope(engine) as session:
        custody_flows.context(session, principal, purpose_id)
        case = custody_flows.visible_case(session, principal, case_id)
        if not is_open(case):
            raise CaseError(409, "case-closed", f"case {case_id} is {case.state}: it is over")
        doc = of_case(session, case_id)
        before = None if doc is None else doc.status
        _validate(change, before)
        seen = None if doc is None else doc.version
        if seen != version:
            raise CaseError(
                409, "travel-document-version-stale",
                f"the travel document of case {case_id} is at version {seen}, not {version}: "
                "read it again",
            )  # fmt: skip
        now = custody_flows.now_utc()
        values = {
            "kind": change.kind, "status": change.status, "country": change.country.upper(),
            "number": change.number, "requested_on": change.requested_on,
            "issued_on": change.issued_on, "expires_on": change.expires_on,
            "refused_on": change.refused_on, "note": change.note,
            "updated_by": principal.actor, "updated_at": now,
        }  # fmt: skip
        if doc is None:
            doc = TravelDocument(case_id=case_id, version=1, **values)
            session.add(doc)
        else:
            done = session.execute(
                update(TravelDocument)
                .where(TravelDocument.id == doc.id, TravelDocument.version == version)
                .values(**values, version=TravelDocument.version + 1)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise CaseError(
                    409, "travel-document-version-stale",
                    f"the travel document of case {case_id} changed since version {version}",
                )  # fmt: skip
        session.flush()
        custody_flows.audit(
            session, principal, "custody.travel_document", "case", case_id, purpose_id,
            {"from": before, "to": change.status, "country": change.country.upper(),
             "kind": change.kind},
        )  # fmt: skip
        session.commit()
        stored = of_case(session, case_id)
        assert stored is not None
        session.refresh(stored)
        session.expunge(stored)
    return stored
