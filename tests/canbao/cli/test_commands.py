"""Every command and group of `canbao` is registered (canbao/cli/__init__.py registers them all, from the modules
of their areas), and the command line starts without the heavy libraries only some commands need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from canbao.cli import app
from tests.cli_runner import invoke_ok

ROOT = Path(__file__).resolve().parents[3]

COMMAND_PATHS = {
    "analysis plan", "audit actions", "audit exports", "collect", "compare", "cutoff", "exchange", "ingest", "init",
    "inspect import", "inspect ledger", "inspect rates", "inspect rectified", "inspect sample", "inspect visit add",
    "inspect visit import", "messages outbox", "messages preview", "milestone done", "notice ranking", "orgs",
    "progress", "remind", "replay", "report", "runs", "scores", "serve", "status", "summary", "survey audit",
    "survey cards check", "survey cards import", "survey cards issue", "survey cards print", "survey cards revoke",
    "survey confirm", "survey corrections", "survey import", "survey review", "synth", "training attendance import",
    "training sessions import", "training status", "users add", "users disable", "users list", "users token",
    "web revoke", "web serve", "web token", "web tokens", "worklists",
}  # fmt: skip
GROUPS = {"analysis", "audit", "inspect", "inspect visit", "messages", "milestone", "notice", "survey",
          "survey cards", "training", "training attendance", "training sessions", "users", "web"}  # fmt: skip


def _walk(command: Any, prefix: tuple[str, ...] = ()) -> tuple[set[str], set[str]]:
    """The paths of the commands that run, and of the groups holding them."""
    subcommands: dict[str, Any] = getattr(command, "commands", {})
    if not subcommands:
        return {" ".join(prefix)}, set()
    commands, groups = set(), {" ".join(prefix)} if prefix else set()
    for name, sub in subcommands.items():
        found, inner = _walk(sub, (*prefix, name))
        commands |= found
        groups |= inner
    return commands, groups


def test_every_command_and_group_is_registered() -> None:
    commands, groups = _walk(typer.main.get_command(app))
    assert commands == COMMAND_PATHS
    assert groups == GROUPS


def test_the_command_line_loads_neither_prefect_nor_pandas() -> None:
    code = "import json, sys\nimport canbao.cli\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert set(json.loads(done.stdout)) & {"prefect", "pandas", "pyarrow", "fastapi"} == set()


# A command run in a fresh interpreter, then the top-level packages it loaded (the last line of standard output).
RUN_AND_LIST = """
import json, sys
from canbao.cli import app
try:
    app(sys.argv[1:], prog_name="canbao")
except SystemExit as exc:
    code = exc.code
sys.stdout.write("\\n" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})) + "\\n")
sys.exit(code)
"""
HEAVY = {"prefect", "pandas", "pyarrow", "numpy", "fastapi", "apprise", "docx", "matplotlib", "fontTools"}


def loaded_by(env: dict[str, str], *args: str) -> tuple[int, set[str], str]:
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    return done.returncode, set(json.loads(done.stdout.strip().splitlines()[-1])), done.stderr


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An initialised workspace on SQLite, and the environment of a child process using it."""
    data = {"CANBAO_DATA_DIR": str(tmp_path_factory.mktemp("loads") / "var")}
    invoke_ok(data, "init")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
    return {**clean, **data}


def test_help_loads_neither_the_storage_nor_the_settings(county: dict[str, str]) -> None:
    code, loaded, _err = loaded_by(county, "--help")
    assert code == 0
    assert loaded & (HEAVY | {"sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings", "jinja2"}) == set()


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--as-of", "2017-04-25", "--json"],
        ["remind", "--as-of", "2017-04-25", "--dry-run", "--json"],
        ["milestone", "done", "凤城镇", "no_such_milestone"],
    ],
)
def test_quick_commands_answer_without_prefect_or_the_heavy_libraries(county: dict[str, str], args: list[str]) -> None:
    code, loaded, err = loaded_by(county, *args)
    assert code in (0, 2), err
    assert loaded & HEAVY == set()


def test_a_dry_run_in_the_survey_reads_the_figures_without_prefect(county: dict[str, str]) -> None:
    code, loaded, err = loaded_by(county, "remind", "--as-of", "2017-05-25", "--dry-run", "--json")
    assert code == 0, err
    assert "pandas" in loaded  # the survey's figures are tables
    assert loaded & {"prefect", "fastapi", "docx", "matplotlib", "apprise"} == set()  # no refused rows: no senders


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "no_such_source", "README.md"], "未知的数据源“no_such_source”"),
        (["ingest", "household", "no/such/file.xlsx"], "找不到文件"),
        (["collect", "no/such/folder"], "找不到数据文件夹"),
    ],
)
def test_bad_input_fails_before_prefect_or_pandas_load(county: dict[str, str], args: list[str], message: str) -> None:
    code, loaded, err = loaded_by(county, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("错误：") and message in err, err
    assert loaded & HEAVY == set()
