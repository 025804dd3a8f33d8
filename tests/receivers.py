"""Real receivers on 127.0.0.1 for delivery tests: an HTTP endpoint and an SMTP server.

Every port is taken by the server itself (bound to port 0, the number read back), never picked free and released
for a later bind that another process could win. A receiver that is "down" is a socket bound but not listening:
connections to it are refused, and the port stays ours until the receiver starts on it.
"""

from __future__ import annotations

import asyncio
import email
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@contextmanager
def refused_port() -> Iterator[int]:
    """A port of our own on which nothing listens (connections are refused) for as long as the block runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# --------------------------------------------------------------------------
# fixtures: a real HTTP receiver and a real SMTP server
# --------------------------------------------------------------------------


@dataclass
class HttpReceiver:
    server: ThreadingHTTPServer
    thread: threading.Thread
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> HttpReceiver:
        """Listen on the port (bound already) and serve."""
        self.server.server_activate()
        self.thread.start()
        return self

    def stop(self) -> None:
        # shutdown() stops serve_forever; server_close() releases the port so
        # that later connections are refused outright.
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_http_receiver() -> HttpReceiver:
    """An HTTP endpoint on a port of its own that records each POSTed JSON body and answers `receiver.status`."""
    return bound_http_receiver().start()


def bound_http_receiver() -> HttpReceiver:
    """The receiver with its port bound but not yet listening: down (connections refused) until `start()`."""
    receiver: HttpReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            receiver.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(self.rfile.read(length).decode("utf-8")),
                }
            )
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    try:
        server.server_bind()
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    receiver = HttpReceiver(server=server, thread=thread)
    return receiver


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = start_http_receiver()
    try:
        yield receiver
    finally:
        receiver.stop()


class SmtpSink:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    sink: SmtpSink

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(env.content, policy=policy.default) for env in self.sink.envelopes]


class OwnPortController(Controller):
    """aiosmtpd's controller on port 0: the server binds a port of its own, read back before the first connection
    (aiosmtpd connects once to check that the server answers)."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    sink = SmtpSink()
    controller = OwnPortController(sink, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield SmtpServer(port=controller.port, sink=sink)
    finally:
        controller.stop()
