"""The review step as a user may do it: a township reviews its own villages' visits (the county any township's);
departments and supervisors do not (Forbidden); a village of another township is OutOfScope. Logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from tasks.access.audit import log_change
from tasks.access.roles import Principal
from tasks.access.scope import Forbidden, OutOfScope, sees_township, sees_village
from tasks.survey.reviews import Reviewed, pending_reviews, review_tracking, review_village
from tasks.workspace import Workspace


def require_reviewer(principal: Principal) -> None:
    if not may_review(principal):
        raise Forbidden("只有乡镇用户（和县级用户）可以核实走访记录")


def may_review(principal: Principal) -> bool:
    return principal.role in ("county", "township")


def review_tracking_for(ws: Workspace, principal: Principal, as_of: date) -> dict[str, Any]:
    """The review's tracking (`status --json` "reviews") of the townships the principal sees: none for a
    department, every township for the county and the supervisors."""
    _cid, campaign = ws.campaign()
    return review_tracking(ws, as_of, [t.code for t in campaign.townships if sees_township(principal, t.code)])


def reviews_for(ws: Workspace, principal: Principal, township_code: str) -> list[dict[str, Any]]:
    require_reviewer(principal)
    if principal.role == "township" and principal.scope != township_code:
        raise OutOfScope(township_code)
    return pending_reviews(ws, township_code)


def review_for(
    ws: Workspace, principal: Principal, village_code: str, *, returned: dict[int, str], on: date, channel: str
) -> Reviewed:
    require_reviewer(principal)
    _cid, campaign = ws.campaign()
    if not sees_village(campaign, principal, village_code):
        raise OutOfScope(village_code)
    township = next(t.code for t in campaign.townships if any(v.code == village_code for v in t.villages))
    done = review_village(ws, township, village_code, returned=returned, on=on, by=principal.username)
    with ws.session() as session:
        log_change(session, who=principal.username, action="visit_review", target=village_code, channel=channel,
                   detail={"on": on.isoformat(), "confirmed": done.confirmed,
                           "returned": {str(k): v for k, v in returned.items()}})  # fmt: skip
    return done
