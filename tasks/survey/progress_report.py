"""Survey progress as the campaign defines it: the rules from the campaign file, village and township names,
and the JSON that `canbao progress --json` prints. Pure; the arithmetic itself is tasks.survey.progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from models.campaign.spec import Campaign
from tasks.plan.workdays import WorkCalendar, fallback_note
from tasks.survey.progress import (
    ProgressRules,
    expected_rate,
    judge_villages,
    township_progress,
    unlisted_visits,
    verdicts,
    village_progress,
)

FIGURES = (
    "to_visit",
    "visited",
    "registered",
    "rate",
    "expected_rate",
    "pace_7d",
    "projected_done",
    "behind",
    "projected_late",
    "warning",
)
# What `warning` says of a list whose projection misses the deadline: a warning, never a verdict of "behind".
PROJECTED_LATE = "预计无法按期完成"


def calendar_of(campaign: Campaign) -> WorkCalendar:
    survey = campaign.survey
    return WorkCalendar(frozenset(survey.holidays), frozenset(survey.workdays))


def rules_of(campaign: Campaign) -> ProgressRules:
    start, deadline = campaign.survey_window()
    return ProgressRules(
        start=start,
        deadline=deadline,
        behind_margin=campaign.survey.behind_margin,
        pace_days=campaign.survey.pace_days,
        grace_days=campaign.survey.grace_days,
    )


def expected_on(campaign: Campaign, as_of: date) -> float:
    """The expected completion rate on `as_of`: linear in calendar days, or in working days if the file says so."""
    rules = rules_of(campaign)
    if campaign.survey.expected == "calendar":
        return expected_rate(rules, as_of)
    calendar = calendar_of(campaign)
    total = calendar.workdays_between(rules.start, rules.deadline)
    elapsed = calendar.workdays_between(rules.start, min(as_of, rules.deadline))
    return min(max(elapsed / total, 0.0), 1.0) if total else 1.0


@dataclass(frozen=True)
class Progress:
    as_of: date
    villages: pd.DataFrame  # tasks.survey.progress.VILLAGE_COLUMNS
    townships: pd.DataFrame  # tasks.survey.progress.TOWNSHIP_COLUMNS
    unlisted: int


def survey_progress(campaign: Campaign, to_visit: pd.DataFrame, visits: pd.DataFrame, as_of: date) -> Progress:
    rules = rules_of(campaign)
    villages = village_progress(to_visit, visits, rules, as_of)
    if campaign.survey.expected == "workdays" and len(villages):
        villages = _rejudge(villages, campaign, rules, as_of)
    townships = township_progress(villages, rules, as_of)
    if campaign.survey.expected == "workdays" and len(townships):
        townships = _rejudge(townships, campaign, rules, as_of)
    return Progress(as_of, villages, townships, unlisted_visits(to_visit, visits, as_of))


def progress_from_counts(campaign: Campaign, counts: pd.DataFrame, unlisted: int, as_of: date) -> Progress:
    """`survey_progress` from per-village counts (tasks.survey.progress.judge_villages), e.g. counted by the
    database."""
    rules = rules_of(campaign)
    villages = judge_villages(counts, rules, as_of)
    if campaign.survey.expected == "workdays" and len(villages):
        villages = _rejudge(villages, campaign, rules, as_of)
    townships = township_progress(villages, rules, as_of)
    if campaign.survey.expected == "workdays" and len(townships):
        townships = _rejudge(townships, campaign, rules, as_of)
    return Progress(as_of, villages, townships, unlisted)


def window_start(campaign: Campaign, as_of: date) -> date:
    """First visits after this day are inside the pace window (as_of - pace_days, as_of]."""
    return as_of - timedelta(days=campaign.survey.pace_days)


def _rejudge(frame: pd.DataFrame, campaign: Campaign, rules: ProgressRules, as_of: date) -> pd.DataFrame:
    """The working-day expectation replaces the calendar one; the verdicts follow (the projection does not change)."""
    frame = frame.copy()
    expected = expected_on(campaign, as_of)
    complete = (frame["visited"] >= frame["to_visit"]).to_numpy()
    done = frame["projected_done"].to_numpy(dtype="datetime64[s]")
    behind, projected_late = verdicts(complete, frame["rate"].to_numpy(dtype=float), expected, done, rules, as_of)
    frame["expected_rate"] = expected
    frame["behind"] = behind
    frame["projected_late"] = projected_late
    return frame


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    done = row["projected_done"]
    return {
        "to_visit": int(row["to_visit"]),
        "visited": int(row["visited"]),
        "registered": int(row["registered"]),
        "rate": round(float(row["rate"]), 4),
        "expected_rate": round(float(row["expected_rate"]), 4),
        "pace_7d": round(float(row["pace_7d"]), 2),
        "projected_done": None if pd.isna(done) else pd.Timestamp(done).date().isoformat(),
        "behind": bool(row["behind"]),
        "projected_late": bool(row["projected_late"]),
        "warning": PROJECTED_LATE if row["projected_late"] else None,
    }


def progress_json(campaign: Campaign, progress: Progress) -> dict[str, Any]:
    """{"as_of", "townships": [{"code", <figures>, "villages": [{"code", <figures>}]}]} in campaign order.

    Townships and villages without anyone to visit are listed with zeros and `behind` false, so a script
    always finds every township of the campaign."""
    village_names = campaign.village_names()
    by_village = {str(r["village_code"]): r for r in progress.villages.to_dict("records")}
    by_township = {str(r["township_code"]): r for r in progress.townships.to_dict("records")}
    start, deadline = campaign.survey_window()
    expected = expected_on(campaign, progress.as_of)
    townships = []
    for township in campaign.townships:
        row = by_township.get(township.code)
        villages = [
            {
                "code": v.code,
                "name": village_names[v.code],
                **(_figures(by_village[v.code]) if v.code in by_village else _empty(expected)),
            }
            for v in township.villages
        ]
        lagging = [str(code) for code in row["lagging_villages"]] if row is not None else []
        townships.append(
            {
                "code": township.code,
                "name": township.name,
                **(_figures(row) if row is not None else _empty(expected)),
                "lagging_villages": lagging,
                "villages": villages,
            }
        )
    note = fallback_note([start, deadline])
    return {
        "as_of": progress.as_of.isoformat(),
        "start": start.isoformat(),
        "deadline": deadline.isoformat(),
        "expected_rate": round(expected, 4),
        "unlisted_visits": progress.unlisted,
        **({"calendar_note": note} if note else {}),
        "townships": townships,
    }


def _empty(expected: float) -> dict[str, Any]:
    """Nobody to visit: complete by definition."""
    return {
        "to_visit": 0, "visited": 0, "registered": 0, "rate": 1.0, "expected_rate": round(expected, 4), "pace_7d": 0.0,
        "projected_done": None, "behind": False, "projected_late": False, "warning": None,
    }  # fmt: skip
