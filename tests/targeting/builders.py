"""Hand-built persons: one record per call, with only the fields the detectors read."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from immigrationos.targeting.detect import OwnerInfo, detect, findings
from immigrationos.targeting.records import PersonRecord

AS_OF = dt.date(2026, 11, 1)
_ids = itertools.count(1)


def _rec(source: str, **fields: Any) -> PersonRecord:
    payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}
    payload.setdefault("given_name", "ANA")
    payload.setdefault("family_name", "PEREZ")
    return PersonRecord(source, f"{source[:3].upper()}{next(_ids)}", payload)


def arrival(day: str, cls: str, until: str | None) -> PersonRecord:
    """Return an I-94 arrival."""
    return _rec("cbp_i94", event="ARRIVAL", event_date=day, class_of_admission=cls,
                admit_until=until, citizenship_country="MEX")  # fmt: skip


def departure(day: str) -> PersonRecord:
    """Return an I-94 departure."""
    return _rec("cbp_i94", event="DEPARTURE", event_date=day, citizenship_country="MEX")


def benefit(
    form: str,
    status: str,
    filed: str,
    decided: str | None = None,
    valid: tuple[str, str] | None = None,
    state: str | None = "TX",
) -> PersonRecord:
    """Return a USCIS benefit application."""
    return _rec("uscis_benefits", form_type=form, status=status, filed_date=filed,
                decision_date=decided, valid_from=valid[0] if valid else None,
                valid_until=valid[1] if valid else None, state=state,
                country_of_birth="MEX")  # fmt: skip


def eoir(
    status: str,
    decided: str | None,
    nta: str = "2015-01-10",
    *,
    absentia: bool = False,
    appeal: bool = False,
) -> PersonRecord:
    """Return an immigration-court case."""
    return _rec("eoir_cases", status=status, nta_date=nta, decision_date=decided,
                in_absentia="true" if absentia else "false",
                appeal_pending="true" if appeal else "false", nationality="MEX")  # fmt: skip


def event(kind: str, day: str) -> PersonRecord:
    """Return an enforcement event (ENCOUNTER, ARREST, RELEASE, REMOVAL, RETURN)."""
    return _rec("enforcement_events", event_type=kind, event_date=day, nationality="MEX")


def numident(
    ssn: str,
    place: str = "TX",
    code: str | None = "A",
    issued: str = "1990-05-01",
    died: str | None = None,
) -> PersonRecord:
    """Return a Numident record."""
    return _rec("ssa_numident", ssn=ssn, birth_place=place, citizenship_code=code,
                issue_date=issued, death_date=died)  # fmt: skip


def w2(year: int, tin: str, employer: str = "ACME FARMS") -> PersonRecord:
    """Return a W-2 wage statement."""
    return _rec("irs_w2", tax_year=str(year), employee_tin=tin, employer_name=employer,
                wages="31000.00")  # fmt: skip


def licence(issued: str, doc: str | None = "NONE") -> PersonRecord:
    """Return a driver licence."""
    return _rec("dmv_licenses", issue_date=issued, legal_presence_document=doc)


def passport(issued: str, place: str = "CA") -> PersonRecord:
    """Return a US passport."""
    return _rec("dos_passports", issue_date=issued, birth_place=place)


def self_departure(report: str, confirmed: str | None) -> PersonRecord:
    """Return a self-reported departure (confirmed or not)."""
    return _rec("cbp_home_departures", report_date=report, confirmed_departure_date=confirmed)


def tip(received: str) -> PersonRecord:
    """Return an anonymous tip."""
    return _rec("tips", received_date=received, allegation="works without papers",
                anonymous="true", employer_name="ACME FARMS")  # fmt: skip


def ctr(day: str) -> PersonRecord:
    """Return a currency transaction report."""
    return _rec("fincen_ctr", transaction_date=day, cash_in="12000.00")


def violations(
    records: Sequence[PersonRecord],
    *,
    ssn_owner: Mapping[str, OwnerInfo] | None = None,
    person_id: str | None = "P1",
    withheld: frozenset[str] = frozenset(),
) -> set[str]:
    """Return the violations ``detect`` finds on a hand-built person as of AS_OF."""
    runs = detect(records, AS_OF, ssn_owner=ssn_owner or {}, person_id=person_id,
                  withheld_sources=withheld)  # fmt: skip
    return {f.violation for f in findings(runs)}
