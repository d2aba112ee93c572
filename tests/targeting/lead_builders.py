"""Hand-built persons for the safeguards, scoring and recommendations tests."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from immigrationos.targeting.detect import OwnerInfo
from immigrationos.targeting.evaluate import Evaluation, evaluate_person
from immigrationos.targeting.policy import load_policy
from immigrationos.targeting.records import PersonRecord

from .builders import AS_OF

POLICY = load_policy()
_ids = itertools.count(1)


def record(source: str, **fields: Any) -> PersonRecord:
    """Return a record of any source with the given fields (dates as ISO text)."""
    payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}
    payload.setdefault("given_name", "ANA")
    payload.setdefault("family_name", "PEREZ")
    return PersonRecord(source, f"L{source[:3].upper()}{next(_ids)}", payload)


def conviction(category: str, day: str, disposition: str = "CONVICTED") -> PersonRecord:
    """Return a criminal-history record."""
    return record(
        "criminal_history",
        offense_category=category,
        disposition=disposition,
        disposition_date=day,
        offense_code="X",
        state="TX",
    )


def evaluate(
    records: Sequence[PersonRecord],
    *,
    ssn_owner: Mapping[str, OwnerInfo] | None = None,
    links: Mapping[str, float] | None = None,
    person_id: str | None = "P1",
    withheld: frozenset[str] = frozenset(),
) -> Evaluation:
    """Return ``evaluate_person`` on a hand-built person as of AS_OF, default policy."""
    return evaluate_person(
        records,
        AS_OF,
        ssn_owner=ssn_owner or {},
        link_probability=links or {},
        policy=POLICY,
        withheld_sources=withheld,
        person_id=person_id,
    )
