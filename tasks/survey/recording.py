"""Recording household visits (a web form's, or a returned work list's) with the survey milestones they
complete, in one transaction: the CLI, the web page, the import flow and the replay all record through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models import crud, faults
from models.campaign.values import VisitRecord
from models.cutoff import cutoff_of, mark_late_visits
from models.visits import finished_townships, record_visits
from tasks.survey.visits import facts_from_days
from tasks.workspace import Workspace

AUTO_RECORDER = "系统（入户调查）"


def record_and_complete(ws: Workspace, visits: Sequence[VisitRecord], received_on: date) -> dict[str, int]:
    """Record visits (their person updates and audit entries) and the survey milestones they complete, in one
    transaction."""
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        recorded = record_visits(session, campaign_id=campaign_id, visits=visits, survey=campaign.survey)
        faults.reached("survey.recorded")  # visits written, milestones not yet, nothing committed
        # Only the townships of these visits can have finished now, and only those not finished before.
        keys = {m.key for m in campaign.milestones if m.completed_by == "survey"}
        recorded_keys: dict[str, set[str]] = {}
        for c in crud.completions(session, campaign_id=campaign_id):
            recorded_keys.setdefault(c.owner, set()).add(c.milestone)
        touched = sorted({v.township_code for v in visits if not keys <= recorded_keys.get(v.township_code, set())})
        days = finished_townships(session.connection(), campaign_id=campaign_id, townships=touched, as_of=received_on)
        _start, deadline = campaign.survey_window()
        if received_on > deadline:
            # Visits that reach the county after the deadline finish a township late, whatever day they were made.
            days = {t: (max(d, received_on) if d else None) for t, d in days.items()}
            if cutoff_of(session, campaign_id=campaign_id) is not None:
                mark_late_visits(session.connection(), campaign_id=campaign_id, deadline=deadline)
        facts = facts_from_days(campaign, days)
        completed = crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=AUTO_RECORDER)
    return {"recorded": recorded.recorded, "duplicates": recorded.duplicates, "changes": recorded.changes,
            "completed": completed}  # fmt: skip
