"""The console's four roles and the checks a new user gets: a username of plain characters, a known role, and a
scope the campaign knows (a township by code or name, a department by key or name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from models.campaign.spec import Campaign

Role = Literal["county", "township", "department", "supervisor"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_NAMES: dict[str, str] = {
    "county": "县级（县人社局）",
    "township": "乡镇（社保所）",
    "department": "部门",
    "supervisor": "督查（效能办、人社局、财政局）",
}
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


class UserError(ValueError):
    """A user that cannot be added or found; the message says why, in Chinese."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a console user as the rules see them (no password, no hash)."""

    user_id: int
    username: str
    role: Role
    scope: str  # township code, department key, or "" (county, supervisor)
    name: str = ""


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise UserError(f"用户名“{username}”无效：须为 2–64 个英文字母、数字或 _ . @ -，并以字母或数字开头")
    return username


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(
            f"角色“{role}”无效，应为 county（县级）、township（乡镇）、department（部门）或 supervisor（督查）"
        )
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码太短：至少 {MIN_PASSWORD} 个字符（从标准输入读取第一行）")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"密码太长：最多 {MAX_PASSWORD} 个字符")
    return password


def resolve_scope(campaign: Campaign, role: Role, scope: str | None) -> str:
    """The stored scope of a new user: a township's code or a department's key, "" for the county and supervisors."""
    text = (scope or "").strip()
    if role in ("county", "supervisor"):
        if text:
            raise UserError(f"{ROLE_NAMES[role]}用户可查看全县，不能指定 --scope（收到“{text}”）")
        return ""
    if role == "township":
        found = next((t.code for t in campaign.townships if text in (t.code, t.name)), None)
        if found is None:
            example = campaign.townships[0]
            raise UserError(
                f"乡镇用户须用 --scope 指定本活动计划中的乡镇代码或名称（如 {example.code} 或 {example.name}），"
                f"“{text}”不是{campaign.county.name}的乡镇（运行 canbao orgs 查看）"
            )
        return found
    found = next((d.key for d in campaign.departments if text in (d.key, d.name)), None)
    if found is None:
        keys = "、".join(f"{d.key}（{d.name}）" for d in campaign.departments)
        raise UserError(
            f"部门用户须用 --scope 指定本活动计划中的部门代码或名称，“{text}”不是其中之一。可用的部门：{keys}"
        )
    return found
