"""Settings read from the environment (CANBAO_*); one object, passed explicitly below the CLI and flows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CAMPAIGN = PROJECT_ROOT / "campaigns" / "anxi-2017.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CANBAO_", frozen=True)

    data_dir: Path = Path("var")
    database_url: str | None = None
    apprise_config: Path | None = None
    campaign: Path = DEFAULT_CAMPAIGN
    # Where the comparison's partitions run: "thread" in this process, "dask" on a Dask cluster, either the
    # one at dask_address or a local one of dask_workers workers started for the run.
    task_runner: Literal["thread", "dask"] = "thread"
    dask_address: str | None = None
    dask_workers: int = Field(default=2, ge=1)
    dask_processes: bool = True  # a local cluster's workers as processes (False: threads of this process)
    # A register larger than this many rows is compared in at least as many partitions as it takes to keep
    # each one below it: memory stays bounded whatever --parts says.
    compare_part_rows: int = Field(default=2_000_000, ge=1)

    @property
    def data_path(self) -> Path:
        return self.data_dir.resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'canbao.db'}"

    @property
    def apprise_path(self) -> Path:
        """The apprise configuration: the coordinator's file, or the local-folder default the demo uses."""
        return (self.apprise_config or self.data_path / "apprise.yml").resolve()

    @property
    def uses_default_delivery(self) -> bool:
        return self.apprise_config is None

    @property
    def mailbox_dir(self) -> Path:
        return self.data_path / "mailbox"

    @property
    def notices_dir(self) -> Path:
        """Official notices as documents (.docx, .html), one folder per notice."""
        return self.data_path / "notices"

    @property
    def prefect_home(self) -> Path:
        return self.data_path / "prefect"


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
