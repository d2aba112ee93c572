"""Custody over the API: deadlines, bookings, removal eligibility and facts, the locator."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from immigrationos.custody.deadlines import DeadlineView
from immigrationos.custody.models import (
    Booking,
    CollateralEncounter,
    CounselNotice,
    Detention,
    Flight,
    RemovalFact,
    TravelDocument,
)
from immigrationos.custody.removal import Eligibility

RemovalFactKind = Literal[
    "APPEAL_WAIVED", "MOTION_TO_REOPEN_FILED", "MOTION_TO_REOPEN_DECIDED", "STAY_GRANTED",
    "STAY_LIFTED",
]  # fmt: skip


class DeadlineRead(BaseModel):
    """A legal deadline of a case and, while open, its alert (OVERDUE, DUE, UPCOMING)."""

    id: int
    case_id: str
    field_office: str | None
    kind: str
    sequence: int
    basis: str
    started_by: str
    starts_at: dt.datetime
    due_at: dt.datetime
    status: str
    alert: str | None
    seconds_left: int | None
    closed_at: dt.datetime | None
    closed_by: str | None
    closed_with: str | None
    note: str | None

    @classmethod
    def of(cls, found: DeadlineView) -> DeadlineRead:
        """Return the API form of a deadline."""
        return cls(**found.__dict__)


class DeadlineList(BaseModel):
    """Deadlines as they stand at ``now``."""

    now: dt.datetime
    field_offices: list[str] | None = None
    items: list[DeadlineRead]


class CustodyReviewCreate(BaseModel):
    """A post-order custody review (8 CFR 241.4(k)): continue detention or release."""

    model_config = ConfigDict(extra="forbid")

    continue_detention: bool
    reason: str = Field(min_length=1, max_length=4000)


class CustodyReviewRead(BaseModel):
    """The review deadline met and the next one started (None: released)."""

    met: DeadlineRead
    next: DeadlineRead | None


class RemovalFactCreate(BaseModel):
    """A legal fact deciding removal that no source carries."""

    model_config = ConfigDict(extra="forbid")

    kind: RemovalFactKind
    day: dt.date
    reason: str = Field(min_length=1, max_length=4000)


class RemovalFactRead(BaseModel):
    """A recorded removal fact."""

    id: int
    case_id: str
    kind: str
    day: dt.date
    reason: str
    recorded_by: str
    recorded_role: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, fact: RemovalFact) -> RemovalFactRead:
        """Return the API form of a removal fact."""
        return cls.model_validate(fact, from_attributes=True)


class RefusalRead(BaseModel):
    """One reason removal may not go ahead."""

    code: str
    detail: str


class EligibilityRead(BaseModel):
    """Whether the case's person may be removed now, and on what basis."""

    case_id: str
    eligible: bool
    basis: str | None
    detail: str
    refusals: list[RefusalRead]
    evidence: list[str]

    @classmethod
    def of(cls, case_id: str, found: Eligibility) -> EligibilityRead:
        """Return the API form of an eligibility."""
        return cls(
            case_id=case_id, eligible=found.eligible, basis=found.basis, detail=found.detail,
            refusals=[RefusalRead(code=r.code, detail=r.detail) for r in found.refusals],
            evidence=list(found.evidence),
        )  # fmt: skip


class MinorChild(BaseModel):
    """A minor child of the person and the arrangement made for the child (11064.3)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    age: int | None = Field(default=None, ge=0, le=17)
    arrangement: str = Field(min_length=1, max_length=2000)


class Counsel(BaseModel):
    """Counsel of record (Form G-28 on file), notified of transfers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    g28_on_file: bool = True
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=400)


class Charge(BaseModel):
    """A charge by INA section."""

    model_config = ConfigDict(extra="forbid")

    section: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=400)
    violation: str | None = Field(default=None, max_length=40)


class BookingComplete(BaseModel):
    """What the officer records to complete a booking."""

    model_config = ConfigDict(extra="forbid")

    encounter: str = Field(min_length=1, max_length=8000)
    identity_confirmed: bool
    identity_method: str = Field(min_length=1, max_length=2000)
    citizenship_claim: bool
    citizenship_statement: str | None = Field(default=None, max_length=4000)
    parent_or_guardian: bool = False
    minor_children: list[MinorChild] = Field(default_factory=list, max_length=30)
    property_items: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    health: dict[str, Any] = Field(default_factory=dict)
    counsel: Counsel | None = None
    charges: list[Charge] | None = None
    country_of_birth: str | None = Field(default=None, min_length=3, max_length=3)
    a_number: str | None = Field(default=None, max_length=12)


class BookingRead(BaseModel):
    """A booking record (like Form I-213)."""

    booking_id: str
    case_id: str
    person_id: str
    field_office: str | None
    state: str
    a_number: str | None
    country_of_birth: str | None
    biographics: dict[str, Any]
    encounter: str | None
    charges: list[dict[str, Any]]
    property_items: list[dict[str, Any]]
    health: dict[str, Any]
    parent_or_guardian: bool | None
    minor_children: list[dict[str, Any]]
    counsel: dict[str, Any] | None
    identity_confirmed: bool | None
    identity_method: str | None
    citizenship_claim: bool | None
    citizenship_statement: str | None
    halt_reason: str | None
    created_by: str
    created_at: dt.datetime
    completed_by: str | None
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, booking: Booking) -> BookingRead:
        """Return the API form of a booking."""
        return cls(
            booking_id=booking.booking_id, case_id=booking.case_id, person_id=booking.person_id,
            field_office=booking.field_office, state=booking.state, a_number=booking.a_number,
            country_of_birth=booking.country_of_birth,
            biographics=json.loads(booking.biographics), encounter=booking.encounter,
            charges=json.loads(booking.charges), property_items=json.loads(booking.property_items),
            health=json.loads(booking.health), parent_or_guardian=booking.parent_or_guardian,
            minor_children=json.loads(booking.minor_children),
            counsel=None if booking.counsel is None else json.loads(booking.counsel),
            identity_confirmed=booking.identity_confirmed,
            identity_method=booking.identity_method,
            citizenship_claim=booking.citizenship_claim,
            citizenship_statement=booking.citizenship_statement,
            halt_reason=booking.halt_reason, created_by=booking.created_by,
            created_at=booking.created_at, completed_by=booking.completed_by,
            completed_at=booking.completed_at,
        )  # fmt: skip


class BookingOutcomeRead(BaseModel):
    """A completed or halted booking and the case's state after it."""

    booking: BookingRead
    case_state: str
    halted: bool
    detail: str


class DetentionCreate(BaseModel):
    """The facility a detained person is now held in."""

    model_config = ConfigDict(extra="forbid")

    facility_name: str = Field(min_length=1, max_length=300)
    facility_address: str = Field(min_length=1, max_length=300)
    facility_phone: str | None = Field(default=None, max_length=40)
    facility_code: str | None = Field(default=None, max_length=40)


class DetentionRead(BaseModel):
    """A stay in one facility."""

    id: int
    case_id: str
    facility_code: str | None
    facility_name: str
    facility_address: str
    facility_phone: str | None
    booked_in_at: dt.datetime
    released_at: dt.datetime | None
    recorded_by: str

    @classmethod
    def of(cls, stay: Detention) -> DetentionRead:
        """Return the API form of a stay."""
        return cls.model_validate(stay, from_attributes=True)


class LocatorRead(BaseModel):
    """The locator's answer: IN_CUSTODY (facility), NOT_IN_CUSTODY or NO_MATCH."""

    status: str
    facility_name: str | None
    facility_address: str | None
    facility_phone: str | None
    message: str


class SelfDepartureWeek(BaseModel):
    """Self-departures of one field office in one ISO week (counts only)."""

    field_office: str | None
    week: str
    week_start: dt.date
    self_departures: int
    automatic: int


class SelfDepartureCounts(BaseModel):
    """Self-departures by field office and week, latest first."""

    field_offices: list[str] | None
    weeks: list[SelfDepartureWeek]


class TravelDocumentWrite(BaseModel):
    """A new status of a case's travel document, at the version seen (None: the first)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["NOT_REQUESTED", "REQUESTED", "ISSUED", "REFUSED"]
    country: str = Field(min_length=3, max_length=3, description="ISO 3166 alpha-3")
    kind: Literal["TRAVEL_DOCUMENT", "PASSPORT"] = "TRAVEL_DOCUMENT"
    number: str | None = Field(default=None, max_length=40)
    requested_on: dt.date | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    refused_on: dt.date | None = None
    note: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class TravelDocumentRead(BaseModel):
    """A case's travel document."""

    case_id: str
    kind: str
    status: str
    country: str
    number: str | None
    requested_on: dt.date | None
    issued_on: dt.date | None
    expires_on: dt.date | None
    refused_on: dt.date | None
    note: str | None
    version: int
    updated_by: str
    updated_at: dt.datetime

    @classmethod
    def of(cls, doc: TravelDocument) -> TravelDocumentRead:
        """Return the API form of a travel document."""
        return cls.model_validate(doc, from_attributes=True)


class FlightCreate(BaseModel):
    """A removal flight to create."""

    model_config = ConfigDict(extra="forbid")

    destination: str = Field(min_length=3, max_length=3, description="ISO 3166 alpha-3")
    departs: dt.date
    seats: int = Field(ge=0, le=10_000)
    departure_site: str = Field(min_length=1, max_length=300)


class FlightRead(BaseModel):
    """A removal flight, with the seats taken."""

    flight_id: str
    destination: str
    departs: dt.date
    seats: int
    seats_taken: int = 0
    departure_site: str
    state: str
    version: int
    created_by: str
    executed_by: str | None
    executed_at: dt.datetime | None

    @classmethod
    def of(cls, flight: Flight, taken: int = 0) -> FlightRead:
        """Return the API form of a flight."""
        found = cls.model_validate(flight, from_attributes=True)
        found.seats_taken = taken
        return found


class FlightList(BaseModel):
    """Removal flights, soonest first."""

    flights: list[FlightRead]


class FlightVersion(BaseModel):
    """The version of the flight the caller saw (optimistic locking)."""

    model_config = ConfigDict(extra="forbid")

    version: int


class LeftOutRead(BaseModel):
    """A case not seated (or dropped), and why."""

    case_id: str
    reason: str


class FlightFillRead(BaseModel):
    """What filling a flight did."""

    flight: FlightRead
    seated: list[str]
    left_out: list[LeftOutRead]


class FlightExecutionRead(BaseModel):
    """What executing a flight did."""

    flight: FlightRead
    removed: list[str]
    dropped: list[LeftOutRead]


class ManifestRead(BaseModel):
    """A flight's manifest: the flight and its passengers in order."""

    flight_id: str
    destination: str
    departs: dt.date
    seats: int
    departure_site: str
    state: str
    version: int
    passengers: list[dict[str, Any]]


class CounselNoticeRead(BaseModel):
    """A notice to counsel of record of a transfer (recorded, not sent)."""

    id: int
    case_id: str
    recipient: dict[str, Any]
    subject: str
    body: str
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, notice: CounselNotice) -> CounselNoticeRead:
        """Return the API form of a counsel notice."""
        return cls(
            id=notice.id, case_id=notice.case_id, recipient=json.loads(notice.recipient),
            subject=notice.subject, body=notice.body, created_by=notice.created_by,
            created_at=notice.created_at,
        )  # fmt: skip


class CounselNoticeList(BaseModel):
    """The notices to counsel recorded on a case."""

    case_id: str
    notices: list[CounselNoticeRead]


class CollateralCreate(BaseModel):
    """A person encountered who was not a target: what the officer records."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(min_length=1, max_length=40)
    field_office: str | None = Field(default=None, max_length=200)
    encounter: str = Field(min_length=1, max_length=4000)
    identity_confirmed: bool
    identity_method: str = Field(min_length=1, max_length=2000)
    citizenship_claim: bool
    citizenship_statement: str | None = Field(default=None, max_length=4000)
    operation_id: str | None = Field(default=None, max_length=40)


class CollateralRead(BaseModel):
    """The outcome of a collateral encounter's checks (CLEARED, or HALTED with the review)."""

    id: int
    person_id: str
    field_office: str | None
    outcome: str
    review: str | None
    detail: str
    lead_state: str | None
    safeguards: list[str]
    recorded_by: str
    recorded_at: dt.datetime
    operation_id: str | None = None
    lead_id: str | None = None
    case_id: str | None = None

    @classmethod
    def of(cls, row: CollateralEncounter) -> CollateralRead:
        """Return the API form of a collateral encounter."""
        return cls(
            id=row.id, person_id=row.person_id, field_office=row.field_office,
            outcome=row.outcome, review=row.review, detail=row.detail,
            lead_state=row.lead_state, safeguards=json.loads(row.safeguards),
            recorded_by=row.recorded_by, recorded_at=row.recorded_at,
            operation_id=row.operation_id, lead_id=row.lead_id, case_id=row.case_id,
        )  # fmt: skip
