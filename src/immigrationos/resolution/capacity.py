"""Will a whole resolution fit in memory? Refuse it before the work, with the figures.

A full resolution holds every current person record in memory (the records' frame,
their keys, the scored pairs, the clusters, the links' explanations) and stores the
result in one transaction. Past the machine's or its control group's memory, the kernel
kills the process, after minutes or hours of work and with no message. ``fit`` (called
by ``resolve_flows.resolve`` before it reads a record) makes that a refusal at the
start, naming the records, the estimated peak and the memory there is, and what to do
instead.

The estimate runs through the measured peaks of ``imos resolve`` on generated worlds
(``MEASURED``, from ``docs/scaling.md``): the peak of the whole run, storing included,
about 1.3 GiB per million records past 3 million. Real
deliveries may differ (longer explanations, more links per person), so the check can be
turned off (``IMOS_MEMORY_CHECK=false``) to try anyway.

The memory there is (``headroom``): the least of the kernel's available memory
(``MemAvailable``) and what the process's memory control group still allows (cgroup v1
``memory.limit_in_bytes`` less ``memory.usage_in_bytes``, or v2 ``memory.max`` less
``memory.current``). The run must grow by its estimated peak less what a process holds
with its libraries loaded (``MEASURED[0]``); whatever else the process holds (an
ingest's leftovers, say) stays where it is, so it is not counted as room.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import polars as pl

from immigrationos.sources.contract import PERSON_SOURCES

GIB = 2**30
# Peaks of full runs on generated worlds (records, bytes), storing included, from
# docs/scaling.md: 553,199 records (3.2 GiB, an ingest's leftovers in the same
# process), 1,000,062 (3.8 GiB), 3,010,634 (8.9 GiB, before session 16's memory fixes),
# 10,000,319 (18.1 GiB, the kernel's count of the whole run, storing included). Zero
# records: the libraries loaded. Between them the estimate is the straight line; past
# the last, the last segment's slope.
MEASURED: tuple[tuple[int, int], ...] = (
    (0, int(0.75 * GIB)),
    (553_199, int(3.2 * GIB)),
    (1_000_062, int(3.8 * GIB)),
    (3_010_634, int(8.9 * GIB)),
    (10_000_319, int(18.1 * GIB)),
)
# A cgroup without a limit reports a number near 2**63 (v1) or "max" (v2).
_UNLIMITED = 2**60


@dataclass(frozen=True)
class Fit:
    """The figures of one check: records, the growth they need, the room there is."""

    records: int
    peak_bytes: int  # the run's estimated peak, from a process with its libraries loaded
    free_bytes: int | None  # what the process may still grow by; None: unknown, not refused

    @property
    def needed_bytes(self) -> int:
        """Return the growth the run needs above a process with its libraries loaded."""
        return max(self.peak_bytes - MEASURED[0][1], 0)

    @property
    def fits(self) -> bool:
        return self.free_bytes is None or self.needed_bytes <= self.free_bytes

    def message(self) -> str:
        free = "unknown" if self.free_bytes is None else f"{self.free_bytes / GIB:.1f} GiB"
        return (
            f"resolving {self.records:,} person records takes about "
            f"{self.peak_bytes / GIB:.1f} GiB of memory at its peak, "
            f"{self.needed_bytes / GIB:.1f} GiB more than the process holds at the start, "
            f"and this process can grow by {free} (the machine's available memory, or its "
            "control group's limit less its use, whichever is less): run it on a machine "
            "with more memory, on a Spark cluster (IMOS_ENGINE=spark, "
            "IMOS_SPARK_MASTER=spark://...), or set IMOS_MEMORY_CHECK=false to try anyway"
        )


def estimated_peak(records: int) -> int:
    """Return the estimated peak memory, in bytes, of a full resolution of ``records``."""
    if records < 0:
        raise ValueError(f"a count of records cannot be negative: {records}")
    for (x0, y0), (x1, y1) in pairwise(MEASURED):
        if records <= x1 or x1 == MEASURED[-1][0]:
            return y0 + (y1 - y0) * (records - x0) // (x1 - x0)
    raise AssertionError("unreachable: the last segment extends past the last point")


def lake_records(lake_dir: Path) -> int:
    """Return the rows of the lake's person sources, read from the Parquet footers alone.

    An upper bound of the current records: a record ingested again in a later batch
    counts once per version.
    """
    files = (f for source in PERSON_SOURCES for f in (lake_dir / source).rglob("*.parquet"))
    # One file at a time: a source's batches may differ in columns.
    return sum(int(pl.scan_parquet(f).select(pl.len()).collect().item()) for f in files)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return _UNLIMITED
    try:
        return int(text)
    except ValueError:
        return None


def _meminfo_available(proc: Path) -> int | None:
    try:
        lines = (proc / "meminfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def _cgroup_headroom(proc: Path, cgroup_root: Path) -> int | None:
    """Return what this process's memory cgroup still allows (None: no limit found)."""
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None
    headrooms: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        if "memory" in controllers.split(","):  # cgroup v1
            folder = cgroup_root / "memory" / group.lstrip("/")
            limit = _read_int(folder / "memory.limit_in_bytes")
            used = _read_int(folder / "memory.usage_in_bytes")
        elif controllers == "":  # cgroup v2's unified hierarchy
            folder = cgroup_root / group.lstrip("/")
            limit = _read_int(folder / "memory.max")
            used = _read_int(folder / "memory.current")
        else:
            continue
        if limit is not None and limit < _UNLIMITED and used is not None:
            headrooms.append(max(limit - used, 0))
    return min(headrooms) if headrooms else None


def headroom(proc: Path = Path("/proc"), cgroup_root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Return what this process may still grow by, in bytes (None when unknown)."""
    found = [
        m for m in (_meminfo_available(proc), _cgroup_headroom(proc, cgroup_root)) if m is not None
    ]
    return min(found) if found else None


def fit(records: int, free: int | None = None) -> Fit:
    """Return the figures for resolving ``records`` here (``free``: ``headroom()`` if None)."""
    return Fit(
        records=records,
        peak_bytes=estimated_peak(records),
        free_bytes=headroom() if free is None else free,
    )
