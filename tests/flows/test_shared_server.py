"""The installation's Prefect server: held and recorded by the long-running commands, found by the others, a
stale record ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.runtime import prepare_prefect_environment
from flows.shared_server import ServerRecord, hold_server, read_record, record_path, running_server, write_record
from models.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def no_api_url() -> Iterator[None]:
    """This process's environment as a command's without a configured server; all of it restored afterwards
    (prepare_prefect_environment sets several variables)."""
    saved = dict(os.environ)
    os.environ.pop("PREFECT_API_URL", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.usefixtures("no_api_url")
def test_a_command_uses_the_recorded_server_that_answers(settings: Settings, harness_url: str) -> None:
    write_record(record_path(settings), ServerRecord(api_url=harness_url, server_pid=None, holders=[os.getpid()]))
    prepare_prefect_environment(settings)
    assert os.environ["PREFECT_API_URL"] == harness_url


@pytest.mark.usefixtures("no_api_url")
def test_a_stale_record_is_ignored_and_removed(settings: Settings) -> None:
    path = record_path(settings)
    write_record(path, ServerRecord(api_url="http://127.0.0.1:1/api", server_pid=dead_pid(), holders=[dead_pid()]))
    prepare_prefect_environment(settings)
    assert "PREFECT_API_URL" not in os.environ  # the command starts its own temporary server
    assert not path.exists()


def test_a_record_of_a_live_holder_whose_server_does_not_answer_yet_is_kept(settings: Settings) -> None:
    path = record_path(settings)
    write_record(path, ServerRecord(api_url="http://127.0.0.1:1/api", server_pid=None, holders=[os.getpid()]))
    assert running_server(settings) is None
    assert path.exists()


@pytest.mark.usefixtures("no_api_url")
def test_holders_share_an_outside_server_and_the_last_one_removes_the_record(
    settings: Settings, harness_url: str
) -> None:
    os.environ["PREFECT_API_URL"] = harness_url
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = record_path(settings)
        write_record(path, ServerRecord(api_url=harness_url, server_pid=None, holders=[other.pid]))
        with hold_server(settings) as record:
            assert record.api_url == harness_url
            found = read_record(path)
            assert found is not None and sorted(found.holders) == sorted([other.pid, os.getpid()])
        left = read_record(path)
        assert left is not None and left.holders == [other.pid]  # the other holder still needs it
        other.kill()
        other.wait()
        with hold_server(settings):
            pass
        assert not path.exists()  # the last holder leaves: nothing recorded, the outside server untouched
        assert running_server(settings) is None
    finally:
        other.kill()
        other.wait()


@pytest.mark.slow
def test_web_serve_keeps_a_server_that_commands_use_and_stops_it(tmp_path: Path) -> None:
    """The real thing: `canbao web serve` starts `prefect server start`, records it; a command without
    PREFECT_API_URL runs its flow there; SIGTERM stops the server and removes the record."""
    import signal
    import time

    from tests.cli_runner import invoke_ok
    from tests.process_helpers import CANBAO

    env = {"CANBAO_DATA_DIR": str(tmp_path / "var"), "CANBAO_PREFECT_PORT": "0", "PREFECT_LOGGING_LEVEL": "INFO"}
    invoke_ok(env, "init")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
    child_env = {**clean, **env, "PREFECT_HOME": str(tmp_path / "var" / "prefect")}
    web = subprocess.Popen(
        [CANBAO, "web", "serve", "--port", "0"], env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    settings = Settings(data_dir=tmp_path / "var")
    try:
        deadline = time.monotonic() + 180
        while running_server(settings) is None:
            assert web.poll() is None and time.monotonic() < deadline, "canbao web serve did not keep a server"
            time.sleep(0.5)
        record = read_record(record_path(settings))
        assert record is not None and record.holders == [web.pid] and record.server_pid
        done = subprocess.run(
            [CANBAO, "remind", "--as-of", "2017-04-25", "--json"],
            env=child_env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        log = settings.log_path.read_text(encoding="utf-8")
        assert record.ui_url in log and "Starting temporary server" not in log, log[-2000:]
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
    assert not record_path(settings).exists()
    assert record.server_pid is not None and not _alive(record.server_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
