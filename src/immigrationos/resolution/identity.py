"""Stable person IDs across runs: who keeps an ID, who gets a new one, and what happened.

A pure function of the previous membership (record -> person ID) and the new clusters.
Each old person votes for the new cluster that holds the largest share of its records;
a cluster keeps the ID of the voter that brought it the most records, and the other
voters are merged into it. A cluster no old person votes for gets a new ID, minted from
its records (so the same cluster would get the same ID again; IDs ever used are never
reused). Ties are broken by content, never by run-local cluster labels: the smaller
sorted first record of a cluster, the larger old person, the smaller ID.

Events: CREATED (a new ID; ``from_ids`` names old persons whose records it took),
MERGED (``from_ids`` the surviving ID and those merged into it), SPLIT (an old person's
records went to several persons, ``into_ids``), RETIRED (no record of it is left).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

ID_PREFIX = "P"
ID_CHARS = 10
# Crockford's base32: no I, L, O or U, so IDs read aloud and copied by hand survive.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class IdentityEvent:
    """What one run did to one person ID."""

    kind: str  # CREATED, MERGED, SPLIT, RETIRED
    person_id: str
    from_ids: tuple[str, ...]
    into_ids: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """The person ID of every new cluster, and the events that explain the change."""

    person_of: dict[str, str]  # cluster label -> person ID
    events: tuple[IdentityEvent, ...]
    merged_into: dict[str, str] = field(default_factory=dict)  # old ID -> surviving ID
    retired: tuple[str, ...] = ()  # old IDs none of whose records is left
    minted: tuple[str, ...] = ()  # new IDs, in the order they were minted

    def counts(self) -> dict[str, int]:
        """Return how many events of each kind the run produced."""
        found = Counter(e.kind for e in self.events)
        return {kind: found.get(kind, 0) for kind in ("CREATED", "MERGED", "SPLIT", "RETIRED")}


def mint(seed: str, taken: set[str]) -> str:
    """Return a new person ID derived from ``seed`` and not in ``taken`` (which it joins)."""
    attempt = 0
    while True:
        text = seed if attempt == 0 else f"{seed}#{attempt}"
        number = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        chars = []
        for _ in range(ID_CHARS):
            chars.append(ALPHABET[number & 31])
            number >>= 5
        candidate = ID_PREFIX + "".join(reversed(chars))
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        attempt += 1


def is_person_id(value: str) -> bool:
    """Return whether ``value`` has the form of a person ID."""
    return (
        len(value) == len(ID_PREFIX) + ID_CHARS
        and value.startswith(ID_PREFIX)
        and all(c in ALPHABET for c in value[len(ID_PREFIX) :])
    )


PREVIOUS_SCHEMA = {"unique_id": pl.Utf8, "person_id": pl.Utf8}
CLUSTER_SCHEMA = {"unique_id": pl.Utf8, "cluster_id": pl.Utf8}


def assign_ids(
    previous: Mapping[str, str],
    clusters: Mapping[str, Collection[str]],
    taken: Iterable[str] = (),
) -> Assignment:
    """Return the person ID of each new cluster and the events of the change.

    Args:
        previous: the current membership, record ``unique_id`` -> person ID.
        clusters: the new clusters, label -> their records' ``unique_id``s (disjoint).
        taken: every person ID ever used (retired and merged ones too); the IDs in
            ``previous`` are taken as well. New IDs avoid all of them.

    Returns:
        The assignment: ``person_of`` for every cluster label, and the events.

    Raises:
        ValueError: an empty cluster, or a record in two clusters.
    """
    for label, members in clusters.items():
        if not members:
            raise ValueError(f"cluster {label!r} has no records")
    labels = [label for label, members in clusters.items() for _ in members]
    uids = [uid for members in clusters.values() for uid in members]
    return assign_frames(
        pl.DataFrame(
            {"unique_id": list(previous), "person_id": list(previous.values())},
            schema=PREVIOUS_SCHEMA,
        ),
        pl.DataFrame({"unique_id": uids, "cluster_id": labels}, schema=CLUSTER_SCHEMA),
        taken,
    )


def assign_frames(
    previous: pl.DataFrame, clusters: pl.DataFrame, taken: Iterable[str] = ()
) -> Assignment:
    """Return ``assign_ids`` of frames: ``previous`` (unique_id, person_id), ``clusters``
    (unique_id, cluster_id). The counting is Polars', so 550,000 records take a second.

    Raises:
        ValueError: a record in two clusters.
    """
    twice = clusters.filter(pl.col("unique_id").is_duplicated()).get_column("unique_id")
    if twice.len():
        raise ValueError(f"record {twice.sort()[0]} is in more than one cluster")
    keys = clusters.group_by("cluster_id").agg(pl.col("unique_id").min().alias("key"))
    old_size = previous.group_by("person_id").agg(pl.len().alias("size"))
    # How many of each old person's records each new cluster holds.
    overlap = (
        clusters.join(previous, on="unique_id", how="inner")
        .group_by("cluster_id", "person_id")
        .agg(pl.len().alias("n"))
        .join(keys, on="cluster_id")
        .join(old_size, on="person_id")
    )
    # Each old person's best cluster: the most of its records, then the smaller key.
    best = overlap.sort(["person_id", "n", "key"], descending=[False, True, False]).unique(
        "person_id", keep="first", maintain_order=True
    )
    # A cluster keeps the ID of the voter that brought it the most records (then the
    # larger old person, then the smaller ID); the other voters merge into it.
    claims = best.sort(
        ["cluster_id", "n", "size", "person_id"], descending=[False, True, True, False]
    ).with_columns(pl.col("person_id").first().over("cluster_id").alias("winner"))
    winners = dict(
        claims.unique("cluster_id", keep="first").select("cluster_id", "winner").iter_rows()
    )
    merged = claims.filter(pl.col("person_id") != pl.col("winner")).sort("winner", "person_id")
    merged_into: dict[str, str] = dict(merged.select("person_id", "winner").iter_rows())

    used = set(taken) | set(previous.get_column("person_id").to_list())
    person_of: dict[str, str] = {}
    minted: list[str] = []
    events: list[IdentityEvent] = []
    took: dict[str, tuple[str, ...]] = {
        label: tuple(sorted(olds))
        for label, olds in overlap.group_by("cluster_id").agg(pl.col("person_id")).iter_rows()
    }
    losers_of: dict[str, list[str]] = {}
    for loser, survivor in merged_into.items():
        losers_of.setdefault(survivor, []).append(loser)
    for label, key in keys.sort("key").iter_rows():
        kept = winners.get(label)
        if kept is not None:
            person_of[label] = kept
            losers = sorted(losers_of.get(kept, ()))
            if losers:
                events.append(IdentityEvent("MERGED", kept, (kept, *losers), (kept,)))
            continue
        new_id = mint(key, used)
        person_of[label] = new_id
        minted.append(new_id)
        events.append(IdentityEvent("CREATED", new_id, took.get(label, ()), (new_id,)))

    parts = overlap.group_by("person_id").agg(pl.col("cluster_id")).sort("person_id")
    for old, labels in parts.iter_rows():
        if len(labels) > 1:
            into = tuple(sorted({person_of[c] for c in labels}))
            events.append(IdentityEvent("SPLIT", old, (old,), into))
    retired = tuple(
        sorted(set(old_size.get_column("person_id")) - set(parts.get_column("person_id")))
    )
    events.extend(IdentityEvent("RETIRED", old, (old,), ()) for old in retired)
    return Assignment(
        person_of=person_of,
        events=tuple(events),
        merged_into=merged_into,
        retired=retired,
        minted=tuple(minted),
    )
