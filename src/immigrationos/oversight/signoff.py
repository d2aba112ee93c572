"""Policy sign-off: no priority-policy version goes live without an independent reviewer.

A policy text is first *submitted* (its bytes, version and sha256, with who submitted
it: its author). A reviewer then *signs it off* by its sha256. The reviewer must be
independent: another person than the author, holding the OVERSIGHT or LEGAL role (those
who answer for rights and lawfulness, not for enforcement numbers), with the
``targeting.signoff`` permission. The command-line operator may submit a policy but never
sign one off. A targeting run calls :func:`require_signed` and refuses a policy whose
exact text (sha256) and version carry no such sign-off, naming the version and what to
do.

The bundled default policy ships signed: ``targeting/data/priority-policy.signoff.json``
holds its sign-off, tied to the sha256 of the shipped file (an edited file no longer
matches it and must be submitted and signed like any new version). That keeps ``make
demo`` and every fresh database working without a seeding step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from immigrationos.audit import service as audit_service
from immigrationos.audit.models import Outcome
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.oversight.models import PolicySignoff, PolicySubmission
from immigrationos.targeting.policy import PolicyError, PriorityPolicy, parse_policy

SIGNOFF_ROLES = ("OVERSIGHT", "LEGAL")
BUNDLED_SIGNOFFS = "priority-policy.signoff.json"
MAX_STATEMENT = 4000


class SignOffError(ValueError):
    """A sign-off that cannot be made, or a policy that may not go live: status, kind, why."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


@dataclass(frozen=True)
class SignoffRecord:
    """One sign-off of a policy text: who wrote it, who reviewed it, when, and what they said."""

    policy: str
    version: str
    sha256: str
    author: str
    reviewer: str
    reviewer_role: str
    statement: str
    signed_at: str
    source: str = "database"  # or "bundled"

    def to_dict(self) -> dict[str, str]:
        """Return the sign-off as plain JSON-ready data."""
        return asdict(self)


@cache
def bundled_signoffs() -> tuple[SignoffRecord, ...]:
    """Return the sign-offs shipped with the bundled default policy."""
    ref = resources.files("immigrationos.targeting") / "data" / BUNDLED_SIGNOFFS
    rows = json.loads(ref.read_text(encoding="utf-8"))
    return tuple(SignoffRecord(**row, source="bundled") for row in rows)


def _record(row: PolicySignoff) -> SignoffRecord:
    return SignoffRecord(
        policy=row.policy,
        version=row.version,
        sha256=row.sha256,
        author=row.author,
        reviewer=row.reviewer,
        reviewer_role=row.reviewer_role,
        statement=row.statement,
        signed_at=row.signed_at.isoformat(),
    )


def _independent(record: SignoffRecord) -> bool:
    return record.reviewer != record.author and record.reviewer_role in SIGNOFF_ROLES


def signoffs_of(session: Session, sha256: str) -> list[SignoffRecord]:
    """Return every sign-off of one policy text (bundled and recorded)."""
    found = [s for s in bundled_signoffs() if s.sha256 == sha256]
    rows = session.scalars(
        select(PolicySignoff).where(PolicySignoff.sha256 == sha256).order_by(PolicySignoff.id)
    )
    return found + [_record(r) for r in rows]


def all_signoffs(session: Session, *, limit: int = 100) -> list[SignoffRecord]:
    """Return the bundled sign-offs and the latest recorded ones, newest recorded first."""
    rows = session.scalars(select(PolicySignoff).order_by(PolicySignoff.id.desc()).limit(limit))
    return [_record(r) for r in rows] + list(bundled_signoffs())


def submissions(session: Session, *, limit: int = 100) -> list[PolicySubmission]:
    """Return the latest policy texts submitted to go live, newest first."""
    found = session.scalars(
        select(PolicySubmission).order_by(PolicySubmission.submitted_at.desc()).limit(limit)
    )
    return list(found)


def require_signed(session: Session, policy: PriorityPolicy) -> SignoffRecord:
    """Return the independent sign-off of this exact policy text; refuse one without it."""
    for record in signoffs_of(session, policy.sha256):
        if record.version == policy.version and _independent(record):
            return record
    raise SignOffError(
        409,
        "policy-not-signed-off",
        f"priority policy '{policy.policy}' version {policy.version} (sha256 "
        f"{policy.sha256[:12]}..., {policy.path or 'given text'}) has no independent "
        "sign-off and cannot go live: submit it (imos oversight policy-submit PATH) and "
        f"have a user of the {' or '.join(SIGNOFF_ROLES)} role other than its author sign "
        "off its sha256 (POST /api/v1/oversight/policy-signoffs, or the page "
        "/oversight/switch); see docs/oversight.md",
    )


def submit(
    engine: Engine, *, principal: Principal, text: bytes, path: str = "<policy>"
) -> PolicySubmission:
    """Record a policy text as submitted to go live by ``principal`` (its author); audit it.

    Raises:
        SignOffError: the text is not a valid priority policy (422) or was submitted
            already (409).
    """
    try:
        decoded = text.decode("utf-8")
        policy = parse_policy(text, path=path)
    except UnicodeDecodeError as exc:
        raise SignOffError(422, "policy-invalid", f"{path}: not UTF-8 text: {exc}") from exc
    except PolicyError as exc:
        raise SignOffError(422, "policy-invalid", str(exc)) from exc
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        existing = session.get(PolicySubmission, policy.sha256)
        if existing is not None:
            raise SignOffError(
                409,
                "policy-submitted",
                f"this text of version {policy.version} was submitted already by "
                f"{existing.submitted_by}",
            )
        row = PolicySubmission(
            sha256=policy.sha256,
            policy=policy.policy,
            version=policy.version,
            text=decoded,
            submitted_by=principal.actor,
            submitted_role=principal.role,
            submitted_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:  # the same text submitted at the same moment
            raise SignOffError(409, "policy-submitted", "this text was just submitted") from exc
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="oversight.policy_submit",
            resource_type="priority_policy",
            resource_id=policy.sha256,
            client=principal.client,
            details={"policy": policy.policy, "version": policy.version, "path": path},
        )
        session.commit()
        session.refresh(row)
        session.expunge(row)
    return row


def sign_off(engine: Engine, *, principal: Principal, sha256: str, statement: str) -> SignoffRecord:
    """Sign off a submitted policy text as its independent reviewer; record and audit it.

    Raises:
        SignOffError: not a reviewer's role (403), the reviewer is the author (403), no
            statement (422), no such submission (404), signed by this reviewer already (409).
    """
    if principal.role not in SIGNOFF_ROLES or not principal.can(Permission.TARGETING_SIGNOFF):
        raise SignOffError(
            403,
            "permission-denied",
            f"only a user of the {' or '.join(SIGNOFF_ROLES)} role may sign off a policy, "
            f"not {principal.role}",
        )
    said = (statement or "").strip()
    if not said or len(said) > MAX_STATEMENT:
        raise SignOffError(
            422, "statement-required", "say what was reviewed and why it may go live"
        )
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        submitted = session.get(PolicySubmission, (sha256 or "").strip().lower())
        if submitted is None:
            raise SignOffError(
                404,
                "policy-not-submitted",
                f"no policy text with sha256 {sha256} was submitted (imos oversight "
                "policy-submit PATH)",
            )
        if submitted.submitted_by == principal.actor:
            audit_service.append(
                session=session,
                actor=principal.actor,
                actor_role=principal.role,
                action="oversight.policy_signoff",
                resource_type="priority_policy",
                resource_id=submitted.sha256,
                outcome=Outcome.DENIED,
                client=principal.client,
                details={"version": submitted.version, "reason": "the reviewer is the author"},
            )
            session.commit()
            raise SignOffError(
                403,
                "reviewer-is-author",
                f"you submitted version {submitted.version}: its sign-off must come from "
                "another, independent reviewer",
            )
        # The text is checked again: what is signed is exactly what will be loaded.
        if hashlib.sha256(submitted.text.encode("utf-8")).hexdigest() != submitted.sha256:
            raise SignOffError(409, "policy-text-changed", "the stored text no longer matches")
        if any(s.reviewer == principal.actor for s in signoffs_of(session, submitted.sha256)):
            raise SignOffError(
                409, "signed-off-already", f"you signed off version {submitted.version} already"
            )
        row = PolicySignoff(
            sha256=submitted.sha256,
            policy=submitted.policy,
            version=submitted.version,
            author=submitted.submitted_by,
            reviewer=principal.actor,
            reviewer_role=principal.role,
            statement=said,
            signed_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:  # the same reviewer's sign-off at the same moment
            raise SignOffError(
                409, "signed-off-already", f"you signed off version {submitted.version} already"
            ) from exc
        audit_service.append(
            session=session,
            actor=principal.actor,
            actor_role=principal.role,
            action="oversight.policy_signoff",
            resource_type="priority_policy",
            resource_id=submitted.sha256,
            client=principal.client,
            details={
                "policy": submitted.policy,
                "version": submitted.version,
                "author": submitted.submitted_by,
                "statement": said,
            },
        )
        session.commit()
        return _record(row)
