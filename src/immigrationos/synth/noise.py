"""Realistic noise in written source records (never in the truth).

Every function keeps values valid under the contract: a name stays a non-empty name, a
date stays a real date, an SSN keeps nine digits.
"""

from __future__ import annotations

import datetime as dt
import random
import string

import numpy as np

from immigrationos.synth.names import load_names

LETTERS = string.ascii_uppercase
PARTICLES = frozenset(("DE", "DEL", "DELA", "DE LA", "LA", "LOS", "SAN", "SANTA", "ST", "EL"))

# Per source: probability of each kind of noise on a row of a US-born citizen (a person's
# ``scale`` multiplies it, ``SSN`` typos excepted). Agencies that copy from documents
# (passports, Numident, USCIS) err least; police, wage and money records and tips most.
NOISE: dict[str, dict[str, float]] = {
    "cbp_i94": {"typo": 0.02, "variant": 0.15, "drop_surname": 0.15, "dob": 0.02,
                "swap": 0.01},
    "uscis_benefits": {"typo": 0.015, "variant": 0.1, "drop_surname": 0.1, "dob": 0.018,
                       "swap": 0.005},
    "eoir_cases": {"typo": 0.025, "variant": 0.2, "drop_surname": 0.2, "dob": 0.03,
                   "swap": 0.015},
    "enforcement_events": {
        "typo": 0.035, "variant": 0.25, "drop_surname": 0.25, "dob": 0.045, "nick": 0.05,
        "swap": 0.02,
    },
    "criminal_history": {"typo": 0.035, "variant": 0.2, "drop_surname": 0.3, "dob": 0.045,
                         "nick": 0.08, "swap": 0.01, "initial": 0.01},
    "ssa_numident": {"typo": 0.006, "variant": 0.05, "drop_surname": 0.05, "dob": 0.012},
    "irs_w2": {"typo": 0.03, "variant": 0.2, "drop_surname": 0.4, "nick": 0.12, "ssn": 0.02,
               "swap": 0.012, "initial": 0.02},
    "irs_itin": {"typo": 0.015, "variant": 0.1, "drop_surname": 0.1, "dob": 0.02,
                 "swap": 0.01},
    "fincen_sar": {"typo": 0.03, "variant": 0.25, "drop_surname": 0.35, "dob": 0.045,
                   "nick": 0.12, "swap": 0.01, "initial": 0.03},
    "fincen_ctr": {"typo": 0.03, "variant": 0.25, "drop_surname": 0.35, "dob": 0.045,
                   "nick": 0.12, "swap": 0.01, "initial": 0.03},
    "dmv_licenses": {"typo": 0.012, "variant": 0.1, "drop_surname": 0.2, "dob": 0.018,
                     "nick": 0.03},
    "dos_passports": {"typo": 0.003, "variant": 0.03, "drop_surname": 0.03, "dob": 0.005},
    "cbp_home_departures": {"typo": 0.025, "variant": 0.15, "drop_surname": 0.15,
                            "dob": 0.035, "swap": 0.01},
    "tips": {"typo": 0.08, "variant": 0.3, "drop_surname": 0.5, "dob": 0.15, "nick": 0.3,
             "initial": 0.05},
}  # fmt: skip

# Noise multiplier of a person's records by status: an immigrant's name and birth date are
# copied from foreign documents and from spoken answers, by more hands, more often wrong.
STATUS_SCALE: dict[str, float] = {
    "US_CITIZEN_BIRTH": 1.0, "US_CITIZEN_NATURALIZED": 1.5, "LPR": 1.5,
}  # fmt: skip
STATUS_SCALE_OTHER = 2.2
# Given/family order confusions by naming tradition (family name first at home).
ORDER_SCALE: dict[str, float] = {"CHINESE": 5.0, "VIETNAMESE": 5.0}
MAX_RATE = 0.9


def person_scales(status: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each person's noise multiplier and name-order confusion multiplier."""
    scale = np.full(len(status), STATUS_SCALE_OTHER)
    for s, v in STATUS_SCALE.items():
        scale[status == s] = v
    order = np.ones(len(origin))
    for o, v in ORDER_SCALE.items():
        order[origin == o] = v
    return scale, order


# Sources written in mixed case (typed by the public), the rest upper case like agencies.
MIXED_CASE = frozenset(("tips",))


def typo(name: str, rnd: random.Random) -> str:
    """Return ``name`` with one keyboard slip (substitution, deletion, transposition, double)."""
    idx = [i for i, c in enumerate(name) if c.isalpha()]
    if len(idx) < 3:
        return name
    i = rnd.choice(idx[1:])
    op = rnd.randrange(4)
    if op == 0:
        return name[:i] + rnd.choice(LETTERS) + name[i + 1 :]
    if op == 1:
        return name[:i] + name[i + 1 :]
    if op == 2 and i + 1 < len(name) and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]


def nickname(given: str, rnd: random.Random) -> str:
    """Return a nickname or anglicized form of ``given`` (itself if it has none)."""
    options = load_names().nicknames.get(given)
    return rnd.choice(options) if options else given


def variant(name: str, rnd: random.Random) -> str:
    """Return a transliteration or spelling variant of ``name`` (itself if it has none)."""
    tables = load_names()
    if name in tables.syllables:
        a, b = tables.syllables[name]
        return rnd.choice((f"{a} {b}", f"{a}-{b}"))
    whole = tables.variants.get(name)
    if whole:
        return rnd.choice(whole)
    parts = name.split(" ")
    changed = [rnd.choice(tables.variants[t]) if t in tables.variants else t for t in parts]
    return " ".join(changed)


def drop_second_surname(family: str, rnd: random.Random) -> str:
    """Return the first of two surnames (``GARCIA LOPEZ`` -> ``GARCIA``) or a hyphenated pair."""
    parts = family.split(" ")
    if len(parts) != 2 or parts[0] in PARTICLES or parts[1] in PARTICLES:
        return family
    if rnd.random() < 0.8:
        return parts[0]
    return f"{parts[0]}-{parts[1]}"


def birth_date_noise(value: str, rnd: random.Random) -> str:
    """Return a plausible wrong birth date.

    Day and month swapped (a foreign DD/MM date read as MM/DD), the year off by one or
    mistyped (a decade slip, the last two digits transposed), the day off by one or ten,
    the month off by one, or an unknown day recorded as 1 January of the year.
    """
    d = dt.date.fromisoformat(value)
    r = rnd.random()
    if r < 0.4 and d.day <= 12 and d.day != d.month:
        return dt.date(d.year, d.day, d.month).isoformat()
    day = min(d.day, 28)
    if r < 0.6:
        return dt.date(d.year + rnd.choice((-1, 1)), d.month, day).isoformat()
    if r < 0.7:
        tens, units = divmod(d.year % 100, 10)
        year = d.year - d.year % 100 + units * 10 + tens
        if year == d.year or year > d.year:
            year = d.year - 10
        return dt.date(year, d.month, day).isoformat()
    if r < 0.85:
        return (d + dt.timedelta(days=rnd.choice((-1, 1, 10, -10)))).isoformat()
    if r < 0.93:
        month = d.month + (1 if d.month < 12 else -1)
        return dt.date(d.year, month, day).isoformat()
    return dt.date(d.year, 1, 1).isoformat() if (d.month, d.day) != (1, 1) else value


def initial(given: str, rnd: random.Random) -> str:
    """Return the initial of ``given`` (``JOHN`` -> ``J``), as a form with little room has it."""
    return given[0] if given and given[0].isalpha() else given


def ssn_typo(ssn: str, rnd: random.Random) -> str:
    """Return ``ssn`` with one digit of its group or serial mistyped (still nine digits)."""
    for _ in range(10):
        i = rnd.randrange(3, 9)
        digit = rnd.choice([c for c in string.digits if c != ssn[i]])
        out = ssn[:i] + digit + ssn[i + 1 :]
        if out[3:5] != "00" and out[5:] != "0000":
            return out
    return ssn


def _title(v: object) -> object:
    return v.title() if isinstance(v, str) else v


def apply_noise(
    source: str,
    columns: dict[str, list[object]],
    rng: np.random.Generator,
    rnd: random.Random,
    scale: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> None:
    """Add noise in place to the written columns of one source.

    ``scale`` and ``order`` are per-row multipliers of the rates (see ``person_scales``);
    one when absent.
    """
    profile = NOISE.get(source, {})
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return
    given, family = columns.get("given_name"), columns.get("family_name")
    ones = np.ones(n)
    scale = ones if scale is None else scale
    order = ones if order is None else order

    def rows(kind: str) -> np.ndarray:
        rate = profile.get(kind, 0.0)
        if kind == "ssn":
            mult = ones
        elif kind == "swap":
            mult = scale * order
        else:
            mult = scale
        return np.flatnonzero(rng.random(n) < np.minimum(rate * mult, MAX_RATE))

    if given is not None and family is not None:
        for i in rows("nick"):
            if given[i]:
                given[i] = nickname(str(given[i]), rnd)
        for i in rows("variant"):
            if rnd.random() < 0.5 and given[i]:
                given[i] = variant(str(given[i]), rnd)
            elif family[i]:
                family[i] = variant(str(family[i]), rnd)
        for i in rows("drop_surname"):
            if family[i]:
                family[i] = drop_second_surname(str(family[i]), rnd)
        for i in rows("typo"):
            col = given if rnd.random() < 0.5 else family
            if col[i]:
                col[i] = typo(str(col[i]), rnd)
        for i in rows("initial"):
            if given[i]:
                given[i] = initial(str(given[i]), rnd)
        for i in rows("swap"):
            if given[i] and family[i]:
                given[i], family[i] = family[i], given[i]
    birth = columns.get("birth_date")
    if birth is not None:
        for i in rows("dob"):
            if birth[i]:
                birth[i] = birth_date_noise(str(birth[i]), rnd)
    if source == "irs_w2":
        tins, own = columns["employee_tin"], columns["_own_ssn"]
        for i in rows("ssn"):
            if own[i]:
                tins[i] = ssn_typo(str(tins[i]), rnd)
    if source in MIXED_CASE:
        for name in ("given_name", "family_name", "street", "city", "employer_name"):
            if name in columns:
                columns[name] = [_title(v) for v in columns[name]]
