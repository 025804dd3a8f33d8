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

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.analysis import write_expansion_plan
from flows.collection import import_source, record_deliveries
from flows.comparison import run_compare
from flows.cutoff import queue_final_notice, run_cutoff
from flows.exchange import run_exchange
from flows.monitors import run_daily_reminders, run_weekly_ranking
from flows.report import run_report
from flows.scoring import score_sheet
from flows.steps import survey_figures
from flows.summary import write_summary_report
from flows.survey import record_and_complete, run_import
from flows.tracking import run_phase_tracking
from flows.worklists import load_registry, run_worklists
from models import crud
from models import training as training_db
from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from models.settings import Settings
from models.survey.visits import load_to_visit
from tasks.documents.ranking_notice import is_ranking_day
from tasks.intake.snapshots import delivered_sources
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.setup import initialise
from tasks.simulation.owners import PROFILE_NAMES, Profile, SimulatedOwners
from tasks.simulation.survey import SimulatedVisit, SurveySimulation
from tasks.simulation.synth import generate_county
from tasks.survey.progress_report import calendar_of
from tasks.training import recording as training_records
from tasks.training.sheets import AttendanceRow, SessionRow
from tasks.training.standings import training_completions
from tasks.workspace import Workspace

SIMULATED_BY = "模拟"
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
    """Record what the simulated owners report done on `day`, given the reminders they have received.

    Milestones the data completes are not reported: a department "finishing" its delivery returns its key,
    and the replay imports its files instead; a township "finishing" its training holds a session whose
    sign-in sheet is recorded; the work lists are published when the comparison is run."""
    with ws.session() as session:
        campaign_id, campaign = crud.active_campaign(session)
        completions = crud.completions(session, campaign_id=campaign_id)
        received = crud.message_counts(session, campaign_id=campaign_id, kinds=["overdue"])
        statuses = milestone_statuses(campaign, completions, day)
        finished = owners.completions_on(day, statuses, received, campaign.start)
        by_event = {m.key: m.completed_by for m in campaign.milestones}
        reported = [f for f in finished if by_event[f.milestone] is None]
        crud.record_completions(session, campaign_id=campaign_id, facts=reported, by=SIMULATED_BY)
        trained = [f.owner for f in finished if by_event[f.milestone] == "training"]
        delivering = [f.owner for f in finished if by_event[f.milestone] == "delivery"]
    if trained:
        train_staff(ws, trained, day)
    return delivering


def train_staff(ws: Workspace, townships: list[str], day: date) -> None:
    """Townships that hold their training on `day`: a session and a sign-in sheet of the required staff,
    recorded as `canbao training` records imported ones, so the training milestone follows from attendance."""
    campaign_id, campaign = ws.campaign()
    training = campaign.training
    if training is None:
        return
    names = campaign.owner_names()
    sessions = [
        SessionRow(code, day, f"{names[code]}人民政府会议室", "县人社局业务骨干", training.required_for(code) + 5,
                   "模拟培训场次", "", 0)
        for code in townships
    ]  # fmt: skip
    attendance = [
        AttendanceRow(code, day, f"学员{i:02d}", f"{names[code]}各村（社区）", "协理员", "", True, "模拟签到表", "", i)
        for code in townships
        for i in range(1, training.required_for(code) + 1)
    ]
    with ws.session() as session:
        training_db.store_sessions(session, campaign_id=campaign_id, rows=sessions, booked_on=day)
        training_db.store_attendance(session, campaign_id=campaign_id, rows=attendance, imported_on=day)
        standings = training_records.standings(session, campaign_id=campaign_id, campaign=campaign, as_of=day)
        facts = [f for f in training_completions(campaign, standings) if f.owner in townships]
        crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=SIMULATED_BY)


def deliver_data(ws: Workspace, campaign: Campaign, departments: list[str], folder: Path, day: date) -> None:
    """Import the synthetic files of the departments that deliver on `day`."""
    for source in campaign.sources.values():
        files = sorted((folder / source.key).glob("*"))
        if source.department in departments and files:
            import_source(ws, source.key, files, day)
    record_deliveries(ws)


def all_delivered(ws: Workspace, campaign_id: int, campaign: Campaign) -> bool:
    with ws.session() as session:
        return set(campaign.sources) <= set(delivered_sources(session, campaign_id=campaign_id))


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
                if "compared_on" not in data and all_delivered(ws, campaign_id, campaign):
                    comparison = run_compare(ws, day)
                    lists = run_worklists(ws, published_on=day)
                    data |= {"compared_on": day.isoformat(), "comparison": comparison, "worklists": lists}
            if "worklists" in data and day >= campaign.survey_window()[0]:
                survey = survey or start_survey(ws, campaign_id, campaign, owners, seed, day)
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
        summary["data"] = _data_summary(data)
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
    path = summary_path(base)
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
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
        inbox = later_deliveries(ws, folder, ws.settings.data_path / "exchange-inbox" / day.isoformat(), seed, day)
        result = run_exchange(ws, inbox, day)
        done["exchange"] = {"on": day.isoformat(), "changes": result["changes"], "report": result["report"]}
    if day == end:
        closing = write_summary_report(ws, day)
        report = run_report(ws, day, ws.settings.data_path / "reports" / day.isoformat())
        done["closing"] = {"on": day.isoformat(), "files": closing["files"]}
        done["report"] = {"on": day.isoformat(), "xlsx": report["xlsx"], "html": report["html"]}
    return done


def later_deliveries(ws: Workspace, county: Path, inbox: Path, seed: int, day: date) -> Path:
    """What two departments send later: the cremation list with a few new deaths and the work-injury list
    with a few new enrolments (persons the comparison found without it), beside their earlier files."""
    campaign_id, _campaign = ws.campaign()
    persons, _anomalies = load_registry(ws, campaign_id)
    living = persons[persons["category"] != "deceased"]
    missing = living[living["injury"] == "missing"].sample(n=min(12, int((living["injury"] == "missing").sum())),
                                                          random_state=seed)  # fmt: skip
    others = living[~living["id_number"].isin(missing["id_number"])]
    dying = others.sample(n=min(5, len(others)), random_state=seed + 1)
    added = {
        "cremation": ("身份证号,姓名,火化日期", [f"{p.id_number},{p.name},{day - timedelta(days=20 - n)}"
                                            for n, p in enumerate(dying.itertuples())]),
        "injury": ("身份证号,姓名,单位名称", [f"{p.id_number},{p.name},安溪县茶业有限公司"
                                          for p in missing.itertuples()]),
    }  # fmt: skip
    for source, (header, rows) in added.items():
        shutil.copytree(county / source, inbox / source, dirs_exist_ok=True)
        (inbox / source / f"{day.year}年{day.month}月新增.csv").write_text(
            "\n".join([header, *rows]) + "\n", encoding="utf-8"
        )
    return inbox


def close_survey(ws: Workspace, day: date) -> dict[str, Any]:
    """The cut-off as scheduled (the first minute after the deadline), with its final notice."""
    result = run_cutoff(ws, day)
    queue_final_notice(ws, day)
    return {"on": day.isoformat(), "late_visits": result["late_visits"],
            "unfinished": [t["name"] for t in result["townships"] if not t["finished"]]}  # fmt: skip


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


def start_survey(
    ws: Workspace, campaign_id: int, campaign: Campaign, owners: SimulatedOwners, seed: int, day: date
) -> SurveySimulation:
    with ws.engine.connect() as connection:
        to_visit = load_to_visit(connection, campaign_id=campaign_id)
    return SurveySimulation(campaign, to_visit, owners.profiles, seed, calendar_of(campaign), day)


@task(name="simulate-visits", cache_policy=NO_CACHE)
def simulate_visits(ws: Workspace, campaign_id: int, survey: SurveySimulation, day: date) -> dict[str, int]:
    """The day's visits: web townships record them at once, paper townships return a week's lists as files."""
    with ws.session() as session:
        received = crud.message_counts(session, campaign_id=campaign_id, kinds=["survey_behind"])
    reminders: dict[str, int] = {}
    for (owner, _milestone), count in received.items():
        reminders[owner] = reminders.get(owner, 0) + count
    web, paper = survey.split(day, survey.visits_on(day, reminders))
    recorded = 0
    if web:
        records = [
            VisitRecord(
                v.id_number,
                v.township_code,
                v.village_code,
                v.outcome,
                v.visited_on,
                day,
                "web",
                v.visitor,
                "模拟网页登记",
                v.corrections,
            )
            for v in web
        ]
        recorded += record_and_complete(ws, records, day)["recorded"]
    if paper:
        folder = ws.settings.data_path / "returned" / day.isoformat()
        files = write_returned_lists(ws, paper, folder)
        recorded += run_import(ws, [str(f) for f in files], day)["recorded"]
    return {"web": len(web), "paper": len(paper), "recorded": recorded}


def write_returned_lists(ws: Workspace, visits: list[SimulatedVisit], folder: Path) -> list[Path]:
    """One CSV per township of the week's paper lists, headed as the published work lists are."""
    _cid, campaign = ws.campaign()
    names = {code: o.name for code, o in campaign.survey.outcomes.items()}
    labels = {key: c.label for key, c in campaign.survey.corrections.items()}
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    by_township: dict[str, list[SimulatedVisit]] = {}
    for visit in visits:
        by_township.setdefault(visit.township_code, []).append(visit)
    for township, items in sorted(by_township.items()):
        rows = [
            {
                "身份证号": v.id_number,
                "走访结果": names[v.outcome],
                "更正信息": "；".join(f"{labels[k]}：{value}" for k, value in v.corrections.items()),
                "走访人": v.visitor,
                "走访日期": v.visited_on.isoformat(),
            }
            for v in items
        ]
        path = folder / f"{township}-入户调查名单-回收.csv"
        pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
        files.append(path)
    return files


def survey_summary(
    ws: Workspace, campaign_id: int, campaign: Campaign, survey: SurveySimulation, end: date
) -> dict[str, Any]:
    """Per township: how far the survey had come at the deadline, the reminders it received, and whether it
    recovered (was reminded, then finished by the deadline)."""
    _start, deadline = campaign.survey_window()
    figures = survey_figures(ws, campaign_id, campaign, [min(deadline, end), end])
    with ws.session() as session:
        reminded = crud.message_counts(session, campaign_id=campaign_id, kinds=["survey_behind"])
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


@task(name="make-synthetic-county", cache_policy=NO_CACHE)
def make_county(ws: Workspace, campaign: Campaign, persons: int, seed: int) -> Path:
    """The departments' files of a modest synthetic county, dated as of the latest delivery due date."""
    folder = ws.settings.data_path / "deliveries"
    due = max(s.due for s in campaign.sources.values())
    generate_county(campaign, persons, folder, seed=seed, as_of=due, formats="mixed")
    return folder


def _data_summary(data: dict[str, Any]) -> dict[str, Any]:
    comparison = data.get("comparison")
    if comparison is None:
        return {"persons": data["persons"], "compared_on": None}
    return {
        "persons": comparison["persons"],
        "compared_on": data["compared_on"],
        "categories": comparison["categories"],
        "missing_by_insurance": comparison["missing_by_insurance"],
        "anomalies": comparison["anomalies"],
        "worklists": data["worklists"]["out"],
        "to_visit": data["worklists"]["persons"],
    }


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
                "survey_escalation",
                "training_reminder",
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
