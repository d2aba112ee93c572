"""Everyday names: the name a person goes by, which is not always the name on their papers.

Immigration records (I-94, USCIS, EOIR) and passports carry the legal name from a
passport or a birth certificate; wage, money, police and tip records carry the name a
person gives an employer, a bank teller or an officer. The two differ in habitual,
person-level ways, so several records of one person agree with each other on a name that
is not the legal one:

- a nickname or an anglicized form (``WILLIAM`` -> ``BILL``, ``JOSE`` -> ``JOE``);
- the middle name used as the given name (``JAMES ROBERT SMITH`` goes by ``ROBERT``);
- one part of a compound given name (``MARIA GUADALUPE`` -> ``GUADALUPE`` or ``MARIA``);
- only the first of two surnames (``GARCIA LOPEZ`` -> ``GARCIA``), or both hyphenated;
- an English given name adopted by Chinese and Vietnamese immigrants (``WEI`` -> ``KEVIN``);
- another transliteration of an Arabic name (``MOHAMMED`` -> ``MUHAMMAD``).

``everyday_names`` draws one habit (or none) per person; ``EVERYDAY_SHARE`` says how often
each source records the everyday name rather than the legal one.

Some persons without status also give the police, banks and informants another birth
date, and keep to it (``alias_birth_dates``; ``ALIAS_BIRTH_SHARE`` per source). Some
immigrants take an English given name when they naturalize (the N-400 allows a legal
name change): their immigration records before that day carry the birth name,
everything after it the new one (``naturalization_names``).
"""

from __future__ import annotations

import random

import numpy as np

from immigrationos.synth.names import load_names
from immigrationos.synth.noise import PARTICLES

# Probability that a record of each source carries the person's everyday name.
EVERYDAY_SHARE: dict[str, float] = {
    "irs_w2": 0.85,
    "fincen_ctr": 0.75,
    "fincen_sar": 0.75,
    "tips": 0.9,
    "dmv_licenses": 0.5,
    "criminal_history": 0.6,
    "enforcement_events": 0.45,
    "irs_itin": 0.15,
    "uscis_benefits": 0.08,
}

# Probability that a record of each source carries the person's alias birth date, if any.
ALIAS_BIRTH_SHARE: dict[str, float] = {
    "enforcement_events": 0.5,
    "criminal_history": 0.6,
    "fincen_ctr": 0.3,
    "fincen_sar": 0.3,
    "tips": 0.3,
}
# Share of persons of a status who use an alias birth date.
ALIAS_BIRTH: dict[str, float] = {"EWI": 0.12, "FINAL_ORDER": 0.12, "OVERSTAY": 0.05}

RENAMED_AT_NATURALIZATION = 0.12  # naturalized citizens not of the Anglo tradition
FOREIGN_ENGLISH_NAME = 0.4  # Chinese and Vietnamese immigrants who adopt an English name
NICKNAME = 0.35
MIDDLE_AS_GIVEN = 0.08
COMPOUND_PART = 0.45
FIRST_SURNAME_ONLY = 0.55
TRANSLITERATION = 0.25


def everyday_names(
    rng: np.random.Generator,
    origin: np.ndarray,
    sex: np.ndarray,
    us_born: np.ndarray,
    given: list[str],
    middle: list[str],
    family: list[str],
) -> tuple[list[str], list[str], list[bool]]:
    """Return each person's everyday given and family name ('' = the legal one).

    Returns:
        ``(given, family, by_middle)``: the everyday given and family name of each
        person, and whether the everyday given name is the middle name (a record using
        it then leaves the middle name empty).
    """
    tables = load_names()
    rnd = random.Random(int(rng.integers(0, 2**63 - 1)))
    n = len(given)
    out_given = [""] * n
    out_family = [""] * n
    by_middle = [False] * n
    for i in range(n):
        o, g, f = str(origin[i]), given[i], family[i]
        r = rnd.random()
        if o in ("CHINESE", "VIETNAMESE") and not us_born[i]:
            if r < FOREIGN_ENGLISH_NAME:
                s = str(sex[i]) if sex[i] in ("M", "F") else rnd.choice("MF")
                pool = tables.given[("ANGLO", s)].names
                out_given[i] = pool[min(int(rnd.paretovariate(1.2)) - 1, len(pool) - 1)]
        elif " " in g:
            if r < COMPOUND_PART:
                parts = g.split(" ")
                out_given[i] = parts[0] if rnd.random() < 0.6 else parts[-1]
                if out_given[i] in PARTICLES:
                    out_given[i] = parts[0]
        elif g in tables.nicknames and r < NICKNAME:
            out_given[i] = rnd.choice(tables.nicknames[g])
        elif (
            middle[i]
            and o not in ("VIETNAMESE", "EASTERN_EUROPEAN")
            and rnd.random() < MIDDLE_AS_GIVEN
        ):
            out_given[i] = middle[i]
            by_middle[i] = True
        elif o == "ARABIC" and g in tables.variants and rnd.random() < TRANSLITERATION:
            out_given[i] = rnd.choice(tables.variants[g])
        parts = f.split(" ")
        two = len(parts) == 2 and parts[0] not in PARTICLES and parts[1] not in PARTICLES
        r = rnd.random()
        if two and r < FIRST_SURNAME_ONLY:
            out_family[i] = parts[0]
        elif two and r < FIRST_SURNAME_ONLY + 0.05:
            out_family[i] = f"{parts[0]}-{parts[1]}"
        elif o == "ARABIC" and f in tables.variants and r < TRANSLITERATION:
            out_family[i] = rnd.choice(tables.variants[f])
        if out_given[i] == g:
            out_given[i] = ""
            by_middle[i] = False
        if out_family[i] == f:
            out_family[i] = ""
    return out_given, out_family, by_middle


def alias_birth_dates(
    rng: np.random.Generator, status: np.ndarray, birth: np.ndarray, latest: int
) -> np.ndarray:
    """Return each person's alias birth date (a date ordinal), or 0 for none.

    The alias is another day of the same year, or a date one to three years off (a
    younger or older age claimed), never later than ``latest``.
    """
    n = len(status)
    share = np.zeros(n)
    for s, v in ALIAS_BIRTH.items():
        share[status == s] = v
    has = rng.random(n) < share
    years = rng.choice(np.array([-3, -2, -1, 0, 0, 0, 1, 2, 3]), size=n)
    days = rng.integers(-180, 181, size=n)
    alias = np.minimum(birth + years * 365 + days, latest)
    return np.where(has & (alias != birth), alias, 0)


def naturalization_names(
    rng: np.random.Generator,
    status: np.ndarray,
    origin: np.ndarray,
    sex: np.ndarray,
    given: list[str],
    keep: np.ndarray,
) -> list[str]:
    """Give some naturalized citizens a new, English given name (in place in ``given``).

    Returns the given name before naturalization of each person ('' if unchanged).
    Persons marked in ``keep`` (juniors and their fathers) keep their name.
    """
    tables = load_names()
    n = len(given)
    before = [""] * n
    draw = rng.random(n)
    pick = rng.random(n)
    who = (status == "US_CITIZEN_NATURALIZED") & (origin != "ANGLO") & ~keep
    for i in np.flatnonzero(who & (draw < RENAMED_AT_NATURALIZATION)).tolist():
        s = str(sex[i]) if sex[i] in ("M", "F") else "F"
        pool = tables.given[("ANGLO", s)].names
        new = pool[int(pick[i] * min(len(pool), 40))]
        if new != given[i]:
            before[i], given[i] = given[i], new
    return before
