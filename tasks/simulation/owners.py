"""A seeded model of how diligent each owner is, for replaying a campaign day by day. Pure.

Profiles: `early` finishes well ahead of the due date, `on_time` in the last days before it, `late`
after it (sooner when reminders pile up), `never` leaves about half of its milestones undone and reacts
to reminders only slowly. Every draw is made up front from the seed, so a replay is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from models.campaign.spec import COUNTY_TAG, Campaign
from models.campaign.values import CompletionFact
from tasks.plan.status import MilestoneStatus

Profile = Literal["early", "on_time", "late", "never"]
PROFILE_NAMES: dict[str, str] = {
    "early": "提前完成型",
    "on_time": "按时完成型",
    "late": "拖延型",
    "never": "未完成型",
}
TOWNSHIP_SHARES: dict[Profile, float] = {"early": 0.25, "on_time": 0.42, "late": 0.25, "never": 0.08}


@dataclass(frozen=True)
class Behaviour:
    """How one owner handles one milestone."""

    finish_offset: int | None  # days relative to the due date when it finishes unprompted; None: never
    reminders_needed: int | None  # overdue reminders after which it finishes the next day; None: ignores them


def assign_profiles(campaign: Campaign, seed: int) -> dict[str, Profile]:
    rng = random.Random(seed)
    codes = list(campaign.township_codes)
    rng.shuffle(codes)
    profiles: dict[str, Profile] = {}
    start = 0
    for profile, share in TOWNSHIP_SHARES.items():
        count = round(share * len(codes))
        for code in codes[start : start + count]:
            profiles[code] = profile
        start += count
    for code in codes[start:]:
        profiles[code] = "on_time"
    for department in campaign.departments:
        profiles[department.key] = rng.choice(["early", "on_time", "on_time", "late"])
    profiles[COUNTY_TAG] = "on_time"
    return profiles


def plan_behaviours(campaign: Campaign, profiles: Mapping[str, Profile], seed: int) -> dict[tuple[str, str], Behaviour]:
    rng = random.Random(seed * 7919 + 1)
    behaviours = {}
    for milestone, owner in campaign.assignments():
        profile = profiles[owner]
        if profile == "early":
            behaviour = Behaviour(-rng.randint(5, 20), 1)
        elif profile == "on_time":
            behaviour = Behaviour(-rng.randint(0, 4), 1)
        elif profile == "late":
            behaviour = Behaviour(rng.randint(2, 25), rng.randint(1, 3))
        elif rng.random() < 0.5:
            behaviour = Behaviour(None, None)
        else:
            behaviour = Behaviour(rng.randint(10, 40), rng.randint(3, 4))
        behaviours[(milestone.key, owner)] = behaviour
    return behaviours


class SimulatedOwners:
    """The owners' behaviours for one replay. A plain class on purpose: Prefect passes it to a task
    without walking through its contents."""

    def __init__(self, profiles: Mapping[str, Profile], behaviours: Mapping[tuple[str, str], Behaviour]) -> None:
        self.profiles = dict(profiles)
        self.behaviours = dict(behaviours)

    @classmethod
    def seeded(cls, campaign: Campaign, seed: int) -> SimulatedOwners:
        profiles = assign_profiles(campaign, seed)
        return cls(profiles, plan_behaviours(campaign, profiles, seed))

    def completions_on(
        self,
        day: date,
        statuses: Iterable[MilestoneStatus],
        overdue_reminders: Mapping[tuple[str, str | None], int],
        campaign_start: date,
    ) -> list[CompletionFact]:
        """The milestones each owner finishes on `day`, given the overdue reminders received before it."""
        finished = []
        for status in statuses:
            if status.done:
                continue
            behaviour = self.behaviours[(status.key, status.owner)]
            unprompted = behaviour.finish_offset is not None and day >= max(
                status.due + timedelta(days=behaviour.finish_offset), campaign_start
            )
            received = overdue_reminders.get((status.owner, status.key), 0)
            needed = behaviour.reminders_needed
            prompted = needed is not None and day > status.due and received >= needed
            if unprompted or prompted:
                finished.append(CompletionFact(milestone=status.key, owner=status.owner, done_on=day))
        return finished
