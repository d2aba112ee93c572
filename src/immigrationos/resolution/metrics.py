"""How good a clustering is against a synthetic world's truth, counted without enumerating pairs.

Pairwise scores: a pair of records is *predicted* when both sit in one cluster, *true*
when both belong to one person, *correct* when both. Each count is a sum of
``n * (n - 1) / 2`` over group sizes: of clusters, of truth persons, and of their
intersections (cluster, person). So scoring 3,000,000 records costs three group-bys.

A record of the clustering the truth does not know (a tip about nobody, a row the
generator wrote unlinked) counts as its own person. Records of the truth the
clustering lacks are left out: the scores describe the clustered records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

CITIZEN_STATUSES = ("US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED")


@dataclass(frozen=True)
class PairwiseScores:
    """Pair counts and pairwise precision, recall and F1 of one clustering."""

    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        """Return correct / predicted pairs (1.0 when nothing is predicted)."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Return correct / true pairs (1.0 when there is nothing to find)."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(frame: pl.DataFrame, keys: list[str]) -> int:
    sizes = frame.group_by(keys).len().get_column("len").cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def truth_frame(truth_records: pl.DataFrame) -> pl.DataFrame:
    """Return ``unique_id, person_id`` from truth records (``source, record_id, person_id``)."""
    if "unique_id" in truth_records.columns:
        return truth_records.select(
            pl.col("unique_id").cast(pl.Utf8), pl.col("person_id").cast(pl.Utf8)
        )
    return truth_records.select(
        (pl.col("source") + ":" + pl.col("record_id").cast(pl.Utf8)).alias("unique_id"),
        pl.col("person_id").cast(pl.Utf8),
    )


def labelled(clusters: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Return ``unique_id, cluster_id, person_id``: each clustered record with its true person.

    A record unknown to the truth gets a person of its own (``?<unique_id>``).
    """
    truth = truth_frame(truth)
    return (
        clusters.select("unique_id", "cluster_id")
        .join(truth, on="unique_id", how="left")
        .with_columns(pl.col("person_id").fill_null("?" + pl.col("unique_id")))
    )


def pairwise_scores(clusters: pl.DataFrame, truth: pl.DataFrame) -> PairwiseScores:
    """Return pairwise precision, recall and F1 of ``clusters`` against ``truth``.

    Args:
        clusters: ``unique_id, cluster_id``, every record once.
        truth: ``unique_id, person_id`` (or ``source, record_id, person_id``).

    Returns:
        The pair counts; precision, recall and F1 are properties of the result.
    """
    if clusters.get_column("unique_id").is_duplicated().any():
        raise ValueError("clusters list a unique_id more than once")
    frame = labelled(clusters, truth)
    return PairwiseScores(
        records=frame.height,
        true_pairs=_pairs(frame, ["person_id"]),
        predicted_pairs=_pairs(frame, ["cluster_id"]),
        correct_pairs=_pairs(frame, ["cluster_id", "person_id"]),
    )


def citizen_violation_merges(
    clusters: pl.DataFrame, truth_records: pl.DataFrame, truth_persons: pl.DataFrame
) -> int:
    """Return how many clusters join a US citizen's records with another violator's records.

    Such a cluster can put a citizen in front of enforcement: it holds records of a
    person whose status is ``US_CITIZEN_BIRTH`` or ``US_CITIZEN_NATURALIZED`` and records
    of a different person with at least one violation (a citizen never has one, so the
    two are always different persons).

    Args:
        clusters: ``unique_id, cluster_id``.
        truth_records: ``source, record_id, person_id`` (or ``unique_id, person_id``).
        truth_persons: ``person_id, status, violations`` (``violations`` a ``|``-list,
            empty or null for none).
    """
    return citizen_violation_clusters(labelled_status(clusters, truth_records, truth_persons)).len()


def labelled_status(
    clusters: pl.DataFrame, truth_records: pl.DataFrame, truth_persons: pl.DataFrame
) -> pl.DataFrame:
    """Return ``labelled`` records with their true person's ``citizen`` and ``violator`` flags.

    A record whose person the truth does not list is neither (both flags False).
    """
    persons = truth_persons.select(
        pl.col("person_id").cast(pl.Utf8),
        pl.col("status").is_in(CITIZEN_STATUSES).alias("citizen"),
        (pl.col("violations").fill_null("").str.len_chars() > 0).alias("violator"),
    )
    return (
        labelled(clusters, truth_records)
        .join(persons, on="person_id", how="left")
        .with_columns(pl.col("citizen", "violator").fill_null(False))
    )


def citizen_violation_clusters(status: pl.DataFrame) -> pl.Series:
    """Return the ``cluster_id`` of every cluster of ``labelled_status`` records that joins
    a US citizen's records with a violator's."""
    per_cluster = status.group_by("cluster_id").agg(
        pl.col("citizen").any(), pl.col("violator").any()
    )
    return per_cluster.filter(pl.col("citizen") & pl.col("violator")).get_column("cluster_id")


def wage_only_merges(
    clusters: pl.DataFrame,
    truth_records: pl.DataFrame,
    truth_persons: pl.DataFrame,
    frame: pl.DataFrame,
) -> int:
    """Return how many citizen-violation clusters hold the violator only by wages in the
    citizen's own SSN.

    Such a cluster joins a citizen's records (a Numident among them) with W-2s another
    person drew under the citizen's number (and, having survived the name check, under
    the citizen's name): nothing in the records tells those wages from the citizen's own
    when no address, employer or tax year does. Counted apart so that a benchmark shows
    which merges records could have prevented.

    Args:
        clusters: ``unique_id, cluster_id``.
        truth_records: ``source, record_id, person_id`` (or ``unique_id, person_id``).
        truth_persons: ``person_id, status, violations``.
        frame: the record frame (``unique_id, source, ssn``).
    """
    frame_ = labelled_status(clusters, truth_records, truth_persons).join(
        frame.select("unique_id", "source", pl.col("ssn").cast(pl.Utf8)), on="unique_id"
    )
    citizen_ssn = pl.col("ssn").filter(pl.col("citizen") & (pl.col("source") == "ssa_numident"))
    stolen = pl.col("violator") & (pl.col("source") == "irs_w2") & pl.col("ssn").is_not_null()
    per_cluster = frame_.group_by("cluster_id").agg(
        pl.col("citizen").any().alias("citizen"),
        pl.col("violator").any().alias("violator"),
        (pl.col("violator") & ~stolen).any().alias("other_evidence"),
        pl.col("ssn").filter(stolen).unique().alias("used"),
        citizen_ssn.unique().alias("owned"),
    )
    wage_only = per_cluster.filter(
        pl.col("citizen")
        & pl.col("violator")
        & ~pl.col("other_evidence")
        & (pl.col("used").list.set_difference("owned").list.len() == 0)
    )
    return wage_only.height


def read_truth(world_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return a world's truth: records (``unique_id, person_id``) and persons (all text)."""
    records = pl.read_csv(world_dir / "truth" / "records.csv", infer_schema_length=0)
    persons = pl.read_csv(world_dir / "truth" / "persons.csv", infer_schema_length=0)
    return truth_frame(records), persons


def clustering_agreement(clusters: pl.DataFrame, other: pl.DataFrame) -> PairwiseScores:
    """Return pairwise precision, recall and F1 of one clustering against another.

    ``other``'s clusters stand for the persons (F1 is symmetric in the two): how two
    engines or two runs agree, 1.0 when they cluster every record alike.

    Args:
        clusters: ``unique_id, cluster_id``, every record once.
        other: ``unique_id, cluster_id`` of the same records.
    """
    if other.get_column("unique_id").is_duplicated().any():
        raise ValueError("the other clustering lists a unique_id more than once")
    as_truth = other.select(
        pl.col("unique_id").cast(pl.Utf8), pl.col("cluster_id").cast(pl.Utf8).alias("person_id")
    )
    return pairwise_scores(clusters, as_truth)
