"""The source data contract (shared/spec/data-contract.md) as data.

One ``SourceSpec`` per source: its columns in the contract's order, each column's
kind (which decides how it is validated and typed in the lake), whether it may be
empty, and its enumeration where it has one. Ingest, the synthetic world generator
and the tests all read the contract from here, so there is one definition of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's text is checked and what type it has in the lake."""

    TEXT = "text"
    RECORD_ID = "record_id"
    DATE = "date"
    ADMIT_UNTIL = "admit_until"  # a date or the literal D/S
    BOOL = "bool"
    MONEY = "money"
    INT = "int"
    ENUM = "enum"
    ENUM_LIST = "enum_list"  # |-separated values of an enumeration
    SEX = "sex"
    STATE = "state"
    ZIP = "zip"
    COUNTRY = "country"
    BIRTH_PLACE = "birth_place"  # a US state/territory code or an ISO3 country
    SSN = "ssn"
    ITIN = "itin"
    TIN = "tin"  # an SSN or an ITIN: nine digits
    A_NUMBER = "a_number"
    FBI_NUMBER = "fbi_number"
    I94_NUMBER = "i94_number"
    RECEIPT_NUMBER = "receipt_number"
    EIN = "ein"
    TRACT_GEOID = "tract_geoid"


@dataclass(frozen=True)
class Column:
    """One column of a source: name, kind, whether it may be empty, its values."""

    name: str
    kind: Kind = Kind.TEXT
    optional: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    """One source of the contract: its file stem, its columns, what it holds."""

    name: str
    title: str
    columns: tuple[Column, ...]
    key: str | None = "record_id"
    person_records: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        """Return the column names in the contract's order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def file_name(self) -> str:
        """Return the file name the contract gives this source."""
        return f"{self.name}.csv"


def _c(
    name: str, kind: Kind = Kind.TEXT, optional: bool = False, values: tuple[str, ...] = ()
) -> Column:
    return Column(name=name, kind=kind, optional=optional, values=values)


def _opt(name: str, kind: Kind = Kind.TEXT, values: tuple[str, ...] = ()) -> Column:
    return Column(name=name, kind=kind, optional=True, values=values)


RID = _c("record_id", Kind.RECORD_ID)
SEX = ("M", "F", "X")

CLASSES_OF_ADMISSION = (
    "B1", "B2", "WT", "WB", "F1", "J1", "H1B", "H2A", "H2B", "L1", "O1", "TN", "CW",
    "PAROLE", "LPR", "USC", "OTHER",
)  # fmt: skip
FORM_TYPES = (
    "I-485", "I-589", "I-821", "I-821D", "I-765", "N-400", "I-130", "I-751", "I-918",
    "I-914", "I-360", "I-539",
)  # fmt: skip
BENEFIT_STATUSES = ("PENDING", "APPROVED", "DENIED", "WITHDRAWN")
EOIR_STATUSES = (
    "PENDING", "REMOVAL_ORDERED", "RELIEF_GRANTED", "TERMINATED", "VOLUNTARY_DEPARTURE",
    "ADMIN_CLOSED",
)  # fmt: skip
ENFORCEMENT_EVENT_TYPES = ("ENCOUNTER", "ARREST", "RELEASE", "REMOVAL", "RETURN")
OFFENSE_CATEGORIES = (
    "VIOLENT", "SEX_OFFENSE", "WEAPONS", "DRUG_TRAFFICKING", "DRUG_POSSESSION", "PROPERTY",
    "FRAUD", "DUI", "IMMIGRATION", "TRAFFIC", "OTHER",
)  # fmt: skip
DISPOSITIONS = ("CONVICTED", "PENDING", "DISMISSED", "ACQUITTED")
CITIZENSHIP_CODES = ("A", "B", "C", "D")
ID_TYPES = (
    "SSN", "ITIN", "PASSPORT", "CONSULAR_ID", "DRIVER_LICENSE", "A_NUMBER", "NONE",
)  # fmt: skip
SAR_ACTIVITY_TYPES = (
    "STRUCTURING", "IDENTITY_THEFT", "FALSE_IDENTIFICATION", "MONEY_TRANSMISSION",
    "HUMAN_SMUGGLING", "HUMAN_TRAFFICKING", "FRAUD", "OTHER",
)  # fmt: skip
LEGAL_PRESENCE_DOCUMENTS = (
    "US_PASSPORT", "US_BIRTH_CERTIFICATE", "NATURALIZATION_CERTIFICATE",
    "PERMANENT_RESIDENT_CARD", "EAD", "FOREIGN_PASSPORT_VISA", "NONE",
)  # fmt: skip
TIP_CHANNELS = ("PHONE", "WEB", "EMAIL")
I94_EVENTS = ("ARRIVAL", "DEPARTURE")

_ADDRESS = (
    _opt("street"),
    _opt("city"),
    _opt("state", Kind.STATE),
    _opt("zip", Kind.ZIP),
)

SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec(
            "cbp_i94",
            "Arrivals and departures (CBP I-94 / entry-exit)",
            (
                RID,
                _c("event", Kind.ENUM, values=I94_EVENTS),
                _c("event_date", Kind.DATE),
                _c("i94_number", Kind.I94_NUMBER),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("citizenship_country", Kind.COUNTRY),
                _c("passport_number"),
                _opt("class_of_admission", Kind.ENUM, values=CLASSES_OF_ADMISSION),
                _opt("admit_until", Kind.ADMIT_UNTIL),
                _c("port_of_entry"),
                *_ADDRESS,
            ),
        ),
        SourceSpec(
            "uscis_benefits",
            "Benefit applications and decisions (USCIS)",
            (
                RID,
                _c("receipt_number", Kind.RECEIPT_NUMBER),
                _c("form_type", Kind.ENUM, values=FORM_TYPES),
                _c("status", Kind.ENUM, values=BENEFIT_STATUSES),
                _c("filed_date", Kind.DATE),
                _opt("decision_date", Kind.DATE),
                _opt("valid_from", Kind.DATE),
                _opt("valid_until", Kind.DATE),
                _opt("a_number", Kind.A_NUMBER),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("country_of_birth", Kind.COUNTRY),
                *_ADDRESS,
            ),
        ),
        SourceSpec(
            "eoir_cases",
            "Immigration court (EOIR)",
            (
                RID,
                _c("a_number", Kind.A_NUMBER),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("nationality", Kind.COUNTRY),
                _c("nta_date", Kind.DATE),
                _c("court"),
                _c("status", Kind.ENUM, values=EOIR_STATUSES),
                _opt("decision_date", Kind.DATE),
                _c("in_absentia", Kind.BOOL),
                _c("appeal_pending", Kind.BOOL),
            ),
        ),
        SourceSpec(
            "enforcement_events",
            "Prior encounters, arrests, removals",
            (
                RID,
                _c("event_type", Kind.ENUM, values=ENFORCEMENT_EVENT_TYPES),
                _c("event_date", Kind.DATE),
                _opt("a_number", Kind.A_NUMBER),
                _opt("fbi_number", Kind.FBI_NUMBER),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("nationality", Kind.COUNTRY),
                _opt("location_state", Kind.STATE),
                _opt("removal_country", Kind.COUNTRY),
            ),
        ),
        SourceSpec(
            "criminal_history",
            "Arrests and dispositions (state/federal records)",
            (
                RID,
                _opt("fbi_number", Kind.FBI_NUMBER),
                _opt("state_id"),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("offense_code"),
                _c("offense_category", Kind.ENUM, values=OFFENSE_CATEGORIES),
                _c("offense_description"),
                _c("disposition", Kind.ENUM, values=DISPOSITIONS),
                _opt("disposition_date", Kind.DATE),
                _opt("sentence_days", Kind.INT),
                _c("state", Kind.STATE),
            ),
        ),
        SourceSpec(
            "ssa_numident",
            "Social Security number records (SSA)",
            (
                RID,
                _c("ssn", Kind.SSN),
                _c("given_name"),
                _opt("middle_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("birth_place", Kind.BIRTH_PLACE),
                _opt("citizenship_code", Kind.ENUM, values=CITIZENSHIP_CODES),
                _c("issue_date", Kind.DATE),
                _opt("death_date", Kind.DATE),
            ),
        ),
        SourceSpec(
            "irs_w2",
            "Wage statements (IRS)",
            (
                RID,
                _c("tax_year", Kind.INT),
                _c("employer_ein", Kind.EIN),
                _c("employer_name"),
                _c("employee_tin", Kind.TIN),
                _c("given_name"),
                _c("family_name"),
                *_ADDRESS,
                _c("wages", Kind.MONEY),
            ),
        ),
        SourceSpec(
            "irs_itin",
            "Individual taxpayer identification numbers (IRS)",
            (
                RID,
                _c("itin", Kind.ITIN),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("country_of_citizenship", Kind.COUNTRY),
                _opt("foreign_id_type"),
                _opt("foreign_id_number"),
                *_ADDRESS,
                _c("issue_date", Kind.DATE),
            ),
        ),
        SourceSpec(
            "fincen_sar",
            "Suspicious activity reports (FinCEN)",
            (
                RID,
                _c("filing_date", Kind.DATE),
                _c("filer_name"),
                _c("given_name"),
                _c("family_name"),
                _opt("birth_date", Kind.DATE),
                _c("id_type", Kind.ENUM, values=ID_TYPES),
                _opt("id_number"),
                _opt("id_country", Kind.COUNTRY),
                *_ADDRESS,
                _c("activity_types", Kind.ENUM_LIST, values=SAR_ACTIVITY_TYPES),
                _c("amount", Kind.MONEY),
                _opt("narrative"),
            ),
        ),
        SourceSpec(
            "fincen_ctr",
            "Currency transaction reports (FinCEN)",
            (
                RID,
                _c("transaction_date", Kind.DATE),
                _c("institution_name"),
                _c("given_name"),
                _c("family_name"),
                _opt("birth_date", Kind.DATE),
                _c("id_type", Kind.ENUM, values=ID_TYPES),
                _opt("id_number"),
                _opt("id_country", Kind.COUNTRY),
                *_ADDRESS,
                _opt("occupation"),
                _c("cash_in", Kind.MONEY),
                _c("cash_out", Kind.MONEY),
            ),
        ),
        SourceSpec(
            "dmv_licenses",
            "Driver licenses and state IDs",
            (
                RID,
                _c("state", Kind.STATE),
                _c("license_number"),
                _c("given_name"),
                _opt("middle_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("street"),
                _c("city"),
                _c("zip", Kind.ZIP),
                _c("issue_date", Kind.DATE),
                _c("expiry_date", Kind.DATE),
                _c("real_id", Kind.BOOL),
                _opt("legal_presence_document", Kind.ENUM, values=LEGAL_PRESENCE_DOCUMENTS),
            ),
        ),
        SourceSpec(
            "dos_passports",
            "US passports issued (Department of State)",
            (
                RID,
                _c("passport_number"),
                _c("given_name"),
                _opt("middle_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _c("sex", Kind.SEX, values=SEX),
                _c("birth_place", Kind.BIRTH_PLACE),
                _c("issue_date", Kind.DATE),
                _c("expiry_date", Kind.DATE),
            ),
        ),
        SourceSpec(
            "cbp_home_departures",
            "Self-reported departures",
            (
                RID,
                _c("report_date", Kind.DATE),
                _c("given_name"),
                _c("family_name"),
                _c("birth_date", Kind.DATE),
                _opt("a_number", Kind.A_NUMBER),
                _opt("passport_number"),
                _c("citizenship_country", Kind.COUNTRY),
                _c("intended_departure_date", Kind.DATE),
                _opt("confirmed_departure_date", Kind.DATE),
                _opt("departure_port"),
            ),
        ),
        SourceSpec(
            "tips",
            "Tip line reports (unverified allegations)",
            (
                RID,
                _c("received_date", Kind.DATE),
                _c("channel", Kind.ENUM, values=TIP_CHANNELS),
                _opt("given_name"),
                _opt("family_name"),
                _opt("birth_date", Kind.DATE),
                *_ADDRESS,
                _opt("employer_name"),
                _c("allegation"),
                _c("anonymous", Kind.BOOL),
            ),
        ),
        SourceSpec(
            "census_tracts",
            "Census aggregates (no individuals, ever)",
            (
                _c("tract_geoid", Kind.TRACT_GEOID),
                _c("state", Kind.STATE),
                _c("zip", Kind.ZIP),
                _c("total_population", Kind.INT),
                _c("foreign_born", Kind.INT),
                _c("noncitizen", Kind.INT),
            ),
            key="tract_geoid",
            person_records=False,
        ),
    )
}

# The order sources are ingested and listed in.
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCES)

PERSON_SOURCES: tuple[str, ...] = tuple(n for n, s in SOURCES.items() if s.person_records)

# Truth files of a synthetic world (never read by the platform while it works).
TRUTH_STATUSES = (
    "US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED", "LPR", "NONIMMIGRANT", "REFUGEE_ASYLEE",
    "TPS", "DACA", "ASYLUM_PENDING", "PAROLE", "OVERSTAY", "EWI", "FINAL_ORDER",
)  # fmt: skip
VIOLATIONS = (
    "OVERSTAY", "UNAUTHORIZED_EMPLOYMENT", "IDENTITY_FRAUD", "FINAL_ORDER_UNEXECUTED",
    "REENTRY_AFTER_REMOVAL", "PRESENT_WITHOUT_ADMISSION",
)  # fmt: skip
TRUTH_PERSON_COLUMNS = (
    "person_id", "given_name", "middle_name", "family_name", "birth_date", "sex",
    "country_of_birth", "status", "work_authorized", "violations", "zip",
)  # fmt: skip
TRUTH_RECORD_COLUMNS = ("source", "record_id", "person_id")

# USPS codes accepted as a state: the states, DC, the territories and military "states".
US_STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC",
)  # fmt: skip
US_TERRITORIES = ("PR", "GU", "VI", "AS", "MP", "UM")
USPS_MILITARY = ("AA", "AE", "AP")
USPS_CODES: tuple[str, ...] = US_STATES + US_TERRITORIES + USPS_MILITARY
US_BIRTH_PLACES: tuple[str, ...] = US_STATES + US_TERRITORIES
