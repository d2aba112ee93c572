"""Business days: Monday to Friday, less the US federal holidays on their observed dates.

The I-9 deadlines count business days (8 CFR 274a.2(b)(1)(ii): Section 2 "within three
business days" of the first day of employment; 8 CFR 274a.2(b)(2)(ii): three business
days to produce the forms after a Notice of Inspection). Federal holidays come from the
``holidays`` library's US public calendar, which moves a holiday falling on a weekend to
its observed Friday or Monday (5 U.S.C. 6103).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> frozenset[date]:
    """Return the federal holidays (observed dates included) of one year."""
    calendar = holidays.country_holidays("US", years=year, categories=("public",))
    return frozenset(d for d in calendar if d.year == year)


def federal_holidays(year: int) -> frozenset[date]:
    """Return the US federal holidays of a year, with their observed dates."""
    return _holidays_of(year)


def is_business_day(d: date) -> bool:
    """Return True when ``d`` is a weekday that is not a federal holiday (nor its observance)."""
    return d.weekday() < 5 and d not in _holidays_of(d.year)


@lru_cache(maxsize=65536)
def add_business_days(d: date, n: int) -> date:
    """Return the date ``n`` business days after ``d`` (before it when ``n`` is negative).

    ``d`` itself is never counted: ``add_business_days(monday, 3)`` is Thursday when no
    holiday falls between, the last day to complete Section 2 for an employee who starts
    on Monday (M-274 section 3.0). ``n == 0`` returns ``d`` unchanged.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if is_business_day(current):
            remaining -= 1
    return current


@lru_cache(maxsize=65536)
def business_days_between(a: date, b: date) -> int:
    """Return the number of business days after ``a`` up to and including ``b``.

    The count over the half-open interval ``(a, b]``, negated when ``b`` is before
    ``a``; so ``business_days_between(d, add_business_days(d, n)) == n``.
    """
    if b < a:
        return -business_days_between(b, a)
    count = 0
    current = a
    # Whole weeks at once: five weekdays each, less the holidays among them.
    span = (b - a).days
    weeks, rest = divmod(span, 7)
    if weeks:
        end = a + timedelta(days=7 * weeks)
        count = 5 * weeks - sum(
            1
            for year in range(a.year, end.year + 1)
            for h in _holidays_of(year)
            if a < h <= end and h.weekday() < 5
        )
        current = end
    for _ in range(rest):
        current += _ONE_DAY
        if is_business_day(current):
            count += 1
    return count
