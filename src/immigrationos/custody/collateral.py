"""Collateral arrests: a person encountered who was not a target, checked as a new lead.

Before anyone encountered in an operation who was not its target is booked, the officer
records the encounter, how the identity was confirmed and the answer to the citizenship
question, and the person's records go through the same safeguards a new lead does
(``cases.recheck.evaluate``, which hands them to ``targeting.evaluate.evaluate_person``).
The encounter halts, with the review it needs, on:

- a claim of US citizenship, or any citizenship indicator on the records: ``citizenship``
  (ICE Directive 16001.2), before anything else;
- an identity the officer could not confirm: ``identity``;
- no violation on the records, or a lead the safeguards would hold or suppress:
  ``no_violation`` / ``safeguards``.

Only a CLEARED encounter may go on to a booking. Each encounter is a row
(``custody_collateral_encounters``) and an audit event (``custody.collateral``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.cases import recheck
from immigrationos.cases.flows import CaseError
from immigrationos.custody import flows as custody_flows
from immigrationos.custody.booking import DIRECTIVE_CITIZENSHIP
from immigrationos.custody.models import CollateralEncounter
from immigrationos.db.engine import session_scope
from immigrationos.persons.access import in_area


@dataclass(frozen=True)
class CollateralReport:
    """What the officer records of a collateral encounter."""

    person_id: str
    field_office: str | None
    encounter: str
    identity_confirmed: bool
    identity_method: str
    citizenship_claim: bool
    citizenship_statement: str | None = None


def _outcome(data: CollateralReport, found: recheck.Recheck) -> tuple[str | None, str]:
    """Return the review the encounter needs (None: cleared) and why."""
    if data.citizenship_claim:
        said = f": {data.citizenship_statement}" if data.citizenship_statement else ""
        return "citizenship", (
            f"the person claims US citizenship{said}; investigate before anything else "
            f"({DIRECTIVE_CITIZENSHIP})"
        )
    if found.halt == "citizenship":
        return "citizenship", f"a citizenship indicator on the records: {found.detail} " + (
            f"({DIRECTIVE_CITIZENSHIP})"
        )
    if not data.identity_confirmed:
        return "identity", f"the identity was not confirmed ({data.identity_method})"
    if found.halt is not None:
        return ("no_violation" if found.lead_state is None else "safeguards"), found.detail
    return None, found.detail


def record_collateral(
    engine: Engine,
    *,
    principal: Principal,
    purpose_id: str | None,
    data: CollateralReport,
    as_of: dt.date | None = None,
) -> CollateralEncounter:
    """Check a collateral encounter as a new lead would be; record and audit the outcome."""
    if not data.encounter.strip():
        raise CaseError(422, "encounter-required", "say how the person was encountered")
    if not data.identity_method.strip():
        raise CaseError(422, "identity-method-required", "say how the identity was confirmed")
    if not in_area(principal, data.field_office):
        raise CaseError(
            403, "office-not-yours", f"{data.field_office} is not in your area of responsibility",
            "AREA_OF_RESPONSIBILITY",
        )  # fmt: skip
    now = custody_flows.now_utc()
    with session_scope(engine) as session:
        ctx = custody_flows.context(session, principal, purpose_id)
        found = recheck.evaluate(session, ctx, data.person_id, as_of or now.date())
        review, detail = _outcome(data, found)
        row = CollateralEncounter(
            person_id=found.person_id or data.person_id, field_office=data.field_office,
            encounter=data.encounter.strip(), identity_confirmed=data.identity_confirmed,
            identity_method=data.identity_method.strip(),
            citizenship_claim=data.citizenship_claim,
            citizenship_statement=data.citizenship_statement,
            outcome="CLEARED" if review is None else "HALTED", review=review, detail=detail,
            lead_state=found.lead_state, safeguards=json.dumps(list(found.safeguards)),
            recorded_by=principal.actor, recorded_at=now,
        )  # fmt: skip
        session.add(row)
        session.flush()
        custody_flows.audit(
            session, principal, "custody.collateral", "person", row.person_id, purpose_id,
            {"outcome": row.outcome, "review": review, "detail": detail,
             "citizenship_claim": data.citizenship_claim,
             "identity_confirmed": data.identity_confirmed,
             "safeguards": list(found.safeguards)},
        )  # fmt: skip
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return row
