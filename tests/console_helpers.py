"""Console users of every role for the web and API tests, and a signed-in browser-like client."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tasks.access.accounts import create_user, issue_token
from tasks.workspace import Workspace

PASSWORD = "正确的密码-2017"
OTHER_TOWNSHIP = "350524101"  # 蓬莱镇
USERS = {
    "county": ("county", None),
    "fengcheng": ("township", "350524100"),  # 凤城镇
    "penglai": ("township", OTHER_TOWNSHIP),
    "hrss": ("department", "hrss"),
    "police": ("department", "police"),
    "supervisor": ("supervisor", None),
}
NOW = datetime(2017, 5, 22, 2, 0, tzinfo=UTC)


def add_users(ws: Workspace) -> dict[str, str]:
    """Every user of USERS with PASSWORD; returns a personal API token per username."""
    tokens = {}
    for username, (role, scope) in USERS.items():
        create_user(ws, username=username, role=role, scope=scope, name="", password=PASSWORD, by="test",
                    channel="cli")  # fmt: skip
        tokens[username] = issue_token(ws, username=username, by="test", channel="cli")
    return tokens


def form_csrf(html: str) -> str:
    found = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html[:2000]
    return found.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    """Open /login, post the form with its CSRF field; the response's status (303 on success)."""
    page = client.get("/login")
    assert page.status_code == 200
    data = {"username": username, "password": password, "csrf_token": form_csrf(page.text)}
    return client.post("/login", data=data, follow_redirects=False).status_code
