"""Next steps for a lead that fit the person's procedural posture: advice, never an order.

A suppressed lead gets only what its safeguards call for (a citizenship review, a
redirection, closing); a held lead gets what lifts the hold (confirm the identity, await
the decision, leave the case to the court); only an open lead gets enforcement steps,
and those follow the posture: a final order is executed, not charged again; a prior
removal order may be reinstated; a case before the court is left to the court; only a
person with no case may be issued a Notice to Appear. Whether an officer follows or
overrides a recommendation, and why, is recorded by the leads layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from immigrationos.targeting.detectors.base import Finding
from immigrationos.targeting.records import PersonRecord, known_by
from immigrationos.targeting.safeguards import (
    CITIZENSHIP_DIRECTIVE,
    Effect,
    LeadState,
    SafeguardResult,
)
from immigrationos.targeting.status import PersonStatus

REMOVABLE = frozenset(("OVERSTAY", "PRESENT_WITHOUT_ADMISSION", "UNAUTHORIZED_EMPLOYMENT"))


@dataclass(frozen=True)
class Recommendation:
    """One next step: what, why, on what legal basis, and the records behind it."""

    action: str
    reason: str
    legal_basis: str
    evidence: tuple[str, ...] = ()


def pending_court_cases(records: Sequence[PersonRecord], status: PersonStatus) -> list[str]:
    """Return the EOIR cases pending before the court as of the status date."""
    out = []
    for r in known_by(records, status.as_of):
        if r.source != "eoir_cases":
            continue
        decided = r.date("decision_date")
        undecided = decided is None or decided > status.as_of
        if r.upper("status") == "PENDING" or undecided:
            out.append(r.ref)
    return out


def _from_safeguards(safeguards: Sequence[SafeguardResult]) -> list[Recommendation]:
    out = []
    for s in safeguards:
        if s.effect is Effect.NONE:
            continue
        if s.name == "CITIZENSHIP_EVIDENCE":
            out.append(
                Recommendation(
                    "INVESTIGATE_CITIZENSHIP_CLAIM",
                    "citizenship evidence or a sign of it: no enforcement action; review the "
                    "person's citizenship with counsel before anything else. " + s.reason,
                    CITIZENSHIP_DIRECTIVE,
                    s.evidence,
                )
            )
        elif s.name == "LOW_IDENTITY_CONFIDENCE":
            out.append(
                Recommendation(
                    "CONFIRM_IDENTITY",
                    "a person must confirm that the weakly linked records are this person's "
                    "before the findings resting on them are used. " + s.reason,
                    s.legal_basis,
                    s.evidence,
                )
            )
        elif s.name == "PENDING_RELIEF":
            asylum = "I-589" in s.reason
            out.append(
                Recommendation(
                    "AWAIT_ASYLUM_DECISION" if asylum else "AWAIT_DECISION",
                    "relief is pending or granted: await the decision and take no action "
                    "that would preempt it. " + s.reason,
                    s.legal_basis,
                    s.evidence,
                )
            )
        elif s.name == "IDENTITY_THEFT_VICTIM":
            out.append(
                Recommendation(
                    "TREAT_AS_VICTIM_AND_REDIRECT",
                    "the person is the holder of a misused SSN: treat them as a victim and "
                    "open the misuse against the user of the number (records named).",
                    s.legal_basis,
                    s.redirect_to,
                )
            )
        elif s.name in ("DECEASED", "DEPARTED"):
            out.append(Recommendation("CLOSE", s.reason, s.legal_basis, s.evidence))
    return out


def _from_posture(
    findings: Sequence[Finding], records: Sequence[PersonRecord], status: PersonStatus
) -> list[Recommendation]:
    out = []
    by_violation = {f.violation: f for f in findings}
    pending = pending_court_cases(records, status)
    final = by_violation.get("FINAL_ORDER_UNEXECUTED")
    removed_before = status.removals
    if pending:
        out.append(
            Recommendation(
                "LEAVE_TO_COURT",
                "removal proceedings are pending before the immigration court: leave the case "
                "to the court, do not charge the person again, await its decision",
                "INA §240 (removal proceedings before an immigration judge); 8 CFR 1240",
                tuple(pending),
            )
        )
    if final is not None:
        out.append(
            Recommendation(
                "EXECUTE_FINAL_ORDER",
                "a final order of removal exists: it is executed, the person is not charged "
                "again with a new Notice to Appear",
                "INA §241(a) (8 U.S.C. §1231(a)); 8 CFR 241",
                final.evidence,
            )
        )
    elif removed_before and status.presence.present:
        refs = tuple(ref for f in removed_before for ref in f.evidence)
        out.append(
            Recommendation(
                "MAY_REINSTATE_PRIOR_ORDER",
                "the person was removed before and is present again: the prior order may be "
                "reinstated (check for consent to reapply, I-212); illegal re-entry may be "
                "referred for prosecution",
                "INA §241(a)(5) (8 U.S.C. §1231(a)(5)); 8 CFR 241.8; 8 U.S.C. §1326",
                refs,
            )
        )
    elif not pending and not status.eoir_decisions and REMOVABLE & by_violation.keys():
        refs = tuple(ref for v in sorted(REMOVABLE & by_violation.keys()) for ref in
                     by_violation[v].evidence)  # fmt: skip
        out.append(
            Recommendation(
                "MAY_ISSUE_NOTICE_TO_APPEAR",
                "no immigration case on record: the person may be issued a Notice to Appear "
                "before an immigration judge, where they can seek relief",
                "INA §239 (8 U.S.C. §1229); 8 CFR 239.1",
                refs,
            )
        )
    fraud = by_violation.get("IDENTITY_FRAUD")
    if fraud is not None:
        out.append(
            Recommendation(
                "REFER_FOR_CRIMINAL_INVESTIGATION",
                "wages under another person's or a never-issued SSN: refer for criminal "
                "investigation, and notify the holder of the number if there is one",
                "42 U.S.C. §408(a)(7)(B); 18 U.S.C. §1546(b); 18 U.S.C. §§1028, 1028A",
                fraud.evidence,
            )
        )
    return out


def recommend(
    state: LeadState | None,
    findings: Sequence[Finding],
    safeguards: Sequence[SafeguardResult],
    records: Sequence[PersonRecord],
    status: PersonStatus,
) -> tuple[Recommendation, ...]:
    """Return the next steps for a lead in a given state (none when there is no lead).

    Args:
        state: the lead's state from ``safeguards.lead_state``.
        findings: the findings the safeguards leave actionable (for an open lead).
        safeguards: every safeguard result of the person.
        records: the person's records.
        status: the person's derived status.
    """
    if state is None:
        return ()
    out = _from_safeguards(safeguards)
    if state is LeadState.OPEN:
        out += _from_posture(findings, records, status)
    elif state is LeadState.HELD:
        out += [r for r in _from_posture(findings, records, status) if r.action == "LEAVE_TO_COURT"]
    return tuple(out)
