"""Places of the synthetic world: ZIP sampling weighted by population, streets, tracts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from immigrationos.reference.zipcodes import load_zipcodes
from immigrationos.sources.contract import US_STATES
from immigrationos.synth.names import read_list

# Approximate state populations in thousands (2020 decennial census, rounded).
STATE_POPULATION: dict[str, int] = {
    "AL": 5024, "AK": 733, "AZ": 7152, "AR": 3012, "CA": 39538, "CO": 5774, "CT": 3606,
    "DE": 990, "DC": 690, "FL": 21538, "GA": 10712, "HI": 1455, "ID": 1839, "IL": 12813,
    "IN": 6786, "IA": 3190, "KS": 2938, "KY": 4506, "LA": 4658, "ME": 1362, "MD": 6177,
    "MA": 7030, "MI": 10077, "MN": 5706, "MS": 2961, "MO": 6155, "MT": 1084, "NE": 1962,
    "NV": 3105, "NH": 1377, "NJ": 9289, "NM": 2118, "NY": 20201, "NC": 10439, "ND": 779,
    "OH": 11799, "OK": 3959, "OR": 4237, "PA": 13003, "RI": 1097, "SC": 5118, "SD": 887,
    "TN": 6911, "TX": 29146, "UT": 3272, "VT": 643, "VA": 8631, "WA": 7705, "WV": 1794,
    "WI": 5894, "WY": 577,
}  # fmt: skip

# Extra weight of each state for the foreign-born population (its share is larger there).
FOREIGN_BORN_BOOST: dict[str, float] = {
    "CA": 2.2, "NY": 1.9, "NJ": 2.0, "FL": 1.7, "TX": 1.5, "IL": 1.3, "MA": 1.4, "NV": 1.5,
    "MD": 1.4, "DC": 1.2, "WA": 1.3, "HI": 1.5, "VA": 1.1, "GA": 0.9, "AZ": 1.1,
}  # fmt: skip

# USPS code -> FIPS state code, for census tract GEOIDs.
STATE_FIPS: dict[str, str] = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09",
    "DE": "10", "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17",
    "IN": "18", "IA": "19", "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24",
    "MA": "25", "MI": "26", "MN": "27", "MS": "28", "MO": "29", "MT": "30", "NE": "31",
    "NV": "32", "NH": "33", "NJ": "34", "NM": "35", "NY": "36", "NC": "37", "ND": "38",
    "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44", "SC": "45", "SD": "46",
    "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53", "WV": "54",
    "WI": "55", "WY": "56",
}  # fmt: skip

# States that license drivers regardless of immigration status (legal_presence_document NONE).
LICENSE_REGARDLESS = frozenset(
    ("CA", "CO", "CT", "DE", "DC", "HI", "IL", "MD", "MA", "MN", "NV", "NJ", "NM", "NY", "OR",
     "UT", "VT", "VA", "WA")
)  # fmt: skip

STREET_SUFFIXES = ("ST", "AVE", "RD", "DR", "LN", "BLVD", "CT", "WAY", "PL", "CIR")


@dataclass(frozen=True)
class Geography:
    """The ZIP table as arrays, with sampling weights for natives and the foreign born."""

    zips: np.ndarray
    cities: np.ndarray
    states: np.ndarray
    counties: np.ndarray
    weight_native: np.ndarray
    weight_foreign: np.ndarray
    by_state: dict[str, np.ndarray]
    streets: tuple[str, ...]

    def sample(self, rng: np.random.Generator, n: int, *, foreign: np.ndarray) -> np.ndarray:
        """Return ``n`` ZIP-table indices, weighted towards populous places."""
        native = rng.choice(len(self.zips), size=n, p=self.weight_native)
        other = rng.choice(len(self.zips), size=n, p=self.weight_foreign)
        return np.where(foreign, other, native)

    def sample_in_state(self, rng: np.random.Generator, states: np.ndarray) -> np.ndarray:
        """Return one ZIP-table index per entry of ``states``, inside that state."""
        out = np.empty(len(states), dtype=np.int64)
        u = rng.random(len(states))
        for st, idx in self.by_state.items():
            mask = states == st
            if not mask.any():
                continue
            w = self.weight_native[idx]
            cdf = np.cumsum(w) / w.sum()
            out[mask] = idx[np.minimum(np.searchsorted(cdf, u[mask]), len(idx) - 1)]
        return out

    def street_lines(self, rng: np.random.Generator, n: int) -> list[str]:
        """Return ``n`` synthetic street lines such as ``1234 MAPLE AVE``."""
        numbers = rng.integers(1, 9999, size=n)
        names = rng.integers(0, len(self.streets), size=n)
        suffixes = rng.integers(0, len(STREET_SUFFIXES), size=n)
        apts = rng.random(n) < 0.22
        apt_no = rng.integers(1, 40, size=n)
        apt_letter = rng.integers(0, 6, size=n)
        streets = self.streets
        out = []
        for i in range(n):
            line = f"{numbers[i]} {streets[names[i]]} {STREET_SUFFIXES[suffixes[i]]}"
            if apts[i]:
                line += f" APT {apt_no[i]}{'ABCDEF'[apt_letter[i]]}"
            out.append(line)
        return out


def load_geography() -> Geography:
    """Return the ZIP table of the 50 states and DC with sampling weights."""
    df = load_zipcodes().filter(pl.col("state").is_in(list(US_STATES)))
    df = df.with_columns(pl.col("city").str.to_uppercase(), pl.col("county").fill_null(""))
    df = df.with_columns(pl.len().over("state", "city").alias("city_zips"))
    df = df.with_columns((pl.col("city_zips").cast(pl.Float64) ** 0.6).alias("w"))
    df = df.with_columns((pl.col("w") / pl.col("w").sum().over("state")).alias("w"))
    pop = pl.DataFrame(
        {
            "state": list(STATE_POPULATION),
            "pop": [float(v) for v in STATE_POPULATION.values()],
            "boost": [FOREIGN_BORN_BOOST.get(s, 0.6) for s in STATE_POPULATION],
        }
    )
    df = df.join(pop, on="state", how="inner").sort("zip")
    native = (df["w"] * df["pop"]).to_numpy()
    foreign = native * df["boost"].to_numpy()
    states = df["state"].to_numpy().astype(str)
    by_state = {s: np.flatnonzero(states == s) for s in sorted(set(states.tolist()))}
    return Geography(
        zips=df["zip"].to_numpy().astype(str),
        cities=df["city"].to_numpy().astype(str),
        states=states,
        counties=df["county"].to_numpy().astype(str),
        weight_native=native / native.sum(),
        weight_foreign=foreign / foreign.sum(),
        by_state=by_state,
        streets=tuple(read_list("street_names.csv")),
    )
