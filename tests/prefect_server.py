"""Prefect's test server for the session, on a port of its own and with its database in the session's folder.

prefect_test_harness picks a free port (bind to port 0, release, let uvicorn bind it again: another process may
take it in between) and keeps its database in a folder of /tmp. Here a socket is bound to port 0 before the server
starts and handed to uvicorn (--fd), which listens on it: the port is never free in between, and until the server
listens a connection is refused (what the harness waits through), not left hanging in a queue. The database lies
in the folder the caller gives (the session's Prefect home, removed when the session ends).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import prefect
import prefect.testing.utilities
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings


class OwnSocketServer(SubprocessASGIServer):
    """Prefect's subprocess server (uvicorn) serving on a socket bound here to port 0 (uvicorn listens on it)."""

    def __new__(cls, port: int | None = None, *args: Any, **kwargs: Any) -> OwnSocketServer:
        # Not through SubprocessASGIServer's registry by port: the port given (a guessed free one) is not used.
        return object.__new__(cls)

    def __init__(self, port: int | None = None) -> None:
        self.bound = socket.socket()
        self.bound.bind(("127.0.0.1", 0))
        super().__init__(port=int(self.bound.getsockname()[1]))

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        fd = self.bound.fileno()
        return subprocess.Popen(
            args=[
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--fd",
                str(fd),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            pass_fds=(fd,),
        )

    def stop(self) -> None:
        super().stop()
        self.bound.close()


@contextmanager
def session_server(folder: Path, startup_timeout: int = 90) -> Iterator[OwnSocketServer]:
    """prefect_test_harness with the server above and its database in `folder`."""
    harness = prefect.testing.utilities
    created: list[OwnSocketServer] = []

    def server(port: int | None = None) -> OwnSocketServer:
        created.append(OwnSocketServer())
        return created[-1]

    server._instances = SubprocessASGIServer._instances  # type: ignore[attr-defined]  # the harness uses the registry
    ours = {
        "SubprocessASGIServer": server,
        "mkdtemp": lambda *args, **kwargs: tempfile.mkdtemp(prefix="server-", dir=folder),
    }
    saved = {name: getattr(harness, name) for name in ours}
    vars(harness).update(ours)
    try:
        with harness.prefect_test_harness(server_startup_timeout=startup_timeout):
            vars(harness).update(saved)  # only the start needed them
            yield created[0]
    finally:
        vars(harness).update(saved)
