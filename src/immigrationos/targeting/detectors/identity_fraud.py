"""IDENTITY_FRAUD: wages reported under an SSN issued to another person, or never issued.

Rule: 42 U.S.C. §408(a)(7)(B), falsely representing a number as one's Social Security
number; 18 U.S.C. §1546(b), using a false identification document or attestation to
satisfy the employment-verification requirement of INA §274A(b); where the number is a
real person's, 18 U.S.C. §1028 and §1028A (identity theft).

Data contract: wages reported under an SSN issued to another person (including a
deceased person), or never issued. An employer's typo in the holder's own SSN is not
fraud: a number one digit away from one of the person's own SSNs is read as such a typo.
An ITIN on a W-2 is not fraud (it is a sign of unauthorized employment, found there).

Whose an SSN is comes from the Numident, passed in as ``ssn_owner`` (every issued SSN,
with its holder), never read from a database here. A number not in it, or not a valid
SSN at all (area 000, 666 or 9xx, group 00, serial 0000), was never issued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord, known_by, without

VIOLATION = "IDENTITY_FRAUD"
SOURCES = frozenset(("irs_w2", "ssa_numident"))
REQUIRED = SOURCES


@dataclass(frozen=True)
class OwnerInfo:
    """The Numident holder of an SSN: the person it was issued to."""

    person_id: str
    name: str
    birth_date: dt.date | None = None
    death_date: dt.date | None = None
    record: str | None = None  # the Numident record, ``ssa_numident:record_id``
    given: str = ""  # the holder's given and family names as Numident writes them
    family: str = ""
    sex: str = ""


def valid_ssn(tin: str) -> bool:
    """Return whether nine digits can be an issued SSN (SSA's never-assigned ranges)."""
    if len(tin) != 9 or not tin.isdigit():
        return False
    area, group, serial = tin[:3], tin[3:5], tin[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def one_digit_apart(a: str, b: str) -> bool:
    """Return whether two numbers of the same length differ in exactly one digit."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _tin(r: PersonRecord) -> str | None:
    raw = r.text("employee_tin")
    if raw is None:
        return None
    digits = "".join(c for c in raw if c.isdigit())
    return digits or None


def find(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    ssn_owner: Mapping[str, OwnerInfo],
    person_id: str | None = None,
) -> list[base.Finding]:
    """Return one finding per SSN under which the person's wages are not their own."""
    known = known_by(records, as_of)
    own = {s for r in known if r.source == "ssa_numident" and (s := r.text("ssn"))}
    by_tin: dict[str, list[PersonRecord]] = {}
    for r in known:
        tin = _tin(r) if r.source == "irs_w2" else None
        if tin is None or tin.startswith("9") or tin in own:
            continue  # an ITIN, or the person's own SSN
        owner = ssn_owner.get(tin)
        if owner is not None and person_id is not None and owner.person_id == person_id:
            continue
        if any(one_digit_apart(tin, s) for s in own):
            continue  # an employer's typo in the holder's own number
        by_tin.setdefault(tin, []).append(r)
    found = []
    for tin, rows in sorted(by_tin.items()):
        owner = ssn_owner.get(tin)
        years = ", ".join(sorted({r.text("tax_year") or "?" for r in rows}))
        if owner is None:
            why = "not a valid SSN" if not valid_ssn(tin) else "no Numident record"
            detail = f"wages ({years}) under SSN {tin}, never issued ({why})"
            evidence = tuple(r.ref for r in rows)
        else:
            detail = f"wages ({years}) under SSN {tin}, issued to {owner.name}"
            if owner.birth_date is not None:
                detail += f" born {owner.birth_date}"
            if owner.death_date is not None:
                detail += f", deceased {owner.death_date}"
            detail += f" (person {owner.person_id})"
            evidence = base.refs([r.ref for r in rows], [owner.record] if owner.record else [])
        found.append(base.Finding(VIOLATION, as_of, evidence, detail))
    return found


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    ssn_owner: Mapping[str, OwnerInfo],
    person_id: str | None = None,
    withheld_sources: frozenset[str] = frozenset(),
) -> base.DetectorRun:
    """Run the identity-fraud detector on one person's records."""
    skipped = base.not_run(VIOLATION, REQUIRED, withheld_sources)
    if skipped is not None:
        return skipped
    found = find(without(records, withheld_sources), as_of, ssn_owner, person_id)
    return base.ran(VIOLATION, SOURCES, withheld_sources, found)
