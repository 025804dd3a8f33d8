"""Who is told what about the survey on a given date. Pure planning, like tasks.messages.reminders.

* Daily, on working days inside the survey window, every township that is behind (tasks.survey.progress) gets a
  reminder naming its lagging villages, worst first. One message per township and day: the day is in the key.
* When a township has been behind on `escalate_after_days` consecutive working days (today included), the
  county receives one digest that day listing every such township.
* The weekly ranking notice ranks townships on survey completion once there are lists to visit: rate first,
  then visited persons, then code; equal rates (to 0.1 percentage point) share a rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from models.campaign.spec import COUNTY_TAG, Campaign
from tasks.messages.planned import PlannedMessage
from tasks.plan.workdays import WorkCalendar


@dataclass(frozen=True)
class SurveyStanding:
    code: str
    name: str
    to_visit: int
    visited: int
    registered: int
    rate: float
    expected_rate: float
    projected_done: str | None
    behind: bool
    rank: int


def survey_standings(campaign: Campaign, townships: pd.DataFrame) -> list[SurveyStanding]:
    """Every township of the campaign ranked on completion; one with nobody to visit counts as complete."""
    rows = {str(r["township_code"]): r for r in townships.to_dict("records")}
    items = []
    for township in campaign.townships:
        row = rows.get(township.code)
        if row is None:
            items.append((township.code, township.name, 0, 0, 0, 1.0, 0.0, None, False))
            continue
        done = row["projected_done"]
        items.append(
            (
                township.code,
                township.name,
                int(row["to_visit"]),
                int(row["visited"]),
                int(row["registered"]),
                float(row["rate"]),
                float(row["expected_rate"]),
                None if pd.isna(done) else pd.Timestamp(done).date().isoformat(),
                bool(row["behind"]),
            )
        )
    items.sort(key=lambda t: (-round(t[5], 3), -t[3], t[0]))
    standings: list[SurveyStanding] = []
    for position, item in enumerate(items, start=1):
        rank = position
        if standings and round(standings[-1].rate, 3) == round(item[5], 3):
            rank = standings[-1].rank
        standings.append(SurveyStanding(*item, rank=rank))
    return standings


def in_survey(campaign: Campaign, as_of: date) -> bool:
    start, deadline = campaign.survey_window()
    return start <= as_of <= deadline


def plan_survey_reminders(
    campaign: Campaign,
    townships: pd.DataFrame,
    villages: pd.DataFrame,
    days_behind: Mapping[str, int],
    as_of: date,
    calendar: WorkCalendar,
) -> list[PlannedMessage]:
    """`townships`/`villages`: tasks.survey.progress frames as of `as_of`; `days_behind`: consecutive working days
    behind up to `as_of` per township code."""
    if not in_survey(campaign, as_of) or not calendar.is_workday(as_of) or townships.empty:
        return []
    survey = campaign.survey
    _start, deadline = campaign.survey_window()
    names = campaign.owner_names()
    village_names = campaign.village_names()
    by_village = {str(r["village_code"]): r for r in villages.to_dict("records")}
    workdays_left = calendar.workdays_between(as_of, deadline) - 1  # today is being spent
    planned: list[PlannedMessage] = []
    escalated: list[dict[str, Any]] = []
    for row in townships.to_dict("records"):
        if not row["behind"]:
            continue
        code = str(row["township_code"])
        lagging = [
            _village(by_village[v], village_names)
            for v in list(row["lagging_villages"])[: survey.lagging_villages_shown]
        ]
        figures = _figures(row)
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "survey_behind",
                code,
                key=(code, as_of.isoformat()),
                as_of=as_of,
                owner_name=names.get(code, code),
                context={
                    **figures,
                    "deadline": deadline,
                    "workdays_left": max(workdays_left, 0),
                    "lagging": lagging,
                    "lagging_total": len(row["lagging_villages"]),
                    "days_behind": int(days_behind.get(code, 1)),
                },
            )
        )
        if days_behind.get(code, 0) >= survey.escalate_after_days:
            escalated.append({"name": names.get(code, code), "days_behind": int(days_behind[code]), **figures})
    if escalated:
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "survey_escalation",
                COUNTY_TAG,
                key=(COUNTY_TAG, as_of.isoformat()),
                as_of=as_of,
                owner_name=names[COUNTY_TAG],
                context={
                    "townships": escalated,
                    "threshold": survey.escalate_after_days,
                    "deadline": deadline,
                },
            )
        )
    return planned


def _figures(row: Mapping[str, Any]) -> dict[str, Any]:
    done = row["projected_done"]
    return {
        "to_visit": int(row["to_visit"]),
        "visited": int(row["visited"]),
        "rate": float(row["rate"]),
        "expected_rate": float(row["expected_rate"]),
        "pace": float(row["pace_7d"]),
        "projected_done": None if pd.isna(done) else pd.Timestamp(done).date(),
    }


def _village(row: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    code = str(row["village_code"])
    return {"code": code, "name": names.get(code, code), **_figures(row)}


def consecutive_behind(history: list[pd.DataFrame]) -> dict[str, int]:
    """Per township, how many of the latest days in `history` (township frames, oldest first) it was behind."""
    counts: dict[str, int] = {}
    alive: set[str] | None = None
    for frame in reversed(history):
        behind = {str(c) for c, b in zip(frame["township_code"], frame["behind"], strict=True) if b}
        alive = behind if alive is None else alive & behind
        for code in alive:
            counts[code] = counts.get(code, 0) + 1
    return counts
