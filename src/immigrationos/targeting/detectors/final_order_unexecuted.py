"""FINAL_ORDER_UNEXECUTED: a final removal order, and the person is still here.

Rule: INA §241(a) (8 U.S.C. §1231(a)), the removal of an alien ordered removed within the
removal period. An immigration judge's order becomes final when the 30 days to appeal
pass without an appeal (8 CFR 1003.38(b), 8 CFR 1241.1); an in-absentia order
(INA §240(b)(5)) cannot be appealed and is final when entered.

Data contract: present; the latest EOIR decision is ``REMOVAL_ORDERED`` and final
(decided at least 30 days before ``as_of``, or in absentia), not under appeal, with no
later relief or termination and no removal after the order. The latest decision wins:
an order reopened and followed by relief or termination is not final. A USCIS grant
decided after the order (e.g. asylum or adjustment) counts as later relief.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from immigrationos.targeting.detectors import base
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.status import PersonStatus

VIOLATION = "FINAL_ORDER_UNEXECUTED"
SOURCES = base.STATUS_SOURCES
REQUIRED = base.CLEARING_SOURCES
APPEAL_DAYS = 30


def find(status: PersonStatus) -> list[base.Finding]:
    """Return the unexecuted-final-order finding of a person's status, if any."""
    as_of = status.as_of
    order = status.latest_eoir
    if not status.presence.present or order is None or order.status != "REMOVAL_ORDERED":
        return []
    final = order.in_absentia or order.decided <= as_of - dt.timedelta(days=APPEAL_DAYS)
    if not final or order.appeal_pending or status.appeal_pending:
        return []
    later_grant = [
        f
        for f in status.relief
        if f.kind.startswith("APPROVED_") and f.day is not None and f.day > order.decided
    ]
    if later_grant:
        return []
    if any(r.day is not None and r.day >= order.decided for r in status.removals):
        return []
    how = "in absentia" if order.in_absentia else f"more than {APPEAL_DAYS} days ago"
    last = status.presence.last_evidence
    seen = f"; last seen {last.kind} {last.day}" if last is not None else ""
    detail = (
        f"removal ordered on {order.decided} ({how}), not appealed, no later relief, "
        f"termination or removal{seen}"
    ) + base.citizenship_note(status)
    evidence = base.refs((order.ref,), last.evidence if last is not None else ())
    return [base.Finding(VIOLATION, as_of, evidence, detail)]


def run(
    records: Sequence[PersonRecord],
    as_of: dt.date,
    *,
    withheld_sources: frozenset[str] = frozenset(),
    status: PersonStatus | None = None,
) -> base.DetectorRun:
    """Run the unexecuted-final-order detector on one person's records."""
    return base.run_on_status(
        VIOLATION, SOURCES, REQUIRED, find, records, as_of, withheld_sources, status
    )
