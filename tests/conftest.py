"""Shared fixtures: the campaign, workspaces on SQLite and PostgreSQL, and Prefect's test harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads its settings when first imported: keep every test run's state inside a throwaway home.
_PREFECT_HOME = Path(os.environ.get("CANBAO_TEST_PREFECT_HOME", "/tmp/canbao-test-prefect")) / str(os.getpid())
_PREFECT_HOME.mkdir(parents=True, exist_ok=True)
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS", "4")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
for _name in ("CANBAO_DATABASE_URL", "CANBAO_APPRISE_CONFIG", "CANBAO_DATA_DIR", "CANBAO_CAMPAIGN"):
    os.environ.pop(_name, None)

from models.campaign.spec import Campaign, load_campaign  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402
from tasks.setup import initialise  # noqa: E402
from tasks.workspace import Workspace  # noqa: E402

pytest_plugins = ["tests.receivers"]

POSTGRES_URL = os.environ.get("CANBAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def campaign() -> Campaign:
    return load_campaign(DEFAULT_CAMPAIGN)[0]


def _postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against here
        return f"PostgreSQL 不可用（{POSTGRES_URL}）：{exc.__class__.__name__}"


_PG_UNAVAILABLE = _postgres_reason()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'canbao.db'}"
        return
    if _PG_UNAVAILABLE:
        pytest.skip(_PG_UNAVAILABLE)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The environment a coordinator's shell would give the `canbao` command."""
    return {"CANBAO_DATA_DIR": str(tmp_path / "var"), "CANBAO_DATABASE_URL": database_url}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, apprise_config=None)


@pytest.fixture
def workspace(settings: Settings) -> Iterator[Workspace]:
    ws = Workspace.open(settings)
    initialise(ws)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (starting one costs about 10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
