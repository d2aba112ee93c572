"""Removal eligibility: may this person be removed now, and on what basis?

The case machine runs this check (``REMOVAL_ELIGIBLE``) on ``schedule_removal`` and
``record_removal``. It reads the person's status as targeting derives it
(``targeting.status.derive_status`` on the records the caller's purpose may use) and the
legal facts recorded on the case (``custody_removal_facts``), and answers with one basis
or the reasons it refuses:

- **FINAL_ORDER** (INA 241(a); 8 CFR 1241.1): the latest EOIR decision is
  ``REMOVAL_ORDERED``; not under appeal; the 30-day appeal window (8 CFR 1003.38(b),
  the detector's ``APPEAL_DAYS``) has passed or the appeal was waived (a recorded
  ``APPEAL_WAIVED``), or the order was entered in absentia (INA 240(b)(5)) with no motion
  to reopen pending (a pending motion to reopen an in-absentia order stays removal,
  INA 240(b)(5)(C)); no relief granted after the order; no removal executed since.
- **REINSTATEMENT** (INA 241(a)(5); 8 CFR 241.8, Form I-871): the person was removed and
  is in the US again (targeting's ``REENTRY_AFTER_REMOVAL`` finding), without a lawful
  re-admission since (which needs consent to reapply, I-212, to be checked first).
- **EXPEDITED_REMOVAL** (INA 235(b)(1)): only when the removal policy
  (``custody/data/removal_policy.yaml``) enables it, for a person present without
  admission (targeting's ``PRESENT_WITHOUT_ADMISSION`` finding) whose first evidence of
  presence in the current stay is within the policy's ``max_days_in_us``.

A stay of removal recorded on the case (``STAY_GRANTED`` not followed by
``STAY_LIFTED``) refuses every basis. The contract's EOIR records carry no motions to
reopen, stays or waivers: LEGAL records them on the case.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from immigrationos.cases.models import Case
from immigrationos.custody.models import RemovalFact
from immigrationos.persons import service as persons_service
from immigrationos.policy.engine import UseContext
from immigrationos.resolution import service as resolution_service
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting.detectors import final_order_unexecuted as final_order
from immigrationos.targeting.detectors import present_without_admission, reentry_after_removal
from immigrationos.targeting.records import PersonRecord, from_stored
from immigrationos.targeting.status import PersonStatus, derive_status

ENV_VAR = "IMOS_REMOVAL_POLICY"
BUNDLED = Path(__file__).parent / "data" / "removal_policy.yaml"
FINAL_ORDER, REINSTATEMENT, EXPEDITED = "FINAL_ORDER", "REINSTATEMENT", "EXPEDITED_REMOVAL"
CHECK_NAME = "REMOVAL_ELIGIBLE"


class RemovalPolicyError(ValueError):
    """A removal policy file that cannot be read."""


@dataclass(frozen=True)
class RemovalPolicy:
    """Which removal bases besides a final order are allowed (the YAML file's settings)."""

    expedited_removal: bool = False
    expedited_max_days_in_us: int = 730


def load_policy(path: Path | None = None) -> RemovalPolicy:
    """Return the removal policy of a YAML file (``IMOS_REMOVAL_POLICY``, else the bundled)."""
    chosen = path or Path(os.environ.get(ENV_VAR) or BUNDLED)
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RemovalPolicyError(f"{chosen}: cannot read the removal policy: {exc}") from exc
    expedited = data.get("expedited_removal") or {}
    if not isinstance(expedited, dict):
        raise RemovalPolicyError(f"{chosen}: expedited_removal must be a mapping")
    enabled = expedited.get("enabled", False)
    days = expedited.get("max_days_in_us", 730)
    if not isinstance(enabled, bool):
        raise RemovalPolicyError(f"{chosen}: expedited_removal.enabled must be true or false")
    if not isinstance(days, int) or days <= 0:
        raise RemovalPolicyError(
            f"{chosen}: expedited_removal.max_days_in_us must be a positive number of days"
        )
    return RemovalPolicy(expedited_removal=enabled, expedited_max_days_in_us=days)


@dataclass(frozen=True)
class Refusal:
    """One reason removal may not go ahead: a code and the words for it."""

    code: str
    detail: str


@dataclass(frozen=True)
class Eligibility:
    """Whether the person may be removed now: the basis, or the reasons it is refused."""

    basis: str | None
    detail: str
    refusals: tuple[Refusal, ...]
    evidence: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        """Return whether a basis for removal stands."""
        return self.basis is not None

    def as_check(self) -> dict[str, Any]:
        """Return the check as a case event records it."""
        return {
            "name": CHECK_NAME,
            "passed": self.eligible,
            "detail": self.detail,
            "basis": self.basis,
            "refusals": [r.code for r in self.refusals],
            "evidence": list(self.evidence),
        }


def _latest(facts: Sequence[RemovalFact], kinds: tuple[str, str]) -> RemovalFact | None:
    """Return the latest fact of the pair (opened, closed): by day, then as recorded."""
    found = [f for f in facts if f.kind in kinds]
    return max(found, key=lambda f: (f.day, f.id or 0)) if found else None


def _final_order(
    status: PersonStatus, facts: Sequence[RemovalFact]
) -> tuple[list[Refusal], tuple[str, ...]]:
    """Return why the latest order is not a final order to execute now (empty: it is)."""
    order = status.latest_eoir
    if order is None:
        return [Refusal("NO_FINAL_ORDER", "no immigration-court decision on record")], ()
    if order.status != "REMOVAL_ORDERED":
        return [
            Refusal(
                "NO_FINAL_ORDER",
                f"the latest immigration-court decision ({order.decided}) is {order.status}, "
                "not an order of removal",
            )
        ], (order.ref,)
    refusals = []
    if order.appeal_pending or status.appeal_pending:
        refusals.append(Refusal("UNDER_APPEAL", f"the order of {order.decided} is under appeal"))
    window_ends = order.decided + dt.timedelta(days=final_order.APPEAL_DAYS)
    waived = any(f.kind == "APPEAL_WAIVED" for f in facts)
    if not order.in_absentia and status.as_of < window_ends and not waived:
        refusals.append(
            Refusal(
                "APPEAL_WINDOW_OPEN",
                f"the {final_order.APPEAL_DAYS}-day appeal window of the order of "
                f"{order.decided} runs until {window_ends} and the appeal was not waived",
            )
        )
    motion = _latest(facts, ("MOTION_TO_REOPEN_FILED", "MOTION_TO_REOPEN_DECIDED"))
    if order.in_absentia and motion is not None and motion.kind == "MOTION_TO_REOPEN_FILED":
        refusals.append(
            Refusal(
                "MOTION_TO_REOPEN_PENDING",
                f"a motion to reopen the in-absentia order, filed {motion.day}, is pending "
                "(INA 240(b)(5)(C): removal is stayed until it is decided)",
            )
        )
    later = [
        f
        for f in status.relief
        if f.kind.startswith("APPROVED_") and f.day is not None and f.day > order.decided
    ]
    if later:
        refusals.append(
            Refusal(
                "LATER_RELIEF",
                "relief granted after the order: "
                + ", ".join(f"{f.detail} ({f.day})" for f in later),
            )
        )
    if any(r.day is not None and r.day >= order.decided for r in status.removals):
        refusals.append(Refusal("ALREADY_EXECUTED", "the order was executed: removed since"))
    return refusals, (order.ref,)


def _reinstatement(status: PersonStatus) -> tuple[Refusal | None, tuple[str, ...]]:
    found = reentry_after_removal.find(status)
    if not found:
        return Refusal("NO_PRIOR_REMOVAL", "no removal followed by a return on record"), ()
    removal = status.removals[-1]
    readmitted = [a for a in status.admissions if removal.day and a.arrived > removal.day]
    if readmitted:
        a = readmitted[0]
        return Refusal(
            "LAWFUL_READMISSION",
            f"admitted {a.class_of_admission or '?'} on {a.arrived} after the removal: "
            "reinstatement reaches an unlawful reentry; check consent to reapply (I-212)",
        ), found[0].evidence
    return None, found[0].evidence


def _expedited(
    status: PersonStatus, policy: RemovalPolicy
) -> tuple[Refusal | None, tuple[str, ...]]:
    found = present_without_admission.find(status)
    if not found:
        return Refusal("NOT_EXPEDITED", "not present without admission"), ()
    if not policy.expedited_removal:
        return Refusal(
            "EXPEDITED_NOT_ALLOWED",
            "present without admission, but the removal policy does not allow expedited "
            "removal: a Notice to Appear starts proceedings instead",
        ), found[0].evidence
    exit_ = status.presence.last_exit
    stay = status.presence.returned if exit_ is not None else status.presence.evidence
    days = [f.day for f in stay if f.day is not None]
    first = min(days) if days else None
    limit = policy.expedited_max_days_in_us
    if first is None or (status.as_of - first).days >= limit:
        return Refusal(
            "EXPEDITED_TOO_LONG",
            f"in the US since {first or 'an unknown day'}: beyond the {limit} days the "
            "expedited-removal designation reaches",
        ), found[0].evidence
    return None, found[0].evidence


def assess(
    status: PersonStatus, facts: Sequence[RemovalFact], policy: RemovalPolicy
) -> Eligibility:
    """Return whether the person of ``status`` may be removed as of its date, and on what basis."""
    stay = _latest(facts, ("STAY_GRANTED", "STAY_LIFTED"))
    if stay is not None and stay.kind == "STAY_GRANTED":
        refusal = Refusal("STAY_OF_REMOVAL", f"a stay of removal granted {stay.day}: {stay.reason}")
        return Eligibility(None, refusal.detail, (refusal,), ())
    if not status.presence.present:
        last = status.presence.last_exit
        what = (
            "deceased"
            if status.presence.deceased
            else f"left: {last.kind} {last.day}"
            if last
            else "absent"
        )
        refusal = Refusal("NOT_PRESENT", f"the records say the person is not in the US ({what})")
        return Eligibility(None, refusal.detail, (refusal,), ())
    refusals, evidence = _final_order(status, facts)
    if not refusals:
        order = status.latest_eoir
        assert order is not None
        how = "in absentia" if order.in_absentia else "final"
        return Eligibility(
            FINAL_ORDER, f"order of removal of {order.decided} ({how})", (), evidence
        )
    refused, more = _reinstatement(status)
    if refused is None:
        return Eligibility(
            REINSTATEMENT, "removed before and in the US again: the prior order is reinstated "
            "(I-871)", (), more,
        )  # fmt: skip
    not_expedited, found = _expedited(status, policy)
    if not_expedited is None:
        return Eligibility(
            EXPEDITED, "present without admission within the expedited-removal designation",
            (), found,
        )  # fmt: skip
    relevant = [*refusals]
    if refused.code != "NO_PRIOR_REMOVAL":
        relevant.append(refused)
    if not_expedited.code != "NOT_EXPEDITED":
        relevant.append(not_expedited)
    detail = "no basis for removal: " + "; ".join(r.detail for r in relevant)
    return Eligibility(None, detail, tuple(relevant), (*evidence, *more, *found))


def facts_of(session: Session, case_id: str) -> list[RemovalFact]:
    """Return the removal facts recorded on a case, oldest first."""
    query = select(RemovalFact).where(RemovalFact.case_id == case_id).order_by(RemovalFact.id)
    return list(session.scalars(query))


def person_records(
    session: Session, ctx: UseContext, person_id: str, as_of: dt.date
) -> tuple[list[PersonRecord], frozenset[str]]:
    """Return the person's current records the purpose may use, and the withheld sources."""
    current = resolution_service.current_person_id(session=session, person_id=person_id)
    if current is None:
        return [], frozenset()
    records = from_stored(persons_service.records_of_person(session=session, person_id=current))
    records_of = {current: records}
    withheld, _notes, _protected = targeting_flows.lawful_records(ctx, records_of, as_of)
    return records_of[current], withheld


def status_of(
    session: Session, ctx: UseContext, person_id: str, as_of: dt.date
) -> tuple[PersonStatus | None, frozenset[str]]:
    """Return the person's status on the records the purpose may use, and the withheld sources."""
    if resolution_service.current_person_id(session=session, person_id=person_id) is None:
        return None, frozenset()
    records, withheld = person_records(session, ctx, person_id, as_of)
    return derive_status(records, as_of), withheld


def check_case(
    session: Session,
    ctx: UseContext,
    case: Case,
    as_of: dt.date,
    policy: RemovalPolicy | None = None,
) -> Eligibility:
    """Return the removal eligibility of a case's person as of a day."""
    status, withheld = status_of(session, ctx, case.person_id, as_of)
    if status is None:
        refusal = Refusal("PERSON_GONE", f"person {case.person_id} was resolved elsewhere")
        return Eligibility(None, refusal.detail, (refusal,), ())
    if "eoir_cases" in withheld:
        refusal = Refusal(
            "EOIR_WITHHELD",
            "the immigration-court records are withheld under this purpose: a final order "
            "cannot be confirmed",
        )
        return Eligibility(None, refusal.detail, (refusal,), ())
    return assess(status, facts_of(session, case.case_id), policy or load_policy())
