"""Real receivers on 127.0.0.1 for delivery tests: an HTTP endpoint and an SMTP server."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

    def stop(self) -> None:
        # shutdown() stops serve_forever; server_close() releases the port so
        # that later connections are refused outright.
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_http_receiver(port: int = 0) -> HttpReceiver:
    """An HTTP endpoint that records each POSTed JSON body and answers `receiver.status`."""
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

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    receiver = HttpReceiver(server=server, thread=thread)
    thread.start()
    return receiver


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = start_http_receiver()
    try:
        yield receiver
    finally:
        if receiver.thread.is_alive():
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


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port=port, sink=sink)
    finally:
        controller.stop()
