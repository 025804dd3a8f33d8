"""Every command and group of `canbao` is registered (canbao/cli/__init__.py registers them all, from the modules
of their areas), and the command line starts without the heavy libraries only some commands need."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from canbao.cli import app

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
