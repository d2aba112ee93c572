"""Pairwise scores counted from group sizes agree with hand counts and with pair enumeration."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.resolution import metrics


def _clusters(assignment: Mapping[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        {"unique_id": list(assignment), "cluster_id": [str(v) for v in assignment.values()]},
        schema={"unique_id": pl.Utf8, "cluster_id": pl.Utf8},
    )


def _truth(assignment: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"unique_id": list(assignment), "person_id": list(assignment.values())},
        schema={"unique_id": pl.Utf8, "person_id": pl.Utf8},
    )


def _enumerated(clusters: Mapping[str, object], truth: Mapping[str, str]) -> tuple[int, int, int]:
    """Count predicted, true and correct pairs the slow way, for comparison."""
    predicted = true = correct = 0
    for a, b in combinations(sorted(clusters), 2):
        same_cluster = clusters[a] == clusters[b]
        same_person = truth.get(a, "?" + a) == truth.get(b, "?" + b)
        predicted += same_cluster
        true += same_person
        correct += same_cluster and same_person
    return predicted, true, correct


TRUTH = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}


def test_hand_counted_case() -> None:
    # Clusters {a1,a2,b1} {a3} {b2,c1}: predicted 3+0+1 = 4 pairs, of them a1-a2 correct.
    # True pairs: A has 3, B has 1, C none = 4.
    clusters = {"a1": 1, "a2": 1, "b1": 1, "a3": 2, "b2": 3, "c1": 3}
    s = metrics.pairwise_scores(_clusters(clusters), _truth(TRUTH))
    assert (s.records, s.predicted_pairs, s.true_pairs, s.correct_pairs) == (6, 4, 4, 1)
    assert s.precision == pytest.approx(0.25)
    assert s.recall == pytest.approx(0.25)
    assert s.f1 == pytest.approx(0.25)


def test_perfect_and_all_singletons_and_one_blob() -> None:
    truth = _truth(TRUTH)
    perfect = metrics.pairwise_scores(_clusters(dict(TRUTH)), truth)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    alone = metrics.pairwise_scores(_clusters({u: u for u in TRUTH}), truth)
    assert (alone.predicted_pairs, alone.precision, alone.recall, alone.f1) == (0, 1.0, 0.0, 0.0)
    blob = metrics.pairwise_scores(_clusters(dict.fromkeys(TRUTH, 0)), truth)
    assert (blob.predicted_pairs, blob.correct_pairs, blob.recall) == (15, 4, 1.0)
    assert blob.precision == pytest.approx(4 / 15)
    assert blob.f1 == pytest.approx(2 * (4 / 15) / (1 + 4 / 15))


def test_records_unknown_to_the_truth_are_their_own_person() -> None:
    clusters = {"a1": 1, "a2": 1, "tip1": 1, "tip2": 2}
    s = metrics.pairwise_scores(_clusters(clusters), _truth(TRUTH))
    # a1-a2 correct; a1-tip1 and a2-tip1 wrong; a3 is not clustered, so not counted.
    assert (s.records, s.predicted_pairs, s.true_pairs, s.correct_pairs) == (4, 3, 1, 1)


def test_truth_as_source_and_record_id() -> None:
    records = pl.DataFrame(
        {
            "source": ["dmv", "dmv", "ssa"],
            "record_id": ["1", "2", "9"],
            "person_id": ["P", "P", "Q"],
        }
    )
    clusters = _clusters({"dmv:1": 0, "dmv:2": 0, "ssa:9": 0})
    s = metrics.pairwise_scores(clusters, records)
    assert (s.predicted_pairs, s.true_pairs, s.correct_pairs) == (3, 1, 1)


def test_duplicate_records_in_clusters_are_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        metrics.pairwise_scores(
            pl.DataFrame({"unique_id": ["a1", "a1"], "cluster_id": ["1", "2"]}), _truth(TRUTH)
        )


def test_citizen_violation_merges() -> None:
    persons = pl.DataFrame(
        {
            "person_id": ["C1", "C2", "V1", "V2", "L1"],
            "status": ["US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED", "OVERSTAY", "EWI", "LPR"],
            "violations": [None, "", "OVERSTAY", "PRESENT_WITHOUT_ADMISSION|IDENTITY_FRAUD", None],
        }
    )
    records = pl.DataFrame(
        {
            "source": ["s"] * 8,
            "record_id": ["c1a", "c1b", "c2", "v1", "v2a", "v2b", "l1", "x"],
            "person_id": ["C1", "C1", "C2", "V1", "V2", "V2", "L1", "L1"],
        }
    )
    clusters = _clusters(
        {
            "s:c1a": "k1",  # citizen C1 + violator V1: counts
            "s:v1": "k1",
            "s:c1b": "k2",  # citizen C1 + LPR without violations: does not count
            "s:l1": "k2",
            "s:c2": "k3",  # citizen C2 + violator V2 (two records): counts once
            "s:v2a": "k3",
            "s:v2b": "k3",
            "s:x": "k4",  # a violator alone: does not count
        }
    )
    assert metrics.citizen_violation_merges(clusters, records, persons) == 2
    alone = _clusters({f"s:{r}": r for r in records.get_column("record_id")})
    assert metrics.citizen_violation_merges(alone, records, persons) == 0


labels = st.sampled_from(["A", "B", "C", "D", "E"])
assignments = st.dictionaries(
    st.text(alphabet="abcdefgh", min_size=1, max_size=3), st.tuples(labels, labels), max_size=25
)


@settings(max_examples=150, deadline=None)
@given(assignments, st.permutations(["A", "B", "C", "D", "E"]))
def test_properties(assignment: dict[str, tuple[str, str]], relabel: list[str]) -> None:
    truth_map = {u: p for u, (p, _) in assignment.items()}
    cluster_map = {u: c for u, (_, c) in assignment.items()}
    truth = _truth(truth_map)
    s = metrics.pairwise_scores(_clusters(cluster_map), truth)
    assert (s.predicted_pairs, s.true_pairs, s.correct_pairs) == _enumerated(
        dict(cluster_map), truth_map
    )
    # The truth scored against itself is perfect.
    assert metrics.pairwise_scores(_clusters(dict(truth_map)), truth).f1 == 1.0
    # Singletons never make a false pair.
    assert metrics.pairwise_scores(_clusters({u: u for u in truth_map}), truth).precision == 1.0
    # Renaming clusters or persons changes nothing.
    rename = dict(zip(["A", "B", "C", "D", "E"], relabel, strict=True))
    renamed = metrics.pairwise_scores(
        _clusters({u: rename[c] for u, c in cluster_map.items()}),
        _truth({u: rename[p] + "!" for u, p in truth_map.items()}),
    )
    assert renamed == s
    # Swapping the roles of clustering and truth swaps precision and recall.
    swapped = metrics.pairwise_scores(
        _clusters(dict(truth_map)), _truth({u: c for u, c in cluster_map.items()})
    )
    assert swapped.precision == s.recall and swapped.recall == s.precision
    assert swapped.f1 == pytest.approx(s.f1)


def test_wage_only_merges_count_clusters_holding_a_violator_by_the_citizens_ssn_alone() -> None:
    truth = pl.DataFrame(
        {
            "unique_id": ["n:1", "w:1", "n:2", "w:2", "i:2", "n:3", "w:3"],
            "person_id": ["C1", "V1", "C2", "V2", "V2", "C3", "V3"],
        }
    )
    persons = pl.DataFrame(
        {
            "person_id": ["C1", "V1", "C2", "V2", "C3", "V3"],
            "status": [
                "US_CITIZEN_BIRTH",
                "EWI",
                "US_CITIZEN_NATURALIZED",
                "EWI",
                "US_CITIZEN_BIRTH",
                "OVERSTAY",
            ],
            "violations": [
                "",
                "UNAUTHORIZED_EMPLOYMENT",
                "",
                "PRESENT_WITHOUT_ADMISSION",
                "",
                "OVERSTAY",
            ],
        }
    )
    frame = pl.DataFrame(
        {
            "unique_id": ["n:1", "w:1", "n:2", "w:2", "i:2", "n:3", "w:3"],
            "source": [
                "ssa_numident",
                "irs_w2",
                "ssa_numident",
                "irs_w2",
                "cbp_i94",
                "ssa_numident",
                "irs_w2",
            ],
            "ssn": ["111", "111", "222", "222", None, "333", "999"],
        }
    )
    # Cluster A: wages under the citizen's SSN only; B: the violator's I-94 too;
    # C: wages under another number.
    clusters = pl.DataFrame(
        {
            "unique_id": ["n:1", "w:1", "n:2", "w:2", "i:2", "n:3", "w:3"],
            "cluster_id": ["A", "A", "B", "B", "B", "C", "C"],
        }
    )
    assert metrics.citizen_violation_merges(clusters, truth, persons) == 3
    assert metrics.wage_only_merges(clusters, truth, persons, frame) == 1
