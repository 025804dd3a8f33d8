"""The environment Prefect runs in: set before Prefect is imported by the CLI, the web app and the flows."""

from __future__ import annotations

import os
from pathlib import Path

from flows.shared_server import running_server
from models.settings import Settings

COMMAND_LOGGING = Path(__file__).with_name("command_logging.yml")
SERVER_LOGGING = Path(__file__).with_name("server_logging.yml")


def prepare_prefect_environment(settings: Settings, verbose: bool = False) -> None:
    """Environment Prefect must see before it is imported: local home, no telemetry, bounded threads, the
    installation's running server if there is one, and its log lines in the log file (also on standard error
    with `verbose`)."""
    base_prefect_environment(settings)
    route_prefect_logs(settings, verbose)
    if "PREFECT_API_URL" not in os.environ:
        use_running_server(settings)
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "true")
        # The temporary server is stopped while its event services still flush and prints their cancelled
        # tasks as errors (a known cost of ephemeral mode); the flows' own logs are unaffected.
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


def base_prefect_environment(settings: Settings) -> None:
    """What every Prefect process of the installation shares, the kept server included: its home (and database)
    in the data folder, no telemetry (the county intranet has no internet), a bounded thread pool."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS", "4")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # A local Dask cluster (CANBAO_TASK_RUNNER=dask) logs every worker's start and stop at INFO.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    settings.prefect_home.mkdir(parents=True, exist_ok=True)


def use_running_server(settings: Settings) -> bool:
    """Point Prefect at the server `canbao web serve` or `canbao serve` keeps, if one answers (about a
    millisecond to ask; starting a temporary server instead costs about ten seconds)."""
    record = running_server(settings)
    if record is None:
        return False
    os.environ["PREFECT_API_URL"] = record.api_url
    return True


def uses_temporary_server() -> bool:
    """Whether the flows of this process will start Prefect's temporary server (no server is known)."""
    return "PREFECT_API_URL" not in os.environ


def route_prefect_logs(settings: Settings, verbose: bool) -> None:
    """Prefect configures logging from a file when imported: canbao's sends every record to the log file (and
    to standard error with `verbose`). An operator's own PREFECT_LOGGING_SETTINGS_PATH is left as it is."""
    if os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(COMMAND_LOGGING)) != str(COMMAND_LOGGING):
        return
    settings.log_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_LOGGING_HANDLERS_FILE_FILENAME"] = str(settings.log_path)
    os.environ["PREFECT_LOGGING_ROOT_HANDLERS"] = "file,console" if verbose else "file"


def quiet_temporary_server() -> None:
    """The temporary server runs in a subprocess whose database pool reports the cancellation of its last
    queries at shutdown through SQLAlchemy's logger, which PREFECT_SERVER_LOGGING_LEVEL does not reach (and
    SQLAlchemy sets to WARNING when imported). The subprocess gets its own logging file. Call this after
    Prefect has configured this process's logging: only the subprocess, started later, reads the setting."""
    if "PREFECT_API_URL" in os.environ:
        return
    if os.environ.get("PREFECT_LOGGING_SETTINGS_PATH", str(COMMAND_LOGGING)) == str(COMMAND_LOGGING):
        os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(SERVER_LOGGING)
