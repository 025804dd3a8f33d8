"""Survey progress at its edges: the grace period's last day, a list of one left without a pace, persons on
several lists, time zones, the rules' own checks, and the shape of the frames the reports read."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from tasks.survey.progress import ProgressRules, judge_villages, township_progress, unlisted_visits, village_progress

START, DEADLINE = date(2017, 5, 1), date(2017, 6, 30)
RULES = ProgressRules(start=START, deadline=DEADLINE)


def listing(rows: list[tuple[str, str]], township: str = "T1") -> pd.DataFrame:
    """(village_code, id_number) rows of one township."""
    return pd.DataFrame(
        {"village_code": [v for v, _ in rows], "township_code": township, "id_number": [i for _, i in rows]}
    )


def visits(rows: list[tuple[str | None, object, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id_number", "visited_on", "outcome"])


NO_VISITS = visits([])


def test_no_projection_warns_from_the_last_grace_day_on() -> None:
    rules = ProgressRules(start=START, deadline=DEADLINE, grace_days=2)
    people = listing([("V1", "a"), ("V1", "b")])
    # The rate cannot make it behind this early (1/61, 2/61, 3/61 expected, minus the 0.10 margin, is below 0),
    # and no projection is a warning, never a verdict.
    early = village_progress(people, NO_VISITS, rules, START + timedelta(days=1)).iloc[0]
    assert (bool(early["behind"]), bool(early["projected_late"])) == (False, False)
    judged = village_progress(people, NO_VISITS, rules, START + timedelta(days=2)).iloc[0]
    assert (bool(judged["behind"]), bool(judged["projected_late"])) == (False, True)


def test_one_person_left_and_no_recent_visit_has_no_projection() -> None:
    people = listing([("V1", "a"), ("V1", "b")])
    row = village_progress(people, visits([("a", date(2017, 5, 2), "registered")]), RULES, date(2017, 5, 20))
    assert row["visited"].iloc[0] == 1
    assert pd.isna(row["projected_done"].iloc[0])
    # Half done against 序时进度 20/61: ahead, so not behind; the missing projection is the warning.
    assert not row["behind"].iloc[0]
    assert row["projected_late"].iloc[0]


def test_a_list_with_no_recent_visit_is_judged_without_arithmetic_warnings() -> None:
    people = listing([("V1", "a"), ("V2", "b")])
    with np.errstate(all="raise"):
        frame = village_progress(people, visits([("a", date(2017, 5, 2), "registered")]), RULES, date(2017, 5, 20))
    assert frame["projected_done"].iloc[0] == pd.Timestamp("2017-05-20")  # V1 complete: done as of today
    assert pd.isna(frame["projected_done"].iloc[1])


def test_a_person_on_several_lists_counts_once_on_each() -> None:
    # P on the lists of V1 and V3, Q on those of V1 and V2: every village keeps each of its persons.
    people = listing([("V1", "P"), ("V2", "Q"), ("V3", "P"), ("V1", "Q")])
    frame = village_progress(people, NO_VISITS, RULES, date(2017, 5, 20))
    assert dict(zip(frame["village_code"], frame["to_visit"], strict=True)) == {"V1": 2, "V2": 1, "V3": 1}


def test_visits_of_an_empty_list_are_all_unlisted() -> None:
    empty = listing([])
    rows = visits([("a", date(2017, 5, 2), "registered"), ("b", date(2017, 5, 3), "refused")])
    assert unlisted_visits(empty, rows, date(2017, 5, 20)) == 2


def test_a_tz_aware_visit_counts_on_its_local_day() -> None:
    people = listing([("V1", "a"), ("V1", "b")])
    late_evening = datetime(2017, 6, 30, 23, 30, tzinfo=timezone(timedelta(hours=8)))
    rows = visits([("a", late_evening, "registered"), ("b", late_evening + timedelta(hours=1), "registered")])
    frame = village_progress(people, rows, RULES, DEADLINE)
    assert (frame["visited"].iloc[0], frame["registered"].iloc[0]) == (1, 1)


def test_the_rules_accept_a_one_day_survey_and_a_one_day_pace() -> None:
    rules = ProgressRules(start=DEADLINE, deadline=DEADLINE, pace_days=1)
    assert (rules.start, rules.deadline, rules.pace_days) == (DEADLINE, DEADLINE, 1)


def test_the_rules_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"^deadline 2017-04-30 is before start 2017-05-01$"):
        ProgressRules(start=START, deadline=date(2017, 4, 30))
    with pytest.raises(ValueError, match=r"^pace_days must be at least 1, got 0$"):
        ProgressRules(start=START, deadline=DEADLINE, pace_days=0)


def test_a_list_without_ids_is_refused_with_the_reason() -> None:
    people = pd.DataFrame({"village_code": ["V1"], "township_code": ["T1"], "id_number": [None]})
    with pytest.raises(ValueError, match=r"^to_visit has rows without id_number$"):
        village_progress(people, NO_VISITS, RULES, START)


def counts(rows: list[tuple[str, str, int, int, int, int]]) -> pd.DataFrame:
    columns = ["village_code", "township_code", "to_visit", "visited", "registered", "recent"]
    return pd.DataFrame(rows, columns=columns)


def test_judged_villages_come_sorted_with_a_fresh_index_and_whole_counts() -> None:
    unsorted = counts([("V2", "T2", 4, 1, 1, 1), ("V1", "T2", 5, 5, 5, 0), ("V3", "T1", 3, 0, 0, 0)])
    unsorted["recent"] = unsorted["recent"].astype(object)  # as a database driver may hand the counts over
    frame = judge_villages(unsorted, RULES, date(2017, 5, 20))
    assert list(frame["village_code"]) == ["V3", "V1", "V2"]
    assert list(frame.index) == [0, 1, 2]
    assert frame["pace_7d"].dtype == np.float64
    assert list(frame["pace_7d"]) == [0.0, 0.0, 1 / 7]
    assert {frame[c].dtype for c in ("to_visit", "visited", "registered")} == {np.dtype(np.int64)}


def test_townships_come_sorted_with_whole_counts_and_an_empty_list_when_none_lags() -> None:
    as_of = date(2017, 6, 1)
    villages = judge_villages(counts([("V9", "T2", 4, 0, 0, 0), ("V1", "T1", 5, 5, 5, 0)]), RULES, as_of)
    townships = township_progress(villages.iloc[::-1].reset_index(drop=True), RULES, as_of)  # T2's row first
    assert list(townships["township_code"]) == ["T1", "T2"]
    assert {townships[c].dtype for c in ("to_visit", "visited", "registered")} == {np.dtype(np.int64)}
    assert list(townships["lagging_villages"]) == [[], ["V9"]]


def test_a_rate_exactly_on_the_margin_is_not_behind_and_just_below_it_is() -> None:
    # Day 5 of a 10-day survey: 0.5 expected. Grace over the whole survey, so only the rate judges.
    people = listing([("V1", f"p{i}") for i in range(10)])
    one_visited = visits([("p0", date(2017, 5, 2), "registered")])

    def behind(margin: float) -> bool:
        rules = ProgressRules(start=START, deadline=date(2017, 5, 10), behind_margin=margin, grace_days=10)
        return bool(village_progress(people, one_visited, rules, date(2017, 5, 5))["behind"].iloc[0])

    assert not behind(0.4)  # 0.1 == 0.5 - 0.4
    # The margin at which 0.5 - margin, less the float tolerance, is 0.1 to the last bit: still not behind.
    assert 0.5 - 0.399999999 - 1e-9 == 0.1
    assert not behind(0.399999999)
    assert behind(0.39)  # 0.1 < 0.11


def test_a_missing_outcome_in_a_nullable_text_column_is_no_visit() -> None:
    people = listing([("V1", "a"), ("V1", "b")])
    rows = visits([("a", date(2017, 5, 2), "registered"), ("b", date(2017, 5, 3), None)])
    rows["outcome"] = rows["outcome"].astype("string")
    frame = village_progress(people, rows, RULES, date(2017, 5, 20))
    assert (frame["visited"].iloc[0], frame["registered"].iloc[0]) == (1, 1)
