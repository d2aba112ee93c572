"""The world builder: randomness, identifiers, names and the helpers that write records."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from immigrationos.synth.aliases import ALIAS_BIRTH_SHARE, EVERYDAY_SHARE
from immigrationos.synth.geo import Geography
from immigrationos.synth.identity import Identities
from immigrationos.synth.names import ORIGINS, load_names
from immigrationos.synth.person import Employer, Person
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


class Builder(Identities):
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
        self.employer_words = load_names().employer_words
        self.init_identities()

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

    def addr_fields(
        self, p: Person, when: int, missing: float = 0.0, stale: float = 0.08
    ) -> dict[str, object]:
        """Return the address columns of a record of ``p`` dated ``when``."""
        if missing and self.rnd.random() < missing:
            return {}
        street, city, state, zip_ = self.address(p, when, stale)
        return {"street": street, "city": city, "state": state, "zip": zip_}

    # --- names ----------------------------------------------------------------------------
    def names(self, p: Person, source: str, when: int | None = None) -> tuple[str, str, str]:
        """Return the given, middle and family name a record of ``source`` gives ``p``.

        Immigration records and passports carry the legal name; wage, money, police and
        tip records often the everyday one (``aliases.EVERYDAY_SHARE``). An old Numident
        of a married woman often still has her maiden name; juniors and their fathers
        sometimes carry their suffix in the family name field. A record dated (``when``)
        before a change of name at naturalization carries the name before it.
        """
        rnd = self.rnd
        given, middle, family = p.given, p.middle, p.family
        share = EVERYDAY_SHARE.get(source, 0.0)
        renamed = p.renamed_at is not None and p.given_before != ""
        if renamed and source == "ssa_numident":
            # SSA updates the record only when told (with the naturalization certificate).
            if rnd.random() < 0.4:
                given = p.given_before
        elif renamed and when is not None and p.renamed_at is not None and when < p.renamed_at:
            given = p.given_before
        elif share and (p.alias_given or p.alias_family) and rnd.random() < share:
            if p.alias_given:
                given = p.alias_given
                middle = "" if p.by_middle else middle
            family = p.alias_family or family
        if share and p.maiden and rnd.random() < 0.12:
            family = f"{p.maiden}-{family}"  # maiden and married names, double-barrelled
        if source == "ssa_numident" and p.maiden and rnd.random() < 0.55:
            family = p.maiden
        if p.junior and rnd.random() < 0.12:
            family = f"{family} JR"
        elif p.senior and rnd.random() < 0.04:
            family = f"{family} SR"
        return given, middle, family

    def birth_date(self, p: Person, source: str) -> str:
        """Return the birth date a record of ``source`` gives ``p`` (sometimes an alias)."""
        share = ALIAS_BIRTH_SHARE.get(source, 0.0)
        if p.alias_birth and share and self.rnd.random() < share:
            return iso(p.alias_birth)
        return iso(p.birth)

    def person_fields(self, p: Person, source: str, when: int | None = None) -> dict[str, object]:
        """Return the name, birth date and sex columns of a record of ``p`` in ``source``."""
        given, _, family = self.names(p, source, when)
        return {
            "given_name": given,
            "family_name": family,
            "birth_date": self.birth_date(p, source),
            "sex": p.sex,
        }

    def passport_at(self, p: Person, when: int) -> str:
        """Return the passport ``p`` travels with on ``when`` (renewed every few years)."""
        if p.passport is None or p.passport_from is None:
            p.passport = p.passport or self.ids.foreign_passport()
            p.passport_from = when
        elif when - p.passport_from > 6 * YEAR and self.rnd.random() < 0.7:
            p.passport = self.ids.foreign_passport()
            p.passport_from = when
        elif p.passport_from - when > 6 * YEAR and self.rnd.random() < 0.7:
            return self.ids.foreign_passport()  # an older passport, long expired
        return p.passport

    # --- immigration records --------------------------------------------------------------

    def arrival(self, p: Person, when: int, cls: str, until: int | str | None) -> str:
        """Write an I-94 arrival of ``p`` and return its I-94 number."""
        passport = p.passport if cls == "USC" and p.passport else self.passport_at(p, when)
        number = self.ids.i94()
        admit = iso(until) if isinstance(until, int) else until
        self.store.add(
            "cbp_i94",
            p.pid,
            event="ARRIVAL",
            event_date=iso(when),
            i94_number=number,
            **self.person_fields(p, "cbp_i94", when),
            citizenship_country=p.country,
            passport_number=passport,
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
            **self.person_fields(p, "cbp_i94", when),
            citizenship_country=p.country,
            passport_number=self.passport_at(p, when),
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
        given, _, family = self.names(p, "uscis_benefits", filed)
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
            a_number=self.ensure_a_number(p) if self.rnd.random() < 0.7 else None,
            given_name=given,
            family_name=family,
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
        given, _, family = self.names(p, "eoir_cases", nta)
        self.store.add(
            "eoir_cases",
            p.pid,
            a_number=self.ensure_a_number(p),
            given_name=given,
            family_name=family,
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
        """Write an enforcement event of ``p``.

        One event in 25 carries a new A-number: an encounter not matched to the person's
        existing A-file opens a duplicate one.
        """
        rnd = self.rnd
        a_number: str | None = None
        if rnd.random() < 0.75:
            known = p.a_number is not None
            a_number = self.ensure_a_number(p)
            if known and rnd.random() < 0.04:
                a_number = self.ids.a_number()
        fbi = p.fbi if kind == "ARREST" and rnd.random() < 0.5 else None
        self.store.add(
            "enforcement_events",
            p.pid,
            event_type=kind,
            event_date=iso(when),
            a_number=a_number,
            fbi_number=fbi,
            **self.person_fields(p, "enforcement_events", when),
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
        given, _, family = self.names(p, "cbp_home_departures", report)
        self.store.add(
            "cbp_home_departures",
            p.pid,
            report_date=iso(report),
            given_name=given,
            family_name=family,
            birth_date=iso(p.birth),
            a_number=p.a_number if self.rnd.random() < 0.45 else None,
            passport_number=p.passport if self.rnd.random() < 0.5 else None,
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
