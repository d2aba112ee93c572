"""OVERSTAY: a nonimmigrant still present after the admission period ended.

Rule: INA §237(a)(1)(B) (8 U.S.C. §1227(a)(1)(B)), an alien present in the United States
in violation of law is deportable; INA §237(a)(1)(C)(i), failure to maintain the
nonimmigrant status of admission. A timely extension request keeps the stay authorized
while it is pending (8 CFR 214.1(c)(4)); visa-waiver entrants cannot extend or change
status (INA §217, §248(a)(4); 8 CFR 214.1(c)(3), ineligible classes).

Data contract: present; the latest I-94 arrival has a dated ``admit_until`` before
``as_of`` (not ``D/S``); no departure after that arrival; no pending or granted relief.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.status import PersonStatus

VIOLATION = "OVERSTAY"
SOURCES = base.STATUS_SOURCES
REQUIRED = base.CLEARING_SOURCES


def find(status: PersonStatus) -> list[base.Finding]:
    """Return the overstay finding of a person's status (empty when there is none)."""
    as_of = status.as_of
    adm = status.latest_admission
    if not status.presence.present or status.has_relief or adm is None:
        return []
    if adm.duration_of_status or adm.admit_until is None or adm.admit_until >= as_of:
        return []
    if any(d.day is not None and d.day > adm.arrived for d in status.departures):
        return []
    last = status.presence.last_evidence
    seen = f"; last seen {last.kind} {last.day}" if last is not None else ""
    detail = (
        f"admitted {adm.class_of_admission or '?'} on {adm.arrived} until {adm.admit_until}; "
        f"no departure since; no pending or granted relief{seen}"
    )
    evidence = base.refs((adm.ref,), last.evidence if last is not None else ())
    detail += base.citizenship_note(status)
    return [base.Finding(VIOLATION, as_of, evidence, detail)]


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
) -> base.DetectorRun:
    """Run the overstay detector on one person's records as of ``as_of``."""
    return base.run_on_status(
        VIOLATION, SOURCES, REQUIRED, find, records, as_of, withheld_sources, status
    )
