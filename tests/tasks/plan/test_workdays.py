from __future__ import annotations

from datetime import date, timedelta

import pytest

from tasks.plan.workdays import WorkCalendar, fallback_note

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Dragon Boat 2017: Saturday 27 May was a make-up workday, 28–30 May the holiday.
        (date(2017, 5, 27), True),
        (date(2017, 5, 28), False),
        (date(2017, 5, 29), False),
        (date(2017, 5, 30), False),
        (date(2017, 5, 31), True),
        # National Day 2017: Saturday 30 September was a make-up workday, 1–8 October the holiday.
        (date(2017, 9, 30), True),
        *[(date(2017, 10, d), False) for d in range(1, 9)],
        (date(2017, 10, 9), True),
        # An ordinary Saturday and Sunday.
        (date(2017, 6, 3), False),
        (date(2017, 6, 4), False),
        (date(2017, 6, 5), True),
    ],
)
def test_is_workday_follows_official_2017_schedule(day: date, expected: bool) -> None:
    assert CAL.knows(day)
    assert CAL.is_workday(day) is expected


def test_workdays_between_may_and_june_2017_matches_hand_count() -> None:
    # May 2017 (1 May is a Monday): 23 weekdays
    #   - 1 (1 May, Labour Day) - 2 (29–30 May, Dragon Boat) + 1 (Saturday 27 May, make-up) = 21
    # June 2017 (1 June is a Thursday): 22 weekdays, no holidays = 22
    # 21 + 22 = 43
    assert CAL.workdays_between(date(2017, 5, 1), date(2017, 6, 30)) == 43


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2017, 6, 30), date(2017, 5, 1), 0),  # end before start
        (date(2017, 5, 27), date(2017, 5, 27), 1),  # one make-up Saturday, both ends included
        (date(2017, 5, 28), date(2017, 5, 30), 0),  # the holiday itself
        (date(2017, 5, 26), date(2017, 5, 31), 3),  # Fri, make-up Sat, Wed
    ],
)
def test_workdays_between_edges(start: date, end: date, expected: int) -> None:
    assert CAL.workdays_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2030, 1, 4), True),  # Friday
        (date(2030, 1, 5), False),  # Saturday
        (date(2030, 1, 6), False),  # Sunday
        (date(2030, 1, 7), True),  # Monday
        (date(2030, 1, 1), True),  # New Year's Day, unknown to the fallback: a Tuesday counts
    ],
)
def test_unknown_year_falls_back_to_monday_to_friday(day: date, expected: bool) -> None:
    assert not CAL.knows(day)
    assert CAL.is_workday(day) is expected


def test_unknown_year_counting_never_raises() -> None:
    # 2030-01-01 is a Tuesday: Tue–Fri, then two full Mon–Fri weeks to Friday 18 January: 4 + 10 = 14.
    assert CAL.workdays_between(date(2030, 1, 1), date(2030, 1, 18)) == 14


def test_fallback_note_names_unknown_years_only() -> None:
    assert fallback_note([date(2017, 5, 1), date(2026, 12, 31)]) is None
    assert fallback_note([]) is None
    note = fallback_note([date(2026, 12, 31), date(2030, 2, 1), date(2027, 1, 4), date(2030, 3, 1)])
    assert note == "2027年、2030年的法定节假日和调休未知，按周一至周五计算工作日（可在活动计划文件中补充）"


@pytest.mark.parametrize(
    ("day", "base", "extra_holiday"),
    [
        (date(2017, 6, 5), True, True),  # known year: an ordinary Monday made a holiday
        (date(2017, 5, 27), True, True),  # known year: the make-up Saturday cancelled
        (date(2017, 5, 29), False, False),  # known year: a holiday made a workday
        (date(2017, 6, 3), False, False),  # known year: an ordinary Saturday made a workday
        (date(2030, 1, 1), True, True),  # fallback: New Year's Day supplied by the campaign file
        (date(2030, 1, 5), False, False),  # fallback: a make-up Saturday supplied by the campaign file
    ],
)
def test_extra_days_override_package_and_fallback(day: date, base: bool, extra_holiday: bool) -> None:
    assert CAL.is_workday(day) is base
    if extra_holiday:
        cal = WorkCalendar(extra_holidays=frozenset({day}))
    else:
        cal = WorkCalendar(extra_workdays=frozenset({day}))
    assert cal.is_workday(day) is not base
    # The count over a window around the day moves by exactly one.
    window = (day - timedelta(days=3), day + timedelta(days=3))
    assert cal.workdays_between(*window) == CAL.workdays_between(*window) + (-1 if base else 1)


def test_extra_days_in_both_lists_are_rejected() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(extra_holidays=frozenset({date(2030, 1, 1)}), extra_workdays=frozenset({date(2030, 1, 1)}))


def test_long_range_count_agrees_with_day_by_day() -> None:
    # Crosses the package's last year into the fallback, with whole years counted from the cache.
    cal = WorkCalendar(
        extra_holidays=frozenset({date(2025, 6, 2), date(2029, 1, 1), date(2040, 1, 1)}),
        extra_workdays=frozenset({date(2025, 6, 1), date(2029, 1, 6), date(2016, 1, 2)}),
    )
    start, end = date(2024, 3, 15), date(2030, 2, 10)
    expected = sum(cal.is_workday(start + timedelta(days=i)) for i in range((end - start).days + 1))
    assert cal.workdays_between(start, end) == expected
