"""The safeguards of targeting, evaluated again on one case's person, as of today.

Nothing here decides anything about a person: the records are read as a targeting run
reads them (the person's current records, the data-use policy of the caller's purpose,
the links that hold the person together, the Numident holders of the SSNs the records
name) and handed to ``targeting.evaluate.evaluate_person``, the one entry point of the
safeguards. What the evaluation concludes is then sorted into three outcomes: clear,
a citizenship review, or a safeguard review.

One thing a targeting run does is left out: the search for records of other persons
named alike (``elsewhere.NameIndex``) reads every record and would make each transition
cost a whole run; it can only hold a finding, and the next targeting run still applies it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.persons import service as persons_service
from immigrationos.policy.engine import UseContext
from immigrationos.records.models import Record, RecordKey
from immigrationos.records.normalize import identifier
from immigrationos.resolution import service as resolution_service
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting import service as targeting_service
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.evaluate import Evaluation, evaluate_person
from immigrationos.targeting.leads import ssn_owners
from immigrationos.targeting.policy import load_policy
from immigrationos.targeting.records import PersonRecord, from_stored
from immigrationos.targeting.safeguards import Effect, LeadState
from immigrationos.targeting.status import Fact, derive_status

CITIZENSHIP = "CITIZENSHIP_EVIDENCE"
DEPARTED = "DEPARTED"
# The exits that are a person's own departure (a removal is the case's own end).
DEPARTURE_KINDS = frozenset(("I94_DEPARTURE", "CONFIRMED_SELF_DEPARTURE"))
SSN_FIELDS = ("ssn", "employee_tin")


@dataclass(frozen=True)
class Recheck:
    """What the safeguards say of a case's person now.

    ``halt`` is None when they clear the person, else ``citizenship`` or ``safeguards``.
    ``departure`` is the person's confirmed departure (an I-94 departure after the last
    arrival, or a confirmed self-reported departure) with no sign of presence since,
    when the ``DEPARTED`` safeguard fired on it.
    """

    person_id: str | None
    lead_state: str | None
    halt: str | None
    detail: str
    safeguards: tuple[str, ...]
    departure: Fact | None = None
    # The evaluation behind the verdict (None: the person is gone); a cleared collateral
    # encounter's own lead is made of it (custody/collateral.py).
    evaluation: Evaluation | None = dataclasses.field(default=None, repr=False, compare=False)

    def as_check(self) -> dict[str, object]:
        """Return the check as a case event records it."""
        return {
            "name": "SAFEGUARDS",
            "passed": self.halt is None,
            "detail": self.detail,
            "person_id": self.person_id,
            "lead_state": self.lead_state,
            "safeguards": list(self.safeguards),
        }


def _owners(session: Session, records: Sequence[PersonRecord]) -> dict[str, OwnerInfo]:
    """Return the Numident holders of the SSNs the person's records name."""
    ssns = {
        value
        for r in records
        for name in SSN_FIELDS
        if (value := identifier("SSN", r.text(name))) is not None
    }
    if not ssns:
        return {}
    rows = session.execute(
        select(Record.source, Record.record_id, Record.payload)
        .join(RecordKey, RecordKey.record_pk == Record.id)
        .where(
            RecordKey.kind == "SSN",
            RecordKey.value.in_(sorted(ssns)),
            Record.source == "ssa_numident",
            Record.withdrawn.is_(False),
        )
    )
    numident = [PersonRecord(s, rid, json.loads(p)) for s, rid, p in rows]
    holders = resolution_service.persons_of_records(session=session, refs=[r.ref for r in numident])
    by_person: dict[str, list[PersonRecord]] = {}
    for r in numident:
        by_person.setdefault(holders.get(r.ref, r.ref), []).append(r)
    return ssn_owners(by_person)


def _weakest_links(session: Session, person_id: str) -> dict[str, float]:
    weakest: dict[str, float] = {}
    for link in resolution_service.links_of(session=session, person_id=person_id):
        for ref in (link.unique_id_l, link.unique_id_r):
            old = weakest.get(ref)
            if old is None or link.match_probability < old:
                weakest[ref] = link.match_probability
    return weakest


def evaluate(
    session: Session,
    ctx: UseContext,
    person_id: str,
    as_of: dt.date,
    lead_id: str | None = None,
) -> Recheck:
    """Return the safeguards' verdict on a person's current records (merges followed).

    When the latest targeting run holds or suppresses the case's lead (``lead_id``), that
    stands too: a run reads what this re-check leaves out (persons named alike).
    """
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        return Recheck(
            None, None, "safeguards",
            f"person {person_id} is gone (its records were resolved elsewhere): "
            "the case must be reviewed", (),
        )  # fmt: skip
    records = from_stored(persons_service.records_of_person(session=session, person_id=current))
    records_of = {current: records}
    # The same use of the data-use policy as a targeting run: a withheld record is read
    # for citizenship alone, to protect.
    withheld, _notes, protected = targeting_flows.lawful_records(ctx, records_of, as_of)
    evaluation = evaluate_person(
        records_of[current],
        as_of,
        ssn_owner=_owners(session, records_of[current]),
        link_probability=_weakest_links(session, current),
        policy=load_policy(),
        withheld_sources=withheld,
        person_id=current,
        withheld_citizenship=current in protected,
    )
    found = dataclasses.replace(verdict(evaluation, current), evaluation=evaluation)
    if DEPARTED in found.safeguards:
        last_exit = derive_status(records_of[current], as_of).presence.last_exit
        if last_exit is not None and last_exit.kind in DEPARTURE_KINDS:
            found = dataclasses.replace(found, departure=last_exit)
    lead = targeting_service.get_lead(session=session, lead_id=lead_id) if lead_id else None
    if found.halt is None and lead is not None and lead.state in ("HELD", "SUPPRESSED"):
        fired = ", ".join(json.loads(lead.safeguards)) or "none"
        return Recheck(
            current, lead.state, "safeguards",
            f"the latest targeting run ({lead.as_of}) left lead {lead.lead_id} {lead.state} "
            f"(safeguards: {fired})", found.safeguards,
        )  # fmt: skip
    return found


def verdict(evaluation: Evaluation, person_id: str) -> Recheck:
    """Return what an evaluation means for a case: go on, or which review halts it."""
    fired = tuple(
        dict.fromkeys(s.name for s in evaluation.safeguards if s.effect is not Effect.NONE)
    )
    state = evaluation.state.value if evaluation.state is not None else None
    citizenship = [
        s for s in evaluation.safeguards if s.name == CITIZENSHIP and s.effect is not Effect.NONE
    ]
    if citizenship:
        return Recheck(person_id, state, "citizenship", citizenship[0].reason, fired)
    if evaluation.state is None:
        return Recheck(
            person_id, None, "safeguards",
            "no violation is found on the person's current records any more", fired,
        )  # fmt: skip
    if evaluation.state is not LeadState.OPEN:
        reasons = "; ".join(
            f"{s.name}: {s.reason}" for s in evaluation.safeguards if s.effect is not Effect.NONE
        )
        return Recheck(
            person_id, state, "safeguards", f"the lead would now be {state}: {reasons}", fired
        )
    return Recheck(person_id, state, None, "the safeguards clear the person (lead OPEN)", fired)
