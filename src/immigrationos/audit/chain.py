"""The hash chain's canonical form: how an event's fields become the bytes that are hashed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The fields an event's hash covers, in the order of the canonical serialisation.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_role",
    "action",
    "resource_type",
    "resource_id",
    "purpose",
    "outcome",
    "client",
    "details",
    "prev_hash",
)


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """Return ``details`` as canonical JSON: sorted keys, no whitespace, UTF-8 kept as is."""
    try:
        return json.dumps(
            dict(details or {}),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"audit details must be plain JSON (str, number, list, dict): {exc}"
        ) from exc


def as_utc(at: datetime) -> datetime:
    """Return ``at`` in UTC; a naive value (SQLite hands those back) is taken as UTC."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Return the canonical serialisation of an event's hashed fields.

    A JSON array in ``HASHED_FIELDS`` order (so no field can be shifted into its
    neighbour), ``at`` as ISO 8601 UTC with microseconds, ``details`` as its stored
    canonical text, encoded as UTF-8.
    """
    values = [
        as_utc(fields["at"]).isoformat(timespec="microseconds") if name == "at" else fields[name]
        for name in HASHED_FIELDS
    ]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest of an event's canonical serialisation."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()
