"""Stories of citizens and of persons with lawful status or pending or granted relief."""

from __future__ import annotations

from immigrationos.synth.builder import YEAR, Builder
from immigrationos.synth.person import Person

WORK_CLASSES_NI = ("H1B", "H1B", "H1B", "L1", "O1", "TN", "TN", "H2B", "H2A")


def _citizen_numident(b: Builder, p: Person) -> None:
    born = p.birth
    if born >= b.jan1(1988):
        issue = born + b.rnd.randint(10, 400)
    else:
        issue = born + b.rnd.randint(14 * YEAR, 22 * YEAR)
    code = "A" if issue >= b.jan1(1981) or b.rnd.random() < 0.6 else ""
    b.issue_ssn(p, min(issue, b.a - 1), code)


def us_citizen_birth(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a US-born citizen."""
    z = int(b.pop.addr_zip[p.pid, 0])
    p.birth_place = (
        str(b.geo.states[z])
        if b.rnd.random() < 0.6
        else b.rnd.choice(("CA", "TX", "NY", "FL", "IL", "PA", "OH", "PR", "MI", "GA", "NJ", "NC"))
    )
    p.usc_from = p.birth
    _citizen_numident(b, p)
    p.docs = [(p.birth, "US_BIRTH_CERTIFICATE")]
    p.wants_license = b.rnd.random() < 0.85
    if variant == "deceased":
        p.death = b.between(b.a - 5 * YEAR, b.a - 30)
        p.end = p.death
    if variant == "usc_arrival":
        # A rare I-94 arrival recorded for a citizen (class USC, no admission period).
        p.passport = b.ids.us_passport()
        b.arrival(p, b.between(b.a - 4 * YEAR, b.a - 20), "USC", None)
    age = (b.a - p.birth) / 365.25
    if b.rnd.random() < (0.66 if age < 66 else 0.2):
        first = b.year - 4
        last = None if p.death is None else b.year_of(p.death) - 1
        b.plan_work(p, b.recent_years(first, last), p.ssn or "", True, -1)


def us_citizen_naturalized(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a naturalized citizen (LPR first, then N-400 approved)."""
    adult18 = p.birth + 18 * YEAR
    natz = b.between(min(max(adult18 + 2 * YEAR, b.a - 25 * YEAR), b.a - 400), b.a - 60)
    if p.given_before:
        p.renamed_at = natz  # a new given name with the naturalization certificate
    lpr = natz - b.rnd.randint(5 * YEAR, 8 * YEAR)
    if variant == "old_i94":
        cls = b.rnd.choice(("B2", "B2", "F1", "H1B"))
        entry = lpr - b.rnd.randint(1 * YEAR, 4 * YEAR)
        until: int | str = "D/S" if cls == "F1" else entry + (3 * YEAR if cls == "H1B" else 180)
        b.arrival(p, entry, cls, until)
        b.benefit(p, "I-485", "APPROVED", lpr - b.rnd.randint(150, 500), lpr)
        lpr_work = entry if cls == "H1B" else lpr
    elif variant == "immigrant_visa":
        b.arrival(p, lpr, "LPR", None)
        lpr_work = lpr
    else:  # adjusted long ago, no I-94 on file
        b.benefit(p, "I-485", "APPROVED", lpr - b.rnd.randint(150, 500), lpr)
        lpr_work = lpr
    b.benefit(p, "N-400", "APPROVED", natz - b.rnd.randint(120, 400), natz)
    p.birth_place = p.country
    p.usc_from = natz
    # Numident codes go stale: most naturalized citizens still show B.
    b.issue_ssn(p, lpr_work + b.rnd.randint(10, 90), "B" if b.rnd.random() < 0.6 else "A")
    p.docs = [(lpr, "PERMANENT_RESIDENT_CARD"), (natz, "NATURALIZATION_CERTIFICATE")]
    _later_life(b, p, variant, earliest_death=natz + 30, death_years=4, work_from=lpr_work,
                work_share=0.7)  # fmt: skip


def lpr(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a lawful permanent resident."""
    since = b.between(max(p.birth + YEAR, b.a - 20 * YEAR), b.a - 60)
    work_from = since
    last_arrival: str | None = None
    if variant == "immigrant_visa":
        last_arrival = b.arrival(p, since, "LPR", None)
    elif variant == "adjusted":
        cls = b.rnd.choice(("B2", "F1", "H1B", "J1"))
        entry = since - b.rnd.randint(1 * YEAR, 4 * YEAR)
        if cls in ("F1", "J1"):
            until: int | str = "D/S"
        else:
            until = entry + (3 * YEAR if cls == "H1B" else 180)
        b.arrival(p, entry, cls, until)
        b.benefit(p, "I-485", "APPROVED", since - b.rnd.randint(150, 500), since)
        if cls == "H1B":
            work_from = entry
    else:  # adjusted without an I-94 on file
        b.benefit(p, "I-485", "APPROVED", since - b.rnd.randint(150, 500), since)
    if variant == "returning" or (variant != "deceased" and b.rnd.random() < 0.15):
        if last_arrival is None:
            last_arrival = b.arrival(p, since, "LPR", None)
        leave = b.between(since + 200, b.a - 90)
        if leave < b.a - 90:
            b.departure(p, leave, last_arrival)
            b.arrival(p, leave + b.rnd.randint(7, 80), "LPR", None)
    if b.rnd.random() < 0.1 and since + 1100 < b.a:
        b.benefit(p, "I-751", "APPROVED", since + 600, since + 600 + b.rnd.randint(90, 400))
    if b.rnd.random() < 0.08 and since < b.a - 5 * YEAR:
        b.benefit(p, "N-400", "PENDING", b.between(since + 5 * YEAR, b.a - 20))
    p.birth_place = p.country
    b.issue_ssn(p, work_from + b.rnd.randint(10, 120), "B")
    p.docs = [(since, "PERMANENT_RESIDENT_CARD")]
    _later_life(b, p, variant, earliest_death=since + 60, death_years=3, work_from=work_from,
                work_share=0.72)  # fmt: skip


def _later_life(
    b: Builder,
    p: Person,
    variant: str,
    *,
    earliest_death: int,
    death_years: int,
    work_from: int,
    work_share: float,
) -> None:
    """Write a resident's licence wish, death (deceased variant) and authorized work."""
    p.wants_license = b.rnd.random() < 0.85
    if variant == "deceased":
        p.death = b.between(max(earliest_death, b.a - death_years * YEAR), b.a - 10)
        p.end = p.death
    if b.rnd.random() < work_share:
        last = None if p.death is None else b.year_of(p.death) - 1
        b.plan_work(p, b.recent_years(b.year_of(work_from), last), p.ssn or "", True, -1)


def nonimmigrant(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a nonimmigrant in valid status on as_of."""
    p.birth_place = p.country
    earlier_visit = b.rnd.random() < 0.3
    if variant == "worker":
        cls = b.rnd.choice(WORK_CLASSES_NI)
        seasonal = cls in ("H2A", "H2B")
        entry = b.a - b.rnd.randint(30, 250 if seasonal else 1000)
        until = max(entry + (300 if seasonal else 3 * YEAR), b.a + b.rnd.randint(20, 600))
        b.arrival(p, entry, cls, until)
        b.issue_ssn(p, entry + b.rnd.randint(15, 60), "B")
        p.docs = [(entry, "FOREIGN_PASSPORT_VISA")]
        p.active_from = entry
        p.wants_license = b.rnd.random() < 0.6
        if b.rnd.random() < 0.95:
            b.plan_work(p, b.recent_years(b.year_of(entry)), p.ssn or "", True, -1)
        if b.rnd.random() < 0.06:
            b.benefit(p, "I-485", "PENDING", b.between(entry + 30, b.a - 10))
    elif variant == "student":
        cls = "F1" if b.rnd.random() < 0.8 else "J1"
        entry = b.a - b.rnd.randint(30, 1500)
        b.arrival(p, entry, cls, "D/S")
        p.active_from = entry
        if b.rnd.random() < 0.15:
            b.issue_ssn(p, entry + b.rnd.randint(30, 200), "C")
        p.docs = [(entry, "FOREIGN_PASSPORT_VISA")]
        p.wants_license = b.rnd.random() < 0.4
    elif variant == "visitor":
        cls = b.rnd.choice(("B2", "B2", "WT", "B1", "WB"))
        entry = b.a - b.rnd.randint(5, 80)
        b.arrival(p, entry, cls, entry + (90 if cls in ("WT", "WB") else 180))
        p.active_from = entry
    elif variant == "extension_pending":
        # Timely I-539: filed before the admission expired, still pending: not an overstay.
        entry = b.a - b.rnd.randint(200, 400)
        until = entry + 180
        b.arrival(p, entry, b.rnd.choice(("B2", "B2", "B1")), until)
        b.benefit(p, "I-539", "PENDING", until - b.rnd.randint(5, 60))
        p.active_from = entry
    else:  # extension_approved
        entry = b.a - b.rnd.randint(200, 450)
        until = entry + 180
        b.arrival(p, entry, "B2", until)
        valid_until = max(until + 180, b.a + b.rnd.randint(10, 150))
        filed = until - b.rnd.randint(10, 60)
        b.benefit(p, "I-539", "APPROVED", filed, filed + 40, (until + 1, valid_until))
        p.active_from = entry
    if earlier_visit and p.active_from - 400 > b.a - 8 * YEAR:
        # An earlier visit, properly departed before this stay.
        old = b.between(b.a - 8 * YEAR, p.active_from - 400)
        num = b.arrival(p, old, "B2", old + 180)
        b.departure(p, old + b.rnd.randint(5, 170), num)


def refugee_asylee(b: Builder, p: Person, variant: str) -> None:
    """Write the story of an asylee (granted by USCIS or by a court)."""
    p.birth_place = p.country
    entry = b.between(max(p.birth + 16 * YEAR, b.a - 15 * YEAR), b.a - 2 * YEAR)
    p.active_from = entry
    if variant == "affirmative":
        b.arrival(p, entry, "B2", entry + 180)
        filed = entry + b.rnd.randint(30, 300)
        granted = min(filed + b.rnd.randint(180, 900), b.a - 20)
        b.benefit(p, "I-589", "APPROVED", filed, granted)
    elif variant == "court":
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(10, 60)
        granted = min(nta + b.rnd.randint(YEAR, 4 * YEAR), b.a - 20)
        b.eoir(p, nta, "RELIEF_GRANTED", granted)
    else:  # order_overturned: removal ordered in absentia, reopened, relief granted later
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(10, 60)
        order = nta + b.rnd.randint(120, 500)
        granted = min(order + b.rnd.randint(200, 900), b.a - 20)
        b.eoir(p, nta, "REMOVAL_ORDERED", order, absentia=True)
        b.eoir(p, order + b.rnd.randint(30, 120), "RELIEF_GRANTED", granted)
    b.grant_chain(p, ("I-765",), granted + b.rnd.randint(20, 90), 24, False)
    if b.rnd.random() < 0.35 and granted + YEAR + 200 < b.a:
        done = granted + YEAR + b.rnd.randint(100, 200)
        if done < b.a:
            b.benefit(p, "I-485", "APPROVED", granted + YEAR, done)
        else:
            b.benefit(p, "I-485", "PENDING", granted + YEAR)
    b.issue_ssn(p, granted + b.rnd.randint(30, 120), "B")
    p.docs = [(granted, "EAD")]
    p.wants_license = b.rnd.random() < 0.75
    if b.rnd.random() < 0.75:
        b.plan_work(p, b.recent_years(b.year_of(granted)), p.ssn or "", True, -1)


def _entry_without_status(b: Builder, p: Person, entry: int) -> None:
    """Enter without inspection (no record) or on a visa that later expires."""
    if b.rnd.random() < 0.4:
        b.arrival(p, entry, "B2", entry + 180)


def _work_in_periods(b: Builder, p: Person, periods: list[tuple[int, int]], share: float) -> None:
    if not periods or b.rnd.random() >= share:
        return
    years = sorted(
        {y for lo, hi in periods for y in range(b.year_of(lo), b.year_of(hi) + 1)}
        & set(b.recent_years(0))
    )
    b.plan_work(p, years, p.ssn or "", True, -1)


def tps(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a TPS holder (I-821 and I-765 grants covering as_of)."""
    p.birth_place = p.country
    entry = b.between(max(p.birth + 14 * YEAR, b.a - 20 * YEAR), b.a - 3 * YEAR)
    p.active_from = entry
    _entry_without_status(b, p, entry)
    start = b.between(entry + 90, b.a - 400)
    periods = b.grant_chain(p, ("I-821", "I-765"), start, 18, variant == "renewal_pending")
    b.issue_ssn(p, start + b.rnd.randint(30, 90), "B")
    p.docs = [(start, "EAD")]
    p.wants_license = b.rnd.random() < 0.8
    _work_in_periods(b, p, periods, 0.78)


def daca(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a DACA recipient (brought as a child, I-821D grants)."""
    p.birth_place = p.country
    latest = min(b.jan1(2007) + 160, p.birth + 15 * YEAR)
    entry = b.between(p.birth + 2 * YEAR, latest)
    p.active_from = entry
    _entry_without_status(b, p, entry)
    start = max(b.jan1(2012) + 275 + b.rnd.randint(0, 700), p.birth + 15 * YEAR + 60)
    start = min(start, b.a - 400)
    periods = b.grant_chain(p, ("I-821D", "I-765"), start, 24, variant == "renewal_pending")
    b.issue_ssn(p, start + b.rnd.randint(30, 90), "B")
    p.docs = [(start, "EAD")]
    p.wants_license = b.rnd.random() < 0.85
    _work_in_periods(b, p, periods, 0.82)


def asylum_pending(b: Builder, p: Person, variant: str) -> None:
    """Write the story of an asylum applicant (pending I-589 or an order under appeal)."""
    p.birth_place = p.country
    entry = b.between(max(p.birth + 16 * YEAR, b.a - 6 * YEAR), b.a - 200)
    p.active_from = entry
    if variant == "affirmative":
        until = entry + 180
        b.arrival(p, entry, "B2", until)
        filed = b.between(entry + 20, min(until - 5, b.a - 10))
        b.benefit(p, "I-589", "PENDING", filed)
    elif variant == "appeal":
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(5, 60)
        order = b.between(nta + 60, b.a - 45)
        b.eoir(p, nta, "REMOVAL_ORDERED", order, appeal=True)
        p.wants_license = b.rnd.random() < 0.4
        p.docs = [(entry, "NONE")]
        return
    else:  # defensive: encountered at the border, in proceedings, I-589 filed in court
        b.border_entry(p, entry)
        nta = entry + b.rnd.randint(5, 60)
        b.eoir(p, nta, "PENDING", None)
        filed = b.between(nta + 30, b.a - 10)
        b.benefit(p, "I-589", "PENDING", filed)
    periods: list[tuple[int, int]] = []
    if filed + 180 < b.a - 30:
        periods = b.grant_chain(p, ("I-765",), filed + b.rnd.randint(150, 200), 60, False)
        if b.rnd.random() < 0.6:
            b.issue_ssn(p, periods[0][0] + b.rnd.randint(20, 80), "B")
        p.docs = [(periods[0][0], "EAD")]
        p.wants_license = b.rnd.random() < 0.6
    _work_in_periods(b, p, periods if p.ssn else [], 0.7)


def parole(b: Builder, p: Person, variant: str) -> None:
    """Write the story of a parolee (current parole, or expired with relief pending)."""
    p.birth_place = p.country
    if variant == "current":
        entry = b.a - b.rnd.randint(60, 700)
        until = max(entry + 730, b.a + b.rnd.randint(10, 300))
        b.arrival(p, entry, "PAROLE", until)
        relief_filed = entry + b.rnd.randint(30, 59)
    elif variant == "asylum_after_parole":
        entry = b.a - b.rnd.randint(800, 1500)
        until = entry + 730
        b.arrival(p, entry, "PAROLE", until)
        relief_filed = b.between(entry + 60, until - 10)
        b.benefit(p, "I-589", "PENDING", relief_filed)
    else:  # cuban_adjustment: parole expired, I-485 pending
        entry = b.a - b.rnd.randint(500, 1200)
        b.arrival(p, entry, "PAROLE", entry + 365)
        relief_filed = b.between(entry + 370, b.a - 20)
        b.benefit(p, "I-485", "PENDING", relief_filed)
    p.active_from = entry
    periods: list[tuple[int, int]] = []
    if relief_filed + 60 < b.a:
        periods = b.grant_chain(p, ("I-765",), relief_filed + b.rnd.randint(40, 60), 24, False)
        if b.rnd.random() < 0.6:
            b.issue_ssn(p, periods[0][0] + b.rnd.randint(20, 80), "B")
        p.docs = [(periods[0][0], "EAD")]
        p.wants_license = b.rnd.random() < 0.5
    _work_in_periods(b, p, periods if p.ssn else [], 0.7)
