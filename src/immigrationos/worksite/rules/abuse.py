"""Signs of document abuse (8 U.S.C. 1324b(a)(6); 28 CFR 44.200(a)(3); M-274 section 4.1)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from immigrationos.worksite.model import AuditContext, Finding, I9Form, Status
from immigrationos.worksite.rules.common import section2_rows
from immigrationos.worksite.rules.registry import employer_rule, finding, form_rule
from immigrationos.worksite.rules.reverification import initial_due, is_reverification
from immigrationos.worksite.rules.section2 import document_set

_GUIDANCE = (
    "Employees choose which acceptable documents to present; do not ask for more or for "
    "specific ones. Do not destroy or alter the extra entries: line through them in Section 2, "
    "attach a dated note, and train the staff who complete I-9s (DOJ IER guidance)."
)

# A pattern is asserted only on enough forms to be one (and only as a lead for review).
MIN_FLAGGED = 3
MIN_RATE = 0.10
RATIO = 3.0


@form_rule(
    "OVERDOCUMENTATION", citation="8 U.S.C. 1324b(a)(6); M-274 section 4.1", guidance=_GUIDANCE
)
def overdocumentation(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """More documents than one List A, or one List B and one List C."""
    if document_set(form).excess:
        yield finding(
            "OVERDOCUMENTATION",
            form,
            "More documents were recorded than the form requires",
            [path for path, _ in section2_rows(form)],
        )


@employer_rule(
    "DOCUMENT_PATTERN",
    citation="8 U.S.C. 1324b(a)(1) and (a)(6); 28 CFR 44.200(a)(3); M-274 section 4.1",
    guidance=_GUIDANCE,
)
def document_pattern(forms: Sequence[I9Form], ctx: AuditContext) -> Iterator[Finding]:
    """Noncitizens asked for more documents, or reverified, far more often than citizens.

    A noncitizen's form counts when it records more documents than required, or a
    permanent resident is reverified; a pattern needs at least ``MIN_FLAGGED`` such
    forms, ``MIN_RATE`` of the noncitizens, and ``RATIO`` times the citizens' rate.
    Noncitizens choosing their own cards (most do) is no sign of anything.
    """
    noncitizens: list[I9Form] = []
    flagged: list[I9Form] = []
    citizens = 0
    citizens_flagged = 0
    for form in forms:
        status = form.section1.status
        if status in (Status.PERMANENT_RESIDENT, Status.AUTHORIZED_ALIEN):
            noncitizens.append(form)
            if document_set(form).excess or (
                status is Status.PERMANENT_RESIDENT
                and any(is_reverification(b) for b in form.supplement_b)
                and initial_due(form) is None
            ):
                flagged.append(form)
        elif status in (Status.CITIZEN, Status.NONCITIZEN_NATIONAL):
            citizens += 1
            citizens_flagged += document_set(form).excess
    if len(flagged) < MIN_FLAGGED or len(flagged) < MIN_RATE * len(noncitizens):
        return
    rate = len(flagged) / len(noncitizens)
    citizen_rate = citizens_flagged / citizens if citizens else 0.0
    if rate < RATIO * citizen_rate:
        return
    yield finding(
        "DOCUMENT_PATTERN",
        None,
        f"{len(flagged)} of {len(noncitizens)} noncitizens ({rate:.0%}) were asked for more "
        f"documents or reverified without cause, against {citizen_rate:.0%} of {citizens} "
        "citizens: a pattern of specific documents demanded of noncitizens",
        [f.form_id for f in flagged[:50]],
    )
