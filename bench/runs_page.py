"""Benchmark: how long the 流程运行 page, `GET /api/v1/runs` and `canbao runs` take against a Prefect server.

    .venv/bin/python bench/runs_page.py [--flows 20] [--repeat 5]

In a workspace of its own (a temporary data folder, the campaign loaded) it starts Prefect's test server, runs
`--flows` phase flows on it, records the server in the data folder as `canbao web serve` does, and times:
1. flows.runs.recent_flow_runs (the first call, which builds Prefect's settings for the server, and the next ones);
2. the console's /runs page and /api/v1/runs, as the county (in-process, FastAPI's test client);
3. `canbao runs --json` as a user runs it (a child process: Python's start and canbao's imports included).
Wall clock and CPU time (user+sys) each, the median of the repeats; prints one JSON object of figures (ms).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CANBAO = str(Path(sys.executable).with_name("canbao"))


def timed(call: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def timed_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (time.perf_counter() - wall) * 1000, cpu * 1000


def median(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall_ms": round(statistics.median(s[0] for s in samples), 1),
            "cpu_ms": round(statistics.median(s[1] for s in samples), 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="canbao-runs-bench-"))
    env = {"CANBAO_DATA_DIR": str(folder / "var"), "CANBAO_DATABASE_URL": f"sqlite:///{folder / 'canbao.db'}",
           "PREFECT_HOME": str(folder / "prefect"), "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "ERROR"}  # fmt: skip
    os.environ.update(env)

    from fastapi.testclient import TestClient
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from canbao.web.app import create_app
    from flows.phases import launch_phase
    from flows.runs import recent_flow_runs
    from flows.shared_server import ServerRecord, record_path, write_record
    from models.settings import Settings
    from tasks.access.accounts import create_user, issue_token
    from tasks.setup import initialise
    from tasks.workspace import Workspace

    settings = Settings()
    ws = Workspace.open(settings)
    initialise(ws)
    create_user(ws, username="county", role="county", scope=None, name="", password="bench-password-1",
                by="bench", channel="cli")  # fmt: skip
    token = issue_token(ws, username="county", by="bench", channel="cli")
    figures: dict[str, Any] = {"flows": options.flows, "repeat": options.repeat}
    with prefect_test_harness(server_startup_timeout=90):
        for i in range(options.flows):
            launch_phase(as_of=date(2017, 3, 1) + timedelta(days=i % 30))
        api_url = str(PREFECT_API_URL.value())
        write_record(record_path(settings), ServerRecord(api_url=api_url, server_pid=None))
        figures["recent_flow_runs_first"] = median([timed(lambda: recent_flow_runs(settings))])
        figures["recent_flow_runs"] = median([timed(lambda: recent_flow_runs(settings)) for _ in range(options.repeat)])
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(settings)) as client:
            runs = client.get("/api/v1/runs", headers=headers).json()["runs"]
            assert len(runs) == min(options.flows, 50), len(runs)
            figures["api_runs"] = median(
                [timed(lambda: client.get("/api/v1/runs", headers=headers)) for _ in range(options.repeat)]
            )
            page = client.get("/login")  # the page needs a cookie session: log in once
            csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"username": "county", "password": "bench-password-1", "csrf_token": csrf})
            assert "流程运行" in client.get("/runs").text
            figures["runs_page"] = median([timed(lambda: client.get("/runs")) for _ in range(options.repeat)])
        child_env = {**os.environ, "PREFECT_API_URL": api_url}
        command = [CANBAO, "runs", "--json"]
        figures["canbao_runs_command"] = median([timed_child(command, child_env) for _ in range(options.repeat)])
    ws.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
