"""The survey's deadline day itself, through the real cut-off on SQLite and PostgreSQL: a visit counts at the
deadline only if it was made AND reached the county by June 30 (inclusive); anything made or received on July 1
or later is late. Every expected figure below is counted by hand from the four persons listed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text

from models.campaign.values import VisitRecord
from models.survey.visits import add_worklist_entries
from tasks.identity.idnumber import check_char
from tasks.scoring.sheet import score_sheet
from tasks.survey.cutoff import TooEarly, cut_off_survey
from tasks.survey.recording import record_and_complete
from tasks.workspace import Workspace

JUNE_29, JUNE_30, JULY_1, JULY_2 = date(2017, 6, 29), date(2017, 6, 30), date(2017, 7, 1), date(2017, 7, 2)


def _id(seq: int) -> str:
    first17 = f"350524198001{seq:02d}{seq:03d}"
    return first17 + check_char(first17)


# One person per township, so each township's frozen figures tell what happened to that one visit.
ON_DEADLINE = _id(1)  # made June 30, received June 30: counted, not late
RECEIVED_LATE = _id(2)  # made June 30, received July 1: not counted, late
MADE_LATE = _id(3)  # made July 1 (received July 1): not counted, late
AFTER_CUTOFF = _id(4)  # made June 30, received July 2, recorded after the cut-off ran: not counted, late


def _places(ws: Workspace) -> dict[str, tuple[str, str]]:
    _campaign_id, campaign = ws.campaign()
    people = [ON_DEADLINE, RECEIVED_LATE, MADE_LATE, AFTER_CUTOFF]
    return {p: (t.code, t.villages[0].code) for p, t in zip(people, campaign.townships, strict=False)}


def _list(ws: Workspace, places: dict[str, tuple[str, str]]) -> None:
    campaign_id, _campaign = ws.campaign()
    entries = pd.DataFrame(
        [{"id_number": i, "township_code": t, "village_code": v, "reasons": "未参保"} for i, (t, v) in places.items()]
    )
    with ws.session() as session:
        assert add_worklist_entries(session, campaign_id=campaign_id, entries=entries, listed_on=date(2017, 4, 30)) == 4


def _visit(places: dict[str, tuple[str, str]], id_number: str, made: date, received: date) -> VisitRecord:
    township, village = places[id_number]
    return VisitRecord(id_number, township, village, "registered", made, received, "web", visitor="张三")


def _late_flags(ws: Workspace) -> dict[str, bool]:
    with ws.engine.connect() as connection:
        rows = connection.execute(text("SELECT id_number, late FROM visit")).all()
    return {str(i): bool(late) for i, late in rows}


def _survey_done_on(ws: Workspace) -> dict[str, date]:
    campaign_id, _campaign = ws.campaign()
    with ws.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT owner, done_on FROM completion WHERE campaign_id = :c AND milestone = 'household_survey'"),
            {"c": campaign_id},
        ).all()
    return {str(owner): pd.Timestamp(day).date() for owner, day in rows}


def _by_code(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["code"]: t for t in result["townships"]}


def test_the_deadline_day_counts_and_the_day_after_is_late(workspace: Workspace) -> None:
    ws = workspace
    places = _places(ws)
    _list(ws, places)
    town = {i: places[i][0] for i in places}

    assert record_and_complete(ws, [_visit(places, ON_DEADLINE, JUNE_30, JUNE_30)], JUNE_30)["recorded"] == 1
    # The deadline day itself is still the survey: it cannot be cut off yet.
    with pytest.raises(TooEarly):
        cut_off_survey(ws, JUNE_30)
    received_july_1 = [_visit(places, RECEIVED_LATE, JUNE_30, JULY_1), _visit(places, MADE_LATE, JULY_1, JULY_1)]
    assert record_and_complete(ws, received_july_1, JULY_1)["recorded"] == 2

    first = cut_off_survey(ws, JULY_1)
    assert first["frozen_now"] is True
    assert first["late_marked_now"] == 2 and first["late_visits"] == 2
    figures = _by_code(first)
    assert set(figures) == set(town.values())
    on_deadline = figures[town[ON_DEADLINE]]
    assert (on_deadline["to_visit"], on_deadline["visited"], on_deadline["registered"]) == (1, 1, 1)
    assert on_deadline["rate"] == 1.0 and on_deadline["finished"] is True
    for late in (RECEIVED_LATE, MADE_LATE, AFTER_CUTOFF):
        row = figures[town[late]]
        assert (row["to_visit"], row["visited"], row["registered"]) == (1, 0, 0)
        assert row["rate"] == 0.0 and row["finished"] is False
    assert _late_flags(ws) == {ON_DEADLINE: False, RECEIVED_LATE: True, MADE_LATE: True}

    # A list that reaches the county after the cut-off ran: its visit is marked late as it is recorded, and the
    # frozen figures do not move.
    assert record_and_complete(ws, [_visit(places, AFTER_CUTOFF, JUNE_30, JULY_2)], JULY_2)["recorded"] == 1
    assert _late_flags(ws)[AFTER_CUTOFF] is True
    again = cut_off_survey(ws, JULY_2)
    assert again["frozen_now"] is False and again["late_marked_now"] == 0 and again["late_visits"] == 3
    assert again["townships"] == first["townships"]

    # Finished on the deadline is on time; finished by a list received after it is late, whatever day the visit
    # was made.
    assert _survey_done_on(ws) == {town[ON_DEADLINE]: JUNE_30, town[RECEIVED_LATE]: JULY_1,
                                   town[MADE_LATE]: JULY_1, town[AFTER_CUTOFF]: JULY_2}  # fmt: skip

    # The final scores take the figures at the deadline: only the township visited on June 30 finished.
    facts = {f.code: f for f in score_sheet(ws, date(2017, 7, 5)).facts}
    assert (facts[town[ON_DEADLINE]].to_visit, facts[town[ON_DEADLINE]].visited) == (1, 1)
    for late in (RECEIVED_LATE, MADE_LATE, AFTER_CUTOFF):
        assert (facts[town[late]].to_visit, facts[town[late]].visited) == (1, 0)


def test_the_scores_before_the_cut_off_ran_count_the_deadline_day_too(workspace: Workspace) -> None:
    """Final scores computed before anyone ran the cut-off use the same rule, counted on the spot."""
    ws = workspace
    places = _places(ws)
    _list(ws, places)
    town = {i: places[i][0] for i in places}
    record_and_complete(ws, [_visit(places, ON_DEADLINE, JUNE_30, JUNE_30)], JUNE_30)
    record_and_complete(ws, [_visit(places, RECEIVED_LATE, JUNE_30, JULY_1), _visit(places, MADE_LATE, JULY_1, JULY_1)],
                        JULY_1)  # fmt: skip
    record_and_complete(ws, [_visit(places, AFTER_CUTOFF, JUNE_29, JULY_2)], JULY_2)
    sheet = score_sheet(ws, JULY_2)
    assert sheet.final and not sheet.frozen
    visited = {f.code: f.visited for f in sheet.facts if f.to_visit}
    assert visited == {town[ON_DEADLINE]: 1, town[RECEIVED_LATE]: 0, town[MADE_LATE]: 0, town[AFTER_CUTOFF]: 0}
    assert _late_flags(ws) == dict.fromkeys([ON_DEADLINE, RECEIVED_LATE, MADE_LATE, AFTER_CUTOFF], False)


def test_a_person_counts_at_the_deadline_by_the_visits_that_arrived_in_time(workspace: Workspace) -> None:
    """Several visits per person, some received after the deadline: only the ones made and received by it
    count, whatever came before or after them. One person per township, counted by hand."""
    ws = workspace
    places = _places(ws)
    _list(ws, places)
    town = {i: places[i][0] for i in places}

    def visit(id_number: str, outcome: str, made: date, received: date) -> VisitRecord:
        township, village = places[id_number]
        return VisitRecord(id_number, township, village, outcome, made, received, "web", visitor="张三")

    in_time = [
        visit(ON_DEADLINE, "refused", JUNE_29, JUNE_29),  # visited in time; registered only on a late list
        visit(RECEIVED_LATE, "registered", JUNE_29, JUNE_30),  # registered in time, and again on a late list
    ]
    assert record_and_complete(ws, in_time, JUNE_30)["recorded"] == 2
    late = [
        visit(ON_DEADLINE, "registered", JUNE_30, JULY_1),
        visit(RECEIVED_LATE, "registered", JUNE_30, JULY_1),
        visit(MADE_LATE, "refused", JUNE_29, JULY_1),  # two visits made in time, both received late
        visit(MADE_LATE, "registered", JUNE_30, JULY_2),
        visit(AFTER_CUTOFF, "registered", JULY_1, JULY_1),
    ]
    assert record_and_complete(ws, late, JULY_2)["recorded"] == 5
    figures = _by_code(cut_off_survey(ws, JULY_2))
    counted = {i: (figures[town[i]]["visited"], figures[town[i]]["registered"]) for i in places}
    assert counted == {ON_DEADLINE: (1, 0), RECEIVED_LATE: (1, 1), MADE_LATE: (0, 0), AFTER_CUTOFF: (0, 0)}
