"""The case state machine: one declarative table of every transition.

Each :class:`Transition` names the states it leaves, the state it enters, the roles that
may take it, whether a reason is required, and the checks it runs. ``docs/cases.md``
holds the diagram generated from this table (:func:`mermaid`; a test keeps them equal).

Every transition re-evaluates the safeguards on the case's person (check
``SAFEGUARDS``). A transition that *advances enforcement* (``advances``) is refused when
they no longer clear the person, and the case is halted instead: to
``citizenship_review`` on any citizenship evidence, to ``safeguard_review`` when the lead
would now be held or suppressed. Exits and releases never wait on the safeguards: a
safeguard protects a person, it never keeps a case going or a person detained.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class CaseState(StrEnum):
    """Where a case stands."""

    INVESTIGATION = "investigation"
    TARGET_PACKAGE = "target_package"
    OPERATION_APPROVAL = "operation_approval"
    ARREST = "arrest"
    CUSTODY_DECISION = "custody_decision"
    DETAINED = "detained"
    RELEASED_RECOGNIZANCE = "released_recognizance"
    RELEASED_ATD = "released_atd"
    IN_PROCEEDINGS = "in_proceedings"
    FINAL_ORDER = "final_order"
    REMOVAL_SCHEDULED = "removal_scheduled"
    REMOVED = "removed"
    # Halted by the safeguards, waiting for a person's review.
    CITIZENSHIP_REVIEW = "citizenship_review"
    SAFEGUARD_REVIEW = "safeguard_review"
    # Exits.
    SELF_DEPARTED = "self_departed"
    RELIEF_GRANTED = "relief_granted"
    US_CITIZEN_FOUND = "us_citizen_found"
    IDENTITY_ERROR = "identity_error"
    CLOSED_BY_DECISION = "closed_by_decision"


S = CaseState


class Check(StrEnum):
    """A check a transition runs before it is taken."""

    # The safeguards of targeting, evaluated again on the person's current records.
    SAFEGUARDS = "SAFEGUARDS"
    # The case has an assigned officer, and an officer acting on it is that officer.
    ASSIGNED_OFFICER = "ASSIGNED_OFFICER"
    # Removal rests on a final order (or a reinstated one, or expedited removal where the
    # removal policy allows it): custody/removal.py.
    REMOVAL_ELIGIBLE = "REMOVAL_ELIGIBLE"


FIRST_STATE = S.INVESTIGATION
TERMINAL = frozenset(
    {
        S.REMOVED,
        S.SELF_DEPARTED,
        S.RELIEF_GRANTED,
        S.US_CITIZEN_FOUND,
        S.IDENTITY_ERROR,
        S.CLOSED_BY_DECISION,
    }
)
HALTED = frozenset({S.CITIZENSHIP_REVIEW, S.SAFEGUARD_REVIEW})
OPEN_STATES = frozenset(S) - TERMINAL
# The system halts a case; no user holds this role.
SYSTEM = "SYSTEM"
# ``target`` None: back to the state the case was halted in (``Case.halted_from``).
RESUME_TARGET = None


@dataclass(frozen=True)
class Transition:
    """One move of a case: from which states, to which, by whom, why, and what it checks."""

    name: str
    sources: frozenset[CaseState]
    target: CaseState | None
    roles: frozenset[str]
    reason_required: bool
    checks: tuple[Check, ...]
    advances: bool
    summary: str


def _t(
    name: str,
    sources: Iterable[CaseState],
    target: CaseState | None,
    roles: Iterable[str],
    *,
    reason: bool,
    advances: bool,
    summary: str,
    assigned: bool = False,
    extra: tuple[Check, ...] = (),
) -> Transition:
    base = (Check.ASSIGNED_OFFICER, Check.SAFEGUARDS) if assigned else (Check.SAFEGUARDS,)
    checks: tuple[Check, ...] = (*base, *extra)
    return Transition(
        name, frozenset(sources), target, frozenset(roles), reason, checks, advances, summary
    )


_PIPELINE_OPEN = OPEN_STATES - HALTED
_EXIT_FROM = OPEN_STATES
_NOT_IN_CUSTODY = OPEN_STATES - {S.ARREST, S.CUSTODY_DECISION, S.DETAINED}
_RELEASED = (S.RELEASED_RECOGNIZANCE, S.RELEASED_ATD)

TRANSITIONS: tuple[Transition, ...] = (
    _t("build_target_package", [S.INVESTIGATION], S.TARGET_PACKAGE, ["OFFICER", "SUPERVISOR"],
       reason=False, advances=True, assigned=True,
       summary="the officer has assembled the target package"),
    _t("request_operation", [S.TARGET_PACKAGE], S.OPERATION_APPROVAL, ["OFFICER", "SUPERVISOR"],
       reason=True, advances=True, assigned=True,
       summary="an operation is requested; a supervisor approves it (issue 7, item 2)"),
    _t("return_for_rework", [S.OPERATION_APPROVAL], S.TARGET_PACKAGE, ["SUPERVISOR"],
       reason=True, advances=False,
       summary="the supervisor sends the package back"),
    _t("record_arrest", [S.OPERATION_APPROVAL], S.ARREST, ["OFFICER", "SUPERVISOR"],
       reason=True, advances=True, assigned=True,
       summary="the person was arrested in the approved operation; how, in the reason"),
    _t("refer_custody_decision", [S.ARREST], S.CUSTODY_DECISION,
       ["OFFICER", "SUPERVISOR", "DETENTION"], reason=False, advances=True,
       summary="booked; the custody decision is due within 48 hours (8 CFR 287.3(d))"),
    _t("detain", [S.CUSTODY_DECISION], S.DETAINED, ["SUPERVISOR", "DETENTION"],
       reason=True, advances=True, summary="custody decision: detain"),
    _t("release_on_recognizance", [S.CUSTODY_DECISION], S.RELEASED_RECOGNIZANCE,
       ["SUPERVISOR"], reason=True, advances=False,
       summary="custody decision: release on recognizance"),
    _t("release_to_atd", [S.CUSTODY_DECISION], S.RELEASED_ATD, ["SUPERVISOR"],
       reason=True, advances=False,
       summary="custody decision: release to alternatives to detention"),
    _t("start_proceedings", [S.DETAINED, *_RELEASED], S.IN_PROCEEDINGS,
       ["LEGAL", "SUPERVISOR"], reason=True, advances=True,
       summary="a Notice to Appear is filed with the immigration court"),
    _t("record_final_order", [S.IN_PROCEEDINGS], S.FINAL_ORDER, ["LEGAL"],
       reason=True, advances=True, summary="an order of removal became final"),
    _t("schedule_removal", [S.FINAL_ORDER], S.REMOVAL_SCHEDULED, ["SUPERVISOR", "DETENTION"],
       reason=False, advances=True, extra=(Check.REMOVAL_ELIGIBLE,),
       summary="removal is scheduled (travel document, flight)"),
    _t("record_removal", [S.REMOVAL_SCHEDULED], S.REMOVED,
       ["OFFICER", "SUPERVISOR", "DETENTION"], reason=False, advances=True,
       extra=(Check.REMOVAL_ELIGIBLE,), summary="the removal was executed"),
    # Exits: protective or closing; never refused by the safeguards.
    _t("record_self_departure", _NOT_IN_CUSTODY, S.SELF_DEPARTED,
       ["ANALYST", "OFFICER", "SUPERVISOR"], reason=True, advances=False,
       summary="a confirmed departure (I-94 departure, confirmed self-reported departure)"),
    _t("record_relief", [S.DETAINED, *_RELEASED, S.IN_PROCEEDINGS, S.FINAL_ORDER,
                         S.REMOVAL_SCHEDULED, S.SAFEGUARD_REVIEW], S.RELIEF_GRANTED,
       ["LEGAL"], reason=True, advances=False,
       summary="relief was granted (asylum, adjustment, cancellation, ...)"),
    _t("record_us_citizen", _EXIT_FROM, S.US_CITIZEN_FOUND, ["LEGAL", "SUPERVISOR"],
       reason=True, advances=False,
       summary="the person is a US citizen: enforcement ends (ICE Directive 16001.2)"),
    _t("record_identity_error", _EXIT_FROM, S.IDENTITY_ERROR,
       ["ANALYST", "SUPERVISOR", "LEGAL"], reason=True, advances=False,
       summary="the case rests on another person's records"),
    _t("close_by_decision", _EXIT_FROM, S.CLOSED_BY_DECISION, ["SUPERVISOR"],
       reason=True, advances=False, summary="a supervisor closes the case"),
    # Halts and resuming.
    _t("halt_for_citizenship", _PIPELINE_OPEN, S.CITIZENSHIP_REVIEW, [SYSTEM],
       reason=True, advances=False,
       summary="citizenship evidence appeared: a citizenship review is opened"),
    _t("halt_for_safeguards", _PIPELINE_OPEN, S.SAFEGUARD_REVIEW, [SYSTEM],
       reason=True, advances=False,
       summary="the lead would now be held or suppressed by a safeguard"),
    _t("resume", HALTED, RESUME_TARGET, ["LEGAL", "SUPERVISOR"], reason=True, advances=True,
       summary="reviewed and cleared: back to the state it was halted in"),
)  # fmt: skip

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}
HALT_FOR_CITIZENSHIP = BY_NAME["halt_for_citizenship"]
HALT_FOR_SAFEGUARDS = BY_NAME["halt_for_safeguards"]


def transition(name: str) -> Transition | None:
    """Return the transition of this name, or None."""
    return BY_NAME.get(name)


def available(state: str) -> list[Transition]:
    """Return the transitions a person may take from a state (halts are the system's)."""
    return [t for t in TRANSITIONS if state in t.sources and SYSTEM not in t.roles]


def target_of(move: Transition, halted_from: str | None) -> CaseState:
    """Return the state a transition enters (a resume: the state the case was halted in)."""
    if move.target is not None:
        return move.target
    if halted_from is None:
        raise ValueError("a resume needs the state the case was halted in")
    return CaseState(halted_from)


def mermaid() -> str:
    """Return the Mermaid state diagram of the table (the block in ``docs/cases.md``)."""
    lines = ["stateDiagram-v2", f"    [*] --> {FIRST_STATE.value}: accept_lead"]
    for move in TRANSITIONS:
        for source in sorted(move.sources):
            target = "halted_from" if move.target is None else move.target.value
            lines.append(f"    {source.value} --> {target}: {move.name}")
    for state in sorted(TERMINAL):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


def table_markdown() -> str:
    """Return the transition table as Markdown (roles, reason, checks) for ``docs/cases.md``."""
    lines = [
        "| transition | from | to | roles | reason | checks | refused by safeguards |",
        "|---|---|---|---|---|---|---|",
    ]
    for move in TRANSITIONS:
        sources = ", ".join(s.value for s in sorted(move.sources))
        target = "the state it was halted in" if move.target is None else move.target.value
        lines.append(
            f"| `{move.name}` | {sources} | {target} | {', '.join(sorted(move.roles))} | "
            f"{'required' if move.reason_required else 'optional'} | "
            f"{', '.join(c.value for c in move.checks)} | {'yes' if move.advances else 'no'} |"
        )
    return "\n".join(lines) + "\n"
