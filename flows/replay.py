"""Replaying a whole campaign day by day in its own workspace, with simulated owners.

One flow run loops over the days and calls the same step functions the monitors and phase flows use,
so Prefect's fixed cost per flow run is paid once, not once a day.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from canbao.settings import Settings
from canbao.workspace import Workspace
from flows.monitors import run_daily_reminders, run_weekly_ranking
from flows.tracking import run_phase_tracking
from models import crud
from tasks.campaign import Campaign
from tasks.ranking import rank_townships
from tasks.reminders import is_ranking_day
from tasks.simulation import PROFILE_NAMES, Profile, SimulatedOwners
from tasks.status import milestone_statuses

SIMULATED_BY = "模拟"


def replay_settings(base: Settings) -> Settings:
    """The replay's own workspace under the data folder: never the coordinator's database or mailboxes."""
    folder = base.data_path / "replay"
    return Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'canbao.db'}",
        apprise_config=None,  # a simulation delivers to local folders, never to real recipients
        campaign=base.campaign,
    )


def summary_path(base: Settings) -> Path:
    return base.data_path / "replay" / "summary.json"


@task(name="simulate-day", cache_policy=NO_CACHE)
def simulate_day(ws: Workspace, day: date, owners: SimulatedOwners) -> int:
    """Record what the simulated owners finish on `day`, given the reminders they have received."""
    with ws.session() as session:
        campaign_id, campaign = crud.active_campaign(session)
        completions = crud.completions(session, campaign_id=campaign_id)
        received = crud.message_counts(session, campaign_id=campaign_id, kinds=["overdue"])
        statuses = milestone_statuses(campaign, completions, day)
        finished = owners.completions_on(day, statuses, received, campaign.start)
        return crud.record_completions(session, campaign_id=campaign_id, facts=finished, by=SIMULATED_BY)


@flow(name="replay-campaign")
def replay_campaign(start: date | None = None, end: date | None = None, seed: int = 2017) -> dict[str, Any]:
    base = Settings()
    settings = replay_settings(base)
    shutil.rmtree(settings.data_path, ignore_errors=True)
    ws = Workspace.open(settings)
    try:
        ws.init()
        campaign_id, campaign = ws.campaign()
        start, end = start or campaign.start, end or campaign.end
        owners = SimulatedOwners.seeded(campaign, seed)
        phases_closed = []
        day = start
        while day <= end:
            simulate_day(ws, day, owners)
            run_daily_reminders(ws, day)
            if is_ranking_day(campaign, day):
                run_weekly_ranking(ws, day)
            phase = campaign.phase_on(day)
            if phase is not None and day == phase.end:
                phases_closed.append(run_phase_tracking(ws, phase.key, day))
            day += timedelta(days=1)
        summary = summarise(ws, campaign_id, campaign, owners.profiles, start, end, seed, phases_closed)
    finally:
        ws.close()
    path = summary_path(base)
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    get_run_logger().info("回放完成：%s 至 %s，摘要已写入 %s", start, end, path)
    return summary


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
            session, campaign_id=campaign_id, kinds=["reminder", "overdue", "escalation", "weekly_ranking"]
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
