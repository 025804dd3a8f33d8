"""A missing service skips its tests with the reason, or fails them where CANBAO_REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc

from tests import services
from tests.services import is_no_server, postgres_unavailable, require_chromium, require_libreoffice, unavailable

ROOT = Path(__file__).resolve().parent.parent
DEAD_URL = "postgresql://postgres@127.0.0.1:1/test"  # port 1: nothing answers there
REQUIRE = services.REQUIRE_SERVICES
REASON = f"PostgreSQL 不可用（{DEAD_URL}）"

TINY_TEST = """
def test_uses_the_database(database_url):
    assert database_url
"""


def _pytest_on_a_dead_server(tmp_path: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    """Runs a tiny test that uses the database fixture (SQLite and PostgreSQL) in a pytest of its own."""
    (tmp_path / "test_tiny.py").write_text(TINY_TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in (services.REQUIRE_SERVICES, "HYPOTHESIS_PROFILE")}
    env |= {"CANBAO_TEST_POSTGRES_URL": DEAD_URL, "PYTHONPATH": str(ROOT)}
    if required:
        env[services.REQUIRE_SERVICES] = "1"
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-rs"]
    command += ["--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_without_the_flag_a_dead_postgresql_skips_its_tests_with_the_reason(tmp_path: Path) -> None:
    run = _pytest_on_a_dead_server(tmp_path, required=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout  # SQLite ran, PostgreSQL skipped
    assert "SKIPPED" in run.stdout and REASON in run.stdout and "Connection refused" in run.stdout


def test_with_the_flag_a_dead_postgresql_fails_its_tests_with_the_reason(tmp_path: Path) -> None:
    run = _pytest_on_a_dead_server(tmp_path, required=True)
    assert run.returncode == 1, run.stdout + run.stderr
    # SQLite ran; the fixture failed the PostgreSQL test (an error in its setup), nothing was skipped.
    assert "1 passed" in run.stdout and "1 error" in run.stdout and "skipped" not in run.stdout
    assert REASON in run.stdout and "Connection refused" in run.stdout
    assert "CANBAO_REQUIRE_SERVICES=1" in run.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make 未安装 / make is not installed")
def test_make_postgres_stops_a_required_run_with_the_reason(tmp_path: Path) -> None:
    stamp = tmp_path / "installed"
    stamp.touch()  # the environment this test runs in stands for the installed one
    make = ["make", "-s", "postgres", f"BIN={Path(sys.executable).parent}", f"STAMP={stamp}"]
    env = {**os.environ, "CANBAO_TEST_POSTGRES_URL": DEAD_URL, "PYTHONPATH": str(ROOT)}

    required = subprocess.run(make, cwd=ROOT, env=env | {REQUIRE: "1"}, capture_output=True, text=True, timeout=120)
    assert required.returncode != 0 and REASON in required.stderr and "Connection refused" in required.stderr

    optional = subprocess.run(make, cwd=ROOT, env=env | {REQUIRE: ""}, capture_output=True, text=True, timeout=120)
    assert optional.returncode == 0, optional.stderr


def test_only_a_server_that_does_not_answer_counts_as_unavailable() -> None:
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    assert is_no_server(refused)
    assert is_no_server(sqlalchemy.exc.OperationalError("SELECT 1", {}, refused))
    assert not is_no_server(
        psycopg.OperationalError('connection failed: ... port 5432 failed: FATAL:  database "test" does not exist')
    )
    assert not is_no_server(psycopg.OperationalError("FATAL:  password authentication failed for user"))
    assert not is_no_server(psycopg.ProgrammingError("Connection refused"))
    assert not is_no_server(RuntimeError("Connection refused"))


def test_a_dead_port_gives_the_reason_and_a_server_error_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = postgres_unavailable(DEAD_URL)
    assert reason is not None and reason.startswith(REASON) and "Connection refused" in reason

    def refuses_to_log_in(*args: object, **kwargs: object) -> None:
        raise psycopg.OperationalError('connection failed: FATAL:  role "postgres" does not exist')

    monkeypatch.setattr(psycopg, "connect", refuses_to_log_in)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        postgres_unavailable("postgresql://postgres@127.0.0.1:5432/test")


def test_a_missing_program_skips_locally_and_fails_where_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services.shutil, "which", lambda _name: None)
    monkeypatch.setattr(services, "CHROMIUM", Path("/nonexistent/chromium"))

    monkeypatch.setenv(services.REQUIRE_SERVICES, "")
    with pytest.raises(pytest.skip.Exception, match="LibreOffice"):
        require_libreoffice()
    with pytest.raises(pytest.skip.Exception, match="Chromium"):
        require_chromium()

    monkeypatch.setenv(services.REQUIRE_SERVICES, "1")
    with pytest.raises(pytest.fail.Exception, match=r"LibreOffice.*CANBAO_REQUIRE_SERVICES=1"):
        require_libreoffice()
    with pytest.raises(pytest.fail.Exception, match=r"Chromium.*CANBAO_REQUIRE_SERVICES=1"):
        require_chromium()
    with pytest.raises(pytest.fail.Exception, match="any reason"):
        unavailable("any reason")


def test_where_required_pdftotext_is_required_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services.shutil, "which", lambda name: None if name == "pdftotext" else f"/usr/bin/{name}")
    monkeypatch.setenv(services.REQUIRE_SERVICES, "")
    assert require_libreoffice() == "/usr/bin/libreoffice"  # locally pypdf reads the PDF instead
    monkeypatch.setenv(services.REQUIRE_SERVICES, "1")
    with pytest.raises(pytest.fail.Exception, match="pdftotext"):
        require_libreoffice()
