"""``detect``: all six detectors, the data-use policy and tips."""

from __future__ import annotations

from immigrationos.sources.contract import VIOLATIONS
from immigrationos.targeting.detect import DETECTORS, detect

from .builders import AS_OF, event, tip, violations, w2


def test_runs_all_six_in_contract_order() -> None:
    runs = detect([], AS_OF, ssn_owner={})
    assert [r.violation for r in runs] == list(VIOLATIONS)
    assert all(r.ran and r.findings == () for r in runs)
    assert [d.VIOLATION for d in DETECTORS] == list(VIOLATIONS)
    for d in DETECTORS:
        assert d.REQUIRED <= d.SOURCES
        assert "tips" not in d.SOURCES
        assert d.__doc__ and ("INA" in d.__doc__ or "U.S.C." in d.__doc__)


def test_withheld_irs_data() -> None:
    records = [event("REMOVAL", "2018-01-01"), w2(2024, "321541234")]
    assert violations(records) == {
        "UNAUTHORIZED_EMPLOYMENT", "IDENTITY_FRAUD", "REENTRY_AFTER_REMOVAL",
        "PRESENT_WITHOUT_ADMISSION",
    }  # fmt: skip
    runs = {r.violation: r for r in detect(records, AS_OF, ssn_owner={},
                                           withheld_sources=frozenset({"irs_w2"}))}  # fmt: skip
    assert not runs["UNAUTHORIZED_EMPLOYMENT"].ran and not runs["IDENTITY_FRAUD"].ran
    for v in ("OVERSTAY", "FINAL_ORDER_UNEXECUTED", "REENTRY_AFTER_REMOVAL",
              "PRESENT_WITHOUT_ADMISSION"):  # fmt: skip
        assert runs[v].ran and "irs_w2" in runs[v].reason
        # The W-2 was the only sign of a return: without it the person is not seen back.
        assert runs[v].findings == ()


def test_tips_never_create_a_finding_and_are_never_evidence() -> None:
    tips = [tip("2025-01-01"), tip("2025-06-01")]
    assert violations(tips) == set()
    records = [*tips, w2(2024, "912785678")]
    for run in detect(records, AS_OF, ssn_owner={}):
        for f in run.findings:
            assert not any(ref.startswith("tips:") for ref in f.evidence)
