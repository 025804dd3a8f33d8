"""Serving the deployments declared in prefect.yaml, so the schedules live in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint

from models.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def deployment_configs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data.get("deployments") or [])


def build_deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    deployments = []
    for config in deployment_configs(path):
        file, _, func = config["entrypoint"].partition(":")
        flow: Flow[..., Any] = load_flow_from_entrypoint(f"{PROJECT_ROOT / file}:{func}")
        schedules = [CronSchedule(cron=s["cron"], timezone=s.get("timezone")) for s in config.get("schedules", [])]
        deployment = flow.to_deployment(
            name=config["name"],
            description=config.get("description"),
            tags=config.get("tags"),
            parameters=config.get("parameters"),
            schedules=schedules,
        )
        assert isinstance(deployment, RunnerDeployment)  # a sync flow builds it directly
        deployments.append(deployment)
    return deployments


def serve_deployments(path: Path = PREFECT_YAML) -> None:
    # Stopping `serve` would otherwise pause the deployments' schedules on the server.
    serve(*build_deployments(path), pause_on_shutdown=False)
