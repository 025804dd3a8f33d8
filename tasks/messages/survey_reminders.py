"""Who is told what about the survey on a given date. Pure planning, like tasks.messages.reminders.

* Daily, on working days inside the survey window, every township that is behind (tasks.survey.progress: below
  序时进度 less the margin) gets a reminder naming its lagging villages, worst first. One message per township
  and day: the day is in the key.
* A township that is not behind but whose projection misses the deadline (预计无法按期完成, including no first
  visit in the pace window with work left) gets a warning instead, naming its villages at risk. A warning is
  never a verdict: it does not count towards escalation, nor does it put a township among a notice's laggards.
* When a township has been behind on `escalate_after_days` consecutive working days (today included), the
  county receives one digest that day listing every such township.
* Refused rows of returned lists still to be corrected (tasks.survey.refusals) are reminded as such, to the
  township with its villages' counts and to each village that has a channel of its own (its code is a
  recipient tag).
* The weekly ranking notice ranks townships on survey completion once there are lists to visit: rate first,
  then visited persons, then code; equal rates (to 0.1 percentage point) share a rank.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
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
    projected_late: bool = False


def survey_standings(campaign: Campaign, townships: pd.DataFrame) -> list[SurveyStanding]:
    """Every township of the campaign ranked on completion; one with nobody to visit counts as complete."""
    rows = {str(r["township_code"]): r for r in townships.to_dict("records")}
    unranked = [_standing(township.code, township.name, rows.get(township.code)) for township in campaign.townships]
    unranked.sort(key=lambda s: (-round(s.rate, 3), -s.visited, s.code))
    standings: list[SurveyStanding] = []
    for position, standing in enumerate(unranked, start=1):
        rank = position
        if standings and round(standings[-1].rate, 3) == round(standing.rate, 3):
            rank = standings[-1].rank
        standings.append(replace(standing, rank=rank))
    return standings


def _standing(code: str, name: str, row: Mapping[str, Any] | None) -> SurveyStanding:
    """A township's survey figures, not ranked yet (rank 0)."""
    if row is None:
        return SurveyStanding(code, name, 0, 0, 0, 1.0, 0.0, None, False, rank=0)
    done = row["projected_done"]
    return SurveyStanding(
        code,
        name,
        int(row["to_visit"]),
        int(row["visited"]),
        int(row["registered"]),
        float(row["rate"]),
        float(row["expected_rate"]),
        None if pd.isna(done) else pd.Timestamp(done).date().isoformat(),
        bool(row["behind"]),
        rank=0,
        projected_late=bool(row.get("projected_late", False)),
    )


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
    refused: pd.DataFrame | None = None,
    village_channels: Collection[str] = (),
    unreviewed: Sequence[tuple[str, str, int]] = (),
) -> list[PlannedMessage]:
    """`unreviewed`: (township, village, visits) waiting for the township's 核实 too long.
    `townships`/`villages`: tasks.survey.progress frames as of `as_of`; `days_behind`: consecutive working days
    behind up to `as_of` per township code; `refused`: per village, the persons whose refused row is still to be
    corrected (township_code, village_code, refused); `village_channels`: the villages that can be written to."""
    if not in_survey(campaign, as_of) or not calendar.is_workday(as_of) or townships.empty:
        return []
    survey = campaign.survey
    _start, deadline = campaign.survey_window()
    names = campaign.owner_names()
    village_names = campaign.village_names()
    by_village = {str(r["village_code"]): r for r in villages.to_dict("records")}
    workdays_left = max(calendar.workdays_between(as_of, deadline) - 1, 0)  # today is being spent
    planned: list[PlannedMessage] = []
    escalated: list[dict[str, Any]] = []
    for row in townships.to_dict("records"):
        code = str(row["township_code"])
        if row["behind"]:
            planned.append(_behind(campaign, row, by_village, days_behind, as_of, deadline, workdays_left))
            if days_behind.get(code, 0) >= survey.escalate_after_days:
                escalated.append(
                    {"name": names.get(code, code), "days_behind": int(days_behind[code]), **_figures(row)}
                )
        elif row.get("projected_late", False):
            planned.append(_warning(campaign, row, villages, village_names, as_of, deadline, workdays_left))
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
    if refused is not None and len(refused):
        planned += plan_refused_reminders(campaign, refused, as_of, village_channels)
    planned += plan_review_reminders(campaign, unreviewed, as_of)
    return planned


def plan_review_reminders(
    campaign: Campaign, unreviewed: Sequence[tuple[str, str, int]], as_of: date
) -> list[PlannedMessage]:
    """The review reminder (N 条走访记录尚未核实) to each township with villages whose visits wait for its 核实
    longer than `survey.review_within_days`; one message per township and day."""
    names, village_names = campaign.owner_names(), campaign.village_names()
    by_township: dict[str, list[dict[str, Any]]] = {}
    for township, village, waiting in unreviewed:
        by_township.setdefault(township, []).append(
            {"code": village, "name": village_names.get(village, village), "waiting": waiting}
        )
    return [
        PlannedMessage.for_owner(
            campaign, "survey_review", code, key=(code, as_of.isoformat()), as_of=as_of,
            owner_name=names.get(code, code),
            context={"waiting": sum(v["waiting"] for v in listed), "villages": listed,
                     "within_days": campaign.survey.review_within_days},
        )
        for code, listed in sorted(by_township.items())
    ]  # fmt: skip


def _behind(
    campaign: Campaign,
    row: Mapping[str, Any],
    by_village: Mapping[str, Mapping[str, Any]],
    days_behind: Mapping[str, int],
    as_of: date,
    deadline: date,
    workdays_left: int,
) -> PlannedMessage:
    """The daily reminder of a township behind 序时进度, naming its lagging villages, worst first."""
    code = str(row["township_code"])
    village_names = campaign.village_names()
    shown = list(row["lagging_villages"])[: campaign.survey.lagging_villages_shown]
    return PlannedMessage.for_owner(
        campaign,
        "survey_behind",
        code,
        key=(code, as_of.isoformat()),
        as_of=as_of,
        owner_name=campaign.owner_names().get(code, code),
        context={
            **_figures(row),
            "deadline": deadline,
            "workdays_left": workdays_left,
            "lagging": [_village(by_village[v], village_names) for v in shown],
            "lagging_total": len(row["lagging_villages"]),
            "days_behind": int(days_behind.get(code, 1)),
        },
    )


def _warning(
    campaign: Campaign,
    row: Mapping[str, Any],
    villages: pd.DataFrame,
    village_names: Mapping[str, str],
    as_of: date,
    deadline: date,
    workdays_left: int,
) -> PlannedMessage:
    """The warning (预计无法按期完成) to a township that is not behind 序时进度 but whose pace misses the deadline:
    the villages with work left whose own projection misses it, lowest rate first."""
    code = str(row["township_code"])
    at_risk = villages[
        (villages["township_code"].astype(str) == code) & villages["projected_late"].astype(bool)
    ].sort_values(["rate", "village_code"])
    records = at_risk.to_dict("records")
    return PlannedMessage.for_owner(
        campaign,
        "survey_warning",
        code,
        key=(code, as_of.isoformat()),
        as_of=as_of,
        owner_name=campaign.owner_names().get(code, code),
        context={
            **_figures(row),
            "deadline": deadline,
            "workdays_left": workdays_left,
            "at_risk": [_village(r, village_names) for r in records[: campaign.survey.lagging_villages_shown]],
            "at_risk_total": len(records),
        },
    )


def plan_refused_reminders(
    campaign: Campaign, refused: pd.DataFrame, as_of: date, village_channels: Collection[str] = ()
) -> list[PlannedMessage]:
    """The refused-rows reminder ("N 条走访结果被退回，请更正后重新报送"): to each township with its villages'
    counts, and to each village with a channel of its own. One message per recipient and day."""
    names = campaign.owner_names()
    village_names = campaign.village_names()
    planned: list[PlannedMessage] = []
    rows = refused[refused["refused"] > 0].sort_values(["township_code", "village_code"])
    for township, group in rows.groupby("township_code", sort=True):
        code = str(township)
        listed: list[dict[str, Any]] = [
            {"code": str(v), "name": village_names.get(str(v), str(v)), "refused": int(n)}
            for v, n in zip(group["village_code"], group["refused"], strict=True)
        ]
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "survey_refused",
                code,
                key=(code, as_of.isoformat()),
                as_of=as_of,
                owner_name=names.get(code, code),
                context={"refused": sum(v["refused"] for v in listed), "villages": listed, "level": "township"},
            )
        )
        for village in listed:
            if village["code"] not in village_channels:
                continue
            planned.append(
                PlannedMessage.for_owner(
                    campaign,
                    "survey_refused",
                    village["code"],
                    key=(village["code"], as_of.isoformat()),
                    as_of=as_of,
                    owner_name=village["name"],
                    context={"refused": village["refused"], "villages": [village], "level": "village"},
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
