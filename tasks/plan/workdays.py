"""Working days in China: official holidays and make-up workdays (调休), with a plain fallback.

Deadlines in the campaign are counted in working days, and in China these do not follow the weekday:
a Saturday can be a make-up workday (2017-05-27) and a Tuesday a holiday (2017-05-30). The package
`chinese_calendar` knows the official schedule for 2004–2026 only and raises for other years; a campaign
must keep running regardless, so unknown years fall back to Monday–Friday and say so in a note.
A campaign file can supply extra holidays and workdays; these win over both the package and the fallback.

Pure: no I/O. Per-day and per-year answers are cached at module level because they never change while
the process runs, and the same two-month window is counted again for each of several hundred villages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=16384)
def _package_workday(day: date) -> bool | None:
    """The package's answer for one day, or None when it does not know the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@lru_cache(maxsize=16384)
def _base_workday(day: date) -> bool:
    """The package's answer where it has one, else Monday–Friday (weekday() 0–4)."""
    known = _package_workday(day)
    return known if known is not None else day.weekday() < 5


@lru_cache(maxsize=256)
def _base_workdays_in_year(year: int) -> int:
    """Whole years are counted once, so long ranges do not walk every day on every call."""
    return _base_count(date(year, 1, 1), date(year, 12, 31))


def _base_count(start: date, end: date) -> int:
    # Only called on stretches within one year (≤ 366 days); each day is a cached lookup.
    count = 0
    day = start
    while day <= end:
        count += _base_workday(day)
        day += _ONE_DAY
    return count


@dataclass(frozen=True)
class WorkCalendar:
    """Working days after the official schedule, corrected by the campaign's own lists."""

    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # A day in both lists has no sensible meaning; refuse it rather than pick one silently.
        both = self.extra_holidays & self.extra_workdays
        if both:
            days = "、".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"以下日期同时被列为节假日和工作日：{days}")

    def is_workday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        return _base_workday(day)

    def knows(self, day: date) -> bool:
        """True when the official schedule for the day's year is in the package."""
        return _package_workday(day) is not None

    def workdays_between(self, start: date, end: date) -> int:
        """Working days from start to end, both included; 0 when end is before start."""
        if end < start:
            return 0
        count = 0
        for year in range(start.year, end.year + 1):
            first = max(start, date(year, 1, 1))
            last = min(end, date(year, 12, 31))
            if first.month == 1 and first.day == 1 and last.month == 12 and last.day == 31:
                count += _base_workdays_in_year(year)
            else:
                count += _base_count(first, last)
        # The campaign's lists are short, so correcting the base count by them is cheaper than
        # consulting them on every day of the range.
        for day in self.extra_holidays:
            if start <= day <= end and _base_workday(day):
                count -= 1
        for day in self.extra_workdays:
            if start <= day <= end and not _base_workday(day):
                count += 1
        return count


def fallback_note(days: Iterable[date]) -> str | None:
    """A note for the reader naming the years counted Monday–Friday, or None when all years are known."""
    # One probe per year is enough: the package covers whole years or nothing.
    years = sorted({d.year for d in days})
    unknown = [y for y in years if _package_workday(date(y, 1, 1)) is None]
    if not unknown:
        return None
    names = "、".join(f"{y}年" for y in unknown)
    return f"{names}的法定节假日和调休未知，按周一至周五计算工作日（可在活动计划文件中补充）"
