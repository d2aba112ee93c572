"""References to records, ``(source, record_id)``, asked for the way the indexes answer.

Every table keyed by a record reference has an index on ``(source, record_id)``. Asked with
a list of pairs (``tuple_(source, record_id).in_(...)``), SQLite does not use it and scans
the table for each chunk; asked source by source (``source = ? AND record_id IN (...)``),
the index answers. At 10,000,000 records the scan took most of a targeting run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

IN_CHUNK = 500  # record ids per IN list


def by_source(
    refs: Iterable[tuple[str, str]], size: int = IN_CHUNK
) -> Iterator[tuple[str, list[str]]]:
    """Yield ``(source, record_ids)``: each distinct reference once, ``size`` ids at most."""
    if size < 1:
        raise ValueError(f"a chunk holds at least one record id, not {size}")
    grouped: dict[str, list[str]] = defaultdict(list)
    for source, record_id in sorted(set(refs)):
        grouped[source].append(record_id)
    for source, ids in grouped.items():
        for start in range(0, len(ids), size):
            yield source, ids[start : start + size]
