"""Running the `canbao` command in-process, as a coordinator's script would, with its own environment."""

from __future__ import annotations

from typer.testing import CliRunner

from canbao.cli import app

runner = CliRunner()


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error; an unexpected exception is raised, not hidden."""
    result = runner.invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def invoke_ok(env: dict[str, str], *args: str) -> str:
    """Standard output of a command that must succeed (exit code 0)."""
    code, out, err = invoke(env, *args)
    assert code == 0, f"canbao {' '.join(args)} → {code}\n{err[-3000:]}"
    return out
