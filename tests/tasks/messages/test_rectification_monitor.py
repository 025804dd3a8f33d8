"""The daily monitor's rectification reminders from a workspace's ledger, queued once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from models import crud
from models.campaign.spec import COUNTY_TAG
from tasks.inspection.ledger_records import add_inspection, record_rectified
from tasks.messages import monitors
from tasks.messages.dispatch import queue_planned
from tasks.workspace import Workspace

FENGCHENG, PENGLAI = "350524100", "350524101"


def inspect(ws: Workspace, township: str, problem: str) -> None:
    add_inspection(
        ws, visited_on=date(2017, 5, 20), township=township, inspectors=["张三"], villages=[], problems=[problem],
        requirements=["整改"], deadlines=[date(2017, 6, 1)], recorded_on=date(2017, 5, 21),
    )  # fmt: skip


def test_overdue_findings_are_reminded_and_escalated_once_until_rectified(workspace: Workspace) -> None:
    inspect(workspace, FENGCHENG, "漏访")
    inspect(workspace, PENGLAI, "台账不全")
    campaign_id, campaign, _day, planned = monitors.rectification_reminders(workspace, date(2017, 6, 4))
    assert sorted((m.kind, m.owner) for m in planned) == [
        ("rectification_escalation", COUNTY_TAG),
        ("rectification_overdue", FENGCHENG),
        ("rectification_overdue", PENGLAI),
    ]
    assert queue_planned(workspace, campaign_id, campaign, planned, dry_run=False) == []
    with workspace.session() as session:
        assert len(crud.undelivered_messages(session, campaign_id=campaign_id)) == 3
    # The next day reaches no new step: the same keys, nothing new in the outbox.
    _cid, _c, _d, again = monitors.rectification_reminders(workspace, date(2017, 6, 5))
    assert {m.key for m in again} == {m.key for m in planned}
    queue_planned(workspace, campaign_id, campaign, again, dry_run=False)
    with workspace.session() as session:
        assert len(crud.undelivered_messages(session, campaign_id=campaign_id)) == 3
    # 蓬莱镇 reports its rectification: at the next step only 凤城镇 is reminded, and the county of it alone.
    record_rectified(workspace, township=PENGLAI, reported_on=date(2017, 6, 6), note="已完善台账")
    _cid, _c, _d, later = monitors.rectification_reminders(workspace, date(2017, 6, 8))
    assert sorted((m.kind, m.owner) for m in later) == [
        ("rectification_escalation", COUNTY_TAG),
        ("rectification_overdue", FENGCHENG),
    ]
    county = next(m for m in later if m.owner == COUNTY_TAG)
    assert [t["name"] for t in county.context["townships"]] == ["凤城镇"]
