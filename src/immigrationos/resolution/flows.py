"""Resolution use cases that own their transaction; this module is their one public face.

- ``persist_result`` (``run_flows``): a backend's result becomes persons with stable IDs,
  with the run, memberships, links, events, flags and audit event in one transaction;
- ``judge``, ``constraints_for_next_run``, ``review_queue`` (``judgement_flows``):
  reviewers' decisions as data, honoured by the next run, and the queue of links that
  most need a reviewer;
- ``export_clusters`` (``export``): every record's person, as exports.md fixes it.
"""

from __future__ import annotations

from immigrationos.resolution.export import ExportSummary, export_clusters
from immigrationos.resolution.judgement_flows import (
    JudgedPairs,
    ReviewItem,
    constraints_for_next_run,
    iter_review,
    judge,
    judged_pairs,
    probability_threshold,
    review_queue,
)
from immigrationos.resolution.run_flows import ResolutionError, RunSummary, persist_result

__all__ = [
    "ExportSummary",
    "JudgedPairs",
    "ResolutionError",
    "ReviewItem",
    "RunSummary",
    "constraints_for_next_run",
    "export_clusters",
    "iter_review",
    "judge",
    "judged_pairs",
    "persist_result",
    "probability_threshold",
    "review_queue",
]
