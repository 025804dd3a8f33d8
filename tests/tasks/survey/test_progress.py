"""Survey progress per village and township: expected rate, pace, projection, behind. Hand-computed values."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tasks.survey.progress import (
    VILLAGE_COLUMNS,
    ProgressRules,
    days_behind,
    expected_rate,
    township_progress,
    unlisted_visits,
    village_progress,
)

RULES = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30))  # 61 days, margin 0.10, pace 7 days
# A 10-day survey with a 2-day pace window: on 05-05 the expected rate is exactly 5/10.
SHORT = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 5, 10), pace_days=2)
NAT = pd.NaT


def listing(village: str, township: str, n: int) -> pd.DataFrame:
    ids = [f"{village}-{i:02d}" for i in range(n)]
    return pd.DataFrame({"village_code": village, "township_code": township, "id_number": ids})


def visits(rows: list[tuple[str | None, str, str]]) -> pd.DataFrame:
    """(id_number, ISO day, outcome) rows; dates as `date` objects like the database hands them over."""
    return pd.DataFrame(
        {
            "id_number": [r[0] for r in rows],
            "visited_on": [date.fromisoformat(r[1]) for r in rows],
            "outcome": [r[2] for r in rows],
        },
        columns=["id_number", "visited_on", "outcome"],
    )


def only_row(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2017, 4, 30), 0.0),
        (date(2017, 5, 1), 1 / 61),
        (date(2017, 5, 31), 31 / 61),
        (date(2017, 6, 30), 1.0),
        (date(2017, 7, 10), 1.0),
    ],
)
def test_expected_rate(as_of: date, expected: float) -> None:
    assert expected_rate(RULES, as_of) == pytest.approx(expected)


V = "V1-"  # ids of the 10-person village V1 are V1-00 … V1-09

# name, visit rows, as_of, rules → visited, registered, pace, projected_done, behind, projected_late
VILLAGE_CASES = [
    (
        # First visits 05-02, 05-05, 05-10, 05-13 (just outside the window (05-13, 05-20]), 05-14, 05-18, 05-20:
        # 7 visited, 3 in the window → pace 3/7 a day, 3 left → ceil(3 / (3/7)) = 7 days → 05-27.
        "known first visit dates",
        [
            (V + "00", "2017-05-02", "registered"),
            (V + "01", "2017-05-05", "refused"),
            (V + "02", "2017-05-10", "absent"),
            (V + "03", "2017-05-13", "absent"),
            (V + "04", "2017-05-14", "registered"),
            (V + "05", "2017-05-18", "moved"),
            (V + "06", "2017-05-20", "absent"),
            (V + "01", "2017-05-19", "refused"),  # a revisit: neither a second person nor a recent first visit
            (V + "07", "2017-05-21", "registered"),  # after as_of
            (V + "08", "2017-05-15", ""),  # no outcome recorded
            ("NOT-LISTED", "2017-05-15", "absent"),  # on no list
            (None, "2017-05-15", "registered"),  # no ID: matches nobody
        ],
        date(2017, 5, 20),
        RULES,
        (7, 2, 3 / 7, date(2017, 5, 27), False, False),
    ),
    (
        # One person visited three times in the window: 1 visited, pace 1/7, 9 left → 63 days → 07-22, late.
        # Rate 0.1 is below 20/61 - 0.1 ≈ 0.228: behind for the rate, and warned for the projection.
        "repeated visits count once",
        [
            (V + "00", "2017-05-15", "absent"),
            (V + "00", "2017-05-16", "refused"),
            (V + "00", "2017-05-18", "registered"),
        ],
        date(2017, 5, 20),
        RULES,
        (1, 1, 1 / 7, date(2017, 7, 22), True, True),
    ),
    (
        # The 05-21 visit has not happened on 05-20; the 05-10 one is outside the window: no pace, no projection.
        # Rate 0.1 is below 20/61 - 0.1: behind for the rate; no projection is the warning.
        "visit after as_of ignored; no pace means no projection, a warning",
        [(V + "00", "2017-05-10", "absent"), (V + "01", "2017-05-21", "registered")],
        date(2017, 5, 20),
        RULES,
        (1, 0, 0.0, NAT, True, True),
    ),
    (
        # The same visits a day later: 2 visited, 1 in the window, 8 left → 56 days → 07-16.
        "the later visit counts once as_of reaches it",
        [(V + "00", "2017-05-10", "absent"), (V + "01", "2017-05-21", "registered")],
        date(2017, 5, 21),
        RULES,
        (2, 1, 1 / 7, date(2017, 7, 16), True, True),
    ),
    (
        # Complete long ago: no pace, yet done (projected as_of) and never behind.
        "complete village is never behind",
        [(V + f"{i:02d}", "2017-05-02", "registered") for i in range(10)],
        date(2017, 6, 20),
        RULES,
        (10, 10, 0.0, date(2017, 6, 20), False, False),
    ),
    (
        "complete village after the deadline is not behind either",
        [(V + f"{i:02d}", "2017-06-29", "absent") for i in range(10)],
        date(2017, 7, 10),
        RULES,
        (10, 0, 0.0, date(2017, 7, 10), False, False),
    ),
    (
        # SHORT on 05-05: expected 0.5, threshold 0.4. Rate 4/10 is exactly on it → not behind;
        # 4 first visits in (05-03, 05-05] → pace 2 a day, 6 left → 3 days → 05-08.
        "rate exactly expected - margin is not behind",
        [(V + f"{i:02d}", "2017-05-04" if i < 2 else "2017-05-05", "absent") for i in range(4)],
        date(2017, 5, 5),
        SHORT,
        (4, 0, 2.0, date(2017, 5, 8), False, False),
    ),
    (
        # Rate 3/10 below 0.4 → behind, though 3 in the window → 7 left → ceil(7 * 2 / 3) = 5 days → 05-10 in time.
        "rate below expected - margin is behind",
        [(V + "00", "2017-05-04", "absent"), (V + "01", "2017-05-05", "absent"), (V + "02", "2017-05-05", "absent")],
        date(2017, 5, 5),
        SHORT,
        (3, 0, 1.5, date(2017, 5, 10), True, False),
    ),
    (
        # Rate 0.5, pace 1 a day (2 in the window), 5 left → done on the deadline day itself → not behind.
        "projection on the deadline day is in time",
        [(V + f"{i:02d}", "2017-05-01", "absent") for i in range(3)]
        + [(V + "03", "2017-05-05", "absent"), (V + "04", "2017-05-05", "absent")],
        date(2017, 5, 5),
        SHORT,
        (5, 0, 1.0, date(2017, 5, 10), False, False),
    ),
    (
        # Rate 0.4 (on the margin, fine) but 6 left at 1 a day → 05-11, a day late: a warning, not behind.
        "projection a day after the deadline is a warning, not behind",
        [(V + f"{i:02d}", "2017-05-01", "absent") for i in range(2)]
        + [(V + "02", "2017-05-05", "absent"), (V + "03", "2017-05-05", "absent")],
        date(2017, 5, 5),
        SHORT,
        (4, 0, 1.0, date(2017, 5, 11), False, True),
    ),
    (
        # Lists come back in batches: 9 of 10 visited 05-10..05-18, nothing since. On 05-31 the rate 0.9 is far
        # above 序时进度 31/61 ≈ 0.508: not behind; no first visit in (05-24, 05-31] → no projection, a warning.
        "far ahead of 序时进度 without recent visits is warned, not behind",
        [(V + f"{i:02d}", f"2017-05-{10 + i:02d}", "absent") for i in range(9)],
        date(2017, 5, 31),
        RULES,
        (9, 0, 0.0, NAT, False, True),
    ),
    (
        # On the deadline day 序时进度 is 1.0: rate 0.9 is exactly on the margin → not behind, only warned.
        "deadline day, rate on the margin: warned, not behind",
        [(V + f"{i:02d}", "2017-05-01", "absent") for i in range(9)],
        date(2017, 5, 10),
        SHORT,
        (9, 0, 0.0, NAT, False, True),
    ),
    (
        # The day after the deadline the same list is not finished: behind, whatever its rate.
        "after the deadline, not finished is behind",
        [(V + f"{i:02d}", "2017-05-01", "absent") for i in range(9)],
        date(2017, 5, 11),
        SHORT,
        (9, 0, 0.0, NAT, True, True),
    ),
]


@pytest.mark.parametrize(
    ("rows", "as_of", "rules", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in VILLAGE_CASES],
)
def test_village_progress(
    rows: list[tuple[str | None, str, str]],
    as_of: date,
    rules: ProgressRules,
    expected: tuple[int, int, float, date | None, bool, bool],
) -> None:
    visited, registered, pace, projected, behind, projected_late = expected
    result = village_progress(listing("V1", "T1", 10), visits(rows), rules, as_of)
    assert list(result.columns) == VILLAGE_COLUMNS
    row = only_row(result)
    assert (row.village_code, row.township_code) == ("V1", "T1")
    assert (row.to_visit, row.visited, row.registered) == (10, visited, registered)
    assert row.rate == pytest.approx(visited / 10)
    assert row.expected_rate == pytest.approx(expected_rate(rules, as_of))
    assert row.pace_7d == pytest.approx(pace)
    if projected is NAT:
        assert pd.isna(row.projected_done)
    else:
        assert row.projected_done == pd.Timestamp(projected)
    assert bool(row.behind) is behind
    assert bool(row.projected_late) is projected_late


def test_unlisted_visits_are_counted_apart() -> None:
    rows = VILLAGE_CASES[0][1]
    assert unlisted_visits(listing("V1", "T1", 10), visits(rows), date(2017, 5, 20)) == 2
    assert unlisted_visits(listing("V1", "T1", 10), visits(rows), date(2017, 5, 14)) == 0  # not yet happened


def test_datetime_visits_count_on_their_day() -> None:
    frame = pd.DataFrame(
        {
            "id_number": ["V1-00", "V1-01"],
            "visited_on": pd.to_datetime([datetime(2017, 5, 20, 15, 30), datetime(2017, 5, 21, 8, 0)]),
            "outcome": ["registered", "registered"],
        }
    )
    row = only_row(village_progress(listing("V1", "T1", 10), frame, RULES, date(2017, 5, 20)))
    assert (row.visited, row.registered) == (1, 1)


def test_listing_duplicates_and_persons_on_two_lists() -> None:
    lists = pd.concat([listing("V1", "T1", 2), listing("V1", "T1", 2), listing("V2", "T1", 1)], ignore_index=True)
    lists.loc[lists["village_code"] == "V2", "id_number"] = "V1-00"  # the same person listed in V2 too
    result = village_progress(lists, visits([("V1-00", "2017-05-02", "absent")]), RULES, date(2017, 5, 3))
    assert result[["village_code", "to_visit", "visited"]].values.tolist() == [["V1", 2, 1], ["V2", 1, 1]]


def test_no_persons_means_no_rows() -> None:
    empty = listing("V1", "T1", 0)
    result = village_progress(empty, visits([("X", "2017-05-02", "absent")]), RULES, date(2017, 5, 3))
    assert result.empty and list(result.columns) == VILLAGE_COLUMNS


def test_township_progress() -> None:
    as_of = date(2017, 5, 31)  # expected 31/61 ≈ 0.508, behind below ≈ 0.408; pace window (05-24, 05-31]
    lists = pd.concat(
        [
            listing("A", "T1", 10),
            listing("B", "T1", 10),
            listing("C", "T1", 5),
            listing("V8", "T2", 4),
            listing("V7", "T2", 5),
        ],
        ignore_index=True,
    )
    rows = (
        # A: 8 of 10, 4 in the window → pace 4/7, 2 left → 4 days → 06-04; 3 registered. Not behind.
        [(f"A-{i:02d}", "2017-05-10", "registered" if i < 3 else "absent") for i in range(4)]
        + [(f"A-{i:02d}", "2017-05-28", "absent") for i in range(4, 8)]
        # B: 3 of 10, 1 in the window → 7 left → 49 days → 07-19: late (and 0.3 is low). Lagging.
        + [("B-00", "2017-05-05", "registered"), ("B-01", "2017-05-06", "absent"), ("B-02", "2017-05-30", "absent")]
        # C: all 5 on 05-02, registered: complete, not behind.
        + [(f"C-{i:02d}", "2017-05-02", "registered") for i in range(5)]
        # V8: 1 of 4 (0.25, low), 1 in the window → 3 left → 21 days → 06-21. Behind.
        + [("V8-00", "2017-05-30", "absent")]
        # V7: 2 of 5 (0.4, just below 31/61 - 0.1 ≈ 0.408: low) and none in the window → no projection. Behind.
        + [("V7-00", "2017-05-01", "absent"), ("V7-01", "2017-05-01", "absent")]
    )
    villages = village_progress(lists, visits(rows), RULES, as_of)
    assert villages.set_index("village_code")["behind"].to_dict() == {
        "A": False,
        "B": True,
        "C": False,
        "V7": True,
        "V8": True,
    }
    # The projection is a warning of its own: B (07-19) and V7 (none) miss the deadline; V8 (06-21) does not.
    assert villages.set_index("village_code")["projected_late"].to_dict() == {
        "A": False,
        "B": True,
        "C": False,
        "V7": True,
        "V8": False,
    }

    towns = township_progress(villages, RULES, as_of).set_index("township_code")
    t1, t2 = towns.loc["T1"], towns.loc["T2"]
    # T1: 25 to visit, 8 + 3 + 5 = 16 visited, 3 + 1 + 5 = 9 registered; pace 4/7 + 1/7 = 5/7,
    # 9 left → ceil(9 * 7 / 5) = 13 days → 06-13; rate 0.64. Not behind, B listed as lagging.
    assert (t1.to_visit, t1.visited, t1.registered) == (25, 16, 9)
    assert t1.rate == pytest.approx(16 / 25)
    assert t1.expected_rate == pytest.approx(31 / 61)
    assert t1.pace_7d == pytest.approx(5 / 7)
    assert t1.projected_done == pd.Timestamp(2017, 6, 13)
    assert not t1.behind and not t1.projected_late
    assert t1.lagging_villages == ["B"]
    # T2: 9 to visit, 3 visited (1/3, low), pace 1/7, 6 left → 42 days → 07-12. Lagging by rate: V8 then V7.
    assert (t2.to_visit, t2.visited, t2.registered) == (9, 3, 0)
    assert t2.pace_7d == pytest.approx(1 / 7)
    assert t2.projected_done == pd.Timestamp(2017, 7, 12)
    assert t2.behind and t2.projected_late
    assert t2.lagging_villages == ["V8", "V7"]


@pytest.mark.parametrize(
    ("history", "expected"),
    [([], 0), ([False], 0), ([True], 1), ([True, False], 0), ([False, True, True], 2), ([True, True, True], 3)],
)
def test_days_behind(history: list[bool], expected: int) -> None:
    assert days_behind(history) == expected


def _one_village(days: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    to_visit = pd.DataFrame(
        {"village_code": ["V"] * 100, "township_code": ["T"] * 100, "id_number": [f"p{i}" for i in range(100)]}
    )
    visits = pd.DataFrame(
        {"id_number": [f"p{i}" for i in range(len(days))], "visited_on": pd.to_datetime(days), "outcome": "refused"}
    )
    return to_visit, visits


@pytest.mark.parametrize(
    ("as_of", "window"),
    [(date(2017, 5, 1), 1), (date(2017, 5, 2), 2), (date(2017, 5, 7), 7), (date(2017, 5, 30), 7)],
)
def test_the_pace_window_is_shorter_in_the_first_days(as_of: date, window: int) -> None:
    from tasks.survey.progress import pace_window

    rules = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30))
    assert pace_window(rules, as_of) == window


def test_two_days_of_visits_are_a_two_day_pace_and_grace_spares_the_projection() -> None:
    to_visit, visits = _one_village(["2017-05-01"] * 2 + ["2017-05-02"] * 2)
    strict = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30))
    row = village_progress(to_visit, visits, strict, date(2017, 5, 2)).iloc[0]
    assert row["pace_7d"] == pytest.approx(2.0)
    assert row["projected_done"] == pd.Timestamp("2017-06-19")  # May 2 + ceil(96 / 2) days
    assert bool(row["behind"]) is False  # 4% against an expected 3.3%, projection inside the deadline

    # One of 100 on day 2: the rate is within the margin (not behind), the projection misses the deadline (a
    # warning), which the grace days hold back in the first week.
    slow, slow_visits = _one_village(["2017-05-02"])
    ungraced = village_progress(slow, slow_visits, strict, date(2017, 5, 2)).iloc[0]
    assert (bool(ungraced["behind"]), bool(ungraced["projected_late"])) == (False, True)
    graced = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30), grace_days=7)
    assert bool(village_progress(slow, slow_visits, graced, date(2017, 5, 2)).iloc[0]["projected_late"]) is False
    assert bool(village_progress(slow, slow_visits, graced, date(2017, 5, 8)).iloc[0]["projected_late"]) is True
