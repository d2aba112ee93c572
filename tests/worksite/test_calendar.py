"""Business days over US federal holidays (observed dates)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from immigrationos.worksite.calendar import (
    add_business_days,
    business_days_between,
    federal_holidays,
    is_business_day,
)

DATES = st.dates(min_value=date(1987, 1, 1), max_value=date(2040, 12, 31))
COUNTS = st.integers(min_value=0, max_value=400)


def test_weekends_and_holidays_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(date(2026, 7, 3))  # Independence Day observed (July 4 a Saturday)
    assert not is_business_day(date(2021, 12, 31))  # New Year's Day 2022 observed
    assert not is_business_day(date(2025, 6, 19))  # Juneteenth
    assert is_business_day(date(2026, 11, 27))  # the day after Thanksgiving is a workday
    assert is_business_day(date(2020, 6, 19))  # Juneteenth before 2021 was not a holiday


def test_m274_example_monday_to_thursday() -> None:
    # M-274 section 4.0: an employee who starts Monday needs Section 2 by Thursday.
    assert add_business_days(date(2025, 3, 3), 3) == date(2025, 3, 6)


def test_holiday_pushes_the_deadline() -> None:
    # Thursday 2025-07-03, Friday 07-04 Independence Day: the third business day is Wednesday.
    assert add_business_days(date(2025, 7, 3), 3) == date(2025, 7, 9)
    assert business_days_between(date(2025, 7, 3), date(2025, 7, 9)) == 3


def test_federal_holidays_are_eleven_or_more() -> None:
    assert len(federal_holidays(2025)) == 11
    assert date(2026, 7, 3) in federal_holidays(2026)


@given(DATES, COUNTS)
def test_add_then_count_is_identity(d: date, n: int) -> None:
    assert business_days_between(d, add_business_days(d, n)) == n


@given(DATES, COUNTS)
def test_result_is_a_business_day_after_the_start(d: date, n: int) -> None:
    out = add_business_days(d, n)
    if n == 0:
        assert out == d
    else:
        assert out > d
        assert is_business_day(out)


@given(DATES, COUNTS)
def test_adding_is_monotonic(d: date, n: int) -> None:
    assert add_business_days(d, n) <= add_business_days(d, n + 1)


@given(DATES, st.integers(min_value=1, max_value=400))
def test_backwards_inverts_forwards_on_business_days(d: date, n: int) -> None:
    start = add_business_days(d, 1)  # a business day
    assert add_business_days(add_business_days(start, n), -n) == start


@given(DATES, DATES)
def test_count_matches_a_day_by_day_walk(a: date, b: date) -> None:
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days > 800:
        hi = lo + timedelta(days=800)
    walk = sum(is_business_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert business_days_between(lo, hi) == walk
    assert business_days_between(hi, lo) == -walk


@given(DATES)
def test_five_business_days_from_a_business_day_span_at_least_a_week(d: date) -> None:
    start = add_business_days(d, 1)
    assert (add_business_days(start, 5) - start).days >= 7
