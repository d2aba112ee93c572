"""The stop switch: an oversight user suspends targeting, one detector or one policy version.

Suspending is a human's interruption of the system (EU AI Act Art. 14(4)(e); OMB M-25-21
§4(b)(iv)): it needs the OVERSIGHT role and a reason, and every change is a row of
``targeting_switch_events`` and an audit event (``oversight.suspend`` /
``oversight.resume``) committed together.

What a suspension does, and why this is the safer choice:

- **Targeting as a whole, or the policy version a run scores under.** A targeting run
  still runs, so every safeguard keeps acting (a citizen found since the last run is
  still suppressed, a lead that lost its basis is still retired), but no lead is stored
  OPEN: each one that would be is HELD by the ``TARGETING_SUSPENDED`` safeguard, whose
  reason names the suspension (who, when, why). Refusing to run would leave yesterday's
  OPEN leads standing and today's exculpatory records unread. The queue is frozen: no
  lead becomes a case (``cases.flows.accept_lead`` asks :func:`frozen_reason`).
- **One detector.** It does not run (its run says why) and so finds nothing; the other
  detectors run as before. A lead resting on its violation cannot become a case.

Resuming lifts the suspension; the next run stores OPEN what the safeguards leave OPEN.
Reads, safeguards, closing leads and every case step that ends enforcement keep working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from immigrationos.audit import service as audit_service
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight.models import TargetingSuspension, TargetingSwitchEvent
from immigrationos.sources.contract import VIOLATIONS

SWITCH_ROLE = "OVERSIGHT"
MAX_REASON = 4000


class Scope(StrEnum):
    """What a suspension covers."""

    TARGETING = "TARGETING"
    DETECTOR = "DETECTOR"
    POLICY_VERSION = "POLICY_VERSION"


class Action(StrEnum):
    """A change of the switch."""

    SUSPEND = "SUSPEND"
    RESUME = "RESUME"


class SwitchError(ValueError):
    """A switch change that cannot be made: the HTTP status, a kind, and why."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


@dataclass(frozen=True)
class Suspension:
    """One suspension in force."""

    scope: Scope
    target: str
    reason: str
    suspended_by: str
    suspended_role: str
    suspended_at: dt.datetime

    @property
    def what(self) -> str:
        """Return what is suspended, in words."""
        if self.scope is Scope.TARGETING:
            return "targeting"
        if self.scope is Scope.DETECTOR:
            return f"the {self.target} detector"
        return f"priority policy version {self.target}"

    def describe(self) -> str:
        """Return the suspension in one sentence: what, who, when and why."""
        when = self.suspended_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"{self.what} suspended by {self.suspended_by} on {when}: {self.reason}"


@dataclass(frozen=True)
class SwitchState:
    """Every suspension in force (none: targeting runs normally)."""

    suspensions: tuple[Suspension, ...] = ()

    @property
    def suspended(self) -> bool:
        """Return whether anything is suspended."""
        return bool(self.suspensions)

    @property
    def targeting(self) -> Suspension | None:
        """Return the suspension of targeting as a whole, if any."""
        return next((s for s in self.suspensions if s.scope is Scope.TARGETING), None)

    @property
    def detectors(self) -> dict[str, Suspension]:
        """Return the suspended detectors by violation."""
        return {s.target: s for s in self.suspensions if s.scope is Scope.DETECTOR}

    @property
    def policy_versions(self) -> dict[str, Suspension]:
        """Return the suspended policy versions."""
        return {s.target: s for s in self.suspensions if s.scope is Scope.POLICY_VERSION}

    def hold_reason(self, policy_version: str) -> str | None:
        """Return why no lead may be OPEN under this policy version now, or None."""
        found = self.targeting or self.policy_versions.get(policy_version)
        return None if found is None else found.describe()

    def detector_reasons(self) -> dict[str, str]:
        """Return, per suspended detector (violation), why it does not run."""
        return {v: s.describe() for v, s in self.detectors.items()}

    def frozen_reason(self, policy_version: str, violations: Iterable[str]) -> str | None:
        """Return why a lead of this policy version and violations cannot become a case."""
        held = self.hold_reason(policy_version)
        if held is not None:
            return held
        for violation in violations:
            if violation in self.detectors:
                return self.detectors[violation].describe()
        return None

    def to_dict(self) -> dict[str, object]:
        """Return the state as plain JSON-ready data."""
        return {
            "suspended": self.suspended,
            "suspensions": [
                {
                    "scope": s.scope.value,
                    "target": s.target,
                    "reason": s.reason,
                    "suspended_by": s.suspended_by,
                    "suspended_role": s.suspended_role,
                    "suspended_at": s.suspended_at.isoformat(),
                    "description": s.describe(),
                }
                for s in self.suspensions
            ],
        }


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; they were stored as UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def current(session: Session) -> SwitchState:
    """Return the suspensions in force (one small query: pages read it on every request)."""
    rows = session.scalars(
        select(TargetingSuspension).order_by(
            TargetingSuspension.suspended_at, TargetingSuspension.scope
        )
    )
    return SwitchState(
        tuple(
            Suspension(
                Scope(r.scope),
                r.target,
                r.reason,
                r.suspended_by,
                r.suspended_role,
                _aware(r.suspended_at),
            )
            for r in rows
        )
    )


def read(engine: Engine) -> SwitchState:
    """Return the suspensions in force, in a session of its own."""
    with session_scope(engine) as session:
        return current(session)


def history(session: Session, *, limit: int = 50) -> list[TargetingSwitchEvent]:
    """Return the latest changes of the switch, newest first."""
    found = session.scalars(
        select(TargetingSwitchEvent).order_by(TargetingSwitchEvent.id.desc()).limit(limit)
    )
    return list(found)


def _target(scope: Scope, target: str | None) -> str:
    value = (target or "").strip()
    if scope is Scope.TARGETING:
        return ""
    if scope is Scope.DETECTOR:
        if value not in VIOLATIONS:
            raise SwitchError(
                400,
                "switch-target-unknown",
                f"detector '{value}' is not one of {', '.join(VIOLATIONS)}",
            )
        return value
    if not value or len(value) > 100:
        raise SwitchError(
            400, "switch-target-unknown", "name the policy version (1-100 characters)"
        )
    return value


def change(
    engine: Engine,
    *,
    principal: Principal,
    action: Action | str,
    scope: Scope | str,
    target: str | None = None,
    reason: str,
) -> SwitchState:
    """Suspend or resume targeting, a detector or a policy version; record and audit it.

    Raises:
        SwitchError: not an oversight user (403), no reason or an unknown scope (422), an
            unknown detector or no policy version named (400), already suspended or not
            suspended (409).
    """
    if principal.role != SWITCH_ROLE or not principal.can(Permission.TARGETING_SUSPEND):
        raise SwitchError(
            403,
            "permission-denied",
            f"only the {SWITCH_ROLE} role may suspend or resume targeting, not {principal.role}",
        )
    try:
        action, scope = Action(action), Scope(scope)
    except ValueError as exc:
        raise SwitchError(422, "switch-unknown", str(exc)) from exc
    why = (reason or "").strip()
    if not why or len(why) > MAX_REASON:
        raise SwitchError(
            422, "reason-required", f"say why ({action.value.lower()} needs a reason)"
        )
    name = _target(scope, target)
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        # Locked (PostgreSQL): of two changes at once, the second sees the first's.
        row = session.scalars(
            select(TargetingSuspension)
            .where(TargetingSuspension.scope == scope.value, TargetingSuspension.target == name)
            .with_for_update()
        ).first()
        label = Suspension(scope, name, why, principal.actor, principal.role, now).what
        if action is Action.SUSPEND:
            if row is not None:
                raise SwitchError(409, "already-suspended", f"{label} is already suspended")
            session.add(
                TargetingSuspension(
                    scope=scope.value,
                    target=name,
                    reason=why,
                    suspended_by=principal.actor,
                    suspended_role=principal.role,
                    suspended_at=now,
                )
            )
            try:
                session.flush()
            except IntegrityError as exc:  # another oversight user did the same at once
                raise SwitchError(409, "already-suspended", f"{label} was just suspended") from exc
        else:
            if row is None:
                raise SwitchError(409, "not-suspended", f"{label} is not suspended")
            session.delete(row)
            try:
                session.flush()
            except StaleDataError as exc:  # another oversight user resumed it at once
                raise SwitchError(409, "not-suspended", f"{label} was just resumed") from exc
        session.add(
            TargetingSwitchEvent(
                scope=scope.value,
                target=name,
                action=action.value,
                reason=why,
                actor=principal.actor,
                actor_role=principal.role,
                at=now,
            )
        )
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action=f"oversight.{action.value.lower()}",
            resource_type="targeting_switch",
            resource_id=f"{scope.value}:{name}" if name else scope.value,
            client=principal.client,
            details={"scope": scope.value, "target": name, "reason": why},
        )
        session.commit()
        return current(session)
