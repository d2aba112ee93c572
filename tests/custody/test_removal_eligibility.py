"""Removal eligibility on hand-built persons: allowed on each basis, refused for each reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from immigrationos.custody import removal
from immigrationos.custody.models import RemovalFact
from immigrationos.custody.removal import RemovalPolicy, RemovalPolicyError, assess
from immigrationos.targeting.detectors import final_order_unexecuted
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.status import derive_status
from targeting.builders import AS_OF, arrival, benefit, departure, eoir, event

# Admitted, then overstayed: present, and not present without admission.
SEEN = arrival("2014-06-01", "B2", "2014-12-01")
OFF = RemovalPolicy()
ON = RemovalPolicy(expedited_removal=True, expedited_max_days_in_us=730)


def _fact(kind: str, day: str, n: int = 1) -> RemovalFact:
    return RemovalFact(
        id=n, case_id="C1", kind=kind, day=dt.date.fromisoformat(day), reason="r",
        recorded_by="legal", recorded_role="LEGAL",
    )  # fmt: skip


def _assess(
    records: list[PersonRecord],
    facts: list[RemovalFact] | None = None,
    policy: RemovalPolicy = OFF,
    as_of: dt.date = AS_OF,
) -> removal.Eligibility:
    return assess(derive_status(records, as_of), facts or [], policy)


def _codes(found: removal.Eligibility) -> set[str]:
    return {r.code for r in found.refusals}


def test_a_final_order_past_its_appeal_window_allows_removal() -> None:
    found = _assess([SEEN, eoir("REMOVAL_ORDERED", "2020-03-01")])
    assert found.eligible and found.basis == removal.FINAL_ORDER
    assert found.as_check()["passed"] and found.as_check()["name"] == "REMOVAL_ELIGIBLE"


def test_an_order_within_its_appeal_window_is_refused_unless_waived() -> None:
    recent = [SEEN, eoir("REMOVAL_ORDERED", "2026-10-20")]
    refused = _assess(recent)
    assert not refused.eligible and _codes(refused) == {"APPEAL_WINDOW_OPEN"}
    assert "2026-11-19" in refused.detail  # 30 days after the order
    waived = _assess(recent, [_fact("APPEAL_WAIVED", "2026-10-20")])
    assert waived.basis == removal.FINAL_ORDER
    # Once the 30 days have passed, no waiver is needed.
    later = _assess(recent, as_of=dt.date(2026, 11, 20))
    assert later.eligible


def test_an_order_under_appeal_is_refused() -> None:
    found = _assess([SEEN, eoir("REMOVAL_ORDERED", "2020-03-01", appeal=True)])
    assert not found.eligible and "UNDER_APPEAL" in _codes(found)


def test_relief_granted_after_the_order_is_refused() -> None:
    granted = benefit("I-589", "APPROVED", "2020-05-01", decided="2021-01-10")
    found = _assess([SEEN, eoir("REMOVAL_ORDERED", "2020-03-01"), granted])
    assert not found.eligible and "LATER_RELIEF" in _codes(found)


def test_a_later_decision_of_relief_or_termination_leaves_no_final_order() -> None:
    order = eoir("REMOVAL_ORDERED", "2018-03-01", absentia=True)
    for later in ("RELIEF_GRANTED", "TERMINATED"):
        found = _assess([SEEN, order, eoir(later, "2019-06-01", "2018-05-01")])
        assert not found.eligible and _codes(found) == {"NO_FINAL_ORDER"}, later
        assert later in found.detail


def test_no_court_decision_at_all_is_refused() -> None:
    found = _assess([SEEN])
    assert not found.eligible and _codes(found) == {"NO_FINAL_ORDER"}


def test_a_stay_refuses_every_basis_until_it_is_lifted() -> None:
    records = [SEEN, eoir("REMOVAL_ORDERED", "2020-03-01")]
    stayed = _assess(records, [_fact("STAY_GRANTED", "2026-10-01")])
    assert not stayed.eligible and _codes(stayed) == {"STAY_OF_REMOVAL"}
    lifted = [_fact("STAY_GRANTED", "2026-10-01", 1), _fact("STAY_LIFTED", "2026-10-15", 2)]
    assert _assess(records, lifted).eligible


def test_in_absentia_is_final_at_once_but_not_with_a_motion_to_reopen_pending() -> None:
    records = [SEEN, eoir("REMOVAL_ORDERED", "2026-10-25", absentia=True)]
    assert _assess(records).basis == removal.FINAL_ORDER
    filed = [_fact("MOTION_TO_REOPEN_FILED", "2026-10-28")]
    pending = _assess(records, filed)
    assert not pending.eligible and _codes(pending) == {"MOTION_TO_REOPEN_PENDING"}
    decided = [*filed, _fact("MOTION_TO_REOPEN_DECIDED", "2026-10-30", 2)]
    assert _assess(records, decided).eligible


def test_a_person_who_left_is_not_removed() -> None:
    found = _assess([
        arrival("2015-01-01", "B2", "2015-06-01"), eoir("REMOVAL_ORDERED", "2020-03-01"),
        departure("2021-01-01"),
    ])  # fmt: skip
    assert not found.eligible and _codes(found) == {"NOT_PRESENT"}


def test_a_reentry_after_removal_reinstates_the_prior_order() -> None:
    order = eoir("REMOVAL_ORDERED", "2018-03-01")
    records = [order, event("REMOVAL", "2018-06-01"), event("ENCOUNTER", "2025-02-01")]
    found = _assess(records)
    assert found.basis == removal.REINSTATEMENT and "I-871" in found.detail
    readmitted = [*records, arrival("2024-01-05", "B2", "2024-07-04")]
    refused = _assess(readmitted)
    assert not refused.eligible and "LAWFUL_READMISSION" in _codes(refused)
    assert "ALREADY_EXECUTED" in _codes(refused)


def test_expedited_removal_only_where_the_policy_allows_it() -> None:
    recent = [event("ENCOUNTER", "2026-03-01")]  # present without admission since March
    off = _assess(recent)
    assert not off.eligible and "EXPEDITED_NOT_ALLOWED" in _codes(off)
    on = _assess(recent, policy=ON)
    assert on.basis == removal.EXPEDITED
    long_ago = [event("ENCOUNTER", "2020-03-01")]
    too_long = _assess(long_ago, policy=ON)
    assert not too_long.eligible and "EXPEDITED_TOO_LONG" in _codes(too_long)


@pytest.mark.parametrize(
    "records",
    [
        [SEEN, eoir("REMOVAL_ORDERED", "2020-03-01")],
        [SEEN, eoir("REMOVAL_ORDERED", "2026-10-20")],
        [SEEN, eoir("REMOVAL_ORDERED", "2026-10-20", absentia=True)],
        [SEEN, eoir("REMOVAL_ORDERED", "2020-03-01", appeal=True)],
        [SEEN, eoir("REMOVAL_ORDERED", "2020-03-01"),
         benefit("I-485", "APPROVED", "2020-05-01", decided="2021-01-10")],
    ],
)  # fmt: skip
def test_without_recorded_facts_the_final_order_basis_is_the_detectors(
    records: list[PersonRecord],
) -> None:
    status = derive_status(records, AS_OF)
    found = assess(status, [], OFF)
    assert (found.basis == removal.FINAL_ORDER) == bool(final_order_unexecuted.find(status))


def test_the_policy_file_is_off_by_default_and_read_when_given(tmp_path: Path) -> None:
    assert removal.load_policy() == RemovalPolicy(expedited_removal=False)
    path = tmp_path / "policy.yaml"
    path.write_text("expedited_removal: {enabled: true, max_days_in_us: 14}\n", encoding="utf-8")
    assert removal.load_policy(path) == RemovalPolicy(True, 14)
    path.write_text("expedited_removal: {enabled: maybe}\n", encoding="utf-8")
    with pytest.raises(RemovalPolicyError, match="enabled"):
        removal.load_policy(path)
