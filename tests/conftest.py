"""Shared fixtures: the campaign, workspaces on SQLite and PostgreSQL, and Prefect's test harness."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Prefect reads its settings when first imported: each session gets a throwaway home of its own, created before
# any test module imports Prefect, holding the test server's database too, and removed when the session's process
# ends (registered first, so it runs after every exit handler Prefect registers later).
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="canbao-test-prefect-"))
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
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
from tests.db_templates import Templates  # noqa: E402
from tests.services import (  # noqa: E402
    POSTGRES_URL,
    fresh_postgres_schema,
    postgres_unavailable,
    services_required,
    unavailable,
)

pytest_plugins = ["tests.receivers"]

# Hypothesis's default 200 ms deadline is a wall-clock assertion: on CI's two shared cores a slow example is not a
# failure. CI runs without deadlines and with a fixed seed (a failure there is reproducible); locally the deadline
# is a generous 2 s. HYPOTHESIS_PROFILE chooses another.
hypothesis_settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev", deadline=timedelta(seconds=2))
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if services_required() else "dev"))


@pytest.fixture(scope="session")
def campaign() -> Campaign:
    return load_campaign(DEFAULT_CAMPAIGN)[0]


@functools.cache
def _postgres_reason() -> str | None:
    """Asked once, by the first test that needs PostgreSQL; an error other than "no server" fails that test."""
    return postgres_unavailable(POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'canbao.db'}"
        return
    reason = _postgres_reason()
    if reason:
        unavailable(reason)
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The environment a coordinator's shell would give the `canbao` command."""
    return {"CANBAO_DATA_DIR": str(tmp_path / "var"), "CANBAO_DATABASE_URL": database_url}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, apprise_config=None)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """The session's initialised databases, copied into each test's own (tests/db_templates.py)."""
    templates = Templates(tmp_path_factory.mktemp("templates"), POSTGRES_URL)
    try:
        yield templates
    finally:
        templates.drop()


@pytest.fixture
def workspace(settings: Settings, database_templates: Templates) -> Iterator[Workspace]:
    """An initialised workspace: a copy of the session's template, or `initialise` where the database is not the
    fixtures' own."""
    restored = database_templates.restore(settings)
    ws = Workspace.open(settings)
    if not restored:
        initialise(ws)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (starting one costs about 10 s), on a port it holds
    from the start, its database inside the session's Prefect home."""
    from tests.prefect_server import session_server

    with session_server(_PREFECT_HOME, startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def harness_url(prefect_harness: None) -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness must be running"
    return str(url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests (those that run flows on the Prefect test server) are marked `slow` (`-m "not slow"`
    leaves them out), and their files run first: with the suite shared out file by file between workers
    (`make test`), the long files start at once and the short ones fill the end."""
    slow_files = set()
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()) or item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
            slow_files.add(item.path)
    items.sort(key=lambda item: item.path not in slow_files)  # stable: each file's order is kept
