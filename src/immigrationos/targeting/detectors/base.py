"""What every detector returns, and how it runs under the data-use policy.

A detector declares the sources it reads (``SOURCES``) and the ones it cannot run without
(``REQUIRED``): those its violation rests on, and every source that could clear the person
(a status, a relief, a departure, a removal, a death). Running without a source that can
clear a person would flag lawful people, so when the policy withholds a required source
the detector does not run and says so. The other sources (wages, licences, currency
transactions) only add evidence of presence: without them the detector runs, says which
it ran without, and may miss findings but never adds one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from immigrationos.targeting.records import PersonRecord, without
from immigrationos.targeting.status import PersonStatus, derive_status

# Sources that can clear a person: status, relief, citizenship, departure, removal, death.
CLEARING_SOURCES = frozenset(
    (
        "cbp_i94", "uscis_benefits", "eoir_cases", "enforcement_events", "ssa_numident",
        "dos_passports", "cbp_home_departures",
    )
)  # fmt: skip
# Sources the status reasoning reads (``targeting.status``): status, work and presence.
STATUS_SOURCES = frozenset(
    (
        "cbp_i94", "uscis_benefits", "eoir_cases", "enforcement_events", "ssa_numident",
        "dos_passports", "dmv_licenses", "irs_w2", "fincen_ctr", "cbp_home_departures",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One violation found on a person as of a date, with the records it rests on."""

    violation: str
    as_of: dt.date
    evidence: tuple[str, ...]
    detail: str


@dataclass(frozen=True)
class DetectorRun:
    """The result of one detector on one person: whether it ran, why, what it found."""

    violation: str
    ran: bool
    reason: str
    findings: tuple[Finding, ...] = ()


def not_run(
    violation: str, required: frozenset[str], withheld_sources: frozenset[str]
) -> DetectorRun | None:
    """Return a not-run result when the policy withholds a required source, else None."""
    missing = sorted(required & withheld_sources)
    if not missing:
        return None
    return DetectorRun(
        violation,
        ran=False,
        reason=f"not run: {', '.join(missing)} withheld by the data-use policy",
    )


def ran(
    violation: str,
    sources: frozenset[str],
    withheld_sources: frozenset[str],
    findings: list[Finding],
) -> DetectorRun:
    """Return a run result, naming the sources it ran without."""
    missing = sorted(sources & withheld_sources)
    if missing:
        reason = (
            f"ran without {', '.join(missing)} (withheld by the data-use policy): "
            "evidence of presence held only there is not seen"
        )
    else:
        reason = "ran on all its sources"
    return DetectorRun(violation, ran=True, reason=reason, findings=tuple(findings))


def refs(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return the record references of several groups, in order, without repeats."""
    out: dict[str, None] = {}
    for group in groups:
        for ref in group:
            out.setdefault(ref, None)
    return tuple(out)


def status_for(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    withheld_sources: frozenset[str],
    status: PersonStatus | None,
) -> PersonStatus:
    """Return the given status, or derive it from the records the policy does not withhold."""
    if status is not None:
        return status
    return derive_status(without(records, withheld_sources), as_of)


def citizenship_note(status: PersonStatus) -> str:
    """Return a note naming the citizenship evidence on record ('' when there is none).

    The detectors apply the contract's definitions as written; the citizenship safeguard
    decides what such evidence does to a finding, so it is named, never hidden.
    """
    if not status.citizenship:
        return ""
    kinds = ", ".join(sorted({f.kind for f in status.citizenship}))
    return f"; citizenship evidence on record ({kinds}): for the citizenship safeguard"


def run_on_status(
    violation: str,
    sources: frozenset[str],
    required: frozenset[str],
    find: Callable[[PersonStatus], list[Finding]],
    records: Sequence[PersonRecord],
    as_of: dt.date,
    withheld_sources: frozenset[str],
    status: PersonStatus | None,
) -> DetectorRun:
    """Run a detector that reads only a person's status: not at all if it lacks a source."""
    skipped = not_run(violation, required, withheld_sources)
    if skipped is not None:
        return skipped
    found = find(status_for(records, as_of, withheld_sources, status))
    return ran(violation, sources, withheld_sources, found)
