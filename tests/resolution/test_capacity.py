"""``resolution.capacity``: the memory a full run needs, the memory there is, and the refusal.

The memory there is comes from files the kernel writes (``/proc``, the memory control
group's folder); the tests lay such files out in a folder of their own, as cgroup v1 and
v2 write them, and check what is read from them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from immigrationos.resolution import capacity

GIB = 2**30


def fake_proc(root: Path, *, available_kib: int | None, cgroup: str) -> Path:
    proc = root / "proc"
    (proc / "self").mkdir(parents=True)
    lines = ["MemTotal:       24000000 kB", "MemFree:         1000000 kB"]
    if available_kib is not None:
        lines.append(f"MemAvailable:   {available_kib} kB")
    (proc / "meminfo").write_text("\n".join(lines) + "\n")
    (proc / "self" / "cgroup").write_text(cgroup)
    return proc


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@given(st.integers(0, 10**9), st.integers(1, 10**8))
def test_the_estimate_grows_with_the_records(records: int, more: int) -> None:
    assert capacity.estimated_peak(records + more) > capacity.estimated_peak(records)
    assert capacity.estimated_peak(records) >= capacity.MEASURED[0][1]


def test_the_estimate_passes_through_the_measured_runs() -> None:
    for records, peak in capacity.MEASURED:
        assert capacity.estimated_peak(records) == peak
    # Between two measured runs, on the line; past the last, on with its slope.
    (x0, y0), (x1, y1) = capacity.MEASURED[-2:]
    assert capacity.estimated_peak((x0 + x1) // 2) == pytest.approx((y0 + y1) / 2, rel=1e-6)
    assert capacity.estimated_peak(2 * x1 - x0) == pytest.approx(2 * y1 - y0, rel=1e-6)
    with pytest.raises(ValueError, match="negative"):
        capacity.estimated_peak(-1)


def test_cgroup_v1_limit_less_its_use_bounds_the_memory(tmp_path: Path) -> None:
    proc = fake_proc(
        tmp_path,
        available_kib=20 * 2**20,  # 20 GiB free on the machine
        cgroup="4:memory:/jobs/resolve\n3:cpuset:/\n",
    )
    group = tmp_path / "cg" / "memory" / "jobs" / "resolve"
    write(group / "memory.limit_in_bytes", str(8 * GIB))
    write(group / "memory.usage_in_bytes", str(3 * GIB))
    assert capacity.headroom(proc, tmp_path / "cg") == 5 * GIB


def test_cgroup_v2_max_and_the_machine_take_the_lesser(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, available_kib=2 * 2**20, cgroup="0::/user.slice\n")
    write(tmp_path / "cg" / "user.slice" / "memory.max", str(16 * GIB))
    write(tmp_path / "cg" / "user.slice" / "memory.current", str(GIB))
    assert capacity.headroom(proc, tmp_path / "cg") == 2 * GIB  # the machine is less


def test_an_unlimited_group_leaves_the_machine_s_available_memory(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, available_kib=6 * 2**20, cgroup="0::/a\n4:memory:/b\n")
    write(tmp_path / "cg" / "a" / "memory.max", "max\n")
    write(tmp_path / "cg" / "a" / "memory.current", str(GIB))
    write(tmp_path / "cg" / "memory" / "b" / "memory.limit_in_bytes", str(2**63 - 4096))
    write(tmp_path / "cg" / "memory" / "b" / "memory.usage_in_bytes", str(GIB))
    assert capacity.headroom(proc, tmp_path / "cg") == 6 * GIB


def test_a_full_group_has_no_room_and_no_proc_means_unknown(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, available_kib=None, cgroup="0::/full\n")
    write(tmp_path / "cg" / "full" / "memory.max", str(GIB))
    write(tmp_path / "cg" / "full" / "memory.current", str(GIB + 4096))
    assert capacity.headroom(proc, tmp_path / "cg") == 0
    assert capacity.headroom(tmp_path / "nowhere", tmp_path / "cg") is None
    assert capacity.Fit(10**9, capacity.estimated_peak(10**9), None).fits  # unknown: not refused


def test_the_refusal_names_the_records_the_estimate_and_the_way_out() -> None:
    records = 10_000_319
    growth = capacity.estimated_peak(records) - capacity.MEASURED[0][1]
    tight = capacity.fit(records, free=growth - 1)
    assert not tight.fits and tight.needed_bytes == growth
    message = tight.message()
    assert "10,000,319 person records" in message
    assert f"{capacity.estimated_peak(records) / GIB:.1f} GiB of memory at its peak" in message
    assert f"grow by {(growth - 1) / GIB:.1f} GiB" in message
    assert "IMOS_ENGINE=spark" in message and "IMOS_MEMORY_CHECK=false" in message
    assert capacity.fit(records, free=growth).fits
    assert capacity.fit(0, free=0).fits  # nothing to grow by


def test_lake_records_counts_the_person_sources_rows_only(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    for source, batch, rows in (
        ("eoir_cases", "b1", 3),
        ("eoir_cases", "b2", 2),
        ("ssa_numident", "b1", 4),
        ("census_tracts", "b1", 50),  # no person in it
    ):
        folder = lake / source / f"batch_id={batch}"
        folder.mkdir(parents=True)
        pl.DataFrame({"record_id": [f"r{i}" for i in range(rows)]}).write_parquet(
            folder / "part.parquet"
        )
    assert capacity.lake_records(lake) == 9
    assert capacity.lake_records(tmp_path / "empty") == 0
