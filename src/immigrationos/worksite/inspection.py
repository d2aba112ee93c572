"""The workflow of a Form I-9 inspection: its deadlines, and which notices its results call for.

Pure functions over dates and an :class:`~immigrationos.worksite.model.AuditResult`; no
database. The deadlines:

- Notice of Inspection: the forms are produced within 3 business days of service
  (8 CFR 274a.2(b)(2)(ii));
- Notice of Technical or Procedural Failures: at least 10 business days to correct
  (INA 274A(b)(6)(B), 8 U.S.C. 1324a(b)(6)(B));
- Notice of Intent to Fine: a hearing before OCAHO may be requested within 30 days of
  service (8 CFR 274a.9(e)); a period ending on a weekend or federal holiday runs to the
  next business day (28 CFR 68.8(a)).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from immigrationos.worksite.calendar import add_business_days, is_business_day
from immigrationos.worksite.fines import (
    Effect,
    FineComputation,
    PenaltyPolicy,
    WarningPolicy,
    default_penalties,
    substantive_violations,
)
from immigrationos.worksite.model import AuditResult, Category, Classification, Finding

PRODUCTION_BUSINESS_DAYS = 3
CORRECTION_BUSINESS_DAYS = 10
HEARING_REQUEST_DAYS = 30


class NoticeKind(StrEnum):
    """The documents of an inspection, from its opening to its result."""

    NOTICE_OF_INSPECTION = "notice_of_inspection"
    COMPLIANCE_LETTER = "compliance_letter"
    TECHNICAL_FAILURES = "technical_failures"
    SUSPECT_DOCUMENTS = "suspect_documents"
    WARNING_NOTICE = "warning_notice"
    INTENT_TO_FINE = "intent_to_fine"


NOTICE_TITLES: dict[NoticeKind, str] = {
    NoticeKind.NOTICE_OF_INSPECTION: "Notice of Inspection",
    NoticeKind.COMPLIANCE_LETTER: "Notice of Inspection Results (Compliance Letter)",
    NoticeKind.TECHNICAL_FAILURES: "Notice of Technical or Procedural Failures",
    NoticeKind.SUSPECT_DOCUMENTS: "Notice of Suspect Documents",
    NoticeKind.WARNING_NOTICE: "Warning Notice",
    NoticeKind.INTENT_TO_FINE: "Notice of Intent to Fine",
}


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline of an inspection: what is due, by when, and why."""

    name: str
    due: date
    basis: str


def _next_business_day(d: date) -> date:
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


@dataclass(frozen=True, slots=True)
class InspectionTimeline:
    """The dates of one inspection, from the service of the Notice of Inspection.

    ``ntpf_served`` and ``nif_served`` are set when those notices are served
    (:meth:`with_ntpf`, :meth:`with_nif`); their deadlines are None until then.
    """

    served: date
    ntpf_served: date | None = None
    nif_served: date | None = None
    production_days: int = PRODUCTION_BUSINESS_DAYS
    correction_days: int = CORRECTION_BUSINESS_DAYS
    hearing_request_days: int = HEARING_REQUEST_DAYS

    @property
    def production_due(self) -> date:
        """Return the last day to produce the forms (3 business days after service)."""
        return add_business_days(self.served, self.production_days)

    @property
    def correction_due(self) -> date | None:
        """Return the last day to correct technical failures (10 business days after NTPF)."""
        if self.ntpf_served is None:
            return None
        return add_business_days(self.ntpf_served, self.correction_days)

    @property
    def hearing_request_due(self) -> date | None:
        """Return the last day to request an OCAHO hearing (30 days after the NIF)."""
        if self.nif_served is None:
            return None
        return _next_business_day(self.nif_served + timedelta(days=self.hearing_request_days))

    def with_ntpf(self, served: date) -> InspectionTimeline:
        """Return the timeline with the Notice of Technical or Procedural Failures served."""
        self._not_before(served, "the Notice of Technical or Procedural Failures")
        return replace(self, ntpf_served=served)

    def with_nif(self, served: date) -> InspectionTimeline:
        """Return the timeline with the Notice of Intent to Fine served."""
        self._not_before(served, "the Notice of Intent to Fine")
        return replace(self, nif_served=served)

    def _not_before(self, served: date, what: str) -> None:
        if served < self.served:
            raise ValueError(
                f"{what} ({served.isoformat()}) cannot be served before the Notice of "
                f"Inspection ({self.served.isoformat()})"
            )

    def deadlines(self) -> list[Deadline]:
        """Return the deadlines known so far, in date order."""
        out = [
            Deadline(
                "Produce the Forms I-9",
                self.production_due,
                f"{self.production_days} business days after service of the Notice of "
                "Inspection (8 CFR 274a.2(b)(2)(ii))",
            )
        ]
        if self.correction_due is not None:
            out.append(
                Deadline(
                    "Correct the technical or procedural failures",
                    self.correction_due,
                    f"{self.correction_days} business days after service of the notice "
                    "(8 U.S.C. 1324a(b)(6)(B))",
                )
            )
        if self.hearing_request_due is not None:
            out.append(
                Deadline(
                    "Request a hearing before OCAHO",
                    self.hearing_request_due,
                    f"{self.hearing_request_days} days after service of the Notice of Intent "
                    "to Fine (8 CFR 274a.9(e); 28 CFR 68.8(a))",
                )
            )
        return sorted(out, key=lambda d: d.due)


@dataclass(frozen=True, slots=True)
class WarningDecision:
    """Whether substantive violations draw a Warning Notice, and each condition's outcome."""

    chosen: bool
    reasons: tuple[str, ...]


def warning_decision(fine: FineComputation, policy: PenaltyPolicy | None = None) -> WarningDecision:
    """Return whether the warning policy chooses a Warning Notice over a fine."""
    rules: WarningPolicy = (policy or default_penalties()).warning_notice
    factors = {f.name: f.effect for f in fine.factors}
    checks = [
        (
            fine.violations <= rules.max_violations,
            f"{fine.violations} violation(s), at most {rules.max_violations}",
        ),
        (
            fine.violation_percentage <= Decimal(rules.max_violation_percentage),
            f"violation percentage {fine.violation_percentage} %, at most "
            f"{rules.max_violation_percentage} %",
        ),
        (
            fine.offense_tier in rules.offense_tiers,
            f"offense tier {fine.offense_tier}, one of {rules.offense_tiers}",
        ),
    ]
    if rules.good_faith_not_aggravating:
        checks.append(
            (factors.get("good_faith") != Effect.AGGRAVATING, "good faith not aggravating")
        )
    if rules.unauthorized_workers_not_aggravating:
        checks.append(
            (
                factors.get("unauthorized_workers") != Effect.AGGRAVATING,
                "unauthorized workers not aggravating",
            )
        )
    if rules.no_knowing_hire:
        checks.append((fine.knowing_hire is None, "no knowing hire or continued employment"))
    reasons = tuple(f"{'met' if ok else 'not met'}: {text}" for ok, text in checks)
    return WarningDecision(chosen=all(ok for ok, _ in checks), reasons=reasons)


@dataclass(frozen=True, slots=True)
class NoticeDue:
    """One notice the results call for, with the findings it rests on."""

    kind: NoticeKind
    reason: str
    findings: tuple[Finding, ...] = field(default=())

    @property
    def title(self) -> str:
        """Return the notice's title."""
        return NOTICE_TITLES[self.kind]


def technical_failures(result: AuditResult) -> list[Finding]:
    """Return the technical or procedural paperwork failures (correctable after notice)."""
    return [
        f
        for f in result.findings()
        if f.category == Category.PAPERWORK and f.classification == Classification.TECHNICAL
    ]


def suspect_documents(result: AuditResult) -> list[Finding]:
    """Return the findings of the cross-checks against government records."""
    return [f for f in result.findings() if f.category == Category.SUSPECT_DOCUMENT]


def notices_due(
    result: AuditResult,
    fine: FineComputation | None = None,
    *,
    policy: PenaltyPolicy | None = None,
) -> list[NoticeDue]:
    """Return the notices an inspection's results call for, in the order they are served.

    A compliance letter when nothing is found; a Notice of Technical or Procedural
    Failures for technical findings; a Notice of Suspect Documents for findings of the
    records cross-checks; for substantive violations (or knowing hire), a Warning Notice
    when no fine is given or the warning policy chooses one, else a Notice of Intent to
    Fine. Document-abuse findings (8 U.S.C. 1324b) are the Justice Department's (IER),
    and retention dates are informational: neither calls for a notice here.
    """
    technical = technical_failures(result)
    suspect = suspect_documents(result)
    substantive = substantive_violations(result)
    knowing_hire = fine is not None and fine.knowing_hire is not None
    out: list[NoticeDue] = []
    if technical:
        out.append(
            NoticeDue(
                NoticeKind.TECHNICAL_FAILURES,
                f"{len(technical)} technical or procedural failure(s), correctable within "
                f"{CORRECTION_BUSINESS_DAYS} business days",
                tuple(technical),
            )
        )
    if suspect:
        out.append(
            NoticeDue(
                NoticeKind.SUSPECT_DOCUMENTS,
                f"{len(suspect)} finding(s) of the government-records cross-checks",
                tuple(suspect),
            )
        )
    if substantive or knowing_hire:
        if fine is None:
            out.append(
                NoticeDue(
                    NoticeKind.WARNING_NOTICE,
                    f"{len(substantive)} substantive violation(s); no fine assessed",
                    tuple(substantive),
                )
            )
        else:
            decision = warning_decision(fine, policy)
            kind = NoticeKind.WARNING_NOTICE if decision.chosen else NoticeKind.INTENT_TO_FINE
            verdict = "warning policy met" if decision.chosen else "warning policy not met"
            out.append(
                NoticeDue(
                    kind,
                    f"{fine.violations} substantive violation(s); {verdict} "
                    f"({'; '.join(decision.reasons)})",
                    tuple(substantive),
                )
            )
    if not out:
        out.append(
            NoticeDue(
                NoticeKind.COMPLIANCE_LETTER,
                "no technical, substantive or suspect-document finding",
            )
        )
    return out
