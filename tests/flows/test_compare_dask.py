"""The comparison on a Dask cluster, chosen by configuration, stores what the single-process run stores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import distributed
import pandas as pd
import pytest
from sqlalchemy import text

from flows.comparison import comparison_flow
from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.workspace import Workspace
from tests.cli_runner import invoke

pytestmark = pytest.mark.usefixtures("prefect_harness")
AS_OF = "2017-04-30"
DASK = {"CANBAO_TASK_RUNNER": "dask", "CANBAO_DASK_WORKERS": "2", "CANBAO_DASK_PROCESSES": "false"}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 2500, out, seed=23, as_of=date(2017, 4, 30), formats="csv")
    return out


def test_the_task_runner_comes_from_the_settings() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(comparison_flow(Settings()).task_runner, ThreadPoolTaskRunner)
    local = comparison_flow(Settings(task_runner="dask", dask_workers=3)).task_runner
    assert isinstance(local, DaskTaskRunner) and local.cluster_kwargs["n_workers"] == 3
    remote = comparison_flow(Settings(task_runner="dask", dask_address="tcp://scheduler:8786")).task_runner
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://scheduler:8786"


def test_a_dask_cluster_stores_the_same_comparison(
    env: dict[str, str], county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke(env, "init")[0] == 0
    code, _out, err = invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")
    assert code == 0, err

    code, out, err = invoke(env, "compare", "--as-of", AS_OF, "--json")
    assert code == 0, err
    single = json.loads(out), *_stored(env)

    clusters: list[int] = []  # workers of each local cluster started

    class CountedCluster(distributed.LocalCluster):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            clusters.append(len(self.workers))

    monkeypatch.setattr(distributed, "LocalCluster", CountedCluster)
    code, out, err = invoke(env | DASK, "compare", "--as-of", AS_OF, "--parts", "3", "--json")
    assert code == 0, err
    assert clusters == [2]
    on_dask = json.loads(out), *_stored(env)

    assert on_dask[0] == single[0]  # `canbao compare --json`, per-township figures included
    assert on_dask[0]["persons"] > 2000 and sum(t["persons"] for t in on_dask[0]["by_township"]) > 2000
    pd.testing.assert_frame_equal(on_dask[1], single[1])  # persons: five statuses, category, anomalies, …
    pd.testing.assert_frame_equal(on_dask[2], single[2])  # anomalies with their evidence
    assert on_dask[3] == single[3]  # the figures stored with the run
    assert not any((Path(env["CANBAO_DATA_DIR"]) / "compare").iterdir())  # partitions cleaned up


def _stored(env: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            persons = pd.read_sql(text("SELECT * FROM person ORDER BY id_number"), connection)
            anomalies = pd.read_sql(text("SELECT * FROM anomaly ORDER BY id_number, kind, sources"), connection)
            summary = connection.execute(text("SELECT summary FROM compare_run ORDER BY id DESC")).scalars().first()
    finally:
        ws.close()
    assert len(persons) > 2000 and len(anomalies) > 0
    assert {"pension", "medical", "injury", "maternity", "unemployment", "category", "anomalies"} <= set(persons)
    run_columns = ["id", "compare_run_id", "created_at"]
    return (
        persons.drop(columns=[c for c in run_columns if c in persons]),
        anomalies.drop(columns=[c for c in run_columns if c in anomalies]),
        json.loads(summary),
    )


def test_worker_processes_report_to_the_commands_temporary_server(env: dict[str, str], county: Path) -> None:
    """The real command with process workers: they share its temporary Prefect server (each starting its own
    on the same Prefect database failed on its tables) and the run logs no error."""
    import os
    import subprocess
    import sys

    if not env["CANBAO_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the database does not matter here; SQLite is enough")
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    child = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
    child |= env | DASK | {"CANBAO_DASK_PROCESSES": "true", "PREFECT_HOME": str(Path(env["CANBAO_DATA_DIR"]) / "p")}
    command = [str(Path(sys.executable).with_name("canbao")), "compare", "--as-of", AS_OF, "--parts", "2", "--json"]
    done = subprocess.run(command, env=child, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["persons"] > 2000
    assert "ERROR" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    # Prefect's log lines are in the log file, not on the console: the run logged no error there either.
    log = (Path(env["CANBAO_DATA_DIR"]) / "logs" / "canbao.log").read_text(encoding="utf-8")
    assert "Flow run '" in log and "| ERROR" not in log and "Traceback" not in log, log[-3000:]
