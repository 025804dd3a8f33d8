"""流程运行: the runs of canbao's flows on the installation's Prefect server, on the console's page, in `GET
/api/v1/runs` and `canbao runs`. Flows really run on the session's test server, which the data folder's record (as
`canbao web serve` writes it) or PREFECT_API_URL names; the county and supervisors read them, townships and
departments do not; without a server that answers, a notice in Chinese."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

import flows
from canbao.web.app import create_app
from flows.runs import FLOW_NAMES, NO_SERVER, duration_text, moment_text, reason_text
from flows.shared_server import ServerRecord, free_port, record_path, write_record
from tasks.identity.masking import find_unmasked
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.console_helpers import NOW, add_users, log_in
from tests.web_helpers import TODAY

BEIJING_OFFSET = "+08:00"


@pytest.fixture
def no_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is found through the data folder's record, as `canbao web serve` leaves it."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)


class Console:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.tokens = add_users(ws)

    def client(self) -> TestClient:
        return TestClient(create_app(self.ws.settings, clock=lambda _c: TODAY, now=lambda: NOW))

    def api(self, username: str, query: str = "") -> Any:
        with self.client() as client:
            return client.get(f"/api/v1/runs{query}", headers={"Authorization": f"Bearer {self.tokens[username]}"})

    def page(self, username: str) -> Any:
        with self.client() as client:
            assert log_in(client, username) == 303
            return client.get("/runs")

    def record(self, api_url: str) -> None:
        write_record(record_path(self.ws.settings), ServerRecord(api_url=api_url, server_pid=None, holders=[]))


@pytest.fixture
def console(workspace: Workspace, no_api_url: None) -> Iterator[Console]:
    yield Console(workspace)


def run_flows(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A phase flow that completes and an import that fails, on the test server; their flow run ids."""
    from flows.collection import ingest_source
    from flows.phases import launch_phase

    # the flows open the workspace as a scheduled run would: from the environment
    monkeypatch.setenv("CANBAO_DATA_DIR", str(ws.settings.data_dir))
    monkeypatch.setenv("CANBAO_DATABASE_URL", ws.settings.db_url)
    done = launch_phase(as_of=date(2017, 3, 28), return_state=True)
    missing = ws.settings.data_path / "不存在的文件.csv"
    failed = ingest_source(source="pension_resident", files=[str(missing)], return_state=True)
    assert done.is_completed() and failed.is_failed()
    return str(done.state_details.flow_run_id), str(failed.state_details.flow_run_id)


def test_the_county_sees_each_run_in_chinese_with_a_link_to_prefect(
    console: Console, harness_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    done_id, failed_id = run_flows(console.ws, monkeypatch)
    console.record(harness_url)
    ui = harness_url.removesuffix("/api")

    body = console.api("county").json()
    assert body["available"] is True and body["notice"] is None and body["prefect_ui"] == ui
    runs = {r["id"]: r for r in body["runs"]}
    done, failed = runs[done_id], runs[failed_id]
    assert (done["flow"], done["flow_name"], done["state"], done["state_name"]) == (
        "launch-phase", "启动阶段", "COMPLETED", "已完成")  # fmt: skip
    assert done["as_of"] == "2017-03-28" and done["failed"] is False and done["state_message"] == ""
    assert done["started_at"].endswith(BEIJING_OFFSET) and done["ended_at"].endswith(BEIJING_OFFSET)
    assert done["duration_seconds"] > 0
    assert done["ui_url"] == f"{ui}/runs/flow-run/{done_id}"
    assert (failed["flow_name"], failed["state_name"], failed["failed"]) == ("数据导入", "失败", True)
    assert failed["state_message"].startswith("找不到文件：") and "不存在的文件.csv" in failed["state_message"]
    assert failed["parameters"] == {"source": "pension_resident"}  # the server's file paths are not shown
    # newest start first: the import ran after the phase flow
    order = [r["id"] for r in body["runs"]]
    assert order.index(failed_id) < order.index(done_id)
    assert len(console.api("county", "?limit=1").json()["runs"]) == 1

    page = console.page("county")
    assert page.status_code == 200
    assert '<a href="/runs" class="on">流程运行</a>' in page.text  # in the one navigation
    row = re.search(rf'<tr class="completed" id="run-{done_id}">(.*?)</tr>', page.text, re.S)
    assert row is not None, page.text[-3000:]
    started = done["started_at"]
    shown = f"{int(started[:4])}年{int(started[5:7])}月{int(started[8:10])}日 {started[11:19]}"
    assert "启动阶段" in row[1] and "已完成" in row[1] and shown in row[1] and "2017-03-28" in row[1]
    assert f'href="{ui}/runs/flow-run/{done_id}"' in row[1]
    failed_row = re.search(rf'<tr class="failed" id="run-{failed_id}">(.*?)</tr>', page.text, re.S)
    assert failed_row is not None
    assert "失败" in failed_row[1] and "找不到文件：" in failed_row[1] and "不存在的文件.csv" in failed_row[1]
    assert "数据源：城乡居民基本养老保险参保人员" in failed_row[1]
    assert "Flow run encountered" not in failed_row[1] and "IngestError" not in failed_row[1]
    assert re.search(r"其中 \d+ 次失败", page.text)
    assert find_unmasked(page.text) == []


def test_supervisors_read_the_runs_townships_and_departments_do_not(
    console: Console, harness_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    done_id, _failed_id = run_flows(console.ws, monkeypatch)
    console.record(harness_url)
    assert done_id in {r["id"] for r in console.api("supervisor").json()["runs"]}
    page = console.page("supervisor")
    assert page.status_code == 200 and f"run-{done_id}" in page.text
    for username in ("fengcheng", "hrss"):
        assert console.api(username).status_code == 403  # a role that may not read this, as the API says it
        assert "流程运行" in console.api(username).json()["detail"]
        refused = console.page(username)
        assert refused.status_code == 404  # as a page that does not exist
        assert done_id not in refused.text
        with console.client() as client:
            assert log_in(client, username) == 303
            assert 'href="/runs"' not in client.get("/").text  # not in their navigation
    with console.client() as client:
        assert client.get("/api/v1/runs").status_code == 401
        assert client.get("/runs", follow_redirects=False).status_code == 303  # to /login
    assert console.api("county", "?limit=0").status_code == 422
    assert "limit" in console.api("county", "?limit=abc").json()["detail"]


def test_without_a_server_the_page_says_so_in_chinese(console: Console) -> None:
    page = console.page("county")
    assert page.status_code == 200
    assert NO_SERVER in page.text and 'id="no-server"' in page.text
    body = console.api("county").json()
    assert body == {"available": False, "prefect_ui": None, "notice": NO_SERVER, "runs": []}

    console.record(f"http://127.0.0.1:{free_port()}/api")  # a record whose server is gone
    body = console.api("county").json()
    assert body["available"] is False and body["runs"] == []
    assert "没有响应" in body["notice"] and body["prefect_ui"] in body["notice"]
    page = console.page("supervisor")
    assert page.status_code == 200 and "没有响应" in page.text


def test_canbao_runs_lists_them_on_the_server_prefect_api_url_names(
    console: Console, harness_url: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    done_id, failed_id = run_flows(console.ws, monkeypatch)
    with_server = {**env, "PREFECT_API_URL": harness_url}
    code, out, _err = invoke(with_server, "runs", "--json", "--limit", "200")
    assert code == 0
    runs = {r["id"]: r for r in json.loads(out)["runs"]}
    assert runs[done_id]["state_name"] == "已完成" and runs[failed_id]["state_name"] == "失败"
    code, out, err = invoke(with_server, "runs")
    assert code == 0 and "启动阶段" in out and "已完成" in out and "不存在的文件.csv" in err
    assert invoke(with_server, "runs", "--limit", "0")[0] == 2


def test_canbao_runs_without_a_server(console: Console, env: dict[str, str]) -> None:
    code, out, _err = invoke(env, "runs", "--json")
    assert code == 0 and json.loads(out)["available"] is False
    code, _out, err = invoke(env, "runs")
    assert code == 0 and "没有正在运行的 Prefect 服务器" in err


def test_every_flow_of_canbao_has_a_chinese_name() -> None:
    from prefect import Flow

    names = set()
    for module in pkgutil.iter_modules(flows.__path__, "flows."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Flow):
                names.add(value.name)
    assert names and names <= set(FLOW_NAMES), names - set(FLOW_NAMES)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0.83, "0.8 秒"), (42.4, "42 秒"), (185, "3 分 5 秒"), (3725, "1 小时 2 分")],
)
def test_a_run_length_reads_as_a_person_says_it(seconds: float | None, text: str) -> None:
    assert duration_text(seconds) == text


def test_a_start_time_reads_with_a_chinese_date() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2017, 5, 22, 0, 5, 9, tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert moment_text(moment) == "2017年5月22日 08:05:09"
    assert moment_text(None) == ""


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("Flow run encountered an exception: IngestError: 找不到文件：甲镇.csv", "找不到文件：甲镇.csv"),
        ("Flow run encountered an exception: LockHeld: 另一个导入正在运行", "另一个导入正在运行"),
        ("Execution was cancelled by the runtime environment.", "Execution was cancelled by the runtime environment."),
        ("IngestError: 第3行 350524198001010011 无效", "第3行 350524********0011 无效"),
    ],
)
def test_a_failure_reads_as_canbao_said_it_personal_data_masked(message: str, shown: str) -> None:
    assert reason_text(message) == shown
