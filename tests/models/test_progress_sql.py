"""Progress counted by the database equals progress counted in pandas, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from models.bulk import insert_rows
from models.campaign.spec import Campaign
from models.survey.visits import refresh_first_visits
from tasks.survey.figures import progress_in_database
from tasks.survey.progress_report import survey_progress
from tasks.workspace import Workspace


def _random_season(campaign: Campaign, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    villages = [(t.code, v.code) for t in campaign.townships[:3] for v in t.villages[:4]]
    persons = [f"P{i:05d}" for i in range(300)]
    rows = [(*villages[rng.integers(len(villages))], p) for p in persons]
    rows += [rows[i] for i in rng.integers(0, len(rows), 10)]  # listed twice in the same village
    rows += [(*villages[rng.integers(len(villages))], persons[i]) for i in rng.integers(0, 300, 10)]  # two villages
    to_visit = pd.DataFrame(rows, columns=["township_code", "village_code", "id_number"]).drop_duplicates()
    count = 400
    visits = pd.DataFrame(
        {
            "id_number": [*rng.choice([*persons, "OUTSIDER1", "OUTSIDER2"], count)],
            "visited_on": pd.to_datetime("2017-05-01") + pd.to_timedelta(rng.integers(0, 70, count), unit="D"),
            "outcome": rng.choice(["registered", "refused", "moved", ""], count, p=[0.5, 0.3, 0.1, 0.1]),
        }
    )
    return to_visit, visits


def _load(workspace: Workspace, to_visit: pd.DataFrame, visits: pd.DataFrame) -> int:
    """Lists and visits loaded in bulk, not through record_visits; returns the campaign id."""
    campaign_id, _ = workspace.campaign()
    with workspace.session() as session:
        connection = session.connection()
        insert_rows(
            connection,
            "worklist_entry",
            to_visit.assign(campaign_id=campaign_id, reasons="", listed_on=date(2017, 4, 28)),
        )
        insert_rows(
            connection,
            "visit",
            visits.assign(
                campaign_id=campaign_id, key=[f"k{i}" for i in range(len(visits))], township_code="",
                village_code="", channel="file", received_on=visits["visited_on"], corrections="{}", visitor="",
                origin="", recorded_at="2017-07-01T00:00:00+00:00",
            ),
        )  # fmt: skip
        refresh_first_visits(connection, campaign_id=campaign_id)  # what record_visits keeps up to date
    return campaign_id


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_database_counts_equal_pandas_counts(workspace: Workspace, campaign: Campaign, seed: int) -> None:
    to_visit, visits = _random_season(campaign, seed)
    campaign_id = _load(workspace, to_visit, visits)
    for as_of in (date(2017, 5, 3), date(2017, 5, 20), date(2017, 6, 30), date(2017, 7, 5)):
        expected = survey_progress(campaign, to_visit, visits, as_of)
        with workspace.engine.connect() as connection:
            ours = progress_in_database(connection, campaign_id, campaign, as_of)
        pd.testing.assert_frame_equal(ours.villages, expected.villages, check_dtype=False)
        pd.testing.assert_frame_equal(
            ours.townships.drop(columns="lagging_villages"),
            expected.townships.drop(columns="lagging_villages"),
            check_dtype=False,
        )
        assert list(map(list, ours.townships["lagging_villages"])) == list(
            map(list, expected.townships["lagging_villages"])
        )
        assert ours.unlisted == expected.unlisted
        assert as_of - timedelta(days=0) == ours.as_of


@pytest.mark.parametrize("seed", [4, 5])
def test_finished_townships_equal_the_pandas_completion_facts(
    workspace: Workspace, campaign: Campaign, seed: int
) -> None:
    from models.survey.visits import finished_townships
    from tasks.survey.visits import completion_facts, facts_from_days

    to_visit, visits = _random_season(campaign, seed)
    # Visit everyone of the first township, so that one township finishes.
    first = to_visit[to_visit["township_code"] == campaign.townships[0].code]["id_number"].unique()
    extra = pd.DataFrame({"id_number": first, "visited_on": pd.Timestamp("2017-05-09"), "outcome": "registered"})
    visits = pd.concat([visits, extra], ignore_index=True)
    campaign_id = _load(workspace, to_visit, visits)
    townships = sorted(to_visit["township_code"].unique())
    for as_of in (date(2017, 5, 8), date(2017, 5, 9), date(2017, 7, 10)):
        with workspace.engine.connect() as connection:
            days = finished_townships(connection, campaign_id=campaign_id, townships=townships, as_of=as_of)
        assert facts_from_days(campaign, days) == completion_facts(campaign, to_visit, visits, as_of)
    assert facts_from_days(campaign, days)  # by July the first township is finished
