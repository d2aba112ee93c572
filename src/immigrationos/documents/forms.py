"""The forms of the enforcement lifecycle: what each is, who drafts and signs it, and when.

One declarative table (:data:`FORMS`), like the cases' transition table: per form, its
template, the roles that may generate a draft, the roles that may sign it, the case
states it may be generated in, and the legal precondition (:class:`Gate`) checked on
the person's records and the case before it is generated and again before it is signed:

- ``NO_PRIOR_ORDER`` (I-862): never for a person who already has a final order of
  removal, or a prior removal whose order can be reinstated (INA § 241(a)(5)); that
  person is not put in new proceedings.
- ``SIGNED_WARRANT`` (I-247A): a signed Warrant for Arrest (I-200) or Warrant of Removal
  (I-205) of the same case stands behind the detainer.
- ``PRIOR_REMOVAL`` (I-871): a removal on record (an executed prior order).
- ``FINAL_ORDER`` (I-205): a final order of removal (INA § 241(a); 8 CFR 241.2): on the
  immigration court's records (not under appeal, 30 days passed or in absentia, no later
  relief) or recorded on the case by an attorney (state ``final_order``).

The checks are pure functions over what targeting derives from the records
(``targeting.status.derive_status``): no legal rule is repeated here.

``served_on`` says on whom a signed form is served (``documents/serving.py``): the person
(or their counsel of record), by the methods of 8 CFR 103.8(a)(2) and 8 CFR 1003.13; a
detainer (I-247A) on the law enforcement agency that holds the person; the I-213 is an
internal record, never served.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from immigrationos.cases.machine import HALTED, TERMINAL, CaseState
from immigrationos.targeting.status import PersonStatus

S = CaseState
APPEAL_DAYS = 30
SERVED_ON_PERSON = "PERSON"
SERVED_ON_AGENCY = "AGENCY"
PERSON_METHODS = ("IN_PERSON", "REGULAR_MAIL", "CERTIFIED_MAIL", "COUNSEL_OF_RECORD")
AGENCY_METHODS = ("AGENCY",)


class Gate(StrEnum):
    """The legal precondition of a form."""

    NONE = "NONE"
    NO_PRIOR_ORDER = "NO_PRIOR_ORDER"
    SIGNED_WARRANT = "SIGNED_WARRANT"
    PRIOR_REMOVAL = "PRIOR_REMOVAL"
    FINAL_ORDER = "FINAL_ORDER"


@dataclass(frozen=True)
class Form:
    """One form: its code, title, template, who drafts and signs it, when, and its gate."""

    code: str
    title: str
    template: str
    generators: frozenset[str]
    signers: frozenset[str]
    states: frozenset[CaseState]
    gate: Gate
    warrant: bool
    summary: str
    served_on: str | None = SERVED_ON_PERSON

    @property
    def service_methods(self) -> tuple[str, ...]:
        """Return the ways a signed form of this kind may be served (none: never served)."""
        if self.served_on == SERVED_ON_AGENCY:
            return AGENCY_METHODS
        return PERSON_METHODS if self.served_on == SERVED_ON_PERSON else ()

    @property
    def slug(self) -> str:
        """Return the code in lower case without the dash (``i200``)."""
        return self.code.lower().replace("-", "")


_OPEN = frozenset(S) - TERMINAL - HALTED
_BEFORE_ARREST = frozenset({S.INVESTIGATION, S.TARGET_PACKAGE, S.OPERATION_APPROVAL})
_AFTER_ARREST = frozenset(
    {S.ARREST, S.CUSTODY_DECISION, S.DETAINED, S.RELEASED_RECOGNIZANCE, S.RELEASED_ATD,
     S.IN_PROCEEDINGS}
)  # fmt: skip
_CUSTODY = frozenset({S.CUSTODY_DECISION, S.DETAINED, S.RELEASED_RECOGNIZANCE, S.RELEASED_ATD})
_OFFICERS = frozenset({"OFFICER", "SUPERVISOR"})
_SUPERVISOR = frozenset({"SUPERVISOR"})

FORMS: dict[str, Form] = {
    f.code: f
    for f in (
        Form("I-862", "Notice to Appear", "forms/i862.html",
             _OFFICERS | {"LEGAL"}, _SUPERVISOR, _OPEN - {S.IN_PROCEEDINGS, S.FINAL_ORDER,
             S.REMOVAL_SCHEDULED}, Gate.NO_PRIOR_ORDER, False,
             "starts removal proceedings before an immigration judge"),
        Form("I-200", "Warrant for Arrest of Alien", "forms/i200.html",
             _OFFICERS, _SUPERVISOR, _BEFORE_ARREST, Gate.NONE, True,
             "an administrative warrant to arrest the person; signed by a supervisory "
             "officer, never by a judge: it does not authorize entry into a home"),
        Form("I-213", "Record of Deportable/Inadmissible Alien", "forms/i213.html",
             _OFFICERS, _OFFICERS, _AFTER_ARREST, Gate.NONE, False,
             "the record of the encounter and arrest", served_on=None),
        Form("I-286", "Notice of Custody Determination", "forms/i286.html",
             _OFFICERS | {"DETENTION"}, _SUPERVISOR, _CUSTODY, Gate.NONE, False,
             "the custody decision: detained, released on recognizance or on conditions"),
        Form("I-247A", "Immigration Detainer - Notice of Action", "forms/i247a.html",
             _OFFICERS | {"DETENTION"}, _SUPERVISOR, _OPEN, Gate.SIGNED_WARRANT, False,
             "asks another law enforcement agency to hold the person up to 48 hours; "
             "only with a signed I-200 or I-205 behind it", served_on=SERVED_ON_AGENCY),
        Form("I-871", "Notice of Intent/Decision to Reinstate Prior Order", "forms/i871.html",
             _OFFICERS, _SUPERVISOR, _OPEN, Gate.PRIOR_REMOVAL, False,
             "reinstates a prior order of removal after an unlawful re-entry"),
        Form("I-205", "Warrant of Removal/Deportation", "forms/i205.html",
             _OFFICERS | {"DETENTION"}, _SUPERVISOR,
             frozenset({S.FINAL_ORDER, S.REMOVAL_SCHEDULED, S.DETAINED,
                        S.RELEASED_RECOGNIZANCE, S.RELEASED_ATD, S.IN_PROCEEDINGS}),
             Gate.FINAL_ORDER, True,
             "an administrative warrant to remove the person on a final order"),
    )
}  # fmt: skip
WARRANT_FORMS = frozenset(code for code, f in FORMS.items() if f.warrant)
FINAL_ORDER_STATES = frozenset({S.FINAL_ORDER.value, S.REMOVAL_SCHEDULED.value})


@dataclass(frozen=True)
class GateResult:
    """Whether a form's precondition holds, why, and the records or documents behind it."""

    passed: bool
    detail: str
    evidence: tuple[str, ...] = ()

    def as_check(self, gate: Gate) -> dict[str, object]:
        """Return the check as stored with the document."""
        return {
            "name": gate.value,
            "passed": self.passed,
            "detail": self.detail,
            "evidence": list(self.evidence),
        }


def final_order(status: PersonStatus) -> GateResult:
    """Return whether the court's records show a final order of removal as of the status date."""
    order = status.latest_eoir
    if order is None or order.status != "REMOVAL_ORDERED":
        return GateResult(False, "no order of removal on the immigration court's records")
    final = order.in_absentia or order.decided <= status.as_of - dt.timedelta(days=APPEAL_DAYS)
    if not final:
        return GateResult(
            False,
            f"the order of {order.decided} is not final: the {APPEAL_DAYS} days to appeal "
            "have not passed and it was not entered in absentia",
            (order.ref,),
        )
    if order.appeal_pending or status.appeal_pending:
        return GateResult(False, f"the order of {order.decided} is under appeal", (order.ref,))
    later = [
        f for f in status.relief
        if f.kind.startswith("APPROVED_") and f.day is not None and f.day > order.decided
    ]  # fmt: skip
    if later:
        return GateResult(
            False, f"relief was granted after the order of {order.decided}", later[0].evidence
        )
    how = "in absentia" if order.in_absentia else "not appealed within 30 days"
    return GateResult(True, f"order of removal of {order.decided}, {how}", (order.ref,))


def prior_removal(status: PersonStatus) -> GateResult:
    """Return whether a removal (an executed order that can be reinstated) is on record."""
    if not status.removals:
        return GateResult(False, "no prior removal on record")
    last = status.removals[-1]
    return GateResult(True, f"removed on {last.day}", last.evidence)


def no_prior_order(status: PersonStatus, case_state: str) -> GateResult:
    """Return whether the person may be put in proceedings: no final or reinstatable order."""
    if case_state in FINAL_ORDER_STATES:
        return GateResult(False, f"the case records a final order (state {case_state})")
    order = final_order(status)
    if order.passed:
        return GateResult(False, f"a final order exists: {order.detail}", order.evidence)
    removal = prior_removal(status)
    if removal.passed:
        return GateResult(
            False,
            f"a prior order can be reinstated ({removal.detail}): use Form I-871, not a "
            "Notice to Appear",
            removal.evidence,
        )
    return GateResult(True, "no final order and no prior removal on record")


def final_order_basis(status: PersonStatus, case_state: str) -> GateResult:
    """Return whether a warrant of removal may issue: a final order on record or on the case."""
    order = final_order(status)
    if order.passed:
        return order
    if case_state in FINAL_ORDER_STATES:
        return GateResult(True, f"a final order is recorded on the case (state {case_state})")
    return GateResult(False, f"no final order of removal: {order.detail}", order.evidence)
