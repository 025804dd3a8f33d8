"""Ranking townships on what is measurable so far (milestones; survey progress joins later). Pure.

Milestones completed by the same event (e.g. the survey that completes the household survey and its data
entry) are one item, as in the performance scores (tasks.scoring.punctuality).

Order: score (on-time share, a late completion earning `late_credit`), then milestones done, then how
early on average they were done, then township code. Townships equal on the first three share a rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from models.campaign.spec import Campaign
from tasks.plan.status import MilestoneStatus
from tasks.scoring.punctuality import event_key


@dataclass(frozen=True)
class TownshipStanding:
    code: str
    name: str
    considered: int  # milestones due by the date, or done early
    on_time: int
    late: int
    overdue: int
    score: float  # 0–100
    mean_lead_days: float  # days done before the due date, averaged over done milestones
    rank: int


@dataclass
class _Tally:
    considered: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    lead_days: int = 0

    @property
    def done(self) -> int:
        return self.on_time + self.late


def rank_townships(campaign: Campaign, statuses: Iterable[MilestoneStatus], as_of: date) -> list[TownshipStanding]:
    names = {t.code: t.name for t in campaign.townships}
    tallies = {code: _Tally() for code in names}
    counted: set[tuple[str, str]] = set()
    for s in statuses:
        tally = tallies.get(s.owner)
        event = (s.owner, event_key(campaign, s.key))
        if tally is None or event in counted:
            continue
        counted.add(event)
        tally.considered += s.due <= as_of or s.done
        tally.on_time += s.state == "done_on_time"
        tally.late += s.state == "done_late"
        tally.overdue += s.state == "overdue"
        if s.done_on is not None:
            tally.lead_days += (s.due - s.done_on).days

    credit = campaign.ranking.late_credit
    scored = []
    for code, t in tallies.items():
        score = round(100 * (t.on_time + credit * t.late) / t.considered, 1) if t.considered else 0.0
        lead = round(t.lead_days / t.done, 1) if t.done else 0.0
        scored.append((code, t, score, lead))
    scored.sort(key=lambda r: (-r[2], -r[1].done, -r[3], r[0]))

    standings: list[TownshipStanding] = []
    for position, (code, t, score, lead) in enumerate(scored, start=1):
        rank = position
        if standings:
            previous = standings[-1]
            if (previous.score, previous.on_time + previous.late, previous.mean_lead_days) == (score, t.done, lead):
                rank = previous.rank
        standings.append(
            TownshipStanding(code, names[code], t.considered, t.on_time, t.late, t.overdue, score, lead, rank)
        )
    return standings
