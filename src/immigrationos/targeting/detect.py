"""Run every violation detector on one person's records as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from immigrationos.targeting.detectors import (
    base,
    final_order_unexecuted,
    identity_fraud,
    overstay,
    present_without_admission,
    reentry_after_removal,
    unauthorized_employment,
)
from immigrationos.targeting.detectors.base import DetectorRun, Finding
from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.records import PersonRecord, without
from immigrationos.targeting.status import Fact, PersonStatus, derive_status

__all__ = ["DETECTORS", "DetectorRun", "Finding", "OwnerInfo", "detect", "findings"]

# Every detector module, in the contract's order of violations.
DETECTORS = (
    overstay,
    unauthorized_employment,
    identity_fraud,
    final_order_unexecuted,
    reentry_after_removal,
    present_without_admission,
)


def detect(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    ssn_owner: Mapping[str, OwnerInfo],
    person_id: str | None = None,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
    suspended: Mapping[str, str] | None = None,
) -> list[DetectorRun]:
    """Return the run of each of the six detectors on one person's records.

    Args:
        records: every record of the person (tips are read by no detector).
        as_of: the date the violations are judged at; later records are not known yet.
        ssn_owner: the Numident holder of every issued SSN (for identity fraud).
        person_id: the person's id, as ``ssn_owner`` names holders.
        withheld_sources: sources the data-use policy withholds; each detector runs
            without them or not at all, and says which.
        status: the status of exactly these records (less the withheld ones) as of the
            date, when the caller derived it already; derived here otherwise.
        suspended: detectors (by violation) an oversight user suspended, with why: each
            does not run and finds nothing (``oversight.switch``).
    """
    usable = without(records, withheld_sources)
    if status is None:
        status = derive_status(usable, as_of)
    fraud = identity_fraud.run(
        usable,
        as_of,
        ssn_owner=ssn_owner,
        person_id=person_id,
        withheld_sources=withheld_sources,
    )
    halted = suspended or {}
    if identity_fraud.VIOLATION in halted:
        fraud = DetectorRun(identity_fraud.VIOLATION, False, f"not run: {halted[fraud.violation]}")
    if fraud.findings and not any(r.source == "ssa_numident" for r in usable):
        # Wages under a number that is not one's own, with no number of one's own: the
        # person is tied to immigration by more than the absence of a record.
        signs = tuple(
            Fact("WAGES_UNDER_ANOTHERS_SSN", None, f.evidence, "no SSN of their own")
            for f in fraud.findings
        )
        status = replace(status, alienage=status.alienage + signs)
    runs = [
        overstay.run(usable, as_of, withheld_sources=withheld_sources, status=status),
        unauthorized_employment.run(
            usable, as_of, withheld_sources=withheld_sources, status=status
        ),
        fraud,
        final_order_unexecuted.run(usable, as_of, withheld_sources=withheld_sources, status=status),
        reentry_after_removal.run(usable, as_of, withheld_sources=withheld_sources, status=status),
        present_without_admission.run(
            usable, as_of, withheld_sources=withheld_sources, status=status
        ),
    ]
    return [
        DetectorRun(r.violation, False, f"not run: {halted[r.violation]}")
        if r.violation in halted
        else r
        for r in runs
    ]


def findings(runs: Sequence[base.DetectorRun]) -> list[Finding]:
    """Return the findings of several detector runs, in order."""
    return [f for run in runs for f in run.findings]
