"""Field types the API's schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive value (SQLite hands those back) is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A time as RFC 3339 with its offset, whatever the database gave back.
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
