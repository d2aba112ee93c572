"""Ground truth of a world, derived from its clean records with the contract's definitions.

The checker reads only the records (before noise), never the intended story, so the truth
files say exactly what the data-contract definitions say about those records as of as_of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from immigrationos.sources.contract import US_BIRTH_PLACES, VIOLATIONS

# Admission classes that authorize work during the admission period.
WORK_CLASSES = frozenset(("H1B", "H2A", "H2B", "L1", "O1", "TN", "CW"))
PENDING_RELIEF = frozenset(("I-589", "I-485", "I-821", "I-821D", "I-918", "I-914", "I-360"))
APPROVED_RELIEF = frozenset(("I-485", "I-589", "N-400", "I-918", "I-914", "I-360"))
APPROVED_WHILE_VALID = frozenset(("I-821", "I-821D", "I-539"))
WORK_PERMITS = frozenset(("I-765", "I-821", "I-821D"))
FAR = "9999-12-31"
NEVER = "0000-01-01"

Row = dict[str, object]


@dataclass(frozen=True)
class PersonTruth:
    """What the contract's definitions say about one person as of as_of."""

    violations: tuple[str, ...]
    work_authorized: bool
    present: bool


def _s(v: object) -> str:
    return "" if v is None else str(v)


def judge_person(recs: dict[str, list[Row]], ssn_holder: dict[str, int], pid: int,
                 as_of: dt.date) -> PersonTruth:  # fmt: skip
    """Return the truth of one person from their records (source -> rows as dicts)."""
    a = as_of.isoformat()
    a_minus_30 = (as_of - dt.timedelta(days=30)).isoformat()
    i94 = sorted(recs.get("cbp_i94", []), key=lambda r: _s(r["event_date"]))
    arrivals = [r for r in i94 if r["event"] == "ARRIVAL"]
    departures = [r for r in i94 if r["event"] == "DEPARTURE"]
    benefits = recs.get("uscis_benefits", [])
    eoir = recs.get("eoir_cases", [])
    enforcement = recs.get("enforcement_events", [])
    numident = recs.get("ssa_numident", [])
    w2 = recs.get("irs_w2", [])

    # --- presence --------------------------------------------------------------------------
    deceased = any(r["death_date"] for r in numident)
    exits: list[str] = [_s(r["confirmed_departure_date"])
                        for r in recs.get("cbp_home_departures", [])
                        if r["confirmed_departure_date"]]  # fmt: skip
    last_arrival = arrivals[-1] if arrivals else None
    last_arrival_date = _s(last_arrival["event_date"]) if last_arrival else NEVER
    exits += [_s(r["event_date"]) for r in departures if _s(r["event_date"]) > last_arrival_date]
    removals = [_s(r["event_date"]) for r in enforcement if r["event_type"] == "REMOVAL"]
    exits += removals
    last_exit = max(exits) if exits else None

    def evidence_after(day: str) -> bool:
        year = int(day[:4])
        return (
            any(_s(r["event_date"]) > day for r in arrivals)
            or any(
                _s(r["event_date"]) > day
                for r in enforcement
                if r["event_type"] in ("ENCOUNTER", "ARREST")
            )
            or any(int(_s(r["tax_year"])) > year for r in w2)
            or any(_s(r["issue_date"]) > day for r in recs.get("dmv_licenses", []))
            or any(_s(r["filed_date"]) > day and r["state"] for r in benefits)
            or any(_s(r["transaction_date"]) > day for r in recs.get("fincen_ctr", []))
        )

    present = not deceased and (last_exit is None or evidence_after(last_exit))

    # --- relief ----------------------------------------------------------------------------
    def admission_at(day: str) -> Row | None:
        before = [r for r in arrivals if _s(r["event_date"]) <= day]
        return before[-1] if before else None

    relief = False
    for r in benefits:
        form, status = r["form_type"], r["status"]
        if status == "PENDING" and form in PENDING_RELIEF:
            relief = True
        elif status == "PENDING" and form == "I-539":
            adm = admission_at(_s(r["filed_date"]))
            if adm is not None and adm["class_of_admission"] not in ("WT", "WB"):
                until = _s(adm["admit_until"])
                if until and until != "D/S" and _s(r["filed_date"]) < until:
                    relief = True
        elif (status == "APPROVED" and form in APPROVED_RELIEF) or (
            status == "APPROVED"
            and form in APPROVED_WHILE_VALID
            and r["valid_until"]
            and _s(r["valid_until"]) >= a
        ):
            relief = True
    if any(r["status"] == "RELIEF_GRANTED" or r["appeal_pending"] == "true" for r in eoir):
        relief = True

    # --- authorization periods -------------------------------------------------------------
    periods: list[tuple[str, str]] = []
    if any(_s(r["birth_place"]) in US_BIRTH_PLACES for r in numident) or any(
        _s(r["birth_place"]) in US_BIRTH_PLACES for r in recs.get("dos_passports", [])
    ):
        periods.append((NEVER, FAR))
    for r in recs.get("dos_passports", []):
        periods.append((_s(r["issue_date"]), FAR))
    for r in benefits:
        form, status = r["form_type"], r["status"]
        if status != "APPROVED":
            continue
        if form in ("N-400", "I-485", "I-589") and r["decision_date"]:
            periods.append((_s(r["decision_date"]), FAR))
        elif form in WORK_PERMITS and r["valid_from"] and r["valid_until"]:
            periods.append((_s(r["valid_from"]), _s(r["valid_until"])))
    for r in eoir:
        if r["status"] == "RELIEF_GRANTED" and r["decision_date"]:
            periods.append((_s(r["decision_date"]), FAR))
    for i, r in enumerate(arrivals):
        cls, start = r["class_of_admission"], _s(r["event_date"])
        if cls in ("LPR", "USC"):
            periods.append((start, FAR))
        elif cls in WORK_CLASSES and r["admit_until"] and r["admit_until"] != "D/S":
            end = _s(r["admit_until"])
            later = [_s(d["event_date"]) for d in departures if _s(d["event_date"]) > start]
            nxt = _s(arrivals[i + 1]["event_date"]) if i + 1 < len(arrivals) else FAR
            if later and min(later) < min(end, nxt):
                end = min(later)
            periods.append((start, end))

    def authorized(lo: str, hi: str) -> bool:
        return any(s <= hi and e >= lo for s, e in periods)

    found: list[str] = []
    # OVERSTAY (no departure after the latest arrival)
    if present and last_arrival is not None and not relief:
        until = _s(last_arrival["admit_until"])
        left = any(_s(d["event_date"]) > last_arrival_date for d in departures)
        if until and until != "D/S" and until < a and not left:
            found.append("OVERSTAY")
    # UNAUTHORIZED_EMPLOYMENT
    if any(not authorized(f"{r['tax_year']}-01-01", f"{r['tax_year']}-12-31") for r in w2):
        found.append("UNAUTHORIZED_EMPLOYMENT")
    # IDENTITY_FRAUD: wages under an SSN (not an ITIN) that is another person's or unissued
    for r in w2:
        tin = _s(r["employee_tin"])
        if not tin.startswith("9") and ssn_holder.get(tin, -1) != pid:
            found.append("IDENTITY_FRAUD")
            break
    # FINAL_ORDER_UNEXECUTED
    decided = sorted((r for r in eoir if r["decision_date"]), key=lambda r: _s(r["decision_date"]))
    if present and decided:
        last = decided[-1]
        day = _s(last["decision_date"])
        final = day <= a_minus_30 or last["in_absentia"] == "true"
        if (
            last["status"] == "REMOVAL_ORDERED"
            and final
            and last["appeal_pending"] != "true"
            and not any(d > day for d in removals)
        ):
            found.append("FINAL_ORDER_UNEXECUTED")
    # REENTRY_AFTER_REMOVAL
    if present and removals:
        found.append("REENTRY_AFTER_REMOVAL")
    # PRESENT_WITHOUT_ADMISSION
    if present and not relief:
        stay_start = last_exit or NEVER
        admitted = any(_s(r["event_date"]) > stay_start for r in arrivals)
        status = any(s <= a and e > stay_start for s, e in periods)
        if not admitted and not status and (last_exit is not None or _has_evidence(recs)):
            found.append("PRESENT_WITHOUT_ADMISSION")
    work_now = not deceased and authorized(a, a)
    order = {v: i for i, v in enumerate(VIOLATIONS)}
    return PersonTruth(tuple(sorted(found, key=order.__getitem__)), work_now, present)


def _has_evidence(recs: dict[str, list[Row]]) -> bool:
    return bool(
        recs.get("cbp_i94")
        or any(
            r["event_type"] in ("ENCOUNTER", "ARREST") for r in recs.get("enforcement_events", [])
        )
        or recs.get("irs_w2")
        or recs.get("dmv_licenses")
        or any(r["state"] for r in recs.get("uscis_benefits", []))
        or recs.get("fincen_ctr")
    )


def judge_world(
    n: int,
    tables: Mapping[str, tuple[Sequence[str], Sequence[tuple[object, ...]], Sequence[int]]],
    as_of: dt.date,
    progress: Callable[[int], None] | None = None,
) -> list[PersonTruth]:
    """Return the truth of every person from source -> (columns, clean rows, person ids)."""
    by_person: list[dict[str, list[Row]]] = [{} for _ in range(n)]
    ssn_holder: dict[str, int] = {}
    for source, (columns, rows, pids) in tables.items():
        for row, pid in zip(rows, pids, strict=True):
            if pid < 0:
                continue
            rec = dict(zip(columns, row, strict=True))
            by_person[pid].setdefault(source, []).append(rec)
            if source == "ssa_numident":
                ssn_holder[_s(rec["ssn"])] = pid
    out = []
    for pid in range(n):
        out.append(judge_person(by_person[pid], ssn_holder, pid, as_of))
        if progress is not None and pid % 5000 == 0:
            progress(pid)
    return out
