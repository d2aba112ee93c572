"""Stories of persons without status: overstays, entries without inspection, final orders."""

from __future__ import annotations

from immigrationos.synth.builder import YEAR, Builder
from immigrationos.synth.person import Person

OVERSTAY_CLASSES = (
    ("B2", 50), ("WT", 15), ("B1", 7), ("WB", 3), ("H2B", 8), ("H1B", 7), ("J1", 5), ("F1", 5),
)  # fmt: skip
_STAY = {"B2": 180, "B1": 180, "WT": 90, "WB": 90, "H2B": 300, "H1B": 3 * YEAR}


def _pick(b: Builder, table: tuple[tuple[str, int], ...]) -> str:
    return b.rnd.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _unauthorized_work(
    b: Builder, p: Person, first_year: int, share: float, after: int | None = None
) -> None:
    """Plan wages of a worker without authorization (ITIN, stolen or made-up SSN)."""
    if b.rnd.random() >= share:
        return
    years = b.recent_years(first_year)
    if after is not None:
        years = [y for y in years if y > after]
    if not years:
        return
    tin, own, name_of = b.unauthorized_tin(p, b.jan1(years[0]) - b.rnd.randint(30, 400))
    b.plan_work(p, years, tin, own, name_of)


def overstay(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a nonimmigrant who stayed past the admission period."""
    p.birth_place = p.country
    cls = _pick(b, OVERSTAY_CLASSES)
    if variant in ("visa_waiver_i539", "deceased"):
        cls = "WT" if variant == "visa_waiver_i539" else "H1B"
    stay = _STAY.get(cls, 2 * YEAR)
    expired = b.a - b.rnd.randint(20, 10 * YEAR)
    entry = max(expired - stay, p.birth + 16 * YEAR)
    expired = entry + stay
    if expired >= b.a - 15:
        entry, expired = b.a - 15 - stay - 30, b.a - 45
    p.active_from = entry
    if b.rnd.random() < 0.25 and entry > b.a - 12 * YEAR:
        old = entry - b.rnd.randint(400, 3 * YEAR)
        num = b.arrival(p, old, "B2", old + 180)
        b.departure(p, old + b.rnd.randint(5, 150), num)
    number = b.arrival(p, entry, cls, expired)
    p.docs = [(entry, "FOREIGN_PASSPORT_VISA"), (expired, "NONE")]
    p.wants_license = b.rnd.random() < 0.45
    authorized_worker = cls in ("H1B", "H2B")
    if authorized_worker:
        b.issue_ssn(p, entry + b.rnd.randint(15, 60), "B")
    if variant == "visa_waiver_i539":
        # Visa-waiver entrants cannot extend: the pending I-539 is no relief.
        b.benefit(p, "I-539", "PENDING", expired - b.rnd.randint(5, 40))
    elif variant == "untimely_i539":
        b.benefit(p, "I-539", "PENDING", b.between(expired + 10, b.a - 5))
    elif variant == "denied_i539":
        filed = expired - b.rnd.randint(5, 40)
        b.benefit(p, "I-539", "DENIED", filed, b.between(filed + 30, b.a - 5))
    elif variant == "departed":
        leave = b.between(expired + 10, b.a - 5)
        b.departure(p, leave, number)
        p.end = leave
        p.wants_license = False
        return
    elif variant in ("self_departed", "self_departure_unconfirmed"):
        report = b.between(expired + 10, b.a - 70)
        confirmed = variant == "self_departed"
        when = b.self_departure(p, report, confirmed)
        if confirmed:
            p.end = when
            p.wants_license = False
            return
    elif variant == "deceased":
        p.death = b.between(expired + 10, b.a - 5)
        p.end = p.death
        if b.rnd.random() < 0.8:
            years = b.recent_years(b.year_of(entry), b.year_of(expired))
            b.plan_work(p, [y for y in years if y < b.year_of(p.death)], p.ssn or "", True, -1)
        return
    if authorized_worker and b.rnd.random() < 0.7:
        # Kept working under the own SSN after the admission ended (not identity fraud).
        b.plan_work(p, b.recent_years(b.year_of(entry)), p.ssn or "", True, -1)
    else:
        _unauthorized_work(b, p, b.year_of(entry), 0.6, after=b.year_of(expired))
    p.needs_evidence = False


def ewi(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a person who entered without inspection."""
    p.birth_place = p.country
    latest = b.a - (3 * YEAR if variant in ("reentry_after_removal", "removed") else YEAR)
    entry = b.between(max(p.birth + 14 * YEAR, b.a - 20 * YEAR), latest)
    p.docs = [(entry, "NONE")]
    p.wants_license = b.rnd.random() < 0.5
    p.needs_evidence = True
    first_work = b.year_of(entry)
    if variant == "returned_then_reentered":
        # A voluntary RETURN is not a removal.
        b.border_entry(p, entry - b.rnd.randint(200, 3 * YEAR), returned=True)
    elif variant in ("reentry_after_removal", "removed"):
        seen = b.between(entry + 60, min(entry + 3 * YEAR, b.a - 2 * YEAR))
        removed = b.between(seen + 90, b.a - (400 if variant == "reentry_after_removal" else 30))
        b.enforce(p, "ARREST", seen, b.address(p, seen)[2])
        if b.rnd.random() < 0.5:
            nta = seen + b.rnd.randint(5, 40)
            b.eoir(p, nta, "REMOVAL_ORDERED", b.between(nta + 30, removed - 5))
        b.enforce(p, "REMOVAL", removed)
        if variant == "removed":
            p.end = removed
            p.needs_evidence = False
            p.wants_license = False
            return
        back = removed + b.rnd.randint(30, 300)
        p.active_from = back
        p.docs = [(back, "NONE")]
        first_work = b.year_of(back) + 1
        if b.rnd.random() < 0.3:
            b.enforce(p, "ARREST", b.between(back + 30, b.a - 5), b.address(p, b.a)[2])
    elif variant == "in_proceedings":
        b.border_entry(p, entry)
        b.eoir(p, entry + b.rnd.randint(10, 60), "PENDING", None)
    elif variant == "order_terminated":
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(10, 60)
        order = b.between(nta + 60, b.a - 200)
        b.eoir(p, nta, "REMOVAL_ORDERED", order, absentia=True)
        b.eoir(p, order + 40, "TERMINATED", b.between(order + 60, b.a - 10))
    elif variant in ("self_departed", "self_departure_unconfirmed"):
        confirmed = variant == "self_departed"
        when = b.self_departure(p, b.between(entry + YEAR, b.a - 70), confirmed)
        if confirmed:
            p.end = when
            p.needs_evidence = False
            p.wants_license = False
            return
    p.active_from = max(p.active_from, entry)
    _unauthorized_work(b, p, first_work, 0.8)


def final_order(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a person with a removal order (final, recent, appealed, executed)."""
    p.birth_place = p.country
    entry = b.between(max(p.birth + 16 * YEAR, b.a - 15 * YEAR), b.a - 2 * YEAR)
    p.active_from = entry
    p.docs = [(entry, "NONE")]
    p.wants_license = b.rnd.random() < 0.4
    if variant == "overstay_order":
        expired = entry + 180
        b.arrival(p, entry, "B2", expired)
        nta = b.between(expired + 60, b.a - 300)
    else:
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(10, 60)
    absentia = variant == "in_absentia"
    if variant == "not_yet_final":
        order = b.a - b.rnd.randint(1, 29)
    elif variant == "in_absentia":
        order = b.between(nta + 60, b.a - 2)
    else:
        order = b.between(nta + 60, b.a - 40)
    b.eoir(p, nta, "REMOVAL_ORDERED", order, absentia=absentia, appeal=variant == "appealed")
    if variant in ("removed", "removed_then_returned"):
        removed = b.between(order + 10, b.a - (400 if variant == "removed_then_returned" else 5))
        b.enforce(p, "ARREST", removed - b.rnd.randint(1, 9), b.address(p, removed)[2])
        b.enforce(p, "REMOVAL", removed)
        if variant == "removed":
            p.end = removed
            p.wants_license = False
            return
        back = removed + b.rnd.randint(30, 300)
        p.active_from = back
        p.docs = [(back, "NONE")]
        p.needs_evidence = True
        _unauthorized_work(b, p, b.year_of(back) + 1, 0.85)
        return
    if variant == "self_departed":
        p.end = b.self_departure(p, b.between(order + 10, b.a - 70), True)
        p.wants_license = False
        return
    p.needs_evidence = True
    _unauthorized_work(b, p, b.year_of(entry), 0.75)
