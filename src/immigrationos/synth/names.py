"""Name tables (data files under ``synth/data``) and name sampling per naming tradition."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

ORIGINS = (
    "ANGLO", "HISPANIC", "CHINESE", "VIETNAMESE", "ARABIC", "INDIAN", "FILIPINO", "HAITIAN",
    "NIGERIAN", "EASTERN_EUROPEAN",
)  # fmt: skip

_DATA = resources.files("immigrationos.synth") / "data"


def read_rows(file_name: str) -> list[dict[str, str]]:
    """Return the rows of one data file of the generator as dicts."""
    text = (_DATA / file_name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_list(file_name: str) -> list[str]:
    """Return the first column of a one-column data file."""
    return [next(iter(r.values())) for r in read_rows(file_name)]


# Zipf exponent of the family names of a tradition (0.8 otherwise): about four in ten
# Vietnamese are called Nguyen, and Tran, Le and Pham follow far ahead of the rest.
FAMILY_ZIPF: dict[str, float] = {"VIETNAMESE": 1.8}
# Zipf exponent of the given names of a tradition (0.8 otherwise): Jose, Juan and Maria
# lead Hispanic given names by far.
GIVEN_ZIPF: dict[str, float] = {"HISPANIC": 1.0}


def _zipf(n: int, exponent: float = 0.8) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 2.0) ** exponent
    return w / w.sum()


@dataclass(frozen=True)
class NamePool:
    """A ranked list of names with its sampling probabilities."""

    names: tuple[str, ...]
    p: np.ndarray

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Return ``n`` indices into ``names``."""
        return rng.choice(len(self.names), size=n, p=self.p)


def _pool(names: list[str], exponent: float = 0.8) -> NamePool:
    return NamePool(tuple(names), _zipf(len(names), exponent))


@dataclass(frozen=True)
class NameTables:
    """Every name table of the generator, loaded once."""

    given: dict[tuple[str, str], NamePool]
    middle: dict[tuple[str, str], NamePool]
    family: dict[str, NamePool]
    syllables: dict[str, tuple[str, str]]
    nicknames: dict[str, tuple[str, ...]]
    variants: dict[str, tuple[str, ...]]
    employer_words: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def load_names() -> NameTables:
    """Return the name tables read from the data files."""
    given: dict[tuple[str, str], NamePool] = {}
    syllables: dict[str, tuple[str, str]] = {}
    for row in read_rows("given_names.csv"):
        names = []
        for raw in row["names"].split("|"):
            if "." in raw:
                a, b = raw.split(".", 1)
                syllables[a + b] = (a, b)
            names.append(raw.replace(".", ""))
        given[(row["origin"], row["sex"])] = _pool(
            list(dict.fromkeys(names)), GIVEN_ZIPF.get(row["origin"], 0.8)
        )
    middle = {
        (r["origin"], r["sex"]): _pool(r["names"].split("|")) for r in read_rows("middle_names.csv")
    }
    family = {
        r["origin"]: _pool(
            list(dict.fromkeys(r["names"].split("|"))), FAMILY_ZIPF.get(r["origin"], 0.8)
        )
        for r in read_rows("family_names.csv")
    }
    nicknames = {
        r["name"].replace(".", ""): tuple(r["nicknames"].split("|"))
        for r in read_rows("nicknames.csv")
    }
    variants: dict[str, tuple[str, ...]] = {}
    for r in read_rows("name_variants.csv"):
        parts = list(dict.fromkeys(r["variants"].split("|")))
        if len(parts) > 1 and parts[0] not in variants:
            variants[parts[0]] = tuple(parts[1:])
    words = {r["kind"]: tuple(r["words"].split("|")) for r in read_rows("employer_words.csv")}
    return NameTables(given, middle, family, syllables, nicknames, variants, words)


def sample_person_names(
    rng: np.random.Generator, origins: np.ndarray, sexes: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """Return given, middle ('' for none) and family names for each person."""
    tables = load_names()
    n = len(origins)
    given = np.empty(n, dtype=object)
    middle = np.full(n, "", dtype=object)
    family = np.empty(n, dtype=object)
    # X persons take either list.
    name_sex = np.where(sexes == "X", np.where(rng.random(n) < 0.5, "M", "F"), sexes)
    for origin in ORIGINS:
        fam = tables.family[origin]
        om = origins == origin
        if not om.any():
            continue
        idx = np.flatnonzero(om)
        family[idx] = np.asarray(fam.names, dtype=object)[fam.sample(rng, len(idx))]
        if origin == "HISPANIC":
            # Two surnames (father's, mother's) for most Hispanic persons.
            two = idx[rng.random(len(idx)) < 0.7]
            second = np.asarray(fam.names, dtype=object)[fam.sample(rng, len(two))]
            family[two] = [
                f"{a} {b}" if a != b else a for a, b in zip(family[two], second, strict=True)
            ]
        for sex in ("M", "F"):
            sm = np.flatnonzero(om & (name_sex == sex))
            if len(sm) == 0:
                continue
            pool = tables.given[(origin, sex)]
            given[sm] = np.asarray(pool.names, dtype=object)[pool.sample(rng, len(sm))]
            mpool = tables.middle.get((origin, sex))
            if mpool is None:
                continue
            share = {"VIETNAMESE": 0.85, "ANGLO": 0.75, "FILIPINO": 0.6}.get(origin, 0.35)
            has = sm[rng.random(len(sm)) < share]
            middle[has] = np.asarray(mpool.names, dtype=object)[mpool.sample(rng, len(has))]
    # A compound given name carries no separate middle name, nor does a name repeat.
    compound = np.array([" " in g or g == m for g, m in zip(given, middle, strict=True)])
    middle[compound] = ""
    return list(given), list(middle), list(family)
