"""The changes a user makes through the console or the API, each checked against the user's role and scope and
written with its audit entry in one transaction."""

from __future__ import annotations

from datetime import date

from tasks.access.audit import log_change
from tasks.access.roles import Principal
from tasks.access.scope import OutOfScope, require_act_for_owner, require_change
from tasks.plan.milestones import Assignment, AssignmentError, MilestoneDone, record_done_in, resolve_assignment
from tasks.workspace import Workspace


def mark_milestone_done(
    ws: Workspace, principal: Principal, *, milestone: str, owner: str, done_on: date, note: str, channel: str
) -> tuple[Assignment, MilestoneDone]:
    """Record that `owner` finished `milestone` on `done_on`. A supervisor is Forbidden; an owner or milestone
    that does not exist, is not the owner's, or lies outside the principal's scope is OutOfScope (one answer).
    Returns the owner's tag and milestone's key as resolved (from a code or a name) and the record."""
    require_change(principal)
    _campaign_id, campaign = ws.campaign()
    try:
        assignment = resolve_assignment(campaign, owner, milestone)
    except AssignmentError as exc:
        raise OutOfScope(str(exc)) from exc
    require_act_for_owner(principal, assignment.owner)
    with ws.session() as session:
        done = record_done_in(session, assignment, done_on, note=note, by=principal.username)
        log_change(
            session,
            who=principal.username,
            action="milestone_done",
            target=f"{assignment.milestone}/{assignment.owner}",
            channel=channel,
            detail={
                "on": done_on.isoformat(),
                "note": note,
                "corrected": done.corrected.isoformat() if done.corrected else None,
            },
        )
    return assignment, done
