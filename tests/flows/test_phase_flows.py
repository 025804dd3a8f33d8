"""The four phase flows (launch, training, survey, analysis) run through Prefect on a prepared workspace, on a
day inside their phase: what each returns and the table it publishes, against hand-written expectations."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from prefect.states import State

from flows.phases import analysis_phase, launch_phase, survey_phase, training_phase
from tasks.plan.milestones import record_milestone_done, resolve_assignment
from tasks.workspace import Workspace

pytestmark = pytest.mark.usefixtures("prefect_harness")

COLUMNS = ("工作任务", "责任单位", "完成时限", "状态", "完成日期")
NO_STATES = {"done_on_time": 0, "done_late": 0, "due": 0, "overdue": 0, "not_due": 0}


@dataclass(frozen=True)
class PhaseCase:
    flow: Callable[..., Any]
    key: str
    name: str
    as_of: date
    done: list[tuple[str, str, date]]  # (owner, milestone, done on), recorded before the run
    states: dict[str, int]  # the phase's assignments counted by state
    rows: list[tuple[str, str, str, str, str]]  # a few rows of the published table, as a coordinator reads them


CASES = [
    PhaseCase(
        flow=launch_phase,
        key="launch",
        name="启动阶段",
        as_of=date(2017, 3, 28),
        done=[
            ("county", "county_work_plan", date(2017, 3, 10)),  # due March 1: late
            ("county", "county_leading_group", date(2017, 3, 29)),  # the day after: not done yet
            ("350524100", "township_leading_group", date(2017, 3, 25)),
        ],
        # 5 county milestones and 3 for each of the 24 townships; due March 31, "due" from March 24.
        states={**NO_STATES, "done_late": 1, "done_on_time": 1, "due": 75},
        rows=[
            ("制定县工作方案", "安溪县", "2017年3月1日", "逾期完成", "2017年3月10日"),
            ("成立县工作领导小组", "安溪县", "2017年3月31日", "即将到期", ""),
            ("成立乡镇工作领导小组", "凤城镇", "2017年3月31日", "按时完成", "2017年3月25日"),
            ("成立乡镇工作领导小组", "蓬莱镇", "2017年3月31日", "即将到期", ""),
        ],
    ),
    PhaseCase(
        flow=training_phase,
        key="training",
        name="动员培训阶段",
        as_of=date(2017, 4, 25),
        done=[
            ("police", "data_delivery", date(2017, 4, 18)),
            ("health", "data_delivery", date(2017, 4, 22)),  # due April 20
            ("county", "mobilisation_meeting", date(2017, 4, 24)),
        ],
        # 6 departments' data (due April 20: the 4 others overdue), 4 county milestones and the 24 townships'
        # training, due April 30.
        states={**NO_STATES, "done_on_time": 2, "done_late": 1, "overdue": 4, "due": 27},
        rows=[
            ("提供基础数据", "县公安局", "2017年4月20日", "按时完成", "2017年4月18日"),
            ("提供基础数据", "县卫计局", "2017年4月20日", "逾期完成", "2017年4月22日"),
            ("提供基础数据", "县教育局", "2017年4月20日", "已逾期", ""),
        ],
    ),
    PhaseCase(
        flow=survey_phase,
        key="survey",
        name="入户调查阶段",
        as_of=date(2017, 6, 25),
        done=[
            ("350524100", "household_survey", date(2017, 6, 20)),
            ("350524101", "survey_data_entry", date(2017, 6, 27)),  # after the day: not done yet
        ],
        states={**NO_STATES, "done_on_time": 1, "due": 47},  # 2 milestones for each of the 24 townships
        rows=[
            ("完成入户调查登记", "凤城镇", "2017年6月30日", "按时完成", "2017年6月20日"),
            ("完成调查数据录入上报", "蓬莱镇", "2017年6月30日", "即将到期", ""),
        ],
    ),
    PhaseCase(
        flow=analysis_phase,
        key="analysis",
        name="完善分析阶段",
        as_of=date(2017, 8, 20),
        done=[
            ("county", "summary_report", date(2017, 8, 18)),
            ("county", "database_completion", date(2017, 8, 15)),
        ],
        states={**NO_STATES, "done_on_time": 2, "not_due": 2},  # due August 31, "due" only from August 24
        rows=[
            ("形成工作总结和提升社保服务质量报告", "安溪县", "2017年8月31日", "按时完成", "2017年8月18日"),
            ("召开数据协调会", "安溪县", "2017年8月31日", "未到期", ""),
        ],
    ),
]


def _published_table(flow_run_id: UUID) -> tuple[str, str, list[dict[str, str]]]:
    """The table artifact the flow run published: its key, description and rows."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    [artifact] = artifacts
    data = artifact.data if isinstance(artifact.data, str) else json.dumps(artifact.data)
    return str(artifact.key), str(artifact.description), json.loads(data)


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_a_phase_flow_reports_its_milestones_on_a_day_of_its_phase(
    case: PhaseCase, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cid, campaign = workspace.campaign()
    for owner, milestone, done_on in case.done:
        record_milestone_done(workspace, resolve_assignment(campaign, owner, milestone), done_on)
    # The flow opens the workspace as a scheduled run would: from the environment.
    monkeypatch.setenv("CANBAO_DATA_DIR", str(workspace.settings.data_dir))
    monkeypatch.setenv("CANBAO_DATABASE_URL", workspace.settings.db_url)

    state: State = case.flow(as_of=case.as_of, return_state=True)

    assert state.is_completed(), state.message
    summary = state.result()
    assert summary == {
        "phase": case.key,
        "as_of": case.as_of.isoformat(),
        "active": True,
        "assignments": sum(case.states.values()),
        "states": case.states,
    }
    assert state.state_details.flow_run_id is not None
    key, description, table = _published_table(state.state_details.flow_run_id)
    assert key == f"phase-{case.key}"
    day = f"{case.as_of.year}年{case.as_of.month}月{case.as_of.day}日"
    assert description == f"{case.name}工作任务完成情况（截至{day}）"
    assert len(table) == summary["assignments"]
    for row in case.rows:
        assert dict(zip(COLUMNS, row, strict=True)) in table
    phase_milestones = {m.name for m in campaign.milestones if m.phase == case.key}
    assert {row["工作任务"] for row in table} == phase_milestones
