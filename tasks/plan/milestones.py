"""Marking a milestone done for an owner (`canbao milestone done`): which owner and milestone the coordinator
means, whether that owner has that milestone at all, and the record (a later record corrects the earlier one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from models import crud
from models.campaign.spec import Campaign
from tasks.wording.render import cn_date
from tasks.workspace import Workspace


class AssignmentError(ValueError):
    """An owner or milestone that cannot be recorded; the message says why, for the coordinator."""


@dataclass(frozen=True)
class Assignment:
    owner: str  # the owner's tag: a township code or a department key
    milestone: str


@dataclass(frozen=True)
class MilestoneDone:
    owner_name: str
    milestone_name: str
    done_on: date
    corrected: date | None  # the date of the record this one replaced

    @property
    def message(self) -> str:
        text = f"已记录：{self.owner_name} 于{cn_date(self.done_on)}完成“{self.milestone_name}”"
        if self.corrected is not None:
            text += f"（更正了原记录{cn_date(self.corrected)}）"
        return text


def resolve_assignment(campaign: Campaign, owner: str, milestone: str) -> Assignment:
    """The owner by code or name, the milestone by key or name; refused when the owner does not have it."""
    tag = campaign.resolve_owner(owner)
    if tag is None:
        raise AssignmentError(f"找不到责任单位“{owner}”。可用乡镇代码、部门代码或名称，运行 canbao orgs 查看。")
    found = campaign.milestone(milestone) or next((m for m in campaign.milestones if m.name == milestone), None)
    if found is None:
        keys = "、".join(m.key for m in campaign.milestones)
        raise AssignmentError(f"找不到工作任务“{milestone}”。可用的工作任务：{keys}")
    if tag not in campaign.owners_of(found):
        raise AssignmentError(f"“{found.name}”不是{campaign.owner_names()[tag]}的工作任务，未记录。")
    return Assignment(owner=tag, milestone=found.key)


def record_milestone_done(
    ws: Workspace, assignment: Assignment, done_on: date, *, note: str = "", by: str = ""
) -> MilestoneDone:
    with ws.session() as session:
        return record_done_in(session, assignment, done_on, note=note, by=by)


def record_done_in(
    session: Session, assignment: Assignment, done_on: date, *, note: str = "", by: str = ""
) -> MilestoneDone:
    """The record inside the caller's transaction (the console writes its audit entry in the same one)."""
    campaign_id, campaign = crud.active_campaign(session)
    previous = crud.record_completion(
        session,
        campaign_id=campaign_id,
        milestone=assignment.milestone,
        owner=assignment.owner,
        done_on=done_on,
        note=note,
        recorded_by=by,
    )
    found = campaign.milestone(assignment.milestone)
    assert found is not None
    return MilestoneDone(
        owner_name=campaign.owner_names()[assignment.owner],
        milestone_name=found.name,
        done_on=done_on,
        corrected=previous.done_on if previous is not None else None,
    )
