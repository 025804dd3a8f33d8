"""The environment Prefect runs in: set before Prefect is imported by the CLI, the web app and the flows."""

from __future__ import annotations

import os
from pathlib import Path

from models.settings import Settings


def prepare_prefect_environment(settings: Settings) -> None:
    """Environment Prefect must see before it is imported: local home, no telemetry, bounded threads."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS", "4")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # A local Dask cluster (CANBAO_TASK_RUNNER=dask) logs every worker's start and stop at INFO.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "true")
        # The temporary server is stopped while its event services still flush and prints their cancelled
        # tasks as errors (a known cost of ephemeral mode); the flows' own logs are unaffected.
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


def quiet_temporary_server() -> None:
    """The temporary server runs in a subprocess whose database pool reports the cancellation of its last
    queries at shutdown through SQLAlchemy's logger, which PREFECT_SERVER_LOGGING_LEVEL does not reach (and
    SQLAlchemy sets to WARNING when imported). The subprocess gets its own logging file. Call this after
    Prefect has configured this process's logging: only the subprocess, started later, reads the setting."""
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(Path(__file__).with_name("server_logging.yml")))
