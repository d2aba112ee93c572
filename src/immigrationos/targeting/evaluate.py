"""Evaluate one person: detectors, safeguards, lead state, priority score, next steps.

``evaluate_person`` is the one entry point a persistence layer calls, every time a
person's records or links change. It is pure: no database, no clock (``as_of`` is
given), and the same inputs always give the same ``Evaluation``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
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
from immigrationos.targeting.records import PersonRecord, WithheldCitizenship, known_by, without
from immigrationos.targeting.safeguards import LeadState, SafeguardResult
from immigrationos.targeting.scoring import PriorityScore, score_person
from immigrationos.targeting.status import derive_status

SUSPENDED = "TARGETING_SUSPENDED"
SUSPENDED_BY = (
    "EU AI Act (Regulation (EU) 2024/1689) Art. 14(4)(e): a person overseeing a high-risk AI "
    "system can interrupt it (the stop switch, oversight/switch.py)"
)


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


def _on_strong_links(
    runs: tuple[DetectorRun, ...],
    records: Sequence[PersonRecord],
    as_of: dt.date,
    ssn_owner: Mapping[str, OwnerInfo],
    link_probability: Mapping[str, float],
    identity_threshold: float,
    person_id: str | None,
    withheld_sources: frozenset[str],
) -> tuple[DetectorRun, ...]:
    """Return the runs with each finding resting on a weak link found again without it.

    A record linked below the identity threshold may be another person's. It may clear
    the person (it is read by status and the safeguards like any other record) but never
    incriminates them: a finding that cites one is looked for again on the strongly
    linked records alone, and where the same violation is found there it stands on that
    evidence (and ``LOW_IDENTITY_CONFIDENCE`` has no reason to hold it). A finding that
    needs the weak record keeps it, and is held.
    """
    weak = {r.ref for r in records if link_probability.get(r.ref, 1.0) < identity_threshold}
    resting = [f for f in findings(runs) if weak.intersection(f.evidence)]
    if not resting:
        return runs
    strong = [r for r in records if r.ref not in weak]
    again = {
        f.violation: f
        for f in findings(
            detect(
                strong,
                as_of,
                ssn_owner=ssn_owner,
                person_id=person_id,
                withheld_sources=withheld_sources,
            )
        )
    }

    def settled(f: Finding) -> Finding:
        if not weak.intersection(f.evidence):
            return f
        return again.get(f.violation, f)

    return tuple(
        dataclasses.replace(run, findings=tuple(settled(f) for f in run.findings)) for run in runs
    )


def _cleared_elsewhere(
    ctx: sg.SafeguardContext, elsewhere: Sequence[PersonRecord]
) -> dict[str, tuple[str, ...]]:
    """Return, per violation found, the records of others that would clear it if theirs.

    Each record is added to the person's alone and the person evaluated again (status,
    detectors and every safeguard but ``LOW_IDENTITY_CONFIDENCE``): a finding that is
    then gone, held or suppressed is cleared by that record. A withheld record that shows
    US citizenship (``WithheldCitizenship``, never read here) clears every finding.
    """
    as_of = ctx.status.as_of
    cleared: dict[str, list[str]] = {}
    for other in elsewhere:
        if isinstance(other, WithheldCitizenship):
            # Citizenship evidence nobody on the case may read: were it this person's, it
            # would suppress every finding (``CITIZENSHIP_EVIDENCE``).
            for f in ctx.findings:
                cleared.setdefault(f.violation, []).append(other.ref)
            continue
        if not known_by([other], as_of):
            continue
        records = [*ctx.records, other]
        status = derive_status(records, as_of)
        runs = detect(
            records,
            as_of,
            ssn_owner=ctx.ssn_owner,
            person_id=ctx.person_id,
            withheld_sources=ctx.withheld_sources,
            status=status,
        )
        found = findings(runs)
        again = dataclasses.replace(
            ctx,
            records=records,
            status=status,
            findings=tuple(found),
            link_probability={},
        )
        results = [r for r in sg.evaluate(again) if r.name != "LOW_IDENTITY_CONFIDENCE"]
        standing = {f.violation for f in found if sg.finding_effect(f, results) is sg.Effect.NONE}
        for f in ctx.findings:
            if f.violation not in standing:
                cleared.setdefault(f.violation, []).append(other.ref)
    return {v: tuple(dict.fromkeys(refs)) for v, refs in cleared.items()}


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
    withheld_citizenship: bool = False,
    elsewhere: Sequence[PersonRecord] | Callable[[], Sequence[PersonRecord]] = (),
    suspended_detectors: Mapping[str, str] | None = None,
    suspension: str | None = None,
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
        withheld_citizenship: a record withheld from the purpose shows US citizenship
            (``safeguards.shows_citizenship``): the lead is held for a citizenship review.
        elsewhere: records of other persons that could be this person's
            (``elsewhere.NameIndex.alike``), or a function returning them (called only
            when there is a finding); a finding one of them would clear is held.
        suspended_detectors: detectors an oversight user suspended (violation -> why);
            they do not run.
        suspension: why targeting (or this policy version) is suspended, if it is: no
            lead is OPEN, the ``TARGETING_SUSPENDED`` safeguard holds every finding.
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
            status=status,
            suspended=suspended_detectors,
        )
    )
    runs = _on_strong_links(
        runs,
        usable,
        as_of,
        ssn_owner,
        link_probability,
        identity_threshold,
        person_id,
        withheld_sources,
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
        withheld_citizenship=withheld_citizenship,
    )
    if found:
        others = elsewhere() if callable(elsewhere) else elsewhere
        if others:
            ctx = dataclasses.replace(ctx, cleared_elsewhere=_cleared_elsewhere(ctx, others))
    results = tuple(sg.evaluate(ctx))
    if suspension and found:
        # An oversight user suspended targeting (oversight/switch.py): nothing is OPEN.
        hold = sg.SafeguardResult(SUSPENDED, sg.Effect.HOLD, suspension, legal_basis=SUSPENDED_BY)
        results += (hold,)
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
