"""The outside services some tests need: PostgreSQL, Debian's Chromium, LibreOffice with poppler's pdftotext.

Locally a missing service skips the tests that need it, each with its reason. Where the services are declared
required (CANBAO_REQUIRE_SERVICES=1, as `.ci/run` does) the same reason fails them instead: a broken install step
or a server that is down must not turn a run green by making its checks vanish.

`python -m tests.services postgres` checks the test database the same way and exits 1 with the reason.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_SERVICES = "CANBAO_REQUIRE_SERVICES"
POSTGRES_URL = os.environ.get("CANBAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = Path("/usr/bin/chromium")

# libpq's words for "no server answered": anything else (a missing database or role, a bad password, a driver
# that is not installed) is a real error and raises.
_NO_SERVER = (
    "Connection refused",
    "could not connect",
    "timeout expired",
    "No route to host",
    "Network is unreachable",
    "No such file or directory",  # no Unix socket: no local server
)


def services_required() -> bool:
    return os.environ.get(REQUIRE_SERVICES, "").strip() not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip the current test with `reason`, or fail it where the services are required."""
    if services_required():
        pytest.fail(f"{reason}（{REQUIRE_SERVICES}=1：此服务必须可用 / this service is required）", pytrace=False)
    pytest.skip(reason)


def is_no_server(exc: BaseException) -> bool:
    """Whether a connection error means that no PostgreSQL answered (psycopg's, or SQLAlchemy's wrapping it)."""
    import psycopg
    import sqlalchemy.exc

    if isinstance(exc, sqlalchemy.exc.OperationalError):
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    return isinstance(exc, psycopg.OperationalError) and any(words in str(exc) for words in _NO_SERVER)


def postgres_unavailable(url: str = POSTGRES_URL) -> str | None:
    """None when a PostgreSQL answers at `url`; else the reason. Errors other than "no server" raise."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        if not is_no_server(exc):
            raise
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return f"PostgreSQL 不可用（{url}）：{first_line}"


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def require_libreoffice() -> str:
    """The LibreOffice binary; where the services are required, poppler's pdftotext must be there too."""
    binary = libreoffice()
    if binary is None:
        unavailable("LibreOffice 未安装（make office 安装 libreoffice-writer-nogui）/ LibreOffice is not installed")
    if services_required() and shutil.which("pdftotext") is None:
        unavailable("pdftotext 未安装（make office 安装 poppler-utils）/ poppler's pdftotext is not installed")
    return binary


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        unavailable(
            f"没有 Chromium（{CHROMIUM}），浏览器测试跳过：运行 make browser 或 apt-get install chromium / "
            f"Chromium is missing at {CHROMIUM}: run `make browser` or `apt-get install chromium`"
        )
    return CHROMIUM


def main(argv: list[str]) -> int:
    if argv != ["postgres"]:
        print("usage: python -m tests.services postgres", file=sys.stderr)
        return 2
    reason = postgres_unavailable()
    if reason is None:
        return 0
    print(reason, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The test database's URL with a new empty schema first on its search path, dropped afterwards."""
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
