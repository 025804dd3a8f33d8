"""prefect.yaml is read by Prefect's own loader: a misspelt key would make Prefect skip the whole file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from flows.serving import PREFECT_YAML, deployment_configs
from models.campaign.spec import Campaign
from models.settings import PROJECT_ROOT


def test_prefect_loads_every_deployment_without_skipping() -> None:
    from prefect.cli.deploy._config import _load_deploy_configs_and_actions

    console = Console(record=True, width=200)
    configs, _actions = _load_deploy_configs_and_actions(PREFECT_YAML, console=console)
    printed = console.export_text()
    assert "Skipping" not in printed and "Invalid" not in printed, printed
    assert [c["name"] for c in configs] == [c["name"] for c in deployment_configs()]
    assert {c["name"] for c in configs} >= {
        "daily-reminders", "weekly-ranking", "supervisors-report", "launch-phase", "training-phase", "survey-phase",
        "analysis-phase",
    }  # fmt: skip


def test_every_deployment_points_at_a_flow_with_a_shanghai_schedule() -> None:
    from prefect import Flow
    from prefect.flows import load_flow_from_entrypoint

    for config in deployment_configs():
        file, _, func = config["entrypoint"].partition(":")
        assert (PROJECT_ROOT / file).is_file(), config["entrypoint"]
        flow = load_flow_from_entrypoint(str(Path(PROJECT_ROOT / file)) + f":{func}")
        assert isinstance(flow, Flow)
        assert config["schedules"], config["name"]
        for schedule in config["schedules"]:
            assert set(schedule) == {"cron", "timezone"}
            assert schedule["timezone"] == "Asia/Shanghai"
            ZoneInfo(schedule["timezone"])


def test_serve_builds_a_runner_deployment_per_entry() -> None:
    from flows.serving import build_deployments

    deployments = build_deployments()
    assert [d.name for d in deployments] == [c["name"] for c in deployment_configs()]
    ranking = next(d for d in deployments if d.name == "weekly-ranking")
    assert ranking.schedules and ranking.schedules[0].schedule.cron == "0 16 * * 5"  # type: ignore[union-attr]


def test_the_supervisors_report_runs_on_fridays_in_the_survey_and_analysis_phases(campaign: Campaign) -> None:
    config = next(c for c in deployment_configs() if c["name"] == "supervisors-report")
    assert config["entrypoint"] == "flows/report.py:supervisors_report"
    assert [s["cron"] for s in config["schedules"]] == ["0 17 * * 5"]
    assert config["parameters"]["phases"] == ["survey", "analysis"]
    assert set(config["parameters"]["phases"]) <= set(campaign.phases)
