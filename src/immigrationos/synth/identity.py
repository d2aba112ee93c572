"""Identifiers of a person and the ways a worker without authorization is paid.

A part of the world ``Builder`` (a mixin): issuing SSNs and ITINs, and choosing the TIN
of an unauthorized worker: a citizen or permanent resident relative's SSN, an ITIN, an
SSN stolen or bought within the worker's community (some sold again to other workers),
or a made-up one.
"""

from __future__ import annotations

import random

import numpy as np

from immigrationos.synth.geo import Geography
from immigrationos.synth.person import Person
from immigrationos.synth.population import Population
from immigrationos.synth.records import Ids

# Statuses whose holders always have an SSN of their own (victims of borrowed identities).
HOLDER_STATUSES = frozenset(("US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED", "LPR"))


class Identities:
    """Issuing identifiers and choosing workers' TINs (mixed into ``Builder``)."""

    rnd: random.Random
    pop: Population
    geo: Geography
    ids: Ids
    spare_ssn: int
    victims: list[int]
    victims_by: dict[object, list[int]]
    sold: list[tuple[str, int]]
    members: dict[int, list[int]]

    def init_identities(self) -> None:
        """Index the possible victims of stolen SSNs and the households."""
        pop = self.pop
        self.spare_ssn = 0
        victims = np.flatnonzero(np.isin(pop.status, ["US_CITIZEN_BIRTH", "LPR"]))
        self.victims = victims.tolist() or [0]
        # Identities are bought and borrowed within a community: victims by tradition and by
        # (tradition, state of the current address).
        self.victims_by = {}
        last = pop.addr_zip[victims, pop.n_addr[victims] - 1]
        for v, o, st in zip(victims.tolist(), pop.origin[victims].tolist(),
                            self.geo.states[last].tolist(), strict=True):  # fmt: skip
            self.victims_by.setdefault(o, []).append(v)
            self.victims_by.setdefault((o, st), []).append(v)
        self.sold = []  # stolen SSNs already in use, sold again
        self.members = {}
        for pid, head in enumerate(pop.household.tolist()):
            if head != pid:
                self.members.setdefault(head, [head]).append(pid)

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
        """Return another person's SSN (and that person) for ``p`` to work under.

        Identities are bought and borrowed within a community: the victim is mostly of the
        worker's naming tradition and often of the same state; one SSN in four is one
        already in use, sold again (one SSN, several workers in several places).
        """
        rnd = self.rnd
        if self.sold and rnd.random() < 0.25:
            ssn, v = rnd.choice(self.sold)
            if v != p.pid:
                return ssn, v
        r = rnd.random()
        pop = self.pop
        state = str(self.geo.states[pop.addr_zip[p.pid, pop.n_addr[p.pid] - 1]])
        pool = self.victims
        if r < 0.5:
            pool = self.victims_by.get((p.origin, state)) or pool
        elif r < 0.8:
            pool = self.victims_by.get(p.origin) or pool
        for _ in range(20):
            v = rnd.choice(pool)
            if v != p.pid:
                ssn = f"{int(self.pop.ssn[v]):09d}"
                self.sold.append((ssn, int(v)))
                return ssn, int(v)
        return self.fake_ssn(), -1

    def fake_ssn(self) -> str:
        """Return a valid-looking SSN issued to nobody in the world."""
        spare = self.pop.spare_ssns
        v = spare[self.spare_ssn % len(spare)]
        self.spare_ssn += 1
        return f"{int(v):09d}"

    def household_ssn(self, p: Person) -> tuple[str, int] | None:
        """Return the SSN (and holder) of a citizen or LPR of ``p``'s household, if any."""
        head = int(self.pop.household[p.pid])
        holders = [
            m
            for m in self.members.get(head, ())
            if m != p.pid and self.pop.status[m] in HOLDER_STATUSES
        ]
        if not holders:
            return None
        m = self.rnd.choice(holders)
        return f"{int(self.pop.ssn[m]):09d}", m

    def unauthorized_tin(self, p: Person, first_issue: int) -> tuple[str, bool, int]:
        """Choose how an unauthorized worker is paid: a relative's SSN, ITIN, stolen or made-up.

        A worker living with a citizen or permanent resident relative often works under
        the relative's SSN (with their own name, sometimes the relative's); others file
        with an ITIN, work under a stolen SSN (more often than not with the victim's name) or
        under a made-up one.
        """
        rnd = self.rnd
        relative = self.household_ssn(p) if rnd.random() < 0.5 else None
        if relative is not None:
            return relative[0], False, relative[1] if rnd.random() < 0.3 else -1
        r = rnd.random()
        if r < 0.35:
            return p.itin or self.issue_itin(p, first_issue), False, -1
        if r < 0.8:
            ssn, victim = self.stolen_ssn(p)
            return ssn, False, victim if rnd.random() < 0.6 else -1
        return self.fake_ssn(), False, -1

    def plan_work(self, p: Person, years: list[int], tin: str, own: bool, name_of: int) -> None:
        """Record that ``p`` earned wages in ``years`` under ``tin``."""
        p.work.extend((y, tin, own, name_of) for y in years)
