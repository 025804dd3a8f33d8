"""Recording household visits (a web form's, or a returned work list's): what each visit changes in a
person's record (tasks.survey.visits.apply_visit) stored with its audit trail, and the survey milestones the
visits complete, in one transaction. The CLI, the web page, the import flow and the replay all record here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from models import crud, faults
from models.campaign.spec import Survey
from models.campaign.values import VisitRecord
from models.survey.cutoff import cutoff_of, mark_late_visits
from models.survey.visits import (
    existing_keys,
    finished_townships,
    insert_person_changes,
    insert_visits,
    person_rows,
    update_persons,
)
from tasks.survey.visits import apply_visit, facts_from_days
from tasks.workspace import Workspace

AUTO_RECORDER = "系统（入户调查）"


@dataclass(frozen=True)
class Recorded:
    recorded: int
    duplicates: int
    changes: int
    keys: tuple[str, ...]  # keys of the visits recorded now


def record_visits(
    session: Session, *, campaign_id: int, visits: Iterable[VisitRecord], survey: Survey, recorded_by: str = ""
) -> Recorded:
    """Record the visits not recorded before, apply them to the persons' records and audit every change."""
    connection = session.connection()
    unique: dict[str, VisitRecord] = {}
    offered = 0
    for visit in visits:
        offered += 1
        unique.setdefault(visit.key, visit)
    seen = existing_keys(connection, keys=list(unique))
    new = [v for k, v in unique.items() if k not in seen]
    if not new:
        return Recorded(0, offered, 0, ())
    now = datetime.now(UTC).isoformat()  # one transaction, one time: the changes happen together
    insert_visits(connection, campaign_id=campaign_id, visits=new, recorded_at=now)
    persons = person_rows(connection, campaign_id=campaign_id, ids=sorted({v.id_number for v in new}))
    changed: dict[str, set[str]] = {}
    audit: list[tuple[Any, ...]] = []  # rows of models.survey.visits.AUDIT_COLUMNS
    for visit in sorted(new, key=lambda v: v.visited_on):
        person = persons.get(visit.id_number)
        if person is None:
            continue  # listed once, but no longer in the register: the visit is kept, there is no record to change
        by = visit.visitor or recorded_by
        for name, before, after in apply_visit(person, visit, survey):
            changed.setdefault(visit.id_number, set()).add(name)
            audit.append((campaign_id, visit.id_number, name, before, after, visit.key, by, visit.channel, now))
    update_persons(connection, campaign_id=campaign_id, persons=persons, changed=changed)
    insert_person_changes(connection, changes=audit)
    return Recorded(len(new), offered - len(new), len(audit), tuple(v.key for v in new))


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
