"""Loading what the townships' performance scores are computed from, and computing them (tasks.scoring.scores).

Scores as of a day after the survey's deadline are final: they use the figures frozen at the cut-off, or, if
the cut-off has not run yet, the same figures computed now (visits made and received by the deadline). Before
that they are provisional, from the survey's progress as of the day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from models.campaign.spec import Campaign, Scoring
from models.survey.cutoff import counts_at_deadline, frozen
from models.survey.first_visits import first_visits
from models.survey.visits import village_counts
from tasks.inspection.rates import inspection_error_rates
from tasks.plan.status import milestone_statuses
from tasks.scoring.deductions import Deduction, township_deductions
from tasks.scoring.punctuality import milestone_shares
from tasks.scoring.scores import TownshipFacts, TownshipScore, score_townships
from tasks.survey.progress_report import window_start
from tasks.workspace import Workspace


@dataclass(frozen=True)
class ScoreSheet:
    as_of: date
    deadline: date
    final: bool  # after the deadline: the figures at the deadline
    frozen: bool  # the cut-off has stored them
    facts: list[TownshipFacts]
    scores: list[TownshipScore]
    rules: Scoring

    def deductions(self) -> dict[str, list[Deduction]]:
        """Per township code: its deductions with their reasons."""
        facts = {f.code: f for f in self.facts}
        return {s.township: township_deductions(s, facts[s.township], self.rules, self.deadline) for s in self.scores}

    def to_json(self) -> list[dict[str, Any]]:
        deductions = self.deductions()
        return [
            {**s.to_json(), "final": self.final, "deductions": [asdict(d) for d in deductions[s.township]]}
            for s in self.scores
        ]


def survey_counts(ws: Workspace, campaign_id: int, campaign: Campaign, as_of: date) -> tuple[pd.DataFrame, bool]:
    """Per-village to_visit and visited for scoring, and whether they come from the stored cut-off."""
    _start, deadline = campaign.survey_window()
    if as_of > deadline:
        with ws.session() as session:
            stored = frozen(session, campaign_id=campaign_id)
        if stored is not None:
            return stored.villages, True
        with ws.engine.connect() as connection:
            return counts_at_deadline(connection, campaign_id=campaign_id, deadline=deadline), False
    with ws.engine.connect() as connection:
        counts = village_counts(
            connection, campaign_id=campaign_id, as_of=as_of, window_start=window_start(campaign, as_of)
        )
    return counts, False


def survey_days(campaign: Campaign) -> int:
    """The survey phase's length in days: the default span of the earliness points."""
    start, deadline = campaign.survey_window()
    return max((deadline - start).days, 1)


@dataclass(frozen=True)
class SurveyTiming:
    days_early: int  # days before the deadline its last listed person was first visited
    pace_days: float  # days before the deadline its listed persons were first visited, on average


def survey_timing(first: pd.DataFrame, deadline: date) -> dict[str, SurveyTiming]:
    """Per township whose every listed person was visited (rows of models.survey.first_visits)."""
    timing: dict[str, SurveyTiming] = {}
    for township, group in first.groupby("township_code", sort=True):
        days = [(deadline - day).days for day in group["first_visited_on"] if day is not None]
        if days and len(days) == len(group):
            timing[str(township)] = SurveyTiming(min(days), sum(days) / len(days))
    return timing


def load_survey_timing(ws: Workspace, campaign_id: int, campaign: Campaign, as_of: date) -> dict[str, SurveyTiming]:
    """Visits made and received by the deadline (final scores), or made by `as_of` (provisional, as the
    progress counts them)."""
    _start, deadline = campaign.survey_window()
    final = as_of > deadline
    with ws.engine.connect() as connection:
        first = first_visits(connection, campaign_id=campaign_id, made_by=min(as_of, deadline),
                             received_by=deadline if final else None)  # fmt: skip
    return survey_timing(first, deadline)


def township_facts(
    campaign: Campaign,
    villages: pd.DataFrame,
    milestone_shares: dict[str, float | None],
    error_rates: dict[str, float | None],
    timing: dict[str, SurveyTiming] | None = None,
) -> list[TownshipFacts]:
    """`timing`: how early each finished township's survey was done (survey_timing); a township with nobody to
    visit counts as finished on the survey's first day."""
    totals = villages.groupby("township_code")[["to_visit", "visited"]].sum().to_dict("index") if len(villages) else {}
    timing = timing or {}
    facts = []
    for t in campaign.townships:
        counts = totals.get(t.code, {"to_visit": 0, "visited": 0})
        full = SurveyTiming(survey_days(campaign), float(survey_days(campaign)))
        when = full if not counts["to_visit"] else timing.get(t.code)
        facts.append(
            TownshipFacts(t.code, t.name, int(counts["to_visit"]), int(counts["visited"]),
                          milestone_shares.get(t.code), error_rates.get(t.code),
                          when.days_early if when else None, when.pace_days if when else None)
        )  # fmt: skip
    return facts


def score_sheet(ws: Workspace, as_of: date) -> ScoreSheet:
    campaign_id, campaign, completions = ws.state()
    _start, deadline = campaign.survey_window()
    villages, is_frozen = survey_counts(ws, campaign_id, campaign, as_of)
    shares = milestone_shares(campaign, milestone_statuses(campaign, completions, as_of), as_of)
    timing = load_survey_timing(ws, campaign_id, campaign, as_of)
    facts = township_facts(campaign, villages, shares, inspection_error_rates(ws, as_of), timing)
    final = as_of > deadline
    scores = score_townships(facts, campaign.scoring, final=final, survey_days=survey_days(campaign))
    return ScoreSheet(as_of, deadline, final, is_frozen, facts, scores, campaign.scoring)
