"""PRESENT_WITHOUT_ADMISSION: present with no lawful admission or status for the stay.

Rule: INA §212(a)(6)(A)(i) (8 U.S.C. §1182(a)(6)(A)(i)), an alien present in the United
States without being admitted or paroled; entry without inspection is also an offence
under 8 U.S.C. §1325(a).

Data contract: present; evidence of presence but no lawful admission or status on record
for the current stay (the stay since the last departure or removal, so a return after
removal counts); no pending or granted relief. Any I-94 arrival during the stay is an
admission (if it has expired, that is an overstay, not this). A status interval reaching
into the stay counts, and so does an EAD: a person authorized to work is not treated as
entered without inspection.

The provision applies to an *alien*: the absence of immigration records says nothing
about a person of whom no record says they were born abroad or hold another nationality
(most US citizens have no immigration record at all, and a citizen's licence that
resolution failed to join to their Social Security record would otherwise read as an
entry without inspection). So a finding also needs a record stating a foreign birth,
citizenship or nationality, wages under an ITIN, a foreign passport, or wages under an
SSN issued to someone else by a person with no SSN of their own
(``PersonStatus.alienage``, the last added by ``detect``): in removal proceedings the
government must establish alienage first, and evidence of foreign birth raises a
rebuttable presumption of it (Matter of Tijerina-Villarreal, 13 I&N Dec. 327 (BIA 1969)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.status import PersonStatus

VIOLATION = "PRESENT_WITHOUT_ADMISSION"
SOURCES = base.STATUS_SOURCES
REQUIRED = base.CLEARING_SOURCES


def find(status: PersonStatus) -> list[base.Finding]:
    """Return the present-without-admission finding of a person's status, if any."""
    as_of = status.as_of
    presence = status.presence
    if not presence.present or status.has_relief or not status.alienage:
        return []
    exit_ = presence.last_exit
    since = exit_.day if exit_ is not None else None
    if any(since is None or a.arrived > since for a in status.admissions):
        return []
    for i in status.status:
        starts_by = i.start is None or i.start <= as_of
        if starts_by and (since is None or i.end is None or i.end > since):
            return []
    shown = presence.returned if exit_ is not None else presence.evidence
    if not shown:
        return []
    kinds = ", ".join(sorted({f.kind for f in shown}))
    if exit_ is not None:
        detail = (
            f"back in the US after {exit_.kind} on {exit_.day} ({kinds}); "
            "no admission or status since; no pending or granted relief"
        )
        evidence = base.refs(exit_.evidence, *[f.evidence for f in shown])
    else:
        detail = f"evidence of presence ({kinds}); no admission or status on record; no relief"
        evidence = base.refs(*[f.evidence for f in shown])
    detail += "; tied to immigration by: " + ", ".join(sorted({f.detail for f in status.alienage}))
    detail += base.citizenship_note(status)
    return [base.Finding(VIOLATION, as_of, evidence, detail)]


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
) -> base.DetectorRun:
    """Run the present-without-admission detector on one person's records."""
    return base.run_on_status(
        VIOLATION, SOURCES, REQUIRED, find, records, as_of, withheld_sources, status
    )
