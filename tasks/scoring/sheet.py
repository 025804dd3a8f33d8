"""Loading what the townships' performance scores are computed from, and computing them (tasks.scoring.scores).

Scores as of a day after the survey's deadline are final: they use the figures frozen at the cut-off, or, if
the cut-off has not run yet, the same figures computed now (visits made and received by the deadline). Before
that they are provisional, from the survey's progress as of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from models.campaign.spec import Campaign
from models.survey.cutoff import counts_at_deadline, frozen
from models.survey.visits import village_counts
from tasks.inspection.rates import inspection_error_rates
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
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

    def to_json(self) -> list[dict[str, Any]]:
        return [{**s.to_json(), "final": self.final} for s in self.scores]


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


def township_facts(
    campaign: Campaign,
    villages: pd.DataFrame,
    milestone_shares: dict[str, float | None],
    error_rates: dict[str, float | None],
) -> list[TownshipFacts]:
    totals = villages.groupby("township_code")[["to_visit", "visited"]].sum().to_dict("index") if len(villages) else {}
    facts = []
    for t in campaign.townships:
        counts = totals.get(t.code, {"to_visit": 0, "visited": 0})
        facts.append(
            TownshipFacts(t.code, t.name, int(counts["to_visit"]), int(counts["visited"]),
                          milestone_shares.get(t.code), error_rates.get(t.code))
        )  # fmt: skip
    return facts


def score_sheet(ws: Workspace, as_of: date) -> ScoreSheet:
    campaign_id, campaign, completions = ws.state()
    _start, deadline = campaign.survey_window()
    villages, is_frozen = survey_counts(ws, campaign_id, campaign, as_of)
    standings = rank_townships(campaign, milestone_statuses(campaign, completions, as_of), as_of)
    credit = campaign.ranking.late_credit
    shares = {s.code: ((s.on_time + credit * s.late) / s.considered if s.considered else None) for s in standings}
    facts = township_facts(campaign, villages, shares, inspection_error_rates(ws, as_of))
    final = as_of > deadline
    return ScoreSheet(as_of, deadline, final, is_frozen, facts, score_townships(facts, campaign.scoring, final=final))
