"""Evaluate one person: detectors, safeguards, lead state, priority score, next steps.

``evaluate_person`` is the one entry point a persistence layer calls, every time a
person's records or links change. It is pure: no database, no clock (``as_of`` is
given), and the same inputs always give the same ``Evaluation``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from immigrationos.targeting import safeguards as sg
from immigrationos.targeting.addresses import AddressCandidate, candidate_addresses
from immigrationos.targeting.detect import detect, findings
from immigrationos.targeting.detectors.base import DetectorRun, Finding
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.policy import PriorityPolicy
from immigrationos.targeting.recommendations import Recommendation, recommend
from immigrationos.targeting.records import PersonRecord, without
from immigrationos.targeting.safeguards import LeadState, SafeguardResult
from immigrationos.targeting.scoring import PriorityScore, score_person
from immigrationos.targeting.status import derive_status


@dataclass(frozen=True)
class Evaluation:
    """Everything targeting concludes about one person as of a date.

    ``state`` is None when no detector found anything (no lead). ``score`` and
    ``addresses`` are set only for an OPEN or HELD lead (a suppressed person is not to be
    located); the score counts the findings no safeguard suppresses or redirects.
    """

    person_id: str | None
    as_of: dt.date
    runs: tuple[DetectorRun, ...]
    findings: tuple[Finding, ...]
    safeguards: tuple[SafeguardResult, ...]
    state: LeadState | None
    score: PriorityScore | None
    recommendations: tuple[Recommendation, ...]
    policy_version: str
    policy_sha256: str
    withheld_sources: tuple[str, ...] = ()
    addresses: tuple[AddressCandidate, ...] = ()

    @property
    def violations(self) -> tuple[str, ...]:
        """Return the violations found, without repeats, in detector order."""
        return tuple(dict.fromkeys(f.violation for f in self.findings))

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as plain JSON-ready data (dates as ISO text)."""
        return _plain(dataclasses.asdict(self))

    def to_json(self) -> str:
        """Return the evaluation as a JSON document for storage."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _scored(found: Sequence[Finding], results: Sequence[SafeguardResult]) -> list[Finding]:
    """Return the findings still against this person: neither suppressed nor redirected."""
    return [
        f
        for f in found
        if sg.finding_effect(f, results) not in (sg.Effect.SUPPRESS, sg.Effect.REDIRECT)
    ]


def evaluate_person(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    ssn_owner: Mapping[str, OwnerInfo],
    link_probability: Mapping[str, float],
    policy: PriorityPolicy,
    withheld_sources: frozenset[str] = frozenset(),
    identity_threshold: float = sg.IDENTITY_THRESHOLD,
    person_id: str | None = None,
) -> Evaluation:
    """Return the full targeting evaluation of one person's records as of a date.

    Args:
        records: every record resolved to the person.
        as_of: the date of the evaluation; later records are not known yet.
        ssn_owner: the Numident holder of every issued SSN.
        link_probability: record reference -> match probability of the link holding it in
            the person (absent: the anchor record, taken as certain).
        policy: the priority policy the score is computed under.
        withheld_sources: sources the data-use policy withholds; nothing reads them.
        identity_threshold: links below it hold the findings resting on them.
        person_id: the person's id, as ``ssn_owner`` names holders.
    """
    usable = without(records, withheld_sources)
    status = derive_status(usable, as_of)
    runs = tuple(
        detect(
            usable,
            as_of,
            ssn_owner=ssn_owner,
            person_id=person_id,
            withheld_sources=withheld_sources,
        )
    )
    found = tuple(findings(runs))
    ctx = sg.SafeguardContext(
        records=usable,
        status=status,
        findings=found,
        ssn_owner=ssn_owner,
        link_probability=link_probability,
        person_id=person_id,
        identity_threshold=identity_threshold,
        withheld_sources=withheld_sources,
    )
    results = tuple(sg.evaluate(ctx))
    state = sg.lead_state(found, results)
    score: PriorityScore | None = None
    addresses: tuple[AddressCandidate, ...] = ()
    if state in (LeadState.OPEN, LeadState.HELD):
        score = score_person(usable, status, _scored(found, results), policy)
        addresses = candidate_addresses(usable, as_of)
    open_findings = sg.actionable(found, results)
    steps = recommend(
        state, open_findings if state is LeadState.OPEN else found, results, usable, status
    )
    return Evaluation(
        person_id=person_id,
        as_of=as_of,
        runs=runs,
        findings=found,
        safeguards=results,
        state=state,
        score=score,
        recommendations=steps,
        policy_version=policy.version,
        policy_sha256=policy.sha256,
        withheld_sources=tuple(sorted(withheld_sources)),
        addresses=addresses,
    )
