"""A person's records as the detectors read them, with safe typed accessors.

A record is its source, its ``record_id`` and its payload: the contract row's fields as
the ingest lake and ``persons.service.PersonRecordRow.payload`` hold them (text, or the
lake's typed values: booleans, numbers, dates). Accessors never raise: a date that does
not parse, or a year that is not a number, reads as absent and the record is otherwise used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# The field that dates each source's record (W-2s carry a tax year only).
RECORD_DATE_FIELDS: dict[str, str] = {
    "cbp_i94": "event_date",
    "uscis_benefits": "filed_date",
    "eoir_cases": "nta_date",
    "enforcement_events": "event_date",
    "criminal_history": "disposition_date",
    "ssa_numident": "issue_date",
    "irs_itin": "issue_date",
    "fincen_sar": "filing_date",
    "fincen_ctr": "transaction_date",
    "dmv_licenses": "issue_date",
    "dos_passports": "issue_date",
    "cbp_home_departures": "report_date",
    "tips": "received_date",
}


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One source record of a person: where it comes from and its contract fields."""

    source: str
    record_id: str
    payload: Mapping[str, Any]

    @property
    def ref(self) -> str:
        """Return the record's reference, ``source:record_id``."""
        return f"{self.source}:{self.record_id}"

    def text(self, name: str) -> str | None:
        """Return a field as stripped text (None when empty or absent)."""
        value = self.payload.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.date):
            return value.isoformat()
        out = str(value).strip()
        return out or None

    def upper(self, name: str) -> str | None:
        """Return a code field in upper case (None when empty or absent)."""
        value = self.text(name)
        return value.upper() if value is not None else None

    def date(self, name: str) -> dt.date | None:
        """Return a ``YYYY-MM-DD`` field as a date (None when empty or not a real date)."""
        value = self.payload.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return parse_date(self.text(name))

    def flag(self, name: str) -> bool:
        """Return a boolean field (``true``), False when empty or anything else."""
        value = self.payload.get(name)
        if isinstance(value, bool):
            return value
        return (self.text(name) or "").lower() == "true"

    def year(self, name: str) -> int | None:
        """Return a year field as an int (None when empty or not a plausible year)."""
        value = self.text(name)
        if value is None:
            return None
        try:
            year = int(float(value))
        except ValueError:
            return None
        return year if 1800 <= year <= 9999 else None

    @property
    def day(self) -> dt.date | None:
        """Return the date the record stands at (31 December of a W-2's tax year)."""
        if self.source == "irs_w2":
            year = self.year("tax_year")
            return dt.date(year, 12, 31) if year is not None else None
        field = RECORD_DATE_FIELDS.get(self.source)
        return self.date(field) if field else None


@dataclass(frozen=True, slots=True)
class WithheldCitizenship(PersonRecord):
    """A record the data-use policy withholds from the purpose that shows US citizenship,
    named by its reference alone: its payload is never carried (it is empty).

    The platform reads a withheld record for citizenship only, so that it can protect and
    never incriminate (``flows.LawfulCut.apply``). Held by another person that may be this
    one (``elsewhere``), it holds every finding until a person who may read it confirms who
    is who.
    """


class StoredRecord(Protocol):
    """Anything holding a record's source, id and payload (e.g. ``PersonRecordRow``)."""

    @property
    def source(self) -> str: ...

    @property
    def record_id(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


def from_stored(rows: Iterable[StoredRecord]) -> list[PersonRecord]:
    """Return the person records of stored rows (``persons.service``), withdrawn ones left out."""
    return [
        PersonRecord(r.source, r.record_id, r.payload)
        for r in rows
        if not getattr(r, "withdrawn", False)
    ]


def parse_date(value: str | None) -> dt.date | None:
    """Return an ISO date (its first ten characters), None when absent or not a real date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def known_by(records: Iterable[PersonRecord], as_of: dt.date) -> list[PersonRecord]:
    """Return the records that exist as of ``as_of`` (dated no later; undated ones kept).

    A W-2 of the current tax year is kept: it stands for wages paid during that year.
    """
    out = []
    for r in records:
        if r.source == "irs_w2":
            year = r.year("tax_year")
            if year is None or year <= as_of.year:
                out.append(r)
            continue
        day = r.day
        if day is None or day <= as_of:
            out.append(r)
    return out


def by_source(records: Iterable[PersonRecord]) -> dict[str, list[PersonRecord]]:
    """Return the records grouped by source, in their given order."""
    out: dict[str, list[PersonRecord]] = {}
    for r in records:
        out.setdefault(r.source, []).append(r)
    return out


def without(
    records: Iterable[PersonRecord], withheld_sources: frozenset[str]
) -> list[PersonRecord]:
    """Return the records whose source is not withheld."""
    return [r for r in records if r.source not in withheld_sources]
