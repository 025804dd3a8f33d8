"""A replay's day in the simulated county: what its owners report done, the trainings they hold, the data they
deliver and the visits the villages record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from models import crud
from models import training as training_db
from models.campaign.spec import Campaign
from models.campaign.values import AttendanceRow, SessionRow, VisitRecord
from models.survey.visits import load_to_visit
from tasks.intake.snapshots import delivered_sources
from tasks.plan.status import milestone_statuses
from tasks.simulation.owners import SimulatedOwners
from tasks.simulation.survey import SimulatedVisit, SurveySimulation
from tasks.simulation.synth import generate_county
from tasks.survey.progress_report import calendar_of
from tasks.training import recording as training_records
from tasks.training.standings import training_completions
from tasks.workspace import Workspace

SIMULATED_BY = "模拟"


def report_completions(ws: Workspace, day: date, owners: SimulatedOwners) -> list[str]:
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


def all_delivered(ws: Workspace, campaign_id: int, campaign: Campaign) -> bool:
    with ws.session() as session:
        return set(campaign.sources) <= set(delivered_sources(session, campaign_id=campaign_id))


def make_county(ws: Workspace, campaign: Campaign, persons: int, seed: int) -> Path:
    """The departments' files of a modest synthetic county, dated as of the latest delivery due date."""
    folder = ws.settings.data_path / "deliveries"
    due = max(s.due for s in campaign.sources.values())
    generate_county(campaign, persons, folder, seed=seed, as_of=due, formats="mixed")
    return folder


def start_survey(
    ws: Workspace, campaign_id: int, campaign: Campaign, owners: SimulatedOwners, seed: int, day: date
) -> SurveySimulation:
    with ws.engine.connect() as connection:
        to_visit = load_to_visit(connection, campaign_id=campaign_id)
    return SurveySimulation(campaign, to_visit, owners.profiles, seed, calendar_of(campaign), day)


def survey_reminders_received(ws: Workspace, campaign_id: int) -> dict[str, int]:
    """Survey reminders each township has received so far: behind 序时进度, or warned its pace misses the deadline."""
    with ws.session() as session:
        received = crud.message_counts(session, campaign_id=campaign_id, kinds=["survey_behind", "survey_warning"])
    reminders: dict[str, int] = {}
    for (owner, _milestone), count in received.items():
        reminders[owner] = reminders.get(owner, 0) + count
    return reminders


def web_records(visits: list[SimulatedVisit], day: date) -> list[VisitRecord]:
    """Visits the web townships record on the page the day they are made."""
    return [
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
            reason=v.reason,
            intent=v.intent,
        )
        for v in visits
    ]
