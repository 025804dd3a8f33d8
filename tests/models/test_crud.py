"""Loading the campaign into the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import select

from models import crud
from models.settings import DEFAULT_CAMPAIGN, Settings
from models.tables import MilestoneOwner, MilestoneRecord, OrgUnit
from tasks.setup import initialise
from tasks.workspace import Workspace


def dump(ws: Workspace) -> dict[str, list[tuple]]:
    with ws.session() as session:
        return {
            "units": sorted((u.code, u.name, u.level, u.parent or "") for u in session.exec(select(OrgUnit))),
            "milestones": sorted((m.key, m.due, m.phase) for m in session.exec(select(MilestoneRecord))),
            "owners": sorted((o.milestone_id, o.owner) for o in session.exec(select(MilestoneOwner))),
        }


def test_loading_the_same_campaign_again_changes_nothing(workspace: Workspace) -> None:
    before = dump(workspace)
    result = initialise(workspace)
    assert (result.created, result.changed) == (False, 0)
    assert dump(workspace) == before
    assert len(before["units"]) == 1 + 24 + sum(1 for u in before["units"] if u[2] == "village")
    assert sum(1 for u in before["units"] if u[2] == "township") == 24


def test_a_moved_deadline_keeps_every_recorded_completion(workspace: Workspace, tmp_path: Path) -> None:
    campaign_id, campaign = workspace.campaign()
    with workspace.session() as session:
        crud.record_completion(
            session, campaign_id=campaign_id, milestone="household_survey", owner="350524100",
            done_on=date(2017, 6, 20), note="提前完成", recorded_by="张三",
        )  # fmt: skip
        crud.record_completion(
            session, campaign_id=campaign_id, milestone="data_delivery", owner="police", done_on=date(2017, 4, 18)
        )
    edited = tmp_path / "edited.toml"
    edited.write_text(
        DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace("due = 2017-04-20", "due = 2017-04-25"), encoding="utf-8"
    )
    moved = Workspace(Settings(**{**workspace.settings.model_dump(), "campaign": edited}), workspace.engine)
    result = initialise(moved)
    assert not result.created and result.changed == 2  # the campaign row and the milestone's due date
    _cid, campaign, completions = moved.state()
    assert campaign.milestone("data_delivery").due == date(2017, 4, 25)  # type: ignore[union-attr]
    assert {(c.milestone, c.owner, c.done_on) for c in completions} == {
        ("household_survey", "350524100", date(2017, 6, 20)),
        ("data_delivery", "police", date(2017, 4, 18)),
    }
    assert ("data_delivery", date(2017, 4, 25), "training") in dump(moved)["milestones"]


def test_recording_again_corrects_and_reports_the_previous_record(workspace: Workspace) -> None:
    campaign_id, _campaign = workspace.campaign()
    with workspace.session() as session:
        first = crud.record_completion(
            session,
            campaign_id=campaign_id,
            milestone="township_work_plan",
            owner="350524101",
            done_on=date(2017, 3, 2),
        )
    with workspace.session() as session:
        previous = crud.record_completion(
            session,
            campaign_id=campaign_id,
            milestone="township_work_plan",
            owner="350524101",
            done_on=date(2017, 3, 3),
        )
    assert first is None
    assert previous is not None and previous.done_on == date(2017, 3, 2)
    _cid, _c, completions = workspace.state()
    assert [(c.owner, c.done_on) for c in completions] == [("350524101", date(2017, 3, 3))]
