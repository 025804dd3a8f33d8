"""Recording household visits: the visits not recorded before are stored, applied to the persons' records
(tasks.survey.visits.apply_visit) and every change is audited, all inside the caller's session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from models.campaign.spec import Survey
from models.campaign.values import VisitRecord
from models.survey.visits import existing_keys, insert_person_changes, insert_visits, person_rows, update_persons
from tasks.survey.visits import apply_visit


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
    audit: list[dict[str, Any]] = []
    for visit in sorted(new, key=lambda v: v.visited_on):
        person = persons.get(visit.id_number)
        if person is None:
            continue  # listed once, but no longer in the register: the visit is kept, there is no record to change
        for name, before, after in apply_visit(person, visit, survey):
            changed.setdefault(visit.id_number, set()).add(name)
            audit.append(
                {
                    "campaign_id": campaign_id,
                    "id_number": visit.id_number,
                    "field": name,
                    "before": before,
                    "after": after,
                    "visit_key": visit.key,
                    "changed_by": visit.visitor or recorded_by,
                    "channel": visit.channel,
                    "changed_at": now,
                }
            )
    update_persons(connection, campaign_id=campaign_id, persons=persons, changed=changed)
    insert_person_changes(connection, changes=audit)
    return Recorded(len(new), offered - len(new), len(audit), tuple(v.key for v in new))
