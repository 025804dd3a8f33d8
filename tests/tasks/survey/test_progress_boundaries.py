"""A township's rate exactly at 序时进度 (the expected rate) less the margin, under the campaign's own rules
(2017-05-01 … 06-30, 61 days, margin 0.10, pace over 7 days): on the margin is not behind, one person fewer is.

On 2017-05-31 the expected rate is 31/61 and the threshold 31/61 − 1/10 = (310 − 61)/610 = 249/610, so a
township of 61,000 listed persons with 24,900 visited sits exactly on it, and one person fewer is 1/61,000 below
it. In floating point 31/61 − 0.1 comes out a hair above 249/610: this is a day float noise would flip the
boundary the module documents."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.survey.progress_report import survey_progress

AS_OF = date(2017, 5, 31)
TOWNSHIP = "350524100"
V1, V2 = "350524100201", "350524100202"
EARLY, RECENT = "2017-05-10", "2017-05-28"  # outside / inside the pace window (05-24, 05-31]


def _listed(village: str, n: int) -> list[str]:
    return [f"{village}-{k:05d}" for k in range(n)]


def _season(v2_visited: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """30,500 persons in each village. V1: 12,500 visited, 6,000 of them in the pace window. V2: `v2_visited`,
    4,000 of them in the pace window."""
    ids = {V1: _listed(V1, 30_500), V2: _listed(V2, 30_500)}
    to_visit = pd.DataFrame(
        [{"village_code": v, "township_code": TOWNSHIP, "id_number": i} for v, people in ids.items() for i in people]
    )
    days = [EARLY] * 6_500 + [RECENT] * 6_000 + [EARLY] * (v2_visited - 4_000) + [RECENT] * 4_000
    people = ids[V1][:12_500] + ids[V2][:v2_visited]
    visits = pd.DataFrame(
        {"id_number": people, "visited_on": [date.fromisoformat(d) for d in days], "outcome": "registered"}
    )
    return to_visit, visits


def _township(campaign: Campaign, v2_visited: int) -> pd.Series:
    progress = survey_progress(campaign, *_season(v2_visited), AS_OF)
    assert len(progress.townships) == 1
    return progress.townships.iloc[0]


def test_the_campaign_rules_are_those_worked_out_here(campaign: Campaign) -> None:
    assert campaign.survey_window() == (date(2017, 5, 1), date(2017, 6, 30))
    assert campaign.survey.behind_margin == 0.10 and campaign.survey.pace_days == 7
    assert campaign.survey.expected == "calendar"


def test_a_rate_exactly_at_the_expected_rate_less_the_margin_is_not_behind(campaign: Campaign) -> None:
    row = _township(campaign, 12_400)
    assert (row["to_visit"], row["visited"]) == (61_000, 24_900)
    assert row["expected_rate"] == pytest.approx(31 / 61)
    assert row["rate"] == 249 / 610
    # 10,000 first visits in the last 7 days, 36,100 left: ceil(36,100 × 7 / 10,000) = 26 days → 06-26, in time.
    assert row["projected_done"] == pd.Timestamp("2017-06-26")
    assert not row["behind"]
    # V2 alone (12,400/30,500 < 249/610) is below the threshold: named, though its township is not behind.
    assert row["lagging_villages"] == [V2]


def test_a_rate_just_below_the_expected_rate_less_the_margin_is_behind(campaign: Campaign) -> None:
    row = _township(campaign, 12_399)
    assert (row["to_visit"], row["visited"]) == (61_000, 24_899)
    # Still in time by the projection (ceil(36,101 × 7 / 10,000) = 26 days → 06-26): behind by the rate alone.
    assert row["projected_done"] == pd.Timestamp("2017-06-26")
    assert row["behind"]
