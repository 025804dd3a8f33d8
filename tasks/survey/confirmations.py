"""A township's confirmation of findings that reach the departments only on its word (查无此人): a village
worker who does not find a person may have missed someone who is away, so the police hears of it only once the
township has checked. `canbao survey confirm` lists what waits and confirms it; then `canbao survey corrections`
puts the confirmed findings on the departments' correction lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.survey.visits import confirm_visits, visits_to_confirm
from tasks.identity.idnumber import validate_id
from tasks.identity.masking import mask_id
from tasks.workspace import Workspace


class ConfirmationError(ValueError):
    """The township or an ID number cannot be confirmed; the message says why, in Chinese."""


@dataclass(frozen=True)
class Confirmed:
    township: str
    confirmed: list[dict[str, Any]]  # masked ID, village, finding, visit day
    waiting: list[dict[str, Any]]  # what is still to confirm, masked


def _township(ws: Workspace, code: str) -> tuple[str, str]:
    _cid, campaign = ws.campaign()
    for township in campaign.townships:
        if code in (township.code, township.name):
            return township.code, township.name
    raise ConfirmationError(f"乡镇 {code} 不在本次活动的乡镇名单中")


def _shown(ws: Workspace, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    _cid, campaign = ws.campaign()
    villages = campaign.village_names()
    names = {k: o.name for k, o in campaign.survey.outcomes.items()}
    return [
        {
            "id_number": mask_id(str(r["id_number"])),
            "village": villages.get(str(r["village_code"]), str(r["village_code"])),
            "finding": names.get(str(r["outcome"]), str(r["outcome"])),
            "visited_on": str(r["visited_on"])[:10],
            "visitor": str(r["visitor"]),
        }
        for r in rows
    ]


def confirm_findings(
    ws: Workspace, township: str, ids: Sequence[str], *, everything: bool, by: str, on: date
) -> Confirmed:
    """Confirm the township's waiting findings of these persons (or all, with `everything`); with neither,
    only list what waits. An ID number that is invalid or has no waiting finding in the township is refused
    and nothing is confirmed."""
    campaign_id, campaign = ws.campaign()
    code, name = _township(ws, township)
    outcomes = [k for k, o in campaign.survey.outcomes.items() if o.needs_confirmation]
    with ws.session() as session:
        connection = session.connection()
        waiting = visits_to_confirm(connection, campaign_id=campaign_id, township_code=code, outcomes=outcomes)
        chosen = waiting if everything else _chosen(waiting, ids, name)
        confirm_visits(connection, keys=[r["key"] for r in chosen], confirmed_on=on, confirmed_by=by)
    done = {r["key"] for r in chosen}
    return Confirmed(name, _shown(ws, chosen), _shown(ws, [r for r in waiting if r["key"] not in done]))


def _chosen(waiting: Sequence[dict[str, Any]], ids: Sequence[str], township: str) -> list[dict[str, Any]]:
    problems: list[str] = []
    wanted: set[str] = set()
    for text in ids:
        check = validate_id(text)
        if not check.ok or check.id is None:
            problems.append(f"{mask_id(text)}：身份证号无效（{check.reason}）")
            continue
        if not any(str(r["id_number"]) == check.id for r in waiting):
            problems.append(f"{mask_id(check.id)}：{township}没有待核实的走访结果")
            continue
        wanted.add(check.id)
    if problems:
        raise ConfirmationError("；".join(problems))
    return [r for r in waiting if str(r["id_number"]) in wanted]
