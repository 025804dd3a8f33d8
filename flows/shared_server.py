"""One Prefect server per installation, kept by `canbao web serve` and `canbao serve`, found by every command.

Starting a temporary server costs a command about ten seconds. The long-running processes hold one server (or
the one PREFECT_API_URL names) and write where it is to `<data>/prefect-server.json`: its API address, the pid
of the server process (none for an outside server) and the pids of the processes holding it. A command that runs
a flow reads the record and uses the server if it answers; a record whose server does not answer is stale and
ignored. The last holder to stop stops the server and removes the record; a second holder started meanwhile
shares the first one's server instead of starting another.

Nothing here imports Prefect: a command looks for the server before Prefect is imported (Prefect reads its
settings then), and the server runs as `prefect server start` in a process of its own.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from models.settings import Settings

RECORD_NAME = "prefect-server.json"
# A server that is gone refuses at once; a busy one (two shared cores) may take a moment to answer.
HEALTH_TIMEOUT_SECONDS = 3.0


class ServerStartError(RuntimeError):
    """The Prefect server could not be started; the message is the sentence the user reads."""


@dataclass
class ServerRecord:
    api_url: str
    server_pid: int | None  # None: a server canbao did not start (PREFECT_API_URL)
    holders: list[int] = field(default_factory=list)
    started_at: str = ""

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def record_path(settings: Settings) -> Path:
    return settings.data_path / RECORD_NAME


def server_log_path(settings: Settings) -> Path:
    return settings.data_path / "logs" / "prefect-server.log"


def read_record(path: Path) -> ServerRecord | None:
    """The record as written, or None when there is none or it cannot be read (a stale or foreign file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerRecord(
            api_url=str(data["api_url"]),
            server_pid=int(data["server_pid"]) if data.get("server_pid") else None,
            holders=[int(p) for p in data.get("holders") or []],
            started_at=str(data.get("started_at") or ""),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(path: Path, record: ServerRecord) -> None:
    """Written whole to a temporary file and renamed: a command reading meanwhile sees the old or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(asdict(record), ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def answers(api_url: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    """Whether a Prefect API answers its health check at `api_url`."""
    url = f"{api_url.rstrip('/')}/health"
    # A proxy set for the office's internet access must not come between a command and a server on this machine.
    local = urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if local else urllib.request.build_opener()
    try:
        with opener.open(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def running_server(settings: Settings) -> ServerRecord | None:
    """The server recorded in the data folder, if it answers; a stale record is ignored (and removed when
    neither its server nor any holder lives any more)."""
    path = record_path(settings)
    record = read_record(path)
    if record is None:
        return None
    if answers(record.api_url):
        return record
    if not process_alive(record.server_pid) and not any(process_alive(p) for p in record.holders):
        with suppress(OSError):
            path.unlink()
    return None


@contextmanager
def _record_lock(path: Path) -> Iterator[None]:
    """Held while a holder joins or leaves, so two of them starting together start one server."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def hold_server(settings: Settings, port: int | None = None) -> Iterator[ServerRecord]:
    """Hold the installation's Prefect server while the block runs, and point this process's Prefect at it.

    With PREFECT_API_URL set, that server is recorded (and never stopped here). Otherwise a running server of
    the data folder is shared, or one is started on `port` (CANBAO_PREFECT_PORT; any free port when taken)."""
    path = record_path(settings)
    me = os.getpid()
    with _record_lock(path):
        record = _join(settings, path, me, port)
    os.environ["PREFECT_API_URL"] = record.api_url
    previous = signal.signal(signal.SIGTERM, _exit_on_terminate)
    try:
        yield record
    finally:
        signal.signal(signal.SIGTERM, previous)
        with _record_lock(path):
            _leave(path, me)


def _exit_on_terminate(signum: int, _frame: object) -> None:
    """A service manager stops a holder with SIGTERM: leave through the `finally` above, which stops the server
    if no other holder needs it (uvicorn, after its own graceful shutdown, raises the signal again for this)."""
    raise SystemExit(0)


def _join(settings: Settings, path: Path, me: int, port: int | None) -> ServerRecord:
    outside = os.environ.get("PREFECT_API_URL")
    record = read_record(path)
    if record is not None and not answers(record.api_url):
        record = None  # stale: its server is gone
    if outside and (record is None or record.api_url != outside):
        if not answers(outside):
            raise ServerStartError(f"PREFECT_API_URL 指向的 Prefect 服务器 {outside} 没有响应")
        if record is not None:
            # Another server is recorded and running: this process uses its own and leaves the record alone.
            return ServerRecord(api_url=outside, server_pid=None, holders=[me], started_at=_now())
        record = ServerRecord(api_url=outside, server_pid=None, started_at=_now())
    elif record is None:
        record = _start_server(settings, port)
    record.holders = [p for p in record.holders if process_alive(p) and p != me] + [me]
    write_record(path, record)
    return record


def _leave(path: Path, me: int) -> None:
    record = read_record(path)
    if record is None:
        return
    record.holders = [p for p in record.holders if p != me and process_alive(p)]
    if record.holders:
        write_record(path, record)
        return
    stop_process(record.server_pid)
    with suppress(OSError):
        path.unlink()


def _start_server(settings: Settings, port: int | None) -> ServerRecord:
    """`prefect server start` in a session of its own (Ctrl-C in the holder's terminal must not reach it: a
    second holder may still need it), its output in the server's log file; waits until it answers."""
    chosen = port if port and port_free(port) else free_port()
    log = server_log_path(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_SERVER_UI_ENABLED": "true",  # Prefect's UI stays available to operators
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_HANDLERS_FILE_FILENAME": str(log),
        "PREFECT_LOGGING_ROOT_HANDLERS": "file",  # its standard error is that file already
    }
    for name in ("PREFECT_API_URL", "PREFECT_SERVER_EPHEMERAL_ENABLED"):
        env.pop(name, None)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(chosen)]
    with open(log, "a", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    api_url = f"http://127.0.0.1:{chosen}/api"
    deadline = time.monotonic() + float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))
    while not answers(api_url, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process.pid)
            raise ServerStartError(f"Prefect 服务器未能启动（端口 {chosen}），详见 {log}")
        time.sleep(0.2)
    return ServerRecord(api_url=api_url, server_pid=process.pid, started_at=_now())


def stop_process(pid: int | None, grace_seconds: float = 10.0) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it is still there after the grace period."""
    if not process_alive(pid):
        return
    assert pid is not None
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if _reaped(pid) or not process_alive(pid):
            return
        time.sleep(0.1)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reaped(pid)


def _reaped(pid: int) -> bool:
    """Collect the exit of a server this process started (otherwise it stays a zombie that looks alive)."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False  # not our child: another holder started it
    return done == pid


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
