"""Settings read from the environment (CANBAO_*); one object, passed explicitly from the CLI, the web app and the
flows down to the storage that needs them."""

from __future__ import annotations

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
    # The port of the Prefect server `canbao web serve` and `canbao serve` keep (Prefect's usual one; when it is
    # taken, any free port: commands find the server through the record in the data folder, not by its port).
    prefect_port: int = Field(default=4200, ge=0, le=65535)

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

    @property
    def log_path(self) -> Path:
        """Where Prefect's and the libraries' log lines go (the console shows canbao's own lines only)."""
        return self.data_path / "logs" / "canbao.log"
