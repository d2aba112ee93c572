"""Timeliness of Sections 1 and 2 (8 CFR 274a.2(b)(1)(i)(A), (b)(1)(ii), (b)(1)(iii))."""

from __future__ import annotations

from collections.abc import Iterator

from immigrationos.worksite.model import AuditContext, Finding, I9Form
from immigrationos.worksite.rules.common import first_day, section2_deadline, short_employment
from immigrationos.worksite.rules.registry import finding, form_rule

_LATE_NOTE = (
    "Lateness cannot be undone: do not change the dates. Attach a signed and dated note "
    "to the form explaining why the section was completed late and what the employer has "
    "changed so it does not happen again (M-274 section 11)."
)


@form_rule(
    "S1_LATE",
    citation="8 CFR 274a.2(b)(1)(i)(A); Form I-9 instructions (08/01/23) p. 3; M-274 section 3.0",
    guidance="If Section 1 was signed after the first day of employment, leave the date as "
    "it is. " + _LATE_NOTE,
)
def s1_late(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 1 is due by the first day of employment (any time after the offer is accepted)."""
    signed = form.section1.date_signed
    start = first_day(form, ctx)
    if signed is not None and start is not None and signed > start:
        yield finding(
            "S1_LATE",
            form,
            f"Section 1 signed {signed.isoformat()}, after the first day of employment "
            f"{start.isoformat()}",
            ["section1.date_signed", "section2.first_day_of_employment"],
        )


@form_rule(
    "S2_LATE",
    citation="8 CFR 274a.2(b)(1)(ii) and (b)(1)(iii); M-274 sections 3.0 and 4.0",
    guidance="If Section 2 was completed after the third business day, do not backdate it. "
    + _LATE_NOTE,
)
def s2_late(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """Section 2 is due within three business days of the first day (by the first day for short jobs)."""
    signed = form.section2.date_signed
    deadline = section2_deadline(form, ctx)
    if signed is None or deadline is None or signed <= deadline:
        return
    start = first_day(form, ctx)
    assert start is not None
    if short_employment(form, ctx):
        why = "employment of under three business days: Section 2 was due on the first day"
    else:
        why = f"due by the third business day, {deadline.isoformat()}"
    yield finding(
        "S2_LATE",
        form,
        f"Section 2 signed {signed.isoformat()} for a first day of {start.isoformat()} ({why})",
        ["section2.date_signed", "section2.first_day_of_employment"],
    )
