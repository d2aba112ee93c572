"""The keys clustering checks before each union: issued numbers, shared SSNs, judgements.

- every Numident record's SSN (two Numident SSNs are two people), and the issued SSN
  any other record carries (a record under another holder's number is not theirs);
- every A-number (two more than a typo apart are two people);
- cannot-link tokens: a shared SSN's holder against the identities only using the number
  (``shared_ssn``), and each reviewer's DIFFERENT pair;
- birth dates, for the chaining guard.

A US passport renewal is issued a new number, so two passport numbers in
``dos_passports`` do not tell two people apart and are not a key here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from immigrationos.resolution.cluster import RecordKeys

NUMIDENT = "ssa_numident"


def _column_map(frame: pl.DataFrame, column: str) -> dict[int, Any]:
    """Return ``rid -> value`` of the records where ``column`` is not empty."""
    present = frame.filter(pl.col(column).is_not_null()).select("rid", column)
    return dict(
        zip(present.get_column("rid").to_list(), present.get_column(column).to_list(), strict=True)
    )


def reviewer_pairs(
    pairs: Iterable[tuple[str, str]], rid_of: Mapping[str, int]
) -> list[tuple[int, int]]:
    """Return judged pairs as row indices, those naming a record not in the frame left out."""
    found = []
    for left, right in pairs:
        a, b = rid_of.get(left), rid_of.get(right)
        if a is not None and b is not None and a != b:
            found.append((a, b))
    return sorted(found)


def record_keys(
    frame: pl.DataFrame, shared_tokens: pl.DataFrame, cannot_link: Iterable[tuple[int, int]]
) -> RecordKeys:
    """Return the cluster keys of the frame's records.

    Args:
        frame: normalised records with ``rid``, ``source``, ``ssn``, ``a_number``,
            ``birth_date``.
        shared_tokens: ``rid, token`` from ``shared_ssn.find_shared_ssns``.
        cannot_link: reviewers' DIFFERENT pairs as row indices.
    """
    tokens: dict[int, list[int]] = {}
    for rid, token in shared_tokens.select("rid", "token").iter_rows():
        tokens.setdefault(rid, []).append(token)
    first = 1 + max((abs(t) for t in shared_tokens.get_column("token").to_list()), default=0)
    for offset, (a, b) in enumerate(cannot_link):
        tokens.setdefault(a, []).append(first + offset)
        tokens.setdefault(b, []).append(-(first + offset))
    numident = frame.filter(pl.col("source") == NUMIDENT)
    issued = numident.get_column("ssn").drop_nulls().unique()
    carrying = frame.filter((pl.col("source") != NUMIDENT) & pl.col("ssn").is_in(issued.implode()))
    return RecordKeys(
        numident_ssn={k: str(v) for k, v in _column_map(numident, "ssn").items()},
        issued_ssn={k: str(v) for k, v in _column_map(carrying, "ssn").items()},
        a_number={k: str(v) for k, v in _column_map(frame, "a_number").items()},
        tokens=tokens,
        birth_date=_column_map(frame, "birth_date"),
    )
