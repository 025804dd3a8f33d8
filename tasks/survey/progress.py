"""Household-visit survey progress (入户调查进度) per village and township, and who is behind. Pure.

Village workers visit the persons on their village's visit list between `start` and `deadline`. A person
counts as visited once any visit with an outcome is recorded for them, and as registered once any outcome
is `registered` (已登记: a registration, not an enrolment). Townships must learn while there is still time that
they are behind, so next to the plain rate we compare against a linear expectation and project the finish date
from the recent pace.

Decisions (documented here because callers and reports rely on them):

- Dates are whole days. `visited_on` may hold `date` objects or datetime64 values; a time of day is dropped
  (a visit at 15:00 on `as_of` happened on `as_of`) and tz-aware values are read as local wall time.
- Visits dated after `as_of` are ignored: as of that date they had not happened. Visits without a date or
  without an outcome (missing or blank) are ignored too: they record no result.
- ID numbers are matched exactly as given; callers pass normalised IDs (see `tasks.identity.idnumber.normalise_ids`).
  A missing `id_number` on a list is an error, since such a person can never be marked visited.
- A person listed twice in one village counts once. A person listed in two villages counts in both: each
  village must find them, and one recorded visit settles both lists.
- Visits of persons on no list are not part of any village; `unlisted_visits` counts them (rows, after the
  same date and outcome filters) so the caller can report them, rather than a DataFrame attribute that
  pandas drops on the next operation.
- `pace_7d` keeps its name whatever `pace_days` is, so reports have a stable column. In the survey's first
  `pace_days` days the window is the days since the start (`pace_window`): two days of visits are a pace of
  two days, not of seven.
- `projected_done` is a datetime64 column: `as_of` itself when the list is already complete (nothing is
  left, so it is "done as of today"), NaT when nothing is left to project from (pace 0, not complete),
  otherwise `as_of` + ceil(remaining / pace) days, computed in integer arithmetic so no float rounding
  moves a projection by a day.
- `behind` is the county's verdict and is judged against 序时进度 (`expected_rate`) alone: never for a complete
  list; otherwise true when `rate < expected_rate - behind_margin`, or when `as_of` is after `deadline`. A rate
  exactly at the margin is not behind; a tiny tolerance keeps float noise (e.g. 0.5 - 0.1) from flipping that
  boundary. Villages return their lists in batches, so a list far ahead of 序时进度 may well have had no visit
  for a week: the projection must not make it a laggard.
- `projected_late` is a warning (预计无法按期完成), not a verdict: never for a complete list; otherwise true once
  `grace_days` have passed since the start and there is no projection (no first visit in the pace window, work
  left) or the projection falls after `deadline`. It is independent of `behind`: a list can be either, both or
  neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

REGISTERED = "registered"

VILLAGE_COLUMNS = [
    "village_code",
    "township_code",
    "to_visit",
    "visited",
    "registered",
    "rate",
    "expected_rate",
    "pace_7d",
    "projected_done",
    "behind",
    "projected_late",
]
TOWNSHIP_COLUMNS = [*VILLAGE_COLUMNS[1:], "lagging_villages"]

# Rates are ratios of small integers compared with a difference of floats; this absorbs only float noise.
_EPS = 1e-9
_NO_VISIT = np.iinfo(np.int64).max  # "first visit day" of a person never visited


@dataclass(frozen=True)
class ProgressRules:
    start: date  # survey start
    deadline: date  # hard cut-off (the whole day counts)
    behind_margin: float = 0.10  # behind when rate < expected_rate - margin
    pace_days: int = 7  # window for the recent pace
    # In the first days there is no pace to project from: "no projection" warns of a late finish only after
    # this many days from the start.
    grace_days: int = 0

    def __post_init__(self) -> None:
        # Fail at configuration time rather than with a division by zero in a report.
        if self.deadline < self.start:
            raise ValueError(f"deadline {self.deadline} is before start {self.start}")
        if self.pace_days < 1:
            raise ValueError(f"pace_days must be at least 1, got {self.pace_days}")


def expected_rate(rules: ProgressRules, as_of: date) -> float:
    """Share of the list that should be visited by the end of `as_of` on a linear schedule, in [0, 1]."""
    elapsed = (as_of - rules.start).days + 1  # as_of itself counts: on the start day 1 of N days is used
    total = (rules.deadline - rules.start).days + 1
    return min(max(elapsed / total, 0.0), 1.0)


def pace_window(rules: ProgressRules, as_of: date) -> int:
    """Days the recent pace is measured over: `pace_days`, or fewer while the survey is younger than that."""
    return int(min(rules.pace_days, max((as_of - rules.start).days + 1, 1)))


def days_behind(history: Sequence[bool]) -> int:
    """Consecutive days behind at the end of `history` (oldest first), for escalation after N such days."""
    count = 0
    for flag in reversed(history):
        if not flag:
            break
        count += 1
    return count


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _valid_visits(visits: pd.DataFrame, as_of: date) -> tuple[pd.Series, npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The visits that count as of `as_of`: their IDs, day numbers and whether each one registered."""
    when = pd.to_datetime(visits["visited_on"])
    if isinstance(when.dtype, pd.DatetimeTZDtype):
        when = when.dt.tz_localize(None)
    has_date = when.notna().to_numpy()
    # Whole days since the epoch; NaT rows get a placeholder and are dropped through `has_date`.
    days = when.to_numpy(dtype="datetime64[D]").astype(np.int64)
    outcome = visits["outcome"]
    has_outcome = (outcome.notna() & (outcome.astype("str").str.strip() != "")).to_numpy()
    keep = has_date & has_outcome & (days <= _day_number(as_of))
    registered = (outcome == REGISTERED).fillna(False).to_numpy(dtype=bool)
    return visits["id_number"][keep], days[keep], registered[keep]


def _match(listed_ids: pd.Series, visit_ids: pd.Series) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], int]:
    """Integer person codes for listed rows and for visits; a visit code >= the returned count is unlisted.

    One factorize over both columns hashes every ID string once; `isin`/`get_indexer` on pandas' Arrow-backed
    strings were 10-20 times slower at a million rows. Listed IDs come first, so they get codes 0..count-1.
    """
    codes, _ = pd.factorize(pd.concat([listed_ids, visit_ids], ignore_index=True))
    split = len(listed_ids)
    count = int(codes[:split].max()) + 1 if split else 0
    return codes[:split], codes[split:], count


def unlisted_visits(to_visit: pd.DataFrame, visits: pd.DataFrame, as_of: date) -> int:
    """Visit rows (dated by `as_of`, with an outcome) of persons on no list, or without an ID; not in any village."""
    ids, _, _ = _valid_visits(visits, as_of)
    _, at, count = _match(to_visit["id_number"], ids)
    return int(((at < 0) | (at >= count)).sum())  # factorize codes a missing ID as -1


def _project(
    to_visit: npt.NDArray[np.int64],
    visited: npt.NDArray[np.int64],
    recent: npt.NDArray[np.int64],
    rules: ProgressRules,
    as_of: date,
) -> npt.NDArray[np.datetime64]:
    """Finish dates at the recent pace (`recent` first visits in the pace window), see the module notes."""
    remaining = np.maximum(to_visit - visited, 0)
    # ceil(remaining / (recent / window)) == ceil(remaining * window / recent), exact in integers.
    safe = np.where(recent > 0, recent, 1)
    days = -(-(remaining * pace_window(rules, as_of)) // safe)
    done = np.datetime64(as_of, "D") + days.astype("timedelta64[D]")
    done[(remaining > 0) & (recent <= 0)] = np.datetime64("NaT")
    return done.astype("datetime64[s]")  # the coarsest unit pandas keeps as is


def verdicts(
    complete: npt.NDArray[np.bool_],
    rate: npt.NDArray[np.float64],
    expected: float,
    done: npt.NDArray[np.datetime64],
    rules: ProgressRules,
    as_of: date,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(behind, projected_late) per list, see the module notes; shared by every expectation (calendar, workdays)."""
    overdue = as_of > rules.deadline
    low = rate < expected - rules.behind_margin - _EPS
    behind = ~complete & (low | overdue)
    # Within the grace days a pace is too short to project from.
    judged = (as_of - rules.start).days >= rules.grace_days
    misses = np.isnat(done) | (done > np.datetime64(rules.deadline, "s"))
    projected_late = ~complete & judged & misses
    return behind, projected_late


def _judge(frame: pd.DataFrame, rules: ProgressRules, as_of: date, recent: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Add rate, expected_rate, projected_done, behind and projected_late from the counts and the recent first
    visits."""
    to_visit = frame["to_visit"].to_numpy(dtype=np.int64)
    visited = frame["visited"].to_numpy(dtype=np.int64)
    expected = expected_rate(rules, as_of)
    rate = visited / to_visit
    done = _project(to_visit, visited, recent, rules, as_of)
    behind, projected_late = verdicts(visited >= to_visit, rate, expected, done, rules, as_of)
    frame["rate"] = rate
    frame["expected_rate"] = expected
    frame["pace_7d"] = recent / pace_window(rules, as_of)
    frame["projected_done"] = done
    frame["behind"] = behind
    frame["projected_late"] = projected_late
    return frame


def village_progress(to_visit: pd.DataFrame, visits: pd.DataFrame, rules: ProgressRules, as_of: date) -> pd.DataFrame:
    """One row per village with persons to visit, sorted by township and village code; see the module notes.

    `to_visit`: village_code, township_code, id_number (one row per listed person).
    `visits`: id_number, visited_on, outcome (any number of rows per person).
    """
    if to_visit["id_number"].isna().any():
        raise ValueError("to_visit has rows without id_number")
    ids, days, registered = _valid_visits(visits, as_of)
    person, at, count = _match(to_visit["id_number"], ids)
    village, village_codes = pd.factorize(to_visit["village_code"])
    # A person listed twice in one village counts once: keep the first row of each (village, person) pair.
    unique_row = ~pd.Series(village.astype(np.int64) * max(count, 1) + person).duplicated().to_numpy()
    listed = to_visit[unique_row]
    person, village = person[unique_row], village[unique_row]

    # Fold the visits into per-person arrays indexed by the person code: integer scatter operations instead
    # of a string groupby keep a million visits well under a second.
    on_list = (at >= 0) & (at < count)  # visits without an ID or of unlisted persons: see `unlisted_visits`
    first_day = np.full(count, _NO_VISIT, dtype=np.int64)
    np.minimum.at(first_day, at[on_list], days[on_list])
    ever_registered = np.zeros(count, dtype=bool)
    ever_registered[at[on_list & registered]] = True

    # Per listed row: was the person visited, registered, first visited inside the pace window?
    first = first_day[person]
    row_visited = first != _NO_VISIT
    window_start = _day_number(as_of) - rules.pace_days  # window is (as_of - pace_days, as_of]
    row_recent = row_visited & (first > window_start)

    n = len(village_codes)
    # The township of a village is taken from its first listed row: a list belongs to one village.
    first_row = np.full(n, len(listed), dtype=np.int64)
    np.minimum.at(first_row, village, np.arange(len(listed)))
    counts = pd.DataFrame(
        {
            "village_code": village_codes,
            "township_code": listed["township_code"].to_numpy()[first_row] if n else [],
            "to_visit": np.bincount(village, minlength=n).astype(np.int64),
            "visited": np.bincount(village, weights=row_visited, minlength=n).astype(np.int64),
            "registered": np.bincount(village, weights=ever_registered[person], minlength=n).astype(np.int64),
            "recent": np.bincount(village, weights=row_recent, minlength=n).astype(np.int64),
        }
    )
    return judge_villages(counts, rules, as_of)


def judge_villages(counts: pd.DataFrame, rules: ProgressRules, as_of: date) -> pd.DataFrame:
    """`village_progress` from per-village counts (village_code, township_code, to_visit, visited, registered,
    recent: first visits inside the pace window), however they were counted (here, or by the database)."""
    frame = counts[["village_code", "township_code", "to_visit", "visited", "registered"]].copy()
    for column in ("to_visit", "visited", "registered"):
        frame[column] = frame[column].astype(np.int64)
    frame = _judge(frame, rules, as_of, counts["recent"].to_numpy(dtype=np.int64))
    return frame.sort_values(["township_code", "village_code"], ignore_index=True)[VILLAGE_COLUMNS]


def township_progress(villages: pd.DataFrame, rules: ProgressRules, as_of: date) -> pd.DataFrame:
    """One row per township from `village_progress` rows: totals judged like a village, plus lagging villages.

    `lagging_villages` lists the codes of the township's behind villages, lowest rate first (ties by code).
    """
    grouped = villages.groupby("township_code", sort=True)
    frame = grouped[["to_visit", "visited", "registered"]].sum().astype(np.int64).reset_index()
    # The township pace is the sum of its villages' paces; back to whole first visits so the projection
    # uses the same exact integer arithmetic as for a village.
    pace = grouped["pace_7d"].sum().to_numpy(dtype=float)
    recent = np.rint(pace * pace_window(rules, as_of)).astype(np.int64)
    frame = _judge(frame, rules, as_of, recent)

    lagging = (
        villages.loc[villages["behind"].astype(bool), ["township_code", "village_code", "rate"]]
        .sort_values(["township_code", "rate", "village_code"])
        .groupby("township_code", sort=False)["village_code"]
        .agg(list)
    )
    frame["lagging_villages"] = [lagging.get(code, []) for code in frame["township_code"]]
    return frame[TOWNSHIP_COLUMNS]
