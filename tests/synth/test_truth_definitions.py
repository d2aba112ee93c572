"""The truth checked both ways against the contract's definitions, from the written files.

`test_world.py` checks that each violation the truth names rests on the records. This
checks the converse too: where the records meet a definition, the truth names the
violation. Presence and relief are implemented here from the contract's text, without the
generator's code.
"""

from __future__ import annotations

import datetime as dt

from .conftest import AS_OF
from .test_world import CITIZENS, World, _persons, _records

A = AS_OF.isoformat()
Records = dict[str, list[dict[str, str]]]

RELIEF_PENDING = {"I-589", "I-485", "I-821", "I-821D", "I-918", "I-914", "I-360"}
RELIEF_APPROVED = {"I-485", "I-589", "N-400", "I-918", "I-914", "I-360"}
RELIEF_APPROVED_WHILE_VALID = {"I-821", "I-821D", "I-539"}


def _arrivals(r: Records) -> list[dict[str, str]]:
    return sorted(
        (x for x in r.get("cbp_i94", []) if x["event"] == "ARRIVAL"), key=lambda x: x["event_date"]
    )


def has_relief(r: Records) -> bool:
    """Pending or granted relief, as the contract defines it."""
    arrivals = _arrivals(r)
    for b in r.get("uscis_benefits", []):
        form, status = b["form_type"], b["status"]
        if status == "PENDING" and form in RELIEF_PENDING:
            return True
        if status == "PENDING" and form == "I-539":
            before = [a for a in arrivals if a["event_date"] <= b["filed_date"]]
            if before:
                admission = before[-1]
                if admission["class_of_admission"] not in ("WT", "WB") and (
                    admission["admit_until"] == "D/S" or b["filed_date"] <= admission["admit_until"]
                ):
                    return True
        if status == "APPROVED" and form in RELIEF_APPROVED:
            return True
        if (
            status == "APPROVED"
            and form in RELIEF_APPROVED_WHILE_VALID
            and b["valid_until"]
            and b["valid_until"] >= A
        ):
            return True
    return any(
        e["status"] == "RELIEF_GRANTED" or e["appeal_pending"] == "true"
        for e in r.get("eoir_cases", [])
    )


def _seen_in_us_after(r: Records, date: str) -> bool:
    year = int(date[:4])
    return (
        any(a["event_date"] > date for a in _arrivals(r))
        or any(
            e["event_type"] in ("ENCOUNTER", "ARREST") and e["event_date"] > date
            for e in r.get("enforcement_events", [])
        )
        or any(int(w["tax_year"]) > year for w in r.get("irs_w2", []))
        or any(d["issue_date"] > date for d in r.get("dmv_licenses", []))
        or any(b["filed_date"] > date and b["zip"] for b in r.get("uscis_benefits", []))
        or any(c["transaction_date"] > date for c in r.get("fincen_ctr", []))
    )


def is_present(r: Records) -> bool:
    """Present as of AS_OF, as the contract defines it."""
    if any(n["death_date"] and n["death_date"] <= A for n in r.get("ssa_numident", [])):
        return False
    gone: list[str] = []
    arrivals = _arrivals(r)
    last_arrival = arrivals[-1]["event_date"] if arrivals else ""
    gone += [
        x["event_date"]
        for x in r.get("cbp_i94", [])
        if x["event"] == "DEPARTURE" and x["event_date"] > last_arrival
    ]
    gone += [
        h["confirmed_departure_date"]
        for h in r.get("cbp_home_departures", [])
        if h["confirmed_departure_date"]
    ]
    gone += [
        e["event_date"] for e in r.get("enforcement_events", []) if e["event_type"] == "REMOVAL"
    ]
    return not gone or _seen_in_us_after(r, max(gone))


def is_overstay(r: Records) -> bool:
    """OVERSTAY as the contract defines it."""
    arrivals = _arrivals(r)
    if not arrivals or not is_present(r):
        return False
    last = arrivals[-1]
    if last["admit_until"] in ("", "D/S") or last["admit_until"] >= A:
        return False
    departed = any(
        x["event"] == "DEPARTURE" and x["event_date"] > last["event_date"] for x in r["cbp_i94"]
    )
    return not departed and not has_relief(r)


def is_final_order_unexecuted(r: Records) -> bool:
    """FINAL_ORDER_UNEXECUTED as the contract defines it."""
    decided = sorted(
        (e for e in r.get("eoir_cases", []) if e["decision_date"]), key=lambda e: e["decision_date"]
    )
    if not decided or not is_present(r):
        return False
    last = decided[-1]
    cutoff = (AS_OF - dt.timedelta(days=30)).isoformat()
    final = last["decision_date"] <= cutoff or last["in_absentia"] == "true"
    removed_after = any(
        e["event_type"] == "REMOVAL" and e["event_date"] > last["decision_date"]
        for e in r.get("enforcement_events", [])
    )
    return (
        last["status"] == "REMOVAL_ORDERED"
        and final
        and last["appeal_pending"] == "false"
        and not any(e["status"] == "RELIEF_GRANTED" for e in r["eoir_cases"])
        and not removed_after
    )


def test_truth_and_records_agree_both_ways(world: World) -> None:
    out, _ = world
    persons = _persons(out)
    records = _records(out)
    disagreements: dict[str, list[str]] = {"OVERSTAY": [], "FINAL_ORDER_UNEXECUTED": []}
    tested = {"OVERSTAY": 0, "FINAL_ORDER_UNEXECUTED": 0}
    for pid, person in persons.items():
        if person["status"] in CITIZENS:
            continue
        r = records.get(pid, {})
        truth = set(filter(None, person["violations"].split("|")))
        for name, rule in (
            ("OVERSTAY", is_overstay),
            ("FINAL_ORDER_UNEXECUTED", is_final_order_unexecuted),
        ):
            expected = rule(r)
            tested[name] += expected
            if expected != (name in truth):
                disagreements[name].append(pid)
    assert tested["OVERSTAY"] > 10 and tested["FINAL_ORDER_UNEXECUTED"] > 0
    assert disagreements == {"OVERSTAY": [], "FINAL_ORDER_UNEXECUTED": []}


def test_no_violation_where_relief_or_absence(world: World) -> None:
    out, _ = world
    persons = _persons(out)
    records = _records(out)
    relieved = absent = 0
    for pid, person in persons.items():
        r = records.get(pid, {})
        truth = set(filter(None, person["violations"].split("|")))
        presence_bound = truth & {
            "OVERSTAY",
            "PRESENT_WITHOUT_ADMISSION",
            "FINAL_ORDER_UNEXECUTED",
            "REENTRY_AFTER_REMOVAL",
        }
        if not is_present(r):
            absent += 1
            assert not presence_bound, (pid, truth)
        if has_relief(r):
            relieved += 1
            assert not truth & {"OVERSTAY", "PRESENT_WITHOUT_ADMISSION"}, (pid, truth)
    assert relieved > 100 and absent > 10
