"""Partitions on disk give the comparison of the whole county, in ID order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.comparison.compare import CompareResult, Rules, combine_summaries, compare, summarise
from tasks.comparison.partitions import compare_part_files, plan_parts, read_results, split_snapshot
from tasks.intake.ingest import read_source

AS_OF = date(2017, 4, 30)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> dict[str, Path]:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 1500, out / "files", seed=5, as_of=AS_OF, formats="csv")
    paths = {}
    for source in campaign.sources.values():
        files = sorted((out / "files" / source.key).glob("*"))
        if files:
            paths[source.key] = out / f"{source.key}.parquet"
            read_source(source, files, campaign, as_of=AS_OF).accepted.to_parquet(paths[source.key], index=False)
    return paths


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Values as the database receives them: categories as text, any missing value as None."""
    plain = frame.astype(object)
    return plain.where(plain.notna(), None).sort_values(by, ignore_index=True)


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_partitions_on_disk_equal_the_whole_comparison(
    snapshots: dict[str, Path], campaign: Campaign, tmp_path: Path, parts: int
) -> None:
    rules = Rules.of(campaign)
    whole = compare({s: pd.read_parquet(p) for s, p in snapshots.items()}, rules, AS_OF)
    plan = plan_parts(tmp_path / "run", snapshots, "household", parts)
    assert plan.parts == parts
    if parts > 1:
        rows = [split_snapshot(plan, source) for source in plan.sources]
        assert all(min(r) >= 0 for r in rows)
    persons = [compare_part_files(plan, part, rules, AS_OF) for part in range(plan.parts)]
    assert sum(persons) == len(whole.persons) and min(persons) > 0
    results = list(read_results(plan))
    joined = CompareResult.concat(results)

    # Key ranges in order: the partitions laid end to end are in ID-number order.
    ids = pd.concat([r.persons["id_number"].sort_values() for r in results], ignore_index=True)
    assert ids.is_monotonic_increasing and ids.is_unique
    pd.testing.assert_frame_equal(
        _sorted(joined.persons, ["id_number"]), _sorted(whole.persons, ["id_number"]), check_dtype=False
    )
    keys = ["id_number", "kind", "sources"]
    pd.testing.assert_frame_equal(_sorted(joined.anomalies, keys), _sorted(whole.anomalies, keys), check_dtype=False)
    assert combine_summaries([summarise(r, campaign, AS_OF) for r in results]) == summarise(whole, campaign, AS_OF)
