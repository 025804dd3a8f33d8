"""What a principal sees and may act for, by organisation unit. The console and the API ask here, never decide.

* county: sees everything and acts for every owner;
* township: sees its township (its milestones, its villages' progress, its org units) and acts for it;
* department: sees its own milestones (its sources' deliveries) and acts for itself; survey figures and the
  list of townships and villages are not its business (Forbidden);
* supervisor: reads everything, changes nothing (Forbidden on every change).
Anything outside the scope is OutOfScope: the same answer as an object that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from models.campaign.spec import Campaign
from tasks.access.roles import Principal


class Forbidden(PermissionError):
    """The principal's role may not do this at all (403)."""


class OutOfScope(LookupError):
    """The object is outside the principal's organisation unit (answered as "not found", 404)."""


READS_EVERYTHING = ("county", "supervisor")


def sees_owner(principal: Principal, owner: str) -> bool:
    """A milestone owner's tag: "county", a township code or a department key."""
    return principal.role in READS_EVERYTHING or owner == principal.scope


def sees_township(principal: Principal, township_code: str) -> bool:
    return principal.role in READS_EVERYTHING or (principal.role == "township" and principal.scope == township_code)


def sees_village(campaign: Campaign, principal: Principal, village_code: str) -> bool:
    township = next((t.code for t in campaign.townships if any(v.code == village_code for v in t.villages)), None)
    return township is not None and sees_township(principal, township)


def may_change(principal: Principal) -> bool:
    """Supervisors read and never change."""
    return principal.role != "supervisor"


def require_change(principal: Principal) -> None:
    if not may_change(principal):
        raise Forbidden("督查用户只能查看，不能修改")


def require_act_for_owner(principal: Principal, owner: str) -> None:
    """May the principal record work for this owner? A supervisor never; others only inside their scope."""
    require_change(principal)
    if not sees_owner(principal, owner):
        raise OutOfScope(owner)


def require_survey_reader(principal: Principal) -> None:
    """Survey figures and the org units: the county, supervisors and townships (their own)."""
    if principal.role == "department":
        raise Forbidden("部门用户不能查看入户调查进度和乡镇、村（社区）列表")


def require_operations_reader(principal: Principal) -> None:
    """The flow runs of the installation: county-level operations, read by the county and the supervisors."""
    if principal.role not in READS_EVERYTHING:
        raise Forbidden("只有县级用户和督查用户可以查看流程运行记录")


S = TypeVar("S")


def visible_statuses(principal: Principal, statuses: Iterable[S]) -> list[S]:
    """Milestone statuses (anything with an `owner`) the principal sees."""
    return [s for s in statuses if sees_owner(principal, str(getattr(s, "owner")))]  # noqa: B009


def visible_progress(principal: Principal, progress: dict[str, Any]) -> dict[str, Any]:
    """`progress --json` with only the townships the principal sees."""
    require_survey_reader(principal)
    townships = [t for t in progress["townships"] if sees_township(principal, str(t["code"]))]
    return {**progress, "townships": townships}


def visible_orgs(principal: Principal, units: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`orgs --json` rows ({"code", "name", "level", "parent"}) the principal sees: a township, itself and its
    villages."""
    require_survey_reader(principal)
    if principal.role in READS_EVERYTHING:
        return list(units)
    return [u for u in units if principal.scope in (u["code"], u["parent"])]
