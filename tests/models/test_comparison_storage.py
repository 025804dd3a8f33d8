"""Storing a comparison replaces the campaign's persons and anomalies, and only the campaign's, on SQLite (where a
table holding one campaign alone is cleared without a WHERE clause) and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text

from models.bulk import insert_rows
from models.campaign.spec import Campaign
from models.comparison_parts import add_comparison_part, begin_comparison, finish_comparison
from tasks.comparison.compare import CompareResult, Rules, compare, summarise
from tasks.intake.ingest import read_source
from tasks.workspace import Workspace

AS_OF = date(2017, 4, 30)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> CompareResult:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 600, out, seed=7, as_of=AS_OF, formats="csv")
    frames = {}
    for source in campaign.sources.values():
        files = sorted((out / source.key).glob("*"))
        if files:
            frames[source.key] = read_source(source, files, campaign, as_of=AS_OF).accepted
    return compare(frames, Rules.of(campaign), AS_OF)


def _store(workspace: Workspace, campaign_id: int, result: CompareResult, campaign: Campaign) -> None:
    with workspace.session() as session:
        run_id = begin_comparison(session, campaign_id=campaign_id, as_of=AS_OF, snapshots={})
        add_comparison_part(
            session, campaign_id=campaign_id, run_id=run_id, persons=result.persons, anomalies=result.anomalies
        )
        finish_comparison(session, run_id=run_id, summary=summarise(result, campaign, AS_OF))


def _stored(workspace: Workspace, table: str, campaign_id: int) -> pd.DataFrame:
    with workspace.engine.connect() as connection:
        return pd.read_sql(
            text(f"SELECT id_number, village_code FROM {table} WHERE campaign_id = :c"),
            connection,
            params={"c": campaign_id},
        )


def _expected(frame: pd.DataFrame) -> pd.DataFrame:
    plain = frame[["id_number", "village_code"]].astype(object)
    return plain.where(plain.notna(), None).sort_values(["id_number", "village_code"], ignore_index=True)


def test_a_rerun_replaces_the_campaigns_rows(workspace: Workspace, campaign: Campaign, result: CompareResult) -> None:
    campaign_id, _ = workspace.campaign()
    _store(workspace, campaign_id, result, campaign)
    _store(workspace, campaign_id, result, campaign)  # alone in the tables: cleared whole on SQLite
    stored = _stored(workspace, "person", campaign_id)
    assert len(stored) == len(result.persons) == result.persons["id_number"].nunique()
    pd.testing.assert_frame_equal(_expected(stored), _expected(result.persons), check_dtype=False)
    anomalies = _stored(workspace, "anomaly", campaign_id)
    pd.testing.assert_frame_equal(_expected(anomalies), _expected(result.anomalies), check_dtype=False)


@pytest.mark.parametrize("other_offset", [-1, 1])
def test_another_campaigns_rows_are_kept(
    workspace: Workspace, campaign: Campaign, result: CompareResult, other_offset: int
) -> None:
    """Whether the other campaign's id sorts before or after this one's, its rows survive this one's comparison."""
    campaign_id, _ = workspace.campaign()
    other = campaign_id + other_offset
    theirs = result.persons.head(50)
    with workspace.session() as session:
        connection = session.connection()
        insert_rows(connection, "person", theirs.assign(campaign_id=other, compare_run_id=0))
        insert_rows(connection, "anomaly", result.anomalies.head(5).assign(campaign_id=other, compare_run_id=0))
    _store(workspace, campaign_id, result, campaign)
    _store(workspace, campaign_id, result, campaign)
    assert len(_stored(workspace, "person", other)) == 50
    assert len(_stored(workspace, "anomaly", other)) == min(5, len(result.anomalies))
    pd.testing.assert_frame_equal(
        _expected(_stored(workspace, "person", campaign_id)), _expected(result.persons), check_dtype=False
    )
