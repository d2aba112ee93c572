"""The persons of a world: status, country of birth, names, sex, birth date, addresses.

After the persons are drawn one by one, ``families`` puts the resemblances of a real
population into them (immigrant neighbourhoods, households with shared names and
addresses, juniors, namesakes) and ``aliases`` gives each the name they go by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from immigrationos.sources.contract import TRUTH_STATUSES
from immigrationos.synth import families
from immigrationos.synth.aliases import (
    alias_birth_dates,
    everyday_names,
    naturalization_names,
)
from immigrationos.synth.geo import Geography
from immigrationos.synth.names import sample_person_names

# Share of each status in the population (roughly the US mix).
STATUS_SHARES: dict[str, float] = {
    "US_CITIZEN_BIRTH": 0.72,
    "US_CITIZEN_NATURALIZED": 0.08,
    "LPR": 0.07,
    "NONIMMIGRANT": 0.035,
    "REFUGEE_ASYLEE": 0.01,
    "TPS": 0.008,
    "DACA": 0.006,
    "ASYLUM_PENDING": 0.01,
    "PAROLE": 0.006,
    "OVERSTAY": 0.02,
    "EWI": 0.029,
    "FINAL_ORDER": 0.006,
}

_C = dict[str, float]
_NATURALIZED: _C = {
    "MEX": 20, "IND": 7, "PHL": 6, "CHN": 6, "CUB": 5, "VNM": 4, "DOM": 4, "SLV": 3, "COL": 3,
    "HTI": 2, "NGA": 2, "GBR": 2, "CAN": 2, "POL": 2, "UKR": 2, "EGY": 1, "IRQ": 1, "PAK": 2,
    "BGD": 1, "GTM": 2, "HND": 1, "RUS": 1, "ROU": 1, "ECU": 1, "PER": 1, "GHA": 1, "SYR": 1,
    "JOR": 1, "TWN": 1, "LBN": 1,
}  # fmt: skip
STATUS_COUNTRIES: dict[str, _C] = {
    "US_CITIZEN_NATURALIZED": _NATURALIZED,
    "LPR": _NATURALIZED,
    "NONIMMIGRANT": {
        "IND": 25,
        "CHN": 12,
        "GBR": 8,
        "CAN": 8,
        "MEX": 10,
        "PHL": 3,
        "NGA": 3,
        "VNM": 3,
        "COL": 3,
        "EGY": 2,
        "UKR": 2,
        "POL": 2,
        "AUS": 3,
        "IRL": 2,
        "TWN": 2,
        "PAK": 2,
    },
    "REFUGEE_ASYLEE": {
        "VEN": 10,
        "SYR": 5,
        "IRQ": 5,
        "UKR": 5,
        "CHN": 5,
        "EGY": 3,
        "HTI": 4,
        "SDN": 3,
        "RUS": 3,
        "GTM": 3,
        "HND": 3,
        "SLV": 3,
        "NGA": 2,
        "YEM": 2,
    },
    "TPS": {"SLV": 30, "HND": 15, "VEN": 20, "HTI": 20, "UKR": 5, "SYR": 3, "YEM": 2, "NIC": 3},
    "DACA": {"MEX": 80, "SLV": 4, "GTM": 4, "HND": 4, "PER": 2, "COL": 2, "PHL": 2, "IND": 2},
    "ASYLUM_PENDING": {
        "VEN": 15,
        "GTM": 10,
        "HND": 10,
        "CHN": 8,
        "HTI": 6,
        "COL": 6,
        "ECU": 6,
        "RUS": 4,
        "UKR": 3,
        "NGA": 3,
        "IND": 4,
        "MEX": 10,
        "CUB": 6,
    },
    "PAROLE": {"CUB": 20, "HTI": 20, "NIC": 15, "VEN": 20, "UKR": 25},
    "OVERSTAY": {
        "MEX": 12,
        "IND": 10,
        "CHN": 8,
        "PHL": 8,
        "VNM": 4,
        "COL": 5,
        "VEN": 5,
        "NGA": 6,
        "GBR": 3,
        "CAN": 3,
        "POL": 3,
        "UKR": 3,
        "DOM": 4,
        "PER": 3,
        "ECU": 3,
        "HTI": 3,
        "EGY": 2,
        "PAK": 2,
    },
    "EWI": {
        "MEX": 45,
        "GTM": 18,
        "HND": 14,
        "SLV": 10,
        "ECU": 5,
        "NIC": 2,
        "VEN": 2,
        "IND": 2,
        "CHN": 2,
    },
    "FINAL_ORDER": {
        "MEX": 25,
        "GTM": 15,
        "HND": 15,
        "SLV": 10,
        "ECU": 5,
        "CHN": 5,
        "IND": 5,
        "HTI": 5,
        "VEN": 5,
        "NGA": 3,
        "DOM": 3,
        "CUB": 4,
    },
}

COUNTRY_ORIGIN: dict[str, str] = {
    **{c: "HISPANIC" for c in (
        "MEX", "GTM", "HND", "SLV", "NIC", "COL", "VEN", "DOM", "CUB", "ECU", "PER")},
    "CHN": "CHINESE", "TWN": "CHINESE", "VNM": "VIETNAMESE", "PHL": "FILIPINO",
    **{c: "ARABIC" for c in ("EGY", "SYR", "IRQ", "JOR", "LBN", "YEM", "SDN")},
    **{c: "INDIAN" for c in ("IND", "PAK", "BGD")},
    "HTI": "HAITIAN", "NGA": "NIGERIAN", "GHA": "NIGERIAN",
    **{c: "EASTERN_EUROPEAN" for c in ("UKR", "POL", "RUS", "ROU")},
    **{c: "ANGLO" for c in ("GBR", "CAN", "IRL", "AUS", "USA")},
}  # fmt: skip

# Naming tradition of US-born citizens (families of every origin are US citizens).
US_BORN_ORIGINS: _C = {
    "ANGLO": 0.66, "HISPANIC": 0.18, "CHINESE": 0.02, "VIETNAMESE": 0.015, "ARABIC": 0.015,
    "INDIAN": 0.02, "FILIPINO": 0.02, "HAITIAN": 0.01, "NIGERIAN": 0.02, "EASTERN_EUROPEAN": 0.03,
}  # fmt: skip

MAX_ADDRESSES = 4


@dataclass
class Population:
    """Column arrays of the persons of a world (index = person number)."""

    n: int
    status: np.ndarray
    country: np.ndarray
    origin: np.ndarray
    sex: np.ndarray
    birth: np.ndarray  # date ordinals
    given: list[str]
    middle: list[str]
    family: list[str]
    addr_zip: np.ndarray  # (n, MAX_ADDRESSES) indices into the geography
    addr_street: list[list[str]]
    addr_start: np.ndarray  # (n, MAX_ADDRESSES) ordinals; addr_start[:, 0] is the first
    n_addr: np.ndarray
    ssn: np.ndarray  # a distinct valid SSN per person (used if the story issues one)
    spare_ssns: np.ndarray  # valid-looking SSNs issued to nobody
    twin_of: np.ndarray  # -1, or the person whose name this unrelated namesake shares
    household: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    relation: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    senior: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    maiden: list[str] = field(default_factory=list)  # '' or the family name before marriage
    alias_given: list[str] = field(default_factory=list)  # '' or the everyday given name
    alias_family: list[str] = field(default_factory=list)  # '' or the everyday family name
    by_middle: list[bool] = field(default_factory=list)  # goes by the middle name
    alias_birth: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    given_before: list[str] = field(default_factory=list)  # '' or the name before naturalizing


def status_counts(n: int) -> dict[str, int]:
    """Return how many persons of each status a world of ``n`` persons has."""
    shares = np.array([STATUS_SHARES[s] for s in TRUTH_STATUSES])
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(int)
    if n >= 2 * len(TRUTH_STATUSES):
        counts = np.maximum(counts, 1)
    rest = n - counts.sum()
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    while rest != 0:
        j = order[i % len(order)]
        if rest > 0:
            counts[j] += 1
            rest -= 1
        elif counts[j] > 1:
            counts[j] -= 1
            rest += 1
        i += 1
    return {s: int(c) for s, c in zip(TRUTH_STATUSES, counts, strict=True)}


def _choice(rng: np.random.Generator, table: _C, n: int) -> np.ndarray:
    keys = np.array(list(table))
    p = np.array(list(table.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _ssns(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` distinct valid SSNs (area 001-899 but not 666, group and serial non-zero)."""
    out: np.ndarray = np.empty(0, dtype=np.int64)
    while len(out) < n:
        need = int((n - len(out)) * 1.1) + 16
        area = rng.integers(1, 900, size=need)
        area = np.where(area == 666, 667, area)
        group = rng.integers(1, 100, size=need)
        serial = rng.integers(1, 10000, size=need)
        cand = area * 1_000_000 + group * 10_000 + serial
        out = np.concatenate([out, cand])
        _, first = np.unique(out, return_index=True)
        out = out[np.sort(first)]
    return out[:n]


def build_population(
    rng: np.random.Generator, n: int, as_of: dt.date, geo: Geography
) -> Population:
    """Draw the persons of a world of ``n`` persons."""
    counts = status_counts(n)
    status = np.repeat(np.array(list(counts)), list(counts.values()))
    rng.shuffle(status)
    country = np.full(n, "USA", dtype="<U3")
    for s, table in STATUS_COUNTRIES.items():
        m = status == s
        country[m] = _choice(rng, table, int(m.sum()))
    origin = np.array([COUNTRY_ORIGIN[c] for c in country], dtype="<U16")
    us_born = status == "US_CITIZEN_BIRTH"
    origin[us_born] = _choice(rng, US_BORN_ORIGINS, int(us_born.sum()))
    sex = np.where(rng.random(n) < 0.495, "M", "F").astype("<U1")
    sex[rng.random(n) < 0.002] = "X"

    a = as_of.toordinal()
    age_years = np.where(
        np.isin(status, ["US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED", "LPR"]),
        18 + rng.beta(1.6, 2.4, n) * 72,
        18 + rng.beta(1.5, 3.0, n) * 52,
    )
    daca = status == "DACA"
    age_years[daca] = rng.uniform(max(19.0, as_of.year - 2007 + 3), 42.0, int(daca.sum()))
    birth = (a - age_years * 365.25).astype(np.int64)

    given, middle, family = sample_person_names(rng, origin, sex)

    foreign = ~us_born
    n_addr = rng.choice(np.arange(1, MAX_ADDRESSES + 1), size=n, p=[0.35, 0.35, 0.2, 0.1])
    addr_zip = np.empty((n, MAX_ADDRESSES), dtype=np.int64)
    addr_zip[:, 0] = geo.sample(rng, n, foreign=foreign)
    for k in range(1, MAX_ADDRESSES):
        same_state = rng.random(n) < 0.7
        in_state = geo.sample_in_state(rng, geo.states[addr_zip[:, k - 1]])
        anywhere = geo.sample(rng, n, foreign=foreign)
        addr_zip[:, k] = np.where(same_state, in_state, anywhere)
    streets = geo.street_lines(rng, n * MAX_ADDRESSES)
    addr_street = [streets[i * MAX_ADDRESSES : (i + 1) * MAX_ADDRESSES] for i in range(n)]
    # Moves happen during the last twelve years; the first address has no start.
    moves = np.sort(rng.integers(a - 12 * 365, a - 20, size=(n, MAX_ADDRESSES - 1)), axis=1)
    addr_start = np.concatenate([np.full((n, 1), -1, dtype=np.int64), moves], axis=1)
    families.place_in_enclaves(rng, geo, origin, us_born, addr_zip, n_addr)

    all_ssns = _ssns(rng, n + max(50, n // 20))
    pop = Population(
        n=n,
        status=status,
        country=country,
        origin=origin,
        sex=sex,
        birth=birth,
        given=given,
        middle=middle,
        family=family,
        addr_zip=addr_zip,
        addr_street=addr_street,
        addr_start=addr_start,
        n_addr=n_addr,
        ssn=all_ssns[:n],
        spare_ssns=all_ssns[n:],
        twin_of=np.full(n, -1, dtype=np.int64),
        household=np.arange(n, dtype=np.int64),
        relation=np.full(n, families.HEAD, dtype=np.int8),
        senior=np.zeros(n, dtype=bool),
        maiden=[""] * n,
    )
    families.form_households(rng, pop, as_of.year)
    families.add_namesakes(rng, pop, a - int(18.05 * 365.25))
    keep = pop.senior | (pop.relation == families.JUNIOR)
    pop.given_before = naturalization_names(rng, status, origin, sex, pop.given, keep)
    pop.alias_given, pop.alias_family, pop.by_middle = everyday_names(
        rng, origin, sex, us_born, pop.given, pop.middle, pop.family
    )
    pop.alias_birth = alias_birth_dates(rng, status, pop.birth, a - 16 * 366)
    return pop
