"""The form itself: its edition and language (8 CFR 274a.2(a)(2); M-274 sections 1.0, 2.0)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from immigrationos.worksite.model import AuditContext, Finding, I9Form
from immigrationos.worksite.rules.registry import finding, form_rule

# Edition -> (valid from, valid until), from USCIS's notices of each new edition (the
# Federal Register notice of the edition and uscis.gov/i-9 "Form Editions").
EDITIONS: dict[str, tuple[date, date]] = {
    "06/05/07": (date(2007, 11, 7), date(2009, 4, 2)),
    "02/02/09": (date(2009, 4, 3), date(2013, 5, 6)),
    "08/07/09": (date(2009, 8, 7), date(2013, 5, 6)),
    "03/08/13": (date(2013, 3, 8), date(2017, 1, 21)),
    "11/14/16": (date(2016, 11, 14), date(2017, 9, 17)),
    "07/17/17": (date(2017, 7, 17), date(2020, 4, 30)),
    "10/21/19": (date(2020, 1, 31), date(2023, 10, 31)),
    # The 08/01/23 edition as printed with "Expires 07/31/2026" (the official PDF).
    "08/01/23": (date(2023, 8, 1), date(2026, 7, 31)),
    # Released 2025-04-02; its printing expires 05/31/2027.
    "01/20/25": (date(2025, 4, 2), date(2027, 5, 31)),
}
# From 2026-08-01 only the printing expiring 05/31/2027 is valid (USCIS, Form I-9 page).
_PRINTING = re.compile(r"exp\w*\.?\s*(\d{2})/(\d{2})/(\d{4})", re.I)
_EDITION = re.compile(r"(\d{1,2})/(\d{1,2})/(?:20)?(\d{2})(?!\d)")


@lru_cache(maxsize=256)
def edition_window(edition: str) -> tuple[date, date] | None:
    """Return the days a written edition ("08/01/23", "08/01/23 exp. 05/31/2027") was valid."""
    m = _EDITION.search(_PRINTING.sub("", edition))
    if m is None:
        return None
    window = EDITIONS.get(f"{int(m.group(1)):02d}/{int(m.group(2)):02d}/{m.group(3)}")
    if window is None:
        return None
    printing = _PRINTING.search(edition)
    if printing:
        expires = date(int(printing.group(3)), int(printing.group(1)), int(printing.group(2)))
        window = (window[0], expires)
    return window


@form_rule(
    "EDITION_INVALID",
    citation="8 CFR 274a.2(a)(2); M-274 section 1.0 (use the current edition); USCIS Form I-9 edition notices",
    guidance="Do not transfer the information to a current edition and do not backdate. "
    "For a current employee, the old form stays; note in Additional Information (signed and "
    "dated today) that an outdated edition was used. Use only the current edition from now on.",
)
def edition_invalid(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The edition must be valid on the day the form was completed (Section 1's date)."""
    if not form.edition.strip():
        return
    completed = form.section1.date_signed or form.section2.date_signed
    window = edition_window(form.edition)
    if completed is None or window is None:
        return
    start, end = window
    if completed < start or completed > end:
        yield finding(
            "EDITION_INVALID",
            form,
            f"Edition {form.edition} was valid {start.isoformat()} to {end.isoformat()}, "
            f"not on {completed.isoformat()}",
            ["edition", "section1.date_signed"],
        )


@form_rule(
    "SPANISH_FORM",
    citation="M-274 section 1.0 (Spanish Form I-9 for use in Puerto Rico only); Form I-9 instructions",
    guidance="Outside Puerto Rico the Spanish form is a translation only: have the employee "
    "and employer complete the English form now, dated today, and keep it with the "
    "Spanish one and a note explaining the correction.",
)
def spanish_form(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """The Spanish form is lawful only in Puerto Rico."""
    if (
        form.language.strip().lower() in ("es", "spa", "spanish")
        and ctx.employer.state.upper() != "PR"
    ):
        yield finding(
            "SPANISH_FORM",
            form,
            "The Spanish-language Form I-9 was used outside Puerto Rico",
            ["language"],
        )
