"""What a replay reports: the townships' milestones and messages, the survey's course, the final scores and
the data stages, written as one JSON file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from models import crud
from models.campaign.spec import Campaign
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.scoring.sheet import score_sheet
from tasks.simulation.owners import PROFILE_NAMES, Profile
from tasks.simulation.survey import SurveySimulation
from tasks.survey.figures import survey_figures
from tasks.workspace import Workspace


def write_summary(path: Path, summary: dict[str, Any]) -> Path:
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def summarise(
    ws: Workspace,
    campaign_id: int,
    campaign: Campaign,
    profiles: dict[str, Profile],
    start: date,
    end: date,
    seed: int,
    phases: list[dict[str, Any]],
) -> dict[str, Any]:
    with ws.session() as session:
        completions = crud.completions(session, campaign_id=campaign_id)
        received = crud.message_counts(session, campaign_id=campaign_id, kinds=["reminder", "overdue"])
        notices = crud.message_counts(session, campaign_id=campaign_id, kinds=["weekly_ranking"])
        messages = crud.message_counts(
            session,
            campaign_id=campaign_id,
            kinds=[
                "reminder",
                "overdue",
                "escalation",
                "weekly_ranking",
                "survey_behind",
                "survey_warning",
                "survey_refused",
                "survey_escalation",
                "training_reminder",
                "rectification_reminder",
                "rectification_overdue",
                "rectification_escalation",
                "final_notice",
            ],
        )
    statuses = milestone_statuses(campaign, completions, end)
    standings = {s.code: s for s in rank_townships(campaign, statuses, end)}
    townships = []
    for township in campaign.townships:
        own = [s for s in statuses if s.owner == township.code and s.due <= end]
        standing = standings[township.code]
        townships.append(
            {
                "code": township.code,
                "name": township.name,
                "profile": profiles[township.code],
                "profile_name": PROFILE_NAMES[profiles[township.code]],
                "on_time": sum(s.state == "done_on_time" for s in own),
                "late": sum(s.state == "done_late" for s in own),
                "missed": sum(s.state == "overdue" for s in own),
                "reminders_received": sum(n for (owner, _m), n in received.items() if owner == township.code),
                "score": standing.score,
                "final_rank": standing.rank,
            }
        )
    townships.sort(key=lambda t: (t["final_rank"], t["code"]))
    return {
        "campaign": campaign.key,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "seed": seed,
        "messages_sent": sum(messages.values()),
        "ranking_notices": sum(n for (owner, _m), n in notices.items() if owner == "county"),
        "phases": phases,
        "townships": townships,
        "mailbox": str(ws.settings.mailbox_dir),
    }


def survey_summary(
    ws: Workspace, campaign_id: int, campaign: Campaign, survey: SurveySimulation, end: date
) -> dict[str, Any]:
    """Per township: how far the survey had come at the deadline, the reminders it received, and whether it
    recovered (was reminded, then finished by the deadline)."""
    _start, deadline = campaign.survey_window()
    figures = survey_figures(ws, campaign_id, campaign, [min(deadline, end), end])
    with ws.session() as session:
        reminded = crud.message_counts(session, campaign_id=campaign_id, kinds=["survey_behind", "survey_warning"])
        escalations = crud.message_counts(session, campaign_id=campaign_id, kinds=["survey_escalation"])
    counts: dict[str, int] = {}
    for (owner, _m), n in reminded.items():
        counts[owner] = counts.get(owner, 0) + n
    if not figures:
        return {}
    at_deadline = {str(r["township_code"]): r for r in figures[0].townships.to_dict("records")}
    at_end = {str(r["township_code"]): r for r in figures[1].townships.to_dict("records")}
    townships = []
    for township in campaign.townships:
        row = at_deadline.get(township.code)
        if row is None:
            continue
        done = int(row["visited"]) >= int(row["to_visit"])
        townships.append(
            {
                "code": township.code,
                "name": township.name,
                "profile": survey.profiles.get(township.code),
                "channel": "web" if township.code in survey.web else "paper",
                "to_visit": int(row["to_visit"]),
                "visited_by_deadline": int(row["visited"]),
                "rate_at_deadline": round(float(row["rate"]), 4),
                "rate_at_end": round(float(at_end[township.code]["rate"]), 4),
                "survey_reminders": counts.get(township.code, 0),
                "recovered": done and counts.get(township.code, 0) > 0,
                "missed_deadline": not done,
            }
        )
    return {
        "deadline": deadline.isoformat(),
        "to_visit": sum(t["to_visit"] for t in townships),
        "visited_by_deadline": sum(t["visited_by_deadline"] for t in townships),
        "escalations": sum(escalations.values()),
        "townships": townships,
    }


def scores_summary(ws: Workspace, end: date) -> dict[str, Any]:
    sheet = score_sheet(ws, end)
    return {
        "as_of": end.isoformat(),
        "final": sheet.final,
        "townships": [
            {
                "code": s.township,
                "name": s.name,
                "rank": s.rank,
                "score": s.score,
                "rate": round(s.rate, 4),
                "subsidy": s.subsidy,
                "criticised": s.criticised,
                "reasons": list(s.reasons),
            }
            for s in sheet.scores
        ],
    }


def data_summary(data: dict[str, Any]) -> dict[str, Any]:
    comparison = data.get("comparison")
    if comparison is None:
        return {"persons": data["persons"], "compared_on": None}
    return {
        "persons": comparison["persons"],
        "compared_on": data["compared_on"],
        "categories": comparison["categories"],
        "missing_by_insurance": comparison["missing_by_insurance"],
        "anomalies": comparison["anomalies"],
        "outside_register": comparison.get("outside_register", 0),
        "worklists": data["worklists"]["out"],
        "to_visit": data["worklists"]["persons"],
    }
