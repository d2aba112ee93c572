"""The world builder: one person's story context and the helpers that write its records."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np

from immigrationos.synth.geo import Geography
from immigrationos.synth.names import ORIGINS, load_names
from immigrationos.synth.population import Population
from immigrationos.synth.records import Ids, RecordStore, iso

YEAR = 365
PORTS = (
    "JFK", "LAX", "MIA", "ORD", "IAH", "SFO", "ATL", "EWR", "DFW", "SEA", "BOS", "IAD", "DTW",
    "SYS", "LAR", "ELP", "BRO", "NOG", "HID", "BLA", "CHI", "PHX", "MCO", "FLL", "HOU",
)  # fmt: skip
BORDER_STATES = ("TX", "TX", "TX", "AZ", "AZ", "CA", "CA", "NM")
COURTS = (
    "LOS ANGELES", "NEW YORK BROADWAY", "HOUSTON", "SAN ANTONIO", "MIAMI KROME", "CHICAGO",
    "DALLAS", "NEWARK", "SAN FRANCISCO", "ATLANTA", "PHOENIX", "EL PASO", "HARLINGEN",
    "ARLINGTON", "BOSTON", "DENVER", "SEATTLE", "CHARLOTTE", "ORLANDO", "OMAHA",
)  # fmt: skip


@dataclass
class Employer:
    """A synthetic employer with its EIN, name and city."""

    ein: str
    name: str
    state: str


@dataclass
class Person:
    """One person's story state while their records are written."""

    pid: int
    status: str
    given: str
    middle: str
    family: str
    birth: int
    sex: str
    country: str
    origin: str
    variant: str = ""
    birth_place: str = ""
    active_from: int = -(10**9)  # first day of the current stay (life records start here)
    end: int | None = None  # last day present (death, departure, removal without return)
    death: int | None = None
    ssn: str | None = None
    ssn_issue: int | None = None
    ssn_code: str = ""
    itin: str | None = None
    itin_issue: int | None = None
    a_number: str | None = None
    passport: str | None = None
    usc_from: int | None = None
    # (tax year, TIN, own SSN?, victim person number whose name is used or -1)
    work: list[tuple[int, str, bool, int]] = field(default_factory=list)
    docs: list[tuple[int, str]] = field(default_factory=list)  # (from ordinal, DMV document)
    wants_license: bool = False
    needs_evidence: bool = False


class Builder:
    """Shared state of a world while stories are written: randomness, ids, records."""

    def __init__(
        self,
        rnd: random.Random,
        rng: np.random.Generator,
        pop: Population,
        geo: Geography,
        as_of: dt.date,
        employers: list[Employer],
    ) -> None:
        self.rnd = rnd
        self.rng = rng
        self.pop = pop
        self.geo = geo
        self.as_of = as_of
        self.a = as_of.toordinal()
        self.year = as_of.year
        self.store = RecordStore()
        self.ids = Ids(rnd)
        self.employers = employers
        self.employers_by_state: dict[str, list[Employer]] = {}
        for e in employers:
            self.employers_by_state.setdefault(e.state, []).append(e)
        self.spare_ssn = 0
        self.employer_words = load_names().employer_words
        victims = np.flatnonzero(np.isin(pop.status, ["US_CITIZEN_BIRTH", "LPR"]))
        self.victims = victims.tolist() or [0]

    # --- time -----------------------------------------------------------------------------
    def jan1(self, year: int) -> int:
        """Return the ordinal of 1 January of ``year``."""
        return dt.date(year, 1, 1).toordinal()

    def year_of(self, ordinal: int) -> int:
        """Return the calendar year of a date ordinal."""
        return dt.date.fromordinal(ordinal).year

    def between(self, lo: int, hi: int) -> int:
        """Return a random ordinal in [lo, hi] (lo if the range is empty)."""
        return lo if hi <= lo else self.rnd.randint(lo, hi)

    def recent_years(self, first: int, last: int | None = None) -> list[int]:
        """Return the tax years (at most the last four) from ``first`` up to ``last``."""
        last = self.year - 1 if last is None else min(last, self.year - 1)
        return list(range(max(first, self.year - 4), last + 1))

    # --- addresses ------------------------------------------------------------------------
    def address(self, p: Person, when: int, stale: float = 0.08) -> tuple[str, str, str, str]:
        """Return (street, city, state, zip) of ``p`` on ``when``, sometimes an older one."""
        pop = self.pop
        k = 0
        n = int(pop.n_addr[p.pid])
        starts = pop.addr_start[p.pid]
        for j in range(1, n):
            if starts[j] <= when:
                k = j
        if k > 0 and self.rnd.random() < stale:
            k -= 1
        z = int(pop.addr_zip[p.pid, k])
        g = self.geo
        return pop.addr_street[p.pid][k], str(g.cities[z]), str(g.states[z]), str(g.zips[z])

    def addr_fields(self, p: Person, when: int, missing: float = 0.0) -> dict[str, object]:
        """Return the address columns of a record of ``p`` dated ``when``."""
        if missing and self.rnd.random() < missing:
            return {}
        street, city, state, zip_ = self.address(p, when)
        return {"street": street, "city": city, "state": state, "zip": zip_}

    # --- immigration records --------------------------------------------------------------
    def person_fields(self, p: Person) -> dict[str, object]:
        """Return the name, birth date and sex columns of ``p``."""
        return {
            "given_name": p.given,
            "family_name": p.family,
            "birth_date": iso(p.birth),
            "sex": p.sex,
        }

    def arrival(self, p: Person, when: int, cls: str, until: int | str | None) -> str:
        """Write an I-94 arrival of ``p`` and return its I-94 number."""
        if p.passport is None:
            p.passport = self.ids.foreign_passport()
        number = self.ids.i94()
        admit = iso(until) if isinstance(until, int) else until
        self.store.add(
            "cbp_i94",
            p.pid,
            event="ARRIVAL",
            event_date=iso(when),
            i94_number=number,
            **self.person_fields(p),
            citizenship_country=p.country,
            passport_number=p.passport,
            class_of_admission=cls,
            admit_until=admit,
            port_of_entry=self.rnd.choice(PORTS),
            **self.addr_fields(p, when + 1, missing=0.3),
        )
        return number

    def departure(self, p: Person, when: int, number: str | None) -> None:
        """Write an I-94 departure of ``p``."""
        self.store.add(
            "cbp_i94",
            p.pid,
            event="DEPARTURE",
            event_date=iso(when),
            i94_number=number or self.ids.i94(),
            **self.person_fields(p),
            citizenship_country=p.country,
            passport_number=p.passport or self.ids.foreign_passport(),
            port_of_entry=self.rnd.choice(PORTS),
        )

    def ensure_a_number(self, p: Person) -> str:
        """Return the A-number of ``p``, assigning one if needed."""
        if p.a_number is None:
            p.a_number = self.ids.a_number()
        return p.a_number

    def benefit(
        self,
        p: Person,
        form: str,
        status: str,
        filed: int,
        decided: int | None = None,
        valid: tuple[int, int] | None = None,
    ) -> None:
        """Write a USCIS benefit record of ``p``."""
        dt_year = dt.date.fromordinal(filed).year
        self.store.add(
            "uscis_benefits",
            p.pid,
            receipt_number=self.ids.receipt(dt_year),
            form_type=form,
            status=status,
            filed_date=iso(filed),
            decision_date=iso(decided) if decided is not None else None,
            valid_from=iso(valid[0]) if valid else None,
            valid_until=iso(valid[1]) if valid else None,
            a_number=self.ensure_a_number(p) if self.rnd.random() < 0.85 else None,
            given_name=p.given,
            family_name=p.family,
            birth_date=iso(p.birth),
            sex=p.sex,
            country_of_birth=p.country,
            **self.addr_fields(p, filed, missing=0.04),
        )

    def grant_chain(
        self, p: Person, forms: tuple[str, ...], start: int, months: int, last_pending: bool
    ) -> list[tuple[int, int]]:
        """Write consecutive APPROVED grants from ``start`` until one covers as_of.

        Returns the approved validity periods. With ``last_pending`` the period that would
        cover as_of is instead a PENDING filing (a renewal not yet decided).
        """
        length = int(months * 30.44)
        periods: list[tuple[int, int]] = []
        lo = min(start, self.a - 5)
        while True:
            hi = lo + length - 1
            covers = hi >= self.a
            filed = lo - self.rnd.randint(30, 150)
            if covers and last_pending and periods:
                for form in forms:
                    self.benefit(p, form, "PENDING", min(filed, self.a - 10))
                break
            decided = lo - self.rnd.randint(1, 25)
            for form in forms:
                self.benefit(p, form, "APPROVED", filed, decided, (lo, hi))
            periods.append((lo, hi))
            if covers:
                break
            lo = hi + 1
        return periods

    def eoir(
        self,
        p: Person,
        nta: int,
        status: str,
        decided: int | None,
        *,
        absentia: bool = False,
        appeal: bool = False,
    ) -> None:
        """Write an EOIR case of ``p``."""
        self.store.add(
            "eoir_cases",
            p.pid,
            a_number=self.ensure_a_number(p),
            given_name=p.given,
            family_name=p.family,
            birth_date=iso(p.birth),
            nationality=p.country,
            nta_date=iso(nta),
            court=self.rnd.choice(COURTS),
            status=status,
            decision_date=iso(decided) if decided is not None else None,
            in_absentia="true" if absentia else "false",
            appeal_pending="true" if appeal else "false",
        )

    def enforce(self, p: Person, kind: str, when: int, state: str | None = None) -> None:
        """Write an enforcement event of ``p``."""
        self.store.add(
            "enforcement_events",
            p.pid,
            event_type=kind,
            event_date=iso(when),
            a_number=self.ensure_a_number(p) if self.rnd.random() < 0.9 else None,
            fbi_number=None,
            **self.person_fields(p),
            nationality=p.country,
            location_state=state or self.rnd.choice(BORDER_STATES),
            removal_country=p.country if kind in ("REMOVAL", "RETURN") else None,
        )

    def border_entry(self, p: Person, when: int, returned: bool = False) -> None:
        """Write an encounter at the border, then a release or a voluntary return."""
        self.enforce(p, "ENCOUNTER", when)
        self.enforce(p, "RETURN" if returned else "RELEASE", when + self.rnd.randint(0, 6))

    def self_departure(self, p: Person, report: int, confirmed: bool) -> int:
        """Write a self-reported departure; return the (intended or confirmed) date."""
        intended = report + self.rnd.randint(7, 60)
        confirm = min(intended + self.rnd.randint(0, 5), self.a - 1) if confirmed else None
        self.store.add(
            "cbp_home_departures",
            p.pid,
            report_date=iso(report),
            given_name=p.given,
            family_name=p.family,
            birth_date=iso(p.birth),
            a_number=p.a_number if self.rnd.random() < 0.6 else None,
            passport_number=p.passport if self.rnd.random() < 0.7 else None,
            citizenship_country=p.country,
            intended_departure_date=iso(intended),
            confirmed_departure_date=iso(confirm) if confirm is not None else None,
            departure_port=self.rnd.choice(PORTS) if confirm is not None else None,
        )
        return confirm if confirm is not None else intended

    def fabricated_name(self) -> tuple[str, str]:
        """Return a given and family name drawn at random (for tips about nobody)."""
        tables = load_names()
        origin = self.rnd.choice(ORIGINS)
        given = tables.given[(origin, self.rnd.choice("MF"))].names
        family = tables.family[origin].names
        return self.rnd.choice(given), self.rnd.choice(family)

    # --- identity -------------------------------------------------------------------------
    def issue_ssn(self, p: Person, when: int, code: str) -> str:
        """Give ``p`` their SSN, issued on ``when`` with a Numident citizenship code."""
        p.ssn = f"{int(self.pop.ssn[p.pid]):09d}"
        p.ssn_issue = max(when, p.birth)
        p.ssn_code = code
        return p.ssn

    def issue_itin(self, p: Person, when: int) -> str:
        """Give ``p`` an ITIN issued on ``when``."""
        p.itin = self.ids.itin()
        p.itin_issue = when
        return p.itin

    def stolen_ssn(self, p: Person) -> tuple[str, int]:
        """Return another person's SSN (and that person) for ``p`` to work under."""
        for _ in range(20):
            v = self.rnd.choice(self.victims)
            if v != p.pid:
                return f"{int(self.pop.ssn[v]):09d}", int(v)
        return self.fake_ssn(), -1

    def fake_ssn(self) -> str:
        """Return a valid-looking SSN issued to nobody in the world."""
        spare = self.pop.spare_ssns
        v = spare[self.spare_ssn % len(spare)]
        self.spare_ssn += 1
        return f"{int(v):09d}"

    def unauthorized_tin(self, p: Person, first_issue: int) -> tuple[str, bool, int]:
        """Choose how an unauthorized worker is paid: ITIN, stolen SSN or made-up SSN."""
        r = self.rnd.random()
        if r < 0.45:
            return p.itin or self.issue_itin(p, first_issue), False, -1
        if r < 0.8:
            ssn, victim = self.stolen_ssn(p)
            return ssn, False, victim if self.rnd.random() < 0.4 else -1
        return self.fake_ssn(), False, -1

    def plan_work(self, p: Person, years: list[int], tin: str, own: bool, name_of: int) -> None:
        """Record that ``p`` earned wages in ``years`` under ``tin``."""
        p.work.extend((y, tin, own, name_of) for y in years)
