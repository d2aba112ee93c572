"""How the engine's reasons are worded: what a use is called, what to do, why not."""

from __future__ import annotations

from collections.abc import Iterable

from immigrationos.policy.context import UseContext
from immigrationos.policy.kinds import KIND_LABELS, AuthorizationKind, Use

DONE = {
    Use.READ: "read",
    Use.ANALYSE: "analysed",
    Use.DISCLOSE: "disclosed outside the agency",
    Use.SERVE_ON_SUBJECT: "put in anything served on the person",
    Use.AGGREGATE: "counted",
}
HOW_TO_DECLARE = (
    "Declare a purpose (a case, a lead, a criminal investigation, or a named batch purpose) "
    "with its reference and why you need the data, then use its id."
)


def join_words(items: Iterable[str], last: str = "or") -> str:
    """Return ``items`` as words: "a", "a or b", "a, b or c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def why_not(
    ctx: UseContext,
    source: str,
    accepted: Iterable[AuthorizationKind],
    *,
    state: str | None = None,
) -> str:
    """Say why each authorization on record for this source does not count."""
    accepted = tuple(accepted)
    accepted_kinds = {k.value for k in accepted}
    purpose_id = ctx.purpose.id if ctx.purpose else None
    notes: list[str] = []
    for a in ctx.authorizations:
        if source not in a.sources:
            continue
        label = f"{a.reference} ({KIND_LABELS.get(a.kind, a.kind)})"
        if a.kind not in accepted_kinds or a.kind == AuthorizationKind.ADMINISTRATIVE_WARRANT:
            notes.append(f"{label} is not {join_words([KIND_LABELS[k] for k in accepted])}")
        elif a.revoked:
            notes.append(f"{label} was revoked")
        elif a.expires_on is not None and a.expires_on < ctx.today:
            notes.append(f"{label} expired on {a.expires_on.isoformat()}")
        elif purpose_id not in a.purpose_ids:
            notes.append(f"{label} names other purposes")
        elif state is not None and state not in a.states:
            notes.append(f"{label} does not name {state}")
        elif state is not None:
            notes.append(f"{label} does not name this person")
    return (" " + "; ".join(notes) + ".") if notes else ""
