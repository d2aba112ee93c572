"""What every benchmark prints first: the commit and the machine it ran on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


def commit() -> str:
    """Return the short git commit (with + when the tree has changes), or unknown."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return rev + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    """Return CPU model, cores and memory of this machine."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown memory"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024**2:.1f} GiB"
    return f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}"


def header(title: str) -> None:
    """Print the benchmark's title, commit and machine."""
    print(f"== {title}")
    print(f"commit:  {commit()}")
    print(f"machine: {machine()}")


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int | None = None) -> int:
    """Return the resident memory of a process and all its descendants, in bytes.

    ``root`` defaults to this process: with Spark, its JVM and the JVM's Python workers
    are descendants, and count.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry.name}/statm") as handle:
                pages = int(handle.read().split()[1])
        except OSError:
            continue
        pid = int(entry.name)
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * PAGE
    total, todo = 0, [os.getpid() if root is None else root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class TreeMeter:
    """Wall time and peak resident memory of this process tree, sampled every 100 ms."""

    seconds: float = 0.0
    peak_rss: int = 0
    start_rss: int = 0
    evaluation: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_rss = max(self.peak_rss, tree_rss())


@contextmanager
def tree_measured() -> Iterator[TreeMeter]:
    """Measure the wall time and the process tree's peak RSS of the block.

    On Spark the tree holds its JVM and its Python workers.
    """
    start = tree_rss()
    meter = TreeMeter(peak_rss=start, start_rss=start)
    sampler = threading.Thread(target=meter._sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        yield meter
    finally:
        meter.seconds = time.perf_counter() - t0
        meter._stop.set()
        sampler.join()


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database whole (SQLite's backup, safe whatever the journal mode)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
