"""UNAUTHORIZED_EMPLOYMENT: wages for a year in which no work authorization applied.

Rule: INA §274A (8 U.S.C. §1324a), employment of an "unauthorized alien" (§274A(h)(3)):
one neither a permanent resident nor authorized to work by the Act or the Secretary
(the classes of 8 CFR 274a.12). A nonimmigrant who works without authorization also
fails to maintain status (INA §237(a)(1)(C)(i)).

Data contract: a W-2 for tax year Y when no work authorization overlaps Y: citizenship,
permanent residence, a work-authorized admission class (H1B, H2A, H2B, L1, O1, TN, CW)
during its admission period, an EAD, TPS or DACA period, an asylum or refugee grant
(USCIS or an immigration judge). U and T status are counted as authorization too, since
the law attaches it to them (INA §214(p)(3)(B); 8 CFR 214.11). Wages under one's own
ITIN are not fraud, but an ITIN confers no work authorization; it is named in the detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord, known_by, without
from immigrationos.targeting.status import PersonStatus

VIOLATION = "UNAUTHORIZED_EMPLOYMENT"
SOURCES = base.STATUS_SOURCES
REQUIRED = frozenset(("irs_w2", "cbp_i94", "uscis_benefits", "eoir_cases", "ssa_numident",
                      "dos_passports"))  # fmt: skip


def is_itin(tin: str | None) -> bool:
    """Return whether a taxpayer number is an ITIN (nine digits starting with 9)."""
    return tin is not None and len(tin) == 9 and tin.isdigit() and tin.startswith("9")


def find(status: PersonStatus, w2s: Sequence[PersonRecord]) -> list[base.Finding]:
    """Return one finding per tax year with wages and no work authorization overlapping it."""
    by_year: dict[int, list[PersonRecord]] = {}
    for r in w2s:
        year = r.year("tax_year")
        if year is not None and year <= status.as_of.year:
            by_year.setdefault(year, []).append(r)
    found = []
    for year in sorted(by_year):
        if status.work_during(dt.date(year, 1, 1), dt.date(year, 12, 31)):
            continue
        rows = by_year[year]
        itins = sum(is_itin(r.text("employee_tin")) for r in rows)
        itin = f"; {itins} under an ITIN (no work authorization)" if itins else ""
        employers = ", ".join(sorted({r.text("employer_name") or "?" for r in rows}))
        detail = (
            f"wages in tax year {year} from {employers}; no work authorization "
            f"overlaps {year}{itin}"
        ) + base.citizenship_note(status)
        found.append(base.Finding(VIOLATION, status.as_of, tuple(r.ref for r in rows), detail))
    return found


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
) -> base.DetectorRun:
    """Run the unauthorized-employment detector on one person's records."""
    skipped = base.not_run(VIOLATION, REQUIRED, withheld_sources)
    if skipped is not None:
        return skipped
    st = base.status_for(records, as_of, withheld_sources, status)
    w2s = [r for r in known_by(without(records, withheld_sources), as_of) if r.source == "irs_w2"]
    return base.ran(VIOLATION, SOURCES, withheld_sources, find(st, w2s))
