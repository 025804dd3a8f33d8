"""A seeded model of the household survey for the replay: village workers visiting at their own pace. Pure.

Each township's pace follows its diligence profile (tasks.simulation.owners): `early` townships finish well before the
deadline, `on_time` ones around it, `late` ones fall behind and speed up once the daily survey reminders pile up,
`never` ones fall behind and barely react. Within a township each village has its own pace around the township's.
Visits happen on working days only; `early` and `on_time` workers speed up near the deadline so that they
finish. Half of the townships record visits on the web page the day they happen; the others collect them on
paper and return the work lists twice a week, as the file import receives them (their progress lags a few
days). Every draw comes from the seed, so a replay is reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from models.campaign.spec import Campaign
from tasks.plan.workdays import WorkCalendar
from tasks.simulation.owners import Profile

# Share of the expected daily pace a profile achieves before and after it reacts to reminders, and how many
# survey reminders it takes to react (None: never reacts).
PACE: dict[str, tuple[float, float, int | None]] = {
    "early": (1.45, 1.45, None),
    "on_time": (1.15, 1.15, None),
    "late": (0.55, 1.9, 3),
    "never": (0.3, 0.6, 12),
}
# Profiles whose workers make sure they finish: near the deadline they visit whatever the rest needs.
FINISHERS = {"early", "on_time"}
HAND_IN_DAYS = (1, 4)  # paper lists go to the township on Mondays and Thursdays
# What village workers meet, roughly as a rural county's household survey reports it: most of the listed are
# registered, many work away from their household (人户分离), some are insured elsewhere or in the 机关事业单位
# scheme, a few are away (兵役, 服刑, 出国), moved out, dead or not found, and some refuse with a reason.
OUTCOMES: tuple[tuple[str, float], ...] = (
    ("registered", 0.48),
    ("refused", 0.06),
    ("insured_elsewhere", 0.08),
    ("public_sector", 0.03),
    ("working_away", 0.09),
    ("military", 0.005),
    ("prison", 0.005),
    ("abroad", 0.01),
    ("moved", 0.05),
    ("not_found", 0.02),
    ("deceased", 0.02),
    ("corrected", 0.12),
)
REFUSAL_REASONS = ("经济困难，暂无力缴费", "认为缴费年限太长、不划算", "年龄偏大，不愿缴费", "已购买商业保险")
# The intent a worker writes for an outcome (a choice among several where people differ).
INTENTS: dict[str, tuple[str, ...]] = {
    "registered": ("willing",),
    "refused": ("unwilling",),
    "working_away": ("willing", "undecided", "undecided"),
}
WORKER_SURNAMES = "陈林黄王李张刘吴苏谢"


@dataclass(frozen=True)
class SimulatedVisit:
    id_number: str
    township_code: str
    village_code: str
    outcome: str
    visited_on: date
    visitor: str
    corrections: dict[str, str] = field(default_factory=dict)
    reason: str = ""  # 未参保原因
    intent: str = ""  # 参保意愿 (an intent code)


@dataclass
class _Village:
    code: str
    township: str
    waiting: list[str]  # IDs not visited yet, in visiting order
    pace: float  # persons per working day at the township's starting pace
    credit: float = 0.0


class SurveySimulation:
    """The survey season's village workers. A plain class: Prefect passes it to tasks without walking it."""

    def __init__(
        self,
        campaign: Campaign,
        to_visit: pd.DataFrame,
        profiles: Mapping[str, Profile],
        seed: int,
        calendar: WorkCalendar,
        first_day: date,
    ) -> None:
        self.rng = random.Random(seed * 104729 + 17)
        self.intents = set(campaign.survey.intents)
        # Only the outcomes this campaign's file defines (a county may define fewer).
        self.outcomes = [(o, w) for o, w in OUTCOMES if o in campaign.survey.outcomes]
        self.calendar = calendar
        self.profiles = dict(profiles)
        start, deadline = campaign.survey_window()
        self.deadline = deadline
        # Lists published after the survey started are worked through in the working days that are left.
        workdays = max(calendar.workdays_between(max(start, first_day), deadline), 1)
        codes = list(campaign.township_codes)
        self.rng.shuffle(codes)
        self.web = set(codes[: len(codes) // 2])
        self.villages: list[_Village] = []
        for village, group in to_visit.sort_values(["village_code", "id_number"]).groupby("village_code", sort=True):
            ids = list(dict.fromkeys(group["id_number"].astype(str)))
            self.rng.shuffle(ids)
            spread = self.rng.uniform(0.85, 1.25)
            self.villages.append(
                _Village(str(village), str(group["township_code"].iloc[0]), ids, len(ids) / workdays * spread)
            )
        self.held: dict[str, list[SimulatedVisit]] = {}  # paper lists not returned yet, per township

    def reacts(self, township: str, reminders: int) -> bool:
        needed = PACE[self.profiles.get(township, "on_time")][2]
        return needed is not None and reminders >= needed

    def visits_on(self, day: date, reminders: Mapping[str, int]) -> list[SimulatedVisit]:
        """The visits made on `day`; `reminders`: survey reminders each township has received before it."""
        if not self.calendar.is_workday(day):
            return []
        made: list[SimulatedVisit] = []
        for village in self.villages:
            if not village.waiting:
                continue
            before, after, _ = PACE[self.profiles.get(village.township, "on_time")]
            factor = after if self.reacts(village.township, reminders.get(village.township, 0)) else before
            village.credit += village.pace * factor * self.rng.uniform(0.6, 1.4)
            if self.profiles.get(village.township, "on_time") in FINISHERS and day <= self.deadline:
                left = max(self.calendar.workdays_between(day, self.deadline), 1)
                village.credit = max(village.credit, len(village.waiting) / left)
            count = min(math.ceil(village.credit - 1e-9) if village.credit >= 1 else 0, len(village.waiting))
            village.credit -= count
            for _ in range(count):
                made.append(self._visit(village, village.waiting.pop(), day))
        return made

    def _visit(self, village: _Village, id_number: str, day: date) -> SimulatedVisit:
        outcome = self.rng.choices([o for o, _ in self.outcomes], weights=[w for _, w in self.outcomes])[0]
        corrections = {}
        if outcome == "corrected":
            corrections = {"phone": f"13{self.rng.randrange(10**9):09d}"}
        visitor = f"{WORKER_SURNAMES[int(village.code[-2:]) % len(WORKER_SURNAMES)]}村干部"
        reason = self.rng.choice(REFUSAL_REASONS) if outcome == "refused" else ""
        intent = self.rng.choice(INTENTS[outcome]) if outcome in INTENTS else ""
        if intent not in self.intents:
            intent = ""
        return SimulatedVisit(
            id_number, village.township, village.code, outcome, day, visitor, corrections, reason, intent
        )

    def split(self, day: date, visits: list[SimulatedVisit]) -> tuple[list[SimulatedVisit], list[SimulatedVisit]]:
        """(recorded on the web today, returned on paper today): paper townships hand in what they have on
        their hand-in days and on the deadline."""
        web = [v for v in visits if v.township_code in self.web]
        for visit in visits:
            if visit.township_code not in self.web:
                self.held.setdefault(visit.township_code, []).append(visit)
        paper: list[SimulatedVisit] = []
        if day.isoweekday() in HAND_IN_DAYS or day == self.deadline:
            for township in sorted(self.held):
                paper += self.held.pop(township)
        return web, paper

    def remaining(self) -> int:
        return sum(len(v.waiting) for v in self.villages)
