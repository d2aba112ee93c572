"""The synthetic world's other hard cases, each on a hand-built person."""

from __future__ import annotations

from .builders import arrival, benefit, eoir, event, licence, numident, passport, violations, w2


def test_tps_renewal_pending_after_the_grant_expired() -> None:
    grant = benefit("I-821", "APPROVED", "2023-01-01", "2023-03-01", ("2023-03-01", "2026-08-31"))
    ead = benefit("I-765", "APPROVED", "2023-01-01", "2023-03-01", ("2023-03-01", "2026-08-31"))
    renewal = benefit("I-821", "PENDING", "2026-07-01")
    records = [event("ENCOUNTER", "2022-06-01"), grant, ead, renewal, w2(2026, "912785678")]
    assert violations(records) == set()


def test_expired_parole_with_adjustment_pending() -> None:
    records = [
        arrival("2022-01-01", "PAROLE", "2023-01-01"),
        benefit("I-485", "PENDING", "2023-06-01"),
    ]
    assert violations(records) == set()


def test_expired_parole_without_relief_is_an_overstay() -> None:
    assert violations([arrival("2022-01-01", "PAROLE", "2023-01-01")]) == {"OVERSTAY"}


def test_overstay_with_a_final_order_is_both() -> None:
    records = [arrival("2019-01-01", "B2", "2019-06-30"), eoir("REMOVAL_ORDERED", "2021-05-01")]
    assert violations(records) == {"OVERSTAY", "FINAL_ORDER_UNEXECUTED"}


def test_worker_who_stayed_on_under_the_own_ssn() -> None:
    own = numident("123456789", place="IND", code="B", issued="2019-03-01")
    records = [arrival("2019-02-01", "H2B", "2019-12-01"), own, w2(2019, "123456789"),
               w2(2021, "123456789")]  # fmt: skip
    assert violations(records) == {"OVERSTAY", "UNAUTHORIZED_EMPLOYMENT"}


def test_citizen_with_a_usc_arrival_and_a_licence() -> None:
    records = [passport("2015-01-01"), arrival("2024-05-01", "USC", None), licence("2024-06-01")]
    assert violations(records) == set()


def test_asylee_granted_in_court_after_an_order_in_absentia() -> None:
    records = [
        event("ENCOUNTER", "2016-01-01"),
        eoir("REMOVAL_ORDERED", "2017-01-01", "2016-02-01", absentia=True),
        eoir("RELIEF_GRANTED", "2019-01-01", "2017-06-01"),
        w2(2020, "912785678"),
    ]
    assert violations(records) == set()


def test_order_under_appeal_with_work_permit() -> None:
    ead = benefit("I-765", "APPROVED", "2024-01-01", "2024-02-01", ("2024-02-01", "2029-01-31"))
    records = [
        event("ENCOUNTER", "2022-01-01"),
        eoir("REMOVAL_ORDERED", "2024-06-01", "2022-02-01", appeal=True),
        ead,
        w2(2025, "912785678"),
    ]
    assert violations(records) == set()
