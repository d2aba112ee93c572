"""Demo accounts: one user per role, with sign-in details a person can use at once.

Each demo user gets a random password and TOTP secret. They are printed by ``imos demo``
and kept in ``<var>/demo-credentials.json`` (readable by its owner only), so that the
web interface, the API and the benchmarks can sign in. Never for a real deployment:
real accounts are created by an administrator, and their secrets shown once.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from immigrationos.auth import accounts, totp
from immigrationos.auth import service as auth_service
from immigrationos.auth.models import ROLES
from immigrationos.auth.permissions import is_office_scoped
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import demo as policy_demo
from immigrationos.policy import flows as policy_flows
from immigrationos.policy import service as policy_service
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.records.models import Record

DEMO_PREFIX = "demo."


@dataclass(frozen=True)
class DemoCredential:
    """How one demo user signs in."""

    username: str
    role: str
    field_offices: list[str]
    password: str
    totp_secret: str
    provisioning_uri: str


def credentials_path(var_dir: Path) -> Path:
    """Return the file where the demo's sign-in details are kept."""
    return var_dir / "demo-credentials.json"


def load_credentials(var_dir: Path) -> list[DemoCredential]:
    """Return the demo's sign-in details, or an empty list when there are none."""
    path = credentials_path(var_dir)
    if not path.exists():
        return []
    return [DemoCredential(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def _save(var_dir: Path, creds: list[DemoCredential]) -> None:
    path = credentials_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump([asdict(c) for c in creds], handle, indent=2)
    os.replace(tmp, path)


def seed_demo_users(
    engine: Engine, var_dir: Path, office: str, *, by: Principal
) -> list[DemoCredential]:
    """Create one user per role (office roles in ``office``); keep and return their details.

    Users that exist already are kept with the details saved when they were created.
    """
    known = {c.username: c for c in load_credentials(var_dir)}
    result: list[DemoCredential] = []
    for role in ROLES:
        username = DEMO_PREFIX + role.lower().replace("_", "-")
        with session_scope(engine) as session:
            exists = auth_service.get_user_by_username(session=session, username=username)
        if exists is not None and username in known:
            result.append(known[username])
            continue
        if exists is not None:
            continue  # created elsewhere; its secrets are not ours to print
        offices = [office] if is_office_scoped(role) else []
        password = "demo-" + secrets.token_urlsafe(12)
        created = accounts.create_user(
            username,
            f"Demo {role.replace('_', ' ').title()}",
            role,
            password,
            created_by=by.actor,
            field_offices=offices,
            engine=engine,
            by=by,
        )
        result.append(
            DemoCredential(
                username=username,
                role=role,
                field_offices=offices,
                password=password,
                totp_secret=created.totp_secret,
                provisioning_uri=created.provisioning_uri,
            )
        )
    _save(var_dir, result)
    return result


def current_code(credential: DemoCredential) -> str:
    """Return the TOTP code of a demo user for now."""
    return totp.code_at(credential.totp_secret, datetime.now(UTC))


@dataclass(frozen=True)
class DemoSetup:
    """What the demo set up for people to sign in and try every capability."""

    office: str
    credentials: list[DemoCredential]
    sample_purpose_id: str
    sample_order_id: str | None
    sample_warrant_id: str | None


def busiest_office(engine: Engine, default: str = "Los Angeles Field Office") -> str:
    """Return the field office with the most records (where the demo's field users work)."""
    with session_scope(engine) as session:
        row = session.execute(
            select(Record.field_office, func.count())
            .where(Record.field_office.is_not(None))
            .group_by(Record.field_office)
            .order_by(func.count().desc(), Record.field_office)
            .limit(1)
        ).first()
    return str(row[0]) if row else default


def _payloads(engine: Engine, source: str, limit: int) -> list[dict[str, object]]:
    with session_scope(engine) as session:
        texts = session.scalars(
            select(Record.payload)
            .where(Record.source == source, Record.withdrawn.is_(False))
            .order_by(Record.record_id)
            .limit(limit)
        ).all()
    return [json.loads(t) for t in texts]


def seed_demo(engine: Engine, var_dir: Path, *, by: Principal) -> DemoSetup:
    """Seed the demo's users and its SAMPLE purpose and authorizations (idempotent)."""
    office = busiest_office(engine)
    creds = seed_demo_users(engine, var_dir, office, by=by)
    records = {
        "irs_w2": _payloads(engine, "irs_w2", 3),
        "irs_itin": _payloads(engine, "irs_itin", 3),
        "dmv_licenses": _payloads(engine, "dmv_licenses", 5000),
    }
    subjects = policy_demo.pick_demo_subjects(records)
    seeded = policy_demo.seed_demo_authorization(
        engine,
        by,
        irs_subjects=subjects.irs,
        dmv_subjects=subjects.dmv,
        dmv_states=subjects.dmv_states,
    )
    return DemoSetup(
        office=office,
        credentials=creds,
        sample_purpose_id=seeded.purpose.id,
        sample_order_id=seeded.order.id if seeded.order else None,
        sample_warrant_id=seeded.warrant.id if seeded.warrant else None,
    )


TARGETING_REFERENCE = "DEMO-TARGETING"


def targeting_purpose(engine: Engine, *, by: Principal) -> str:
    """Return the demo's BATCH purpose for targeting runs, declared once (idempotent)."""
    with session_scope(engine) as session:
        found = policy_service.find_purpose(
            session=session, kind=PurposeKind.BATCH.value, reference=TARGETING_REFERENCE
        )
        if found is not None:
            return found.id
    created = policy_flows.create_purpose(
        engine=engine,
        principal=by,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference=TARGETING_REFERENCE,
            title="demo targeting run",
            justification="evaluate every resolved person of the demo world for leads",
        ),
    )
    return created.id
