"""What one source record says about its person: its date, a line of summary, identifiers,
an address. Pure functions over a record's contract fields (the index's JSON payload).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from immigrationos.records import index as records_index
from immigrationos.records import normalize

# The date a record stands at on a person's timeline: the event it records, or the day it
# was issued or filed. A W-2 carries only its tax year: 31 December of that year.
RECORD_DATE_COLUMNS: dict[str, str] = {
    "cbp_i94": "event_date",
    "uscis_benefits": "filed_date",
    "eoir_cases": "nta_date",
    "enforcement_events": "event_date",
    "criminal_history": "disposition_date",
    "ssa_numident": "issue_date",
    "irs_w2": "tax_year",
    "irs_itin": "issue_date",
    "fincen_sar": "filing_date",
    "fincen_ctr": "transaction_date",
    "dmv_licenses": "issue_date",
    "dos_passports": "issue_date",
    "cbp_home_departures": "report_date",
    "tips": "received_date",
}
YEAR_COLUMNS = frozenset({"tax_year"})

# Sources by how much their identity fields are worth, best first: issued identity
# documents before declarations, allegations last. Breaks ties in a person's best name.
SOURCE_RANK: dict[str, int] = {
    name: rank
    for rank, name in enumerate(
        (
            "ssa_numident", "dos_passports", "uscis_benefits", "cbp_i94", "eoir_cases",
            "enforcement_events", "dmv_licenses", "irs_itin", "criminal_history",
            "cbp_home_departures", "irs_w2", "fincen_ctr", "fincen_sar", "tips",
        )
    )
}  # fmt: skip
UNRANKED = len(SOURCE_RANK)

# The fields that say what a record is about, in the order a summary line shows them.
SUMMARY_FIELDS: dict[str, tuple[str, ...]] = {
    "cbp_i94": ("event", "port_of_entry", "class_of_admission", "admit_until"),
    "uscis_benefits": ("form_type", "status", "decision_date", "valid_until"),
    "eoir_cases": ("status", "court", "decision_date", "in_absentia", "appeal_pending"),
    "enforcement_events": ("event_type", "location_state", "removal_country"),
    "criminal_history": ("offense_category", "offense_description", "disposition", "state"),
    "ssa_numident": ("birth_place", "citizenship_code", "death_date"),
    "irs_w2": ("tax_year", "employer_name", "wages"),
    "irs_itin": ("country_of_citizenship", "foreign_id_type"),
    "fincen_sar": ("filer_name", "activity_types", "amount"),
    "fincen_ctr": ("institution_name", "cash_in", "cash_out", "occupation"),
    "dmv_licenses": ("state", "real_id", "legal_presence_document", "expiry_date"),
    "dos_passports": ("birth_place", "expiry_date"),
    "cbp_home_departures": (
        "citizenship_country", "intended_departure_date", "confirmed_departure_date",
    ),
    "tips": ("channel", "allegation", "employer_name"),
}  # fmt: skip
ADDRESS_FIELDS = ("street", "city", "state", "zip")


@dataclass(frozen=True)
class Address:
    """An address a record gives, as written (upper case, spaces collapsed)."""

    street: str | None
    city: str | None
    state: str | None
    zip: str | None


def source_rank(source: str) -> int:
    """Return a source's rank for identity fields (smaller is more authoritative)."""
    return SOURCE_RANK.get(source, UNRANKED)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def record_date(source: str, payload: Mapping[str, Any]) -> date | None:
    """Return the date a record stands at on its person's timeline (None when it has none)."""
    column = RECORD_DATE_COLUMNS.get(source)
    value = _text(payload.get(column)) if column else None
    if value is None:
        return None
    try:
        if column in YEAR_COLUMNS:
            return date(int(value), 12, 31)
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def record_date_column(source: str) -> str | None:
    """Return the field a source's record date comes from."""
    return RECORD_DATE_COLUMNS.get(source)


def summary(source: str, payload: Mapping[str, Any]) -> str:
    """Return one line saying what a record is about (its key fields, as written)."""
    parts = []
    for name in SUMMARY_FIELDS.get(source, ()):
        value = payload.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{name.replace('_', ' ')} {value}")
    return "; ".join(parts)


def identifiers(source: str, payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the (kind, normalised value) of each identifier a record carries."""
    found = []
    for column, kind in records_index.IDENTIFIER_COLUMNS.get(source, ()):
        raw = _text(payload.get(column))
        if raw is None:
            continue
        if kind == "TIN":
            kind = "ITIN" if raw.startswith("9") else "SSN"
        elif kind in ("id_type", "foreign_id_type"):
            declared = _text(payload.get(kind))
            if declared is None or declared == "NONE":
                continue
            kind = records_index.DOCUMENT_KINDS.get(declared, "OTHER_ID")
        value = normalize.identifier(kind, raw)
        if value:
            found.append((kind, value))
    return found


def address(payload: Mapping[str, Any]) -> Address | None:
    """Return the address a record gives, or None when it gives no street, city or ZIP."""
    street, city, state, zip5 = (_text(payload.get(f)) for f in ADDRESS_FIELDS)
    if street is None and city is None and zip5 is None:
        return None
    return Address(
        street=street.upper() if street else None,
        city=city.upper() if city else None,
        state=state.upper() if state else None,
        zip=zip5[:5] if zip5 else None,
    )


def name_parts(payload: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Return the given, middle and family name a record gives, as written."""
    return (
        _text(payload.get("given_name")),
        _text(payload.get("middle_name")),
        _text(payload.get("family_name")),
    )
