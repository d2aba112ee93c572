"""What every benchmark prints first: the commit and the machine it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
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
