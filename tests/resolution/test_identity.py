"""Stable person IDs: properties of ``identity.assign_ids`` and a few worked cases."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.resolution import identity
from immigrationos.resolution.identity import Assignment, assign_ids

Clusters = dict[str, list[str]]


@st.composite
def clusterings(draw: st.DrawFn, min_records: int = 1, max_records: int = 40) -> Clusters:
    """Return a partition of some records into clusters with arbitrary labels."""
    n = draw(st.integers(min_records, max_records))
    records = [f"src:{i:03d}" for i in range(n)]
    groups = draw(st.lists(st.integers(0, max(0, n // 2)), min_size=n, max_size=n))
    clusters: Clusters = {}
    for uid, group in zip(records, groups, strict=True):
        clusters.setdefault(f"c{group}", []).append(uid)
    return clusters


def membership(clusters: Clusters, result: Assignment) -> dict[str, str]:
    """Return record -> person ID after an assignment."""
    return {uid: result.person_of[label] for label, uids in clusters.items() for uid in uids}


def relabel(clusters: Clusters, prefix: str) -> Clusters:
    """Return the same clusters under other (run-local) labels, in another order."""
    return {f"{prefix}{i}": list(v) for i, (_, v) in enumerate(sorted(clusters.items())[::-1])}


def test_minted_ids_have_the_documented_form_and_avoid_taken_ones() -> None:
    taken: set[str] = set()
    first = identity.mint("src:1", taken)
    assert identity.is_person_id(first) and len(first) == 11 and first.startswith("P")
    assert identity.mint("src:1", {first}) != first  # a taken ID is never reused
    assert identity.mint("src:1", set()) == first  # same seed, same ID
    assert not identity.is_person_id("P0000000001O")  # O is not in the alphabet
    assert not identity.is_person_id("cbp_i94:X")


@given(clusterings())
@settings(max_examples=200, deadline=None)
def test_a_first_run_creates_one_person_per_cluster(clusters: Clusters) -> None:
    result = assign_ids({}, clusters)
    assert len(set(result.person_of.values())) == len(clusters)
    assert Counter(e.kind for e in result.events) == {"CREATED": len(clusters)}
    assert all(identity.is_person_id(p) for p in result.person_of.values())


@given(clusterings())
@settings(max_examples=200, deadline=None)
def test_a_rerun_with_identical_clusters_changes_no_id(clusters: Clusters) -> None:
    first = assign_ids({}, clusters)
    previous = membership(clusters, first)
    again_clusters = relabel(clusters, "run2-")
    again = assign_ids(previous, again_clusters, taken=previous.values())
    assert membership(again_clusters, again) == previous
    assert again.events == () and again.minted == ()


@given(clusterings(), st.integers(1, 10))
@settings(max_examples=200, deadline=None)
def test_new_singleton_records_change_no_existing_id(clusters: Clusters, extra: int) -> None:
    previous = membership(clusters, assign_ids({}, clusters))
    grown = relabel(clusters, "x") | {f"new{i}": [f"zzz:{i}"] for i in range(extra)}
    result = assign_ids(previous, grown, taken=previous.values())
    after = membership(grown, result)
    assert all(after[uid] == pid for uid, pid in previous.items())
    created = [e for e in result.events if e.kind == "CREATED"]
    assert len(created) == extra and all(e.from_ids == () for e in created)
    assert not set(result.minted) & set(previous.values())


@given(clusterings(min_records=2))
@settings(max_examples=200, deadline=None)
def test_a_merge_keeps_one_id_and_records_the_other_as_merged_into_it(
    clusters: Clusters,
) -> None:
    previous = membership(clusters, assign_ids({}, clusters))
    if len(clusters) < 2:
        return
    (_, a), (_, b), *rest = sorted(clusters.items())
    merged = {"m": a + b, **dict(rest)}
    result = assign_ids(previous, merged, taken=previous.values())
    old_a, old_b = previous[a[0]], previous[b[0]]
    kept = result.person_of["m"]
    assert kept in (old_a, old_b)
    gone = old_b if kept == old_a else old_a
    assert result.merged_into == {gone: kept}
    assert [e for e in result.events if e.kind == "MERGED"] == [
        identity.IdentityEvent("MERGED", kept, (kept, gone), (kept,))
    ]
    # the larger person keeps its ID (ties: the smaller ID)
    expected = min((old_a, old_b), key=lambda p: (-list(previous.values()).count(p), p))
    assert kept == expected
    assert all(result.person_of[label] == previous[uids[0]] for label, uids in rest)


@given(clusterings(min_records=3), st.data())
@settings(max_examples=200, deadline=None)
def test_a_split_keeps_the_id_on_the_larger_part(clusters: Clusters, data: st.DataObject) -> None:
    previous = membership(clusters, assign_ids({}, clusters))
    label, members = max(clusters.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(members) < 2:
        return
    cut = data.draw(st.integers(1, len(members) - 1))
    ordered = sorted(members)
    left, right = ordered[:cut], ordered[cut:]
    split = {k: v for k, v in clusters.items() if k != label} | {"p1": left, "p2": right}
    result = assign_ids(previous, split, taken=previous.values())
    old = previous[members[0]]
    # the larger part keeps the ID; of equal parts, the one whose first record sorts first
    bigger, smaller = ("p1", "p2") if len(left) >= len(right) else ("p2", "p1")
    assert result.person_of[bigger] == old
    assert result.person_of[smaller] != old
    splits = [e for e in result.events if e.kind == "SPLIT"]
    assert splits == [
        identity.IdentityEvent(
            "SPLIT", old, (old,), tuple(sorted((old, result.person_of[smaller])))
        )
    ]
    created = [e for e in result.events if e.kind == "CREATED"]
    assert [e.from_ids for e in created] == [(old,)]


def test_a_person_whose_records_are_all_gone_is_retired() -> None:
    first = assign_ids({}, {"a": ["s:1", "s:2"], "b": ["s:3"]})
    previous = membership({"a": ["s:1", "s:2"], "b": ["s:3"]}, first)
    result = assign_ids(previous, {"x": ["s:1", "s:2"]}, taken=previous.values())
    assert result.retired == (previous["s:3"],)
    assert result.counts() == {"CREATED": 0, "MERGED": 0, "SPLIT": 0, "RETIRED": 1}


def test_labels_and_order_do_not_change_the_outcome() -> None:
    clusters = {"7": ["s:b", "s:a"], "3": ["s:c"], "9": ["s:d", "s:e", "s:f"]}
    one = assign_ids({}, clusters)
    two = assign_ids({}, {"q": ["s:d", "s:f", "s:e"], "r": ["s:c"], "s": ["s:a", "s:b"]})
    assert membership(clusters, one) == membership(
        {"q": ["s:d", "s:f", "s:e"], "r": ["s:c"], "s": ["s:a", "s:b"]}, two
    )


def test_a_record_in_two_clusters_is_refused() -> None:
    with pytest.raises(ValueError, match="s:1"):
        assign_ids({}, {"a": ["s:1"], "b": ["s:1"]})
