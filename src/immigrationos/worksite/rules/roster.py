"""Forms against the roster, and retention (8 CFR 274a.2(b)(2)(i); M-274 section 10)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from immigrationos.worksite.model import AuditContext, Finding, I9Form, RosterEntry
from immigrationos.worksite.rules.common import IRCA_DATE, first_day, termination
from immigrationos.worksite.rules.registry import employer_rule, finding, form_rule


def _years_after(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # February 29
        return d.replace(year=d.year + years, day=28)


def destroy_by(hire: date | None, end: date | None) -> date | None:
    """Return the first day a form may be destroyed: the later of hire + 3 years, end + 1 year.

    None while the employee is still employed (the form is kept as long as employment
    lasts) or when the hire date is unknown.
    """
    if end is None or hire is None:
        return None
    return max(_years_after(hire, 3), _years_after(end, 1))


def form_destroy_by(form: I9Form, ctx: AuditContext) -> date | None:
    """Return a form's destroy-by date from its first day (or last rehire) and the roster."""
    hire = first_day(form, ctx)
    rehires = [b.rehire_date for b in form.supplement_b if b.rehire_date is not None]
    if rehires and hire is not None:
        hire = max([hire, *rehires])
    return destroy_by(hire, termination(form, ctx))


def needs_form(entry: RosterEntry, ctx: AuditContext) -> bool:
    """Return True when a roster employee must have a form on the audit date."""
    hire = entry.hire_date
    if hire is not None and (hire < IRCA_DATE or hire > ctx.audit_date):
        return False
    until = destroy_by(hire, entry.termination_date)
    return until is None or until > ctx.audit_date


def _name_key(last: str, first: str) -> tuple[str, str]:
    return (last.strip().upper(), first.strip().upper())


@employer_rule(
    "MISSING_FORM",
    citation="8 U.S.C. 1324a(a)(1)(B), (b)(3); 8 CFR 274a.2(b)(1)-(2); M-274 sections 2.0 and 10",
    guidance="For a current employee, complete a new Form I-9 now: Section 1 by the employee "
    "and Section 2 with documents the employee chooses, both dated today (never the hire "
    "date), with a note explaining why the form was missing. For a former employee past "
    "the point of completing one, keep a note in the file.",
)
def missing_form(forms: Sequence[I9Form], ctx: AuditContext) -> Iterator[Finding]:
    """Every roster employee within retention (hired after 1986-11-06) needs a form."""
    if not ctx.roster:
        return
    ids = {f.employee_id for f in forms if f.employee_id}
    # Forms without employee ids (a PDF set) are matched to the roster by name.
    names = (
        {_name_key(f.section1.last_name, f.section1.first_name) for f in forms}
        if not ids
        else set()
    )
    for employee_id, entry in ctx.roster.items():
        if employee_id in ids or not needs_form(entry, ctx):
            continue
        if not ids and _name_key(entry.last_name, entry.first_name) in names:
            continue  # forms without employee ids: matched by name
        yield finding(
            "MISSING_FORM",
            None,
            f"No Form I-9 for employee {employee_id} ({entry.last_name}, {entry.first_name}), "
            f"hired {entry.hire_date}",
            [f"roster[{employee_id}]"],
            employee_id=employee_id,
        )


@form_rule(
    "RETENTION_DESTROY_BY",
    citation="8 CFR 274a.2(b)(2)(i)(A); M-274 section 10.0",
    guidance="The form may be destroyed (securely) after its destroy-by date; until then keep "
    "it. Keeping it longer is not a violation, but a form past retention is not one the "
    "employer must produce.",
)
def retention(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A form past its destroy-by date (informational)."""
    until = form_destroy_by(form, ctx)
    if until is not None and until <= ctx.audit_date:
        yield finding(
            "RETENTION_DESTROY_BY",
            form,
            f"The form may be destroyed from {until.isoformat()}",
            ["section2.first_day_of_employment"],
        )
