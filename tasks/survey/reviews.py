"""The township's review step (乡镇负责督促核实, plan 三（五）③): its villages' recorded visits not yet reviewed,
confirmed (核实) village by village, or sent back one by one with a reason. A visit sent back becomes a refused row
of its village (tasks.survey.refusals), outstanding until the village records the person's visit again, and
reminded like any refused row (`survey_refused`)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from models.campaign.spec import Campaign
from models.survey.refused import Refusal, record_refusals
from models.survey.reviews import add_reviews, overdue_reviews, unreviewed_visits, waiting_reviews
from tasks.identity.masking import mask_id
from tasks.workspace import Workspace

RETURNED_PREFIX = "乡镇核实退回："

# The review's state per township on a day: visits waiting longer than allowed, visits waiting, none waiting.
REVIEW_STATES = ("overdue", "waiting", "clear")
REVIEW_STATE_NAMES = {"overdue": "核实逾期", "waiting": "待核实", "clear": "无待核实"}
MAX_REASON = 200


class ReviewError(ValueError):
    """A review that cannot be recorded; the message says why, in Chinese."""


@dataclass(frozen=True)
class Reviewed:
    township_code: str
    village_code: str
    confirmed: int
    returned: int


def _village_names(campaign: Campaign) -> dict[str, str]:
    return {v.code: v.name for t in campaign.townships for v in t.villages}


def township_of(campaign: Campaign, code_or_name: str) -> str:
    """A township's code from its code or name; ReviewError naming the known ones otherwise."""
    for t in campaign.townships:
        if code_or_name in (t.code, t.name):
            return t.code
    raise ReviewError(f"未知的乡镇“{code_or_name}”：应为乡镇代码或名称（见 canbao orgs）")


def pending_reviews(ws: Workspace, township_code: str, village_code: str | None = None) -> list[dict[str, Any]]:
    """`canbao survey review --json`: the township's visits to review, IDs masked, with the village's and the
    outcome's Chinese names."""
    campaign_id, campaign = ws.campaign()
    villages, outcomes = _village_names(campaign), campaign.survey.outcomes
    if village_code is not None and village_code not in villages:
        raise ReviewError(f"未知的村（社区）代码“{village_code}”")
    with ws.engine.connect() as connection:
        rows = unreviewed_visits(
            connection, campaign_id=campaign_id, township_code=township_code, village_code=village_code
        )
    return [
        {
            "visit_id": r["visit_id"],
            "id_number": mask_id(str(r["id_number"])),
            "village_code": r["village_code"],
            "village_name": villages.get(r["village_code"], r["village_code"]),
            "outcome": r["outcome"],
            "outcome_name": outcomes[r["outcome"]].name if r["outcome"] in outcomes else r["outcome"],
            "visited_on": str(r["visited_on"]),
            "visitor": r["visitor"],
        }
        for r in rows
    ]


def review_village(
    ws: Workspace,
    township_code: str,
    village_code: str,
    *,
    returned: dict[int, str],
    on: date,
    by: str,
) -> Reviewed:
    """Confirm the village's unreviewed visits, except those in `returned` (visit id → reason), which are sent
    back to the village as refused rows. ReviewError for a visit not awaiting review there or an empty reason."""
    campaign_id, _campaign = ws.campaign()
    with ws.engine.begin() as connection:
        rows = unreviewed_visits(
            connection, campaign_id=campaign_id, township_code=township_code, village_code=village_code
        )
        by_id = {int(r["visit_id"]): r for r in rows}
        unknown = [str(v) for v in returned if v not in by_id]
        if unknown:
            raise ReviewError(f"走访记录 {'、'.join(unknown)} 不在本村（社区）待核实的记录中")
        empty = [str(v) for v, reason in returned.items() if not reason.strip()]
        if empty:
            raise ReviewError(f"退回走访记录 {'、'.join(empty)} 须写明原因")
        reviews = [
            {"campaign_id": campaign_id, "visit_id": vid, "township_code": township_code, "village_code": village_code,
             "status": "returned" if vid in returned else "confirmed",
             "reason": returned.get(vid, "").strip()[:MAX_REASON], "reviewed_on": on, "reviewed_by": by}
            for vid in by_id
        ]  # fmt: skip
        add_reviews(connection, reviews)
        for vid, reason in returned.items():
            refusal = Refusal(
                hashlib.sha256(f"review\x1f{vid}\x1f{reason}".encode()).hexdigest(),
                str(by_id[vid]["id_number"]), township_code, village_code,
                RETURNED_PREFIX + reason.strip()[:MAX_REASON],
            )  # fmt: skip
            record_refusals(connection, campaign_id=campaign_id, refusals=[refusal],
                            received_on=returned_from(on, by_id[vid]["received_on"]))  # fmt: skip
    return Reviewed(township_code, village_code, len(by_id) - len(returned), len(returned))


def reviews_overdue(ws: Workspace, campaign_id: int, campaign: Campaign, as_of: date) -> list[tuple[str, str, int]]:
    """The villages with visits received more than `survey.review_within_days` days before `as_of` and not
    reviewed: (township, village, count); none when the campaign sets no such reminder."""
    days = campaign.survey.review_within_days
    if not days:
        return []
    with ws.engine.connect() as connection:
        return overdue_reviews(connection, campaign_id=campaign_id, received_by=as_of - timedelta(days=days))


def returned_from(on: date, received_on: date | str) -> date:
    """The day a returned visit counts as refused from. A refused row is cleared by a result received that day or
    later, so the visit sent back must not clear itself: a visit received on the day of its review counts as
    refused from the next day (a correction is a result received after it)."""
    received = received_on if isinstance(received_on, date) else date.fromisoformat(str(received_on)[:10])
    return on if received < on else received + timedelta(days=1)


def review_due(campaign: Campaign, since: date) -> date:
    """The day by which a visit received on `since` is to be reviewed: `survey.review_within_days` after it when
    the campaign sets that, and in any case by the survey's deadline (the review is part of the survey, plan
    三（五）③ and 四（三）); a visit received after the deadline, within the same days (or on its day)."""
    _start, deadline = campaign.survey_window()
    days = campaign.survey.review_within_days
    if since > deadline:
        return since + timedelta(days=days)
    return min(since + timedelta(days=days), deadline) if days else deadline


def review_standings(
    campaign: Campaign, waiting: Sequence[tuple[str, str, int, date]], as_of: date
) -> list[dict[str, Any]]:
    """Per township, its villages whose visits wait for the township's 核实 on `as_of` (villages, visits, since
    when, by when) and the review's state: overdue first (oldest first), then waiting, then clear. Pure."""
    by_township: dict[str, list[tuple[str, int, date]]] = {t.code: [] for t in campaign.townships}
    for township, village, count, since in waiting:
        by_township.setdefault(township, []).append((village, count, since))
    names, villages = campaign.owner_names(), _village_names(campaign)
    rows = []
    for code, waits in by_township.items():
        oldest = min((s for _v, _n, s in waits), default=None)
        due = review_due(campaign, oldest) if oldest is not None else None
        state = "clear" if due is None else "overdue" if as_of > due else "waiting"
        rows.append({
            "township": code, "township_name": names.get(code, code), "state": state,
            "state_name": REVIEW_STATE_NAMES[state], "villages_waiting": len(waits),
            "visits_waiting": sum(n for _v, n, _s in waits),
            "since": oldest.isoformat() if oldest else None, "due": due.isoformat() if due else None,
            "villages": [
                {"village": v, "village_name": villages.get(v, v), "visits_waiting": n, "since": s.isoformat(),
                 "due": review_due(campaign, s).isoformat(), "overdue": as_of > review_due(campaign, s)}
                for v, n, s in sorted(waits, key=lambda w: (w[2], w[0]))
            ],
        })  # fmt: skip
    order = {state: i for i, state in enumerate(REVIEW_STATES)}
    return sorted(rows, key=lambda r: (order[r["state"]], r["since"] or "", r["township"]))


def review_tracking(ws: Workspace, as_of: date, townships: Collection[str] | None = None) -> dict[str, Any]:
    """The township review (乡镇督促核实) as `status --json` reports it under "reviews": {"townships": [per
    township, see review_standings], "states": {state: townships}}, of the given townships only when given."""
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        waiting = waiting_reviews(connection, campaign_id=campaign_id, as_of=as_of)
    rows = review_standings(campaign, waiting, as_of)
    if townships is not None:
        rows = [r for r in rows if r["township"] in townships]
    return {"townships": rows, "states": {state: sum(r["state"] == state for r in rows) for state in REVIEW_STATES}}
