"""The task runner a flow's parallel work is submitted to, chosen by configuration (CANBAO_TASK_RUNNER)."""

from __future__ import annotations

import os
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from models.settings import Settings


def task_runner(settings: Settings) -> TaskRunner[Any]:
    """Threads of this process by default; with `dask`, the cluster at CANBAO_DASK_ADDRESS, or a local cluster
    of CANBAO_DASK_WORKERS workers started for the flow run and stopped after it."""
    if settings.task_runner == "thread":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    if settings.dask_processes:
        share_temporary_server()
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.dask_workers,
            "threads_per_worker": 1,  # one partition per worker at a time: memory is a partition per worker
            "processes": settings.dask_processes,
            "dashboard_address": None,
        }
    )


def share_temporary_server() -> None:
    """Local worker processes must report to this command's temporary Prefect server: without an API URL each
    would start a server of its own on the same Prefect database (and fail on its tables). Start the server now
    and hand its address to the processes the cluster spawns; this process reuses the same server."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
