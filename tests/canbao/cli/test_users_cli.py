"""`canbao users add/list/disable/token` and `canbao audit actions`: contracts, Chinese errors with exit code 2,
passwords only as hashes, tokens shown once and stored as hashes."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from canbao.cli import app
from models.settings import Settings
from models.users import ApiToken, ConsoleUser
from tasks.access.accounts import secret_hash, token_principal
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

PASSWORD = "县人社局密码2017"


def add(env: dict[str, str], *args: str, password: str = PASSWORD) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["users", "add", *args, "--password-stdin"], env=env, input=password + "\n")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def initialised(env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    """What `canbao init` leaves (the session's initialised copy, tests/db_templates.py)."""
    return env


def workspace_of(env: dict[str, str]) -> Workspace:
    return Workspace.open(Settings(data_dir=env["CANBAO_DATA_DIR"], database_url=env["CANBAO_DATABASE_URL"]))


def test_users_are_added_with_their_scope_and_listed_without_secrets(initialised: dict[str, str]) -> None:
    env = initialised
    assert add(env, "zhang", "--role", "county", "--name", "张三")[0] == 0
    assert add(env, "fc", "--role", "township", "--scope", "凤城镇")[0] == 0  # by name: stored as the code
    assert add(env, "hr", "--role", "department", "--scope", "县人社局")[0] == 0
    assert add(env, "jd", "--role", "supervisor", "--json")[0] == 0
    listed = json.loads(invoke_ok(env, "users", "list", "--json"))
    assert [(u["username"], u["role"], u["scope"]) for u in listed] == [
        ("zhang", "county", None), ("fc", "township", "350524100"), ("hr", "department", "hrss"),
        ("jd", "supervisor", None),
    ]  # fmt: skip
    assert listed[0]["name"] == "张三" and listed[0]["disabled"] is False
    assert "hash" not in json.dumps(listed) and "argon2" not in json.dumps(listed)
    ws = workspace_of(env)
    try:
        with ws.session() as session:
            hashes = [u.password_hash for u in session.exec(select(ConsoleUser))]
    finally:
        ws.close()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert "乡镇（社保所）" in invoke_ok(env, "users", "list")


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (("fc", "--role", "township", "--scope", "350524999"), PASSWORD, "不是安溪县的乡镇"),
        (("fc", "--role", "township"), PASSWORD, "乡镇用户须用 --scope"),
        (("hr", "--role", "department", "--scope", "tax"), PASSWORD, "部门用户须用 --scope"),
        (("boss", "--role", "county", "--scope", "350524100"), PASSWORD, "不能指定 --scope"),
        (("boss", "--role", "mayor"), PASSWORD, "角色“mayor”无效"),
        (("王", "--role", "county"), PASSWORD, "用户名“王”无效"),
        (("boss", "--role", "county"), "short", "密码太短"),
        (("boss", "--role", "county"), "", "密码太短"),
    ],
)
def test_bad_input_is_refused_in_chinese_with_exit_2(
    initialised: dict[str, str], args: tuple[str, ...], password: str, reason: str
) -> None:
    code, _out, err = add(initialised, *args, password=password)
    assert code == 2 and reason in err and "Traceback" not in err
    assert json.loads(invoke_ok(initialised, "users", "list", "--json")) == []


def test_a_password_on_the_command_line_is_refused_and_a_name_taken_once(initialised: dict[str, str]) -> None:
    code, _out, err = invoke(initialised, "users", "add", "boss", "--role", "county")
    assert code == 2 and "--password-stdin" in err
    assert add(initialised, "boss", "--role", "county")[0] == 0
    code, _out, err = add(initialised, "boss", "--role", "supervisor")
    assert code == 2 and "已存在" in err


def test_a_token_is_printed_once_stored_hashed_and_dies_with_its_user(initialised: dict[str, str]) -> None:
    env = initialised
    add(env, "fc", "--role", "township", "--scope", "350524100")
    issued = json.loads(invoke_ok(env, "users", "token", "fc", "--json"))
    assert set(issued) == {"username", "token"} and issued["username"] == "fc" and len(issued["token"]) >= 40
    plain = invoke_ok(env, "users", "token", "fc").strip()
    assert plain and plain != issued["token"]
    ws = workspace_of(env)
    try:
        with ws.session() as session:
            stored = [t.token_hash for t in session.exec(select(ApiToken))]
        assert stored == [secret_hash(issued["token"]), secret_hash(plain)]
        principal = token_principal(ws, issued["token"])
        assert principal is not None and (principal.role, principal.scope) == ("township", "350524100")
        invoke_ok(env, "users", "disable", "fc")
        assert token_principal(ws, issued["token"]) is None
    finally:
        ws.close()
    code, _out, err = invoke(env, "users", "token", "fc")
    assert code == 2 and "已停用" in err
    for command in ("token", "disable"):
        code, _out, err = invoke(env, "users", command, "nobody")
        assert code == 2 and "没有用户“nobody”" in err
    assert json.loads(invoke_ok(env, "users", "list", "--json"))[0]["disabled"] is True


def test_every_user_change_is_in_the_audit_log(initialised: dict[str, str]) -> None:
    env = initialised
    add(env, "fc", "--role", "township", "--scope", "350524100")
    invoke_ok(env, "users", "token", "fc")
    invoke_ok(env, "users", "disable", "fc")
    invoke_ok(env, "users", "disable", "fc")  # already disabled: no second entry
    rows = json.loads(invoke_ok(env, "audit", "actions", "--json"))
    assert [(r["action"], r["target"], r["channel"]) for r in rows] == [
        ("user_add", "fc", "cli"), ("token_issue", "fc", "cli"), ("user_disable", "fc", "cli"),
    ]  # fmt: skip
    assert all(r["username"].startswith("cli:") and r["at"].endswith("+00:00") for r in rows)
    assert rows[0]["detail"] == {"role": "township", "scope": "350524100"}
    assert "新增用户" in invoke_ok(env, "audit", "actions")
