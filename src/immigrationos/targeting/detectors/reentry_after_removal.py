"""REENTRY_AFTER_REMOVAL: present in the United States after having been removed.

Rule: 8 U.S.C. §1326 (INA §276), reentry of a removed alien without the consent of the
Secretary (INA §212(a)(9)(A)(iii)); INA §241(a)(5) (8 U.S.C. §1231(a)(5)), the prior
removal order is reinstated against an alien who reenters illegally after removal.

Data contract: present after a ``REMOVAL`` enforcement event; a voluntary ``RETURN`` is
not a removal. The contract does not look for consent to reapply: a lawful re-admission
after removal is still found here, and its arrival is named in the detail so that the
reviewer can check for consent (an approved I-212) before anything is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.status import PersonStatus

VIOLATION = "REENTRY_AFTER_REMOVAL"
SOURCES = base.STATUS_SOURCES
REQUIRED = frozenset(("enforcement_events", "ssa_numident", "cbp_home_departures", "cbp_i94"))


def find(status: PersonStatus) -> list[base.Finding]:
    """Return the reentry-after-removal finding of a person's status, if any."""
    if not status.presence.present or not status.removals:
        return []
    removal = status.removals[-1]
    # Present means seen again after the last exit, and a removal is an exit: so after it.
    shown = status.presence.returned
    kinds = ", ".join(sorted({f.kind for f in shown}))
    detail = f"removed on {removal.day}; in the US again since ({kinds})"
    readmitted = [a for a in status.admissions if removal.day and a.arrived > removal.day]
    if readmitted:
        a = readmitted[0]
        detail += (
            f"; admitted {a.class_of_admission or '?'} on {a.arrived}: "
            "check for consent to reapply (I-212)"
        )
    detail += base.citizenship_note(status)
    evidence = base.refs(*[r.evidence for r in status.removals], *[f.evidence for f in shown])
    return [base.Finding(VIOLATION, status.as_of, evidence, detail)]


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
) -> base.DetectorRun:
    """Run the reentry-after-removal detector on one person's records."""
    return base.run_on_status(
        VIOLATION, SOURCES, REQUIRED, find, records, as_of, withheld_sources, status
    )
