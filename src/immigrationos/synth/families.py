"""Households, families, namesakes and immigrant neighbourhoods of a world.

Real agency data is hard to resolve less because of typos than because of people who
resemble each other. This module puts the resemblances of real populations into a world
after its persons are drawn (``population.build_population`` calls it):

- **Neighbourhoods.** Immigrants of one naming tradition concentrate in a few
  neighbourhoods of a few metro areas (Vietnamese in Westminster and San Jose, Haitians
  in Miami, Arab Americans in Dearborn...; the table is ``data/enclaves.csv``). A share
  of the foreign born, and a smaller share of US-born persons of those traditions, live
  in one of a handful of ZIP codes per enclave city, so common names meet in one ZIP.
- **Households.** Spouses, adult children, siblings and other relatives share an address
  (the whole address history, or the current or the first address only) and family
  names by the rules of their naming tradition: a wife often takes her husband's family
  name (her Social Security record then often keeps her maiden name); Hispanic children
  take their father's first surname and their mother's first surname; a son may be
  named after his father (a junior: same given, middle and family name, another birth
  date, often the same address); twins share a family name, a birth date and an
  address; cousins and in-laws share the first surname and, now and then, one of the
  tradition's most common given names.
- **Namesakes.** Unrelated persons of the same tradition with the same name, some born in
  the same year or on the same day, some in the same ZIP code.

Every choice is drawn from the world's generator, so a seed still fixes the world.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from immigrationos.synth.geo import Geography
from immigrationos.synth.names import NameTables, load_names, read_rows
from immigrationos.synth.noise import PARTICLES

if TYPE_CHECKING:
    from immigrationos.synth.population import Population

# Relation of a person to the head of their household.
HEAD, SPOUSE, CHILD, JUNIOR, SIBLING, RELATIVE = range(6)
RELATIONS = ("HEAD", "SPOUSE", "CHILD", "JUNIOR", "SIBLING", "RELATIVE")

# Share of persons (aged 25 or more) of a tradition who head a household of several adults.
HEAD_SHARE: dict[str, float] = {"ANGLO": 0.26, "HISPANIC": 0.34}
HEAD_SHARE_OTHER = 0.3
# Share of wives who take the husband's family name, by naming tradition.
TAKES_HUSBANDS_NAME: dict[str, float] = {
    "ANGLO": 0.8, "EASTERN_EUROPEAN": 0.8, "FILIPINO": 0.8, "NIGERIAN": 0.7, "HAITIAN": 0.6,
    "INDIAN": 0.6, "HISPANIC": 0.25, "ARABIC": 0.25, "CHINESE": 0.3, "VIETNAMESE": 0.3,
}  # fmt: skip
# Share of sons named after their father (a junior), by naming tradition.
JUNIOR_SHARE: dict[str, float] = {
    "ANGLO": 0.3, "HISPANIC": 0.3, "FILIPINO": 0.2, "HAITIAN": 0.1, "NIGERIAN": 0.1,
    "ARABIC": 0.06,
}  # fmt: skip
JUNIOR_SHARE_OTHER = 0.03
# Share of households with two children, and of head-sibling pairs, who are twins.
TWINS = 0.12
# Share of relatives (cousins, in-laws) sharing the household, by naming tradition.
RELATIVE_SHARE: dict[str, float] = {"ANGLO": 0.05}
RELATIVE_SHARE_OTHER = 0.22
# Share of the foreign born (and of the US born of immigrant traditions) in an enclave.
ENCLAVE_FOREIGN = 0.4
ENCLAVE_US_BORN = 0.12
# Persons per enclave ZIP code: neighbourhoods grow with the world, so that a small and a
# large world have about as crowded neighbourhoods.
PERSONS_PER_NEIGHBOURHOOD = 6000
# Unrelated namesake pairs per person of the world.
NAMESAKE_RATE = 1 / 20


@lru_cache(maxsize=1)
def enclave_cities() -> dict[str, tuple[tuple[str, str], ...]]:
    """Return origin -> the (city, state) pairs where its immigrants concentrate."""
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for row in read_rows("enclaves.csv"):
        places = []
        for place in row["places"].split("|"):
            city, state = place.rsplit(":", 1)
            places.append((city, state))
        out[row["origin"]] = tuple(places)
    return out


def place_in_enclaves(
    rng: np.random.Generator,
    geo: Geography,
    origin: np.ndarray,
    us_born: np.ndarray,
    addr_zip: np.ndarray,
    n_addr: np.ndarray,
) -> None:
    """Move the current address of some immigrants (in place) into their enclaves."""
    n = len(origin)
    per_city = max(2, n // PERSONS_PER_NEIGHBOURHOOD)
    share = np.where(us_born, ENCLAVE_US_BORN, ENCLAVE_FOREIGN)
    moved = rng.random(n) < share
    also_before = rng.random(n) < 0.5
    pick = rng.random(n)
    for tradition, places in enclave_cities().items():
        hoods: list[int] = []
        for city, state in places:
            idx = np.flatnonzero((geo.cities == city) & (geo.states == state))
            if len(idx) == 0:
                continue
            w = geo.weight_foreign[idx] / geo.weight_foreign[idx].sum()
            k = min(per_city, len(idx))
            hoods.extend(rng.choice(idx, size=k, replace=False, p=w).tolist())
        if not hoods:
            continue
        who = np.flatnonzero(moved & (origin == tradition))
        zips = np.asarray(hoods)[(pick[who] * len(hoods)).astype(np.int64)]
        last = n_addr[who] - 1
        addr_zip[who, last] = zips
        # Half of them moved within the neighbourhood: their previous address is there too.
        before = who[also_before[who] & (last > 0)]
        addr_zip[before, n_addr[before] - 2] = addr_zip[before, n_addr[before] - 1]


def first_surname(family: str) -> str:
    """Return the first of two surnames (``GARCIA LOPEZ`` -> ``GARCIA``), else the name."""
    parts = family.split(" ")
    if len(parts) == 2 and parts[0] not in PARTICLES and parts[1] not in PARTICLES:
        return parts[0]
    return family


def _years(birth: np.ndarray) -> np.ndarray:
    # Gregorian year of a date ordinal, close enough for grouping by age.
    return (1 + (birth - 1) / 365.2425).astype(np.int64)


class _Pool:
    """Persons not yet in a household, by (origin, sex, birth year, US born)."""

    def __init__(self, pop: Population, years: np.ndarray, us_born: np.ndarray, order: list[int]):
        self.free = np.ones(pop.n, dtype=bool)
        self.buckets: dict[tuple[str, str, int, bool], list[int]] = defaultdict(list)
        origin, sex = pop.origin.tolist(), pop.sex.tolist()
        yl, ub = years.tolist(), us_born.tolist()
        for pid in order:
            self.buckets[(origin[pid], sex[pid], yl[pid], ub[pid])].append(pid)

    def take(
        self, rnd: random.Random, origin: str, sexes: str, years: range, us_born: tuple[bool, ...]
    ) -> int:
        """Return a free person matching the wishes (and mark them taken), or -1."""
        k = len(years)
        start = int(rnd.random() * k)
        for j in range(k):
            y = years[(start + j) % k]
            for sex in sexes:
                for ub in us_born:
                    bucket = self.buckets.get((origin, sex, y, ub))
                    while bucket and not self.free[bucket[-1]]:
                        bucket.pop()
                    if bucket:
                        pid = bucket.pop()
                        self.free[pid] = False
                        return pid
        return -1


def _share_addresses(pop: Population, src: int, dst: int, mode: str) -> None:
    if mode == "all":
        pop.addr_zip[dst] = pop.addr_zip[src]
        pop.addr_start[dst] = pop.addr_start[src]
        pop.n_addr[dst] = pop.n_addr[src]
        pop.addr_street[dst] = list(pop.addr_street[src])
    elif mode == "current":
        k, j = int(pop.n_addr[dst]) - 1, int(pop.n_addr[src]) - 1
        pop.addr_zip[dst, k] = pop.addr_zip[src, j]
        pop.addr_street[dst][k] = pop.addr_street[src][j]
    else:  # "first": grew up there, moved out since
        pop.addr_zip[dst, 0] = pop.addr_zip[src, 0]
        pop.addr_street[dst][0] = pop.addr_street[src][0]
        pop.n_addr[dst] = max(int(pop.n_addr[dst]), 2)


def form_households(rng: np.random.Generator, pop: Population, as_of_year: int) -> None:
    """Group persons into households (in place): names, addresses, relations."""
    n = pop.n
    rnd = random.Random(int(rng.integers(0, 2**63 - 1)))
    years = _years(pop.birth)
    us_born = pop.status == "US_CITIZEN_BIRTH"
    order = rng.permutation(n).tolist()
    pool = _Pool(pop, years, us_born, order)
    origin, sex = pop.origin.tolist(), pop.sex.tolist()
    yl = years.tolist()
    born_family = list(pop.family)
    tables = load_names()
    for head in order:
        if not pool.free[head]:
            continue
        pool.free[head] = False
        o, y = origin[head], yl[head]
        if as_of_year - y < 25 or rnd.random() >= HEAD_SHARE.get(o, HEAD_SHARE_OTHER):
            continue
        head_us = bool(us_born[head])
        spouse = -1
        if rnd.random() < 0.7 and sex[head] in "MF":
            other = "F" if sex[head] == "M" else "M"
            spouse = pool.take(rnd, o, other, range(y - 6, y + 7), (head_us, not head_us))
        kids = rnd.choices((0, 1, 2, 3), (0.35, 0.35, 0.22, 0.08))[0]
        children = []
        kid_years = range(y + 20, min(y + 41, as_of_year - 17))
        for _ in range(kids):
            if len(kid_years) == 0:
                break
            kid_us = (True,) if head_us else (True, False)
            kid = pool.take(rnd, o, rnd.choice(("MF", "FM")), kid_years, kid_us)
            if kid >= 0:
                children.append(kid)
        sibling = -1
        if rnd.random() < 0.12:
            sibling = pool.take(rnd, o, rnd.choice(("MF", "FM")), range(y - 8, y + 9), (head_us,))
        relative = -1
        if rnd.random() < RELATIVE_SHARE.get(o, RELATIVE_SHARE_OTHER):
            relative = pool.take(rnd, o, rnd.choice(("MF", "FM")), range(y - 15, y + 16),
                                 (head_us, not head_us))  # fmt: skip
        if spouse < 0 and not children and sibling < 0 and relative < 0:
            continue
        _name_family(pop, rnd, tables, head, spouse, children, sibling, relative, born_family)


def _name_family(
    pop: Population,
    rnd: random.Random,
    tables: NameTables,
    head: int,
    spouse: int,
    children: list[int],
    sibling: int,
    relative: int,
    born_family: list[str],
) -> None:
    """Give one household its family names, its juniors and its shared addresses."""
    o = str(pop.origin[head])
    father = mother = -1
    for p in (head, spouse):
        if p >= 0 and pop.sex[p] == "M":
            father = p
        elif p >= 0 and pop.sex[p] == "F":
            mother = p
    if father >= 0 and mother >= 0 and rnd.random() < TAKES_HUSBANDS_NAME.get(o, 0.5):
        pop.maiden[mother] = pop.family[mother]
        husband = pop.family[father]
        pop.family[mother] = first_surname(husband) if o == "HISPANIC" else husband
    for kid in children:
        pop.household[kid] = head
        pop.relation[kid] = CHILD
        two = " " in born_family[kid]
        if father >= 0 and o == "HISPANIC":
            # Father's first surname, then the mother's first surname (when the child has two).
            own_second = born_family[kid].split(" ")[-1]
            second = first_surname(born_family[mother]) if mother >= 0 else own_second
            fam = first_surname(born_family[father])
            fam = f"{fam} {second}" if two and second != fam else fam
        elif father >= 0:
            fam = born_family[father]
        else:
            fam = born_family[mother if mother >= 0 else head]
        pop.family[kid] = fam
        if (
            father >= 0
            and pop.sex[kid] == "M"
            and rnd.random() < JUNIOR_SHARE.get(o, JUNIOR_SHARE_OTHER)
        ):
            pop.relation[kid] = JUNIOR
            pop.given[kid] = pop.given[father]
            pop.middle[kid] = pop.middle[father]
            pop.senior[father] = True
        r = rnd.random()
        _share_addresses(pop, head, kid, "all" if r < 0.55 else "first" if r < 0.9 else "current")
    twins = [(children[0], children[1])] if len(children) > 1 else []
    if sibling >= 0:
        twins.append((head, sibling))
    for elder, twin in twins:
        if rnd.random() < TWINS and "DACA" not in (pop.status[elder], pop.status[twin]):
            pop.birth[twin] = pop.birth[elder]
    if spouse >= 0:
        pop.household[spouse] = head
        pop.relation[spouse] = SPOUSE
        _share_addresses(pop, head, spouse, "all" if rnd.random() < 0.85 else "current")
    if sibling >= 0:
        pop.household[sibling] = head
        pop.relation[sibling] = SIBLING
        pop.family[sibling] = born_family[head]
        _share_addresses(pop, head, sibling, "all" if rnd.random() < 0.5 else "first")
    if relative >= 0:
        pop.household[relative] = head
        pop.relation[relative] = RELATIVE
        if rnd.random() < 0.6:
            own = pop.family[relative].split(" ")
            first = first_surname(born_family[head])
            two = len(own) == 2 and " " not in first
            pop.family[relative] = f"{first} {own[-1]}" if two else first
        if rnd.random() < 0.4 and pop.sex[relative] in "MF" and " " not in pop.given[relative]:
            # Cousins named after the same saint or grandparent: a common name of the tradition.
            names = tables.given[(o, str(pop.sex[relative]))].names
            pop.given[relative] = rnd.choice(names[:3])
            pop.middle[relative] = ""
        _share_addresses(pop, head, relative, "current" if rnd.random() < 0.7 else "all")


def add_namesakes(rng: np.random.Generator, pop: Population, latest_birth: int) -> None:
    """Give some unrelated persons the name of another of their tradition (in place)."""
    n = pop.n
    size = np.bincount(pop.household, minlength=n)
    alone = (pop.household == np.arange(n)) & (size[np.arange(n)] == 1)
    singles = np.flatnonzero(alone & (pop.status != "DACA"))
    if n < 4 or len(singles) < 2:
        return
    pairs = max(2, int(n * NAMESAKE_RATE))
    by_origin: dict[str, np.ndarray] = {
        o: singles[pop.origin[singles] == o] for o in np.unique(pop.origin[singles]).tolist()
    }
    srcs = rng.integers(0, n, size=pairs)
    u = rng.random((pairs, 4))
    days = rng.integers(0, 365, size=pairs)
    near = rng.integers(-45, 46, size=pairs)
    for k, src in enumerate(srcs.tolist()):
        cands = by_origin.get(str(pop.origin[src]))
        if cands is None or len(cands) < 2:
            continue
        dst = int(cands[int(u[k, 0] * len(cands))])
        if dst == src or pop.twin_of[dst] >= 0 or pop.senior[dst]:
            continue
        pop.given[dst], pop.family[dst] = pop.given[src], pop.family[src]
        if u[k, 1] < 0.5:
            pop.middle[dst] = pop.middle[src]
        r = u[k, 2]
        birth = int(pop.birth[dst])
        if r < 0.08:
            birth = int(pop.birth[src])
        elif r < 0.3:
            birth = int(pop.birth[src]) + int(near[k])
        elif r < 0.6:
            # Born the same year.
            birth = dt.date.fromordinal(int(pop.birth[src])).replace(month=1, day=1).toordinal()
            birth += int(days[k])
        pop.birth[dst] = min(birth, latest_birth)
        if u[k, 3] < 0.5:
            # Same ZIP code (another street).
            pop.addr_zip[dst, pop.n_addr[dst] - 1] = pop.addr_zip[src, pop.n_addr[src] - 1]
        pop.twin_of[dst] = src
