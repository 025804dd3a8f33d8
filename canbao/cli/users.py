"""`canbao users …`: the console's users (county, township, department, supervisor), their passwords and their
personal API tokens. Every change is logged (`canbao audit actions`) with the operating-system user as its author."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer
from rich.table import Table

from canbao.cli.common import Json, emit_json, err, fail, out, workspace

users_app: typer.Typer = typer.Typer(help="控制台用户（县级、乡镇、部门、督查）与接口令牌", no_args_is_help=True)

CHANNEL = "cli"


def _author() -> str:
    """Who made a change from the command line: the operating-system user, marked as such."""
    from models.exports import exporter

    return f"cli:{exporter()}"


def _password_from_stdin() -> str:
    """The first line of standard input, without its line break (so `echo 密码 | canbao users add …` works)."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="用户名（英文字母、数字或 _ . @ -）"),
    role: str = typer.Option(
        ..., "--role", help="角色：county（县级）、township（乡镇）、department（部门）、supervisor（督查）"
    ),
    scope: str = typer.Option(None, "--scope", help="乡镇用户：乡镇代码或名称；部门用户：部门代码或名称"),
    name: str = typer.Option("", "--name", help="姓名"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（第一行）"),
    as_json: bool = Json,
) -> None:
    """新增控制台用户；密码从标准输入读取，只保存其 argon2 摘要。"""
    from tasks.access.accounts import create_user
    from tasks.access.roles import ROLE_NAMES, UserError

    if not password_stdin:
        fail(
            "请用 --password-stdin 从标准输入提供密码（密码不能写在命令行上），"
            "例如：canbao users add 用户名 --role county --password-stdin < 密码文件"
        )
    password = _password_from_stdin()
    with workspace() as ws:
        try:
            user = create_user(ws, username=username, role=role, scope=scope, name=name, password=password,
                               by=_author(), channel=CHANNEL)  # fmt: skip
        except UserError as exc:
            fail(str(exc))
    if as_json:
        emit_json(user)
        return
    where = f"，范围 {user['scope']}" if user["scope"] else ""
    err.print(f"已新增用户 {username}（{ROLE_NAMES[user['role']]}{where}）。", highlight=False)


@users_app.command("list")
def list_command(as_json: bool = Json) -> None:
    """列出控制台用户（用户名、角色、范围、姓名、创建时间、是否停用；不显示密码摘要）。"""
    from tasks.access.accounts import all_users
    from tasks.access.roles import ROLE_NAMES

    with workspace() as ws:
        users = all_users(ws)
    if as_json:
        emit_json(users)
        return
    if not users:
        err.print("还没有控制台用户（canbao users add 用户名 --role county --password-stdin）。", highlight=False)
        return
    table = Table("用户名", "角色", "范围", "姓名", "创建时间（UTC）", "停用时间（UTC）")
    for u in users:
        created, disabled = u["created_at"][:16].replace("T", " "), (u["disabled_at"] or "")[:16].replace("T", " ")
        role = ROLE_NAMES.get(u["role"], u["role"])
        table.add_row(u["username"], role, u["scope"] or "", u["name"], created, disabled)
    out.print(table)


@users_app.command("disable")
def disable(username: str = typer.Argument(..., help="用户名"), as_json: bool = Json) -> None:
    """停用用户：其登录会话立即失效，接口令牌不再可用。"""
    from tasks.access.accounts import disable as disable_user
    from tasks.access.roles import UserError

    with workspace() as ws:
        try:
            now = disable_user(ws, username=username, by=_author(), channel=CHANNEL, now=datetime.now(UTC))
        except UserError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"username": username, "disabled": True, "changed": now})
        return
    err.print(f"用户 {username} {'已停用' if now else '早已停用'}。", highlight=False)


@users_app.command("token")
def token(username: str = typer.Argument(..., help="用户名"), as_json: bool = Json) -> None:
    """为用户生成个人接口令牌（只显示这一次；数据库只保存其摘要）。调用接口时放在 Authorization: Bearer 之后。"""
    from tasks.access.accounts import issue_token
    from tasks.access.roles import UserError

    with workspace() as ws:
        try:
            secret = issue_token(ws, username=username, by=_author(), channel=CHANNEL)
        except UserError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"username": username, "token": secret})
        return
    err.print(
        f"已为 {username} 生成接口令牌。令牌只显示这一次，请妥善转交本人；用户停用后令牌随之失效：", highlight=False
    )
    sys.stdout.write(secret + "\n")
