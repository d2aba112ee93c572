"""Corrections to a completed form (M-274 section 11; 8 CFR 274a.2(b)(3))."""

from __future__ import annotations

from collections.abc import Iterator

from immigrationos.worksite.model import AuditContext, CorrectionMethod, Finding, I9Form
from immigrationos.worksite.rules.registry import finding, form_rule

_CITATION = "M-274 section 11 (correcting Form I-9); 8 CFR 274a.2(b)(3)"


@form_rule(
    "CORRECTION_BACKDATED",
    citation=_CITATION,
    guidance="Never backdate a correction. Attach a signed note, dated today, stating the "
    "date the correction was actually made; do not alter the backdated entry again.",
)
def backdated(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A correction dated earlier than it was made."""
    fields = [
        f"corrections[{i}]"
        for i, c in enumerate(form.corrections)
        if c.dated is not None and c.made_on is not None and c.dated < c.made_on
    ]
    if fields:
        yield finding(
            "CORRECTION_BACKDATED", form, "A correction is dated earlier than it was made", fields
        )


@form_rule(
    "CORRECTION_OBLITERATED",
    citation=_CITATION,
    guidance="Do not use correction fluid or write over entries. Where the original entry is "
    "hidden, attach a signed, dated note explaining what was changed, when and why; if the "
    "form cannot be read, complete a new section dated today and keep the old form with it.",
)
def obliterated(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """White-out or overwriting hides what was corrected."""
    fields = [
        f"corrections[{i}]"
        for i, c in enumerate(form.corrections)
        if c.method in (CorrectionMethod.WHITE_OUT, CorrectionMethod.OVERWRITE)
    ]
    if fields:
        yield finding(
            "CORRECTION_OBLITERATED", form, "A correction hides the original entry", fields
        )


@form_rule(
    "CORRECTION_UNINITIALED",
    citation=_CITATION,
    guidance="The person who made the correction initials it and writes today's date beside "
    "it (not the date of the correction), with a note explaining the late initials.",
)
def uninitialed(form: I9Form, ctx: AuditContext) -> Iterator[Finding]:
    """A strike-through correction must be initialed and dated."""
    fields = [
        f"corrections[{i}]"
        for i, c in enumerate(form.corrections)
        if c.method is CorrectionMethod.STRIKE_THROUGH
        and (not c.initials.strip() or c.dated is None)
    ]
    if fields:
        yield finding(
            "CORRECTION_UNINITIALED", form, "A correction is not initialed and dated", fields
        )
