"""The record store of a world: clean rows per source, with their person, plus id makers."""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache

from immigrationos.sources.contract import PERSON_SOURCES, SOURCES

# Prefix of the record_id of each source (``I94-000001234``).
RECORD_PREFIX: dict[str, str] = {
    "cbp_i94": "I94-",
    "uscis_benefits": "BEN-",
    "eoir_cases": "EOIR-",
    "enforcement_events": "ENF-",
    "criminal_history": "CRIM-",
    "ssa_numident": "NUM-",
    "irs_w2": "W2-",
    "irs_itin": "ITIN-",
    "fincen_sar": "SAR-",
    "fincen_ctr": "CTR-",
    "dmv_licenses": "DMV-",
    "dos_passports": "PPT-",
    "cbp_home_departures": "DEP-",
    "tips": "TIP-",
}

NOBODY = -1  # the person of a record about nobody in the world (a fabricated tip)

# Hidden flags a row carries for the noise stage; never written.
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"irs_w2": ("_own_ssn",)}


@lru_cache(maxsize=200_000)
def iso(ordinal: int) -> str:
    """Return the ISO date of a date ordinal."""
    return dt.date.fromordinal(ordinal).isoformat()


class RecordStore:
    """Rows of every person source, each a tuple in contract column order."""

    def __init__(self) -> None:
        self.columns: dict[str, tuple[str, ...]] = {
            s: tuple(SOURCES[s].column_names[1:]) + EXTRA_COLUMNS.get(s, ()) for s in PERSON_SOURCES
        }
        self.rows: dict[str, list[tuple[object, ...]]] = {s: [] for s in PERSON_SOURCES}
        self.pids: dict[str, list[int]] = {s: [] for s in PERSON_SOURCES}

    def add(self, source: str, pid: int, **values: object) -> None:
        """Append one clean row (record_id is assigned when the world is written)."""
        cols = self.columns[source]
        unknown = set(values) - set(cols)
        if unknown:
            raise KeyError(f"{source} has no column(s) {sorted(unknown)}")
        self.rows[source].append(tuple(values.get(c) for c in cols))
        self.pids[source].append(pid)


class Ids:
    """Makers of distinct identifiers (A-numbers, ITINs, receipt numbers, ...)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self._a = 200_000_000 + rnd.randrange(1_000_000)
        self._seen: set[str] = set()

    def _unique(self, make: object) -> str:
        assert callable(make)
        while True:
            v = make()
            if v not in self._seen:
                self._seen.add(v)
                return str(v)

    def a_number(self) -> str:
        """Return a new A-number (A + 9 digits)."""
        self._a += self.rnd.randint(1, 400)
        return f"A{self._a:09d}"

    def itin(self) -> str:
        """Return a new ITIN (9XX, group 70-88, serial)."""
        r = self.rnd
        return self._unique(
            lambda: f"9{r.randrange(100):02d}{r.randint(70, 88)}{r.randrange(1, 10000):04d}"
        )

    def i94(self) -> str:
        """Return a new I-94 number (11 alphanumerics)."""
        r = self.rnd
        return self._unique(
            lambda: (
                f"{r.randrange(10**9):09d}{r.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{r.randrange(10)}"
            )
        )

    def receipt(self, year: int) -> str:
        """Return a new receipt number (3 letters + 10 digits)."""
        r = self.rnd
        center = r.choice(("EAC", "WAC", "LIN", "SRC", "MSC", "IOE", "NBC", "YSC"))
        return self._unique(lambda: f"{center}{year % 100:02d}{r.randrange(10**8):08d}")

    def foreign_passport(self) -> str:
        """Return a new foreign passport number."""
        r = self.rnd
        return self._unique(
            lambda: (
                f"{r.choice('ABCDEFGHKLMNPRSTXYZ')}{r.choice('ABCDEFGHKLMNPRSTXYZ0123456789')}"
                f"{r.randrange(10**7):07d}"
            )
        )

    def us_passport(self) -> str:
        """Return a new US passport number (9 characters)."""
        r = self.rnd
        return self._unique(lambda: f"{r.choice('5456ABC')}{r.randrange(10**8):08d}")

    def fbi(self) -> str:
        """Return a new FBI number (9 alphanumerics)."""
        r = self.rnd
        return self._unique(
            lambda: (
                f"{r.randrange(10**6):06d}{r.choice('ABCDEFHJKL')}{r.choice('ABCDEFHJKL')}"
                f"{r.randrange(10)}"
            )
        )

    def license(self, state: str) -> str:
        """Return a new driver license number."""
        r = self.rnd
        return self._unique(lambda: f"{state[0]}{r.randrange(10**7, 10**8)}")

    def ein(self) -> str:
        """Return a new employer EIN (9 digits)."""
        r = self.rnd
        return self._unique(lambda: f"{r.randint(10, 99)}{r.randrange(10**7):07d}")
