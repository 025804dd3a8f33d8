"""Replaying a whole campaign day by day in its own workspace, with simulated owners.

One flow run loops over the days and calls the same step functions the monitors and phase flows use,
so Prefect's fixed cost per flow run is paid once, not once a day. What the simulated county does and
sends in is tasks.simulation's; this module only sequences it.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.collection import import_source, record_deliveries
from flows.comparison import run_compare
from flows.exchange import run_exchange
from flows.monitors import run_daily_reminders, run_weekly_ranking
from flows.phases import run_phase_tracking
from flows.report import run_report
from flows.survey import run_import
from flows.worklists import run_worklists
from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.analysis.closing_figures import write_summary_report
from tasks.analysis.expansion_workbook import write_expansion_plan
from tasks.comparison.registry import load_registry
from tasks.documents.ranking_notice import is_ranking_day
from tasks.messages.notices import queue_final_notice
from tasks.setup import initialise
from tasks.simulation import days
from tasks.simulation.deliveries import later_deliveries, write_returned_lists
from tasks.simulation.owners import SimulatedOwners
from tasks.simulation.summary import data_summary, scores_summary, summarise, survey_summary, write_summary
from tasks.simulation.survey import SurveySimulation
from tasks.survey.cutoff import cut_off_survey
from tasks.survey.recording import record_and_complete
from tasks.workspace import Workspace

DEFAULT_PERSONS = 20_000  # a modest county: every stage runs for real, the demo stays well under two minutes


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
def simulate_day(ws: Workspace, day: date, owners: SimulatedOwners) -> list[str]:
    """Record what the simulated owners report done on `day`; returns the departments delivering that day."""
    return days.report_completions(ws, day, owners)


def deliver_data(ws: Workspace, campaign: Campaign, departments: list[str], folder: Path, day: date) -> None:
    """Import the synthetic files of the departments that deliver on `day`."""
    for source in campaign.sources.values():
        files = sorted((folder / source.key).glob("*"))
        if source.department in departments and files:
            import_source(ws, source.key, files, day)
    record_deliveries(ws)


@flow(name="replay-campaign")
def replay_campaign(
    start: date | None = None, end: date | None = None, seed: int = 2017, persons: int = DEFAULT_PERSONS
) -> dict[str, Any]:
    base = Settings()
    settings = replay_settings(base)
    shutil.rmtree(settings.data_path, ignore_errors=True)
    ws = Workspace.open(settings)
    try:
        initialise(ws)
        campaign_id, campaign = ws.campaign()
        start, end = start or campaign.start, end or campaign.end
        owners = SimulatedOwners.seeded(campaign, seed)
        folder = make_county(ws, campaign, persons, seed)
        phases_closed = []
        data: dict[str, Any] = {"persons": persons}
        survey: SurveySimulation | None = None
        _survey_start, deadline = campaign.survey_window()
        day = start
        while day <= end:
            delivering = simulate_day(ws, day, owners)
            if delivering:
                deliver_data(ws, campaign, delivering, folder, day)
                if "compared_on" not in data and days.all_delivered(ws, campaign_id, campaign):
                    comparison = run_compare(ws, day)
                    lists = run_worklists(ws, published_on=day)
                    data |= {"compared_on": day.isoformat(), "comparison": comparison, "worklists": lists}
            if "worklists" in data and day >= campaign.survey_window()[0]:
                survey = survey or days.start_survey(ws, campaign_id, campaign, owners, seed, day)
                simulate_visits(ws, campaign_id, survey, day)
            if survey is not None and day == deadline + timedelta(days=1):
                data["cutoff"] = close_survey(ws, day)  # its final notice goes out with the day's messages
            if "comparison" in data:
                data |= analyse(ws, campaign, folder, seed, day, end)
            run_daily_reminders(ws, day)
            if is_ranking_day(campaign, day):
                run_weekly_ranking(ws, day)
            phase = campaign.phase_on(day)
            if phase is not None and day == phase.end:
                phases_closed.append(run_phase_tracking(ws, phase.key, day))
            day += timedelta(days=1)
        summary = summarise(ws, campaign_id, campaign, owners.profiles, start, end, seed, phases_closed)
        summary["data"] = data_summary(data)
        if survey is not None:
            summary["survey"] = survey_summary(ws, campaign_id, campaign, survey, end)
            summary["scores"] = scores_summary(ws, end)
            if "cutoff" in data:
                summary["cutoff"] = data["cutoff"]
        summary["analysis"] = {k: data[k] for k in ("plan", "exchange", "closing") if k in data}
        if "report" in data:
            summary["report"] = data["report"]
    finally:
        ws.close()
    path = write_summary(summary_path(base), summary)
    get_run_logger().info("回放完成：%s 至 %s，摘要已写入 %s", start, end, path)
    return summary


# Days into the analysis phase when the simulated county writes its expansion plan and exchanges the
# departments' next delivery (July 20 and August 1 in 2017).
PLAN_AFTER, EXCHANGE_AFTER = timedelta(days=19), timedelta(days=31)


def analyse(ws: Workspace, campaign: Campaign, folder: Path, seed: int, day: date, end: date) -> dict[str, Any]:
    """The analysis phase's work on its days: the expansion plan, a data exchange, the closing report."""
    done: dict[str, Any] = {}
    phase = campaign.phases.get(campaign.analysis.phase)
    if phase is None:
        return done
    if day == phase.start + PLAN_AFTER:
        plan = write_expansion_plan(ws, day)
        county = plan["county"]
        done["plan"] = {"on": day.isoformat(), "file": plan["file"],
                        "targets": {i["insurance"]: i["target"] for i in county["insurances"]}}  # fmt: skip
    if day == phase.start + EXCHANGE_AFTER:
        campaign_id, _campaign = ws.campaign()
        persons, _anomalies = load_registry(ws, campaign_id)
        inbox = ws.settings.data_path / "exchange-inbox" / day.isoformat()
        result = run_exchange(ws, later_deliveries(campaign, persons, folder, inbox, seed, day), day)
        done["exchange"] = {"on": day.isoformat(), "changes": result["changes"], "report": result["report"]}
    if day == end:
        closing = write_summary_report(ws, day)
        report = run_report(ws, day, ws.settings.data_path / "reports" / day.isoformat())
        done["closing"] = {"on": day.isoformat(), "files": closing["files"]}
        done["report"] = {"on": day.isoformat(), "xlsx": report["xlsx"], "html": report["html"]}
    return done


def close_survey(ws: Workspace, day: date) -> dict[str, Any]:
    """The cut-off as scheduled (the first minute after the deadline), with its final notice."""
    result = cut_off_survey(ws, day)
    queue_final_notice(ws, day)
    return {"on": day.isoformat(), "late_visits": result["late_visits"],
            "unfinished": [t["name"] for t in result["townships"] if not t["finished"]]}  # fmt: skip


@task(name="simulate-visits", cache_policy=NO_CACHE)
def simulate_visits(ws: Workspace, campaign_id: int, survey: SurveySimulation, day: date) -> dict[str, int]:
    """The day's visits: web townships record them at once, paper townships return a week's lists as files."""
    reminders = days.survey_reminders_received(ws, campaign_id)
    web, paper = survey.split(day, survey.visits_on(day, reminders))
    recorded = 0
    if web:
        recorded += record_and_complete(ws, days.web_records(web, day), day)["recorded"]
    if paper:
        _cid, campaign = ws.campaign()
        files = write_returned_lists(campaign, paper, ws.settings.data_path / "returned" / day.isoformat())
        recorded += run_import(ws, [str(f) for f in files], day)["recorded"]
    return {"web": len(web), "paper": len(paper), "recorded": recorded}


@task(name="make-synthetic-county", cache_policy=NO_CACHE)
def make_county(ws: Workspace, campaign: Campaign, persons: int, seed: int) -> Path:
    """The departments' files of a modest synthetic county, dated as of the latest delivery due date."""
    return days.make_county(ws, campaign, persons, seed)
