"""The console and its API through FastAPI's TestClient, as each role and as an attacker: logging in and out,
CSRF, throttled logins, scope (404 outside it), roles (403), tokens, and the audit log of every change."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.exports import exports, log_exports
from models.tables import CompareRun, Completion
from models.users import ConsoleSession, ConsoleUser
from tasks.access.accounts import MAX_FAILURES_PER_USER, THROTTLE_WINDOW, disable, open_session, session_principal
from tasks.access.accounts import log_in as accounts_log_in
from tasks.access.audit import action_log
from tasks.access.roles import Principal
from tasks.workspace import Workspace
from tests.console_helpers import NOW, OTHER_TOWNSHIP, PASSWORD, add_users, form_csrf, log_in
from tests.web_helpers import LONE_VILLAGE, TODAY, TOWNSHIP, VILLAGE_A, VILLAGE_B


@dataclass
class Console:
    ws: Workspace
    tokens: dict[str, str]
    clock: list = field(default_factory=lambda: [NOW])

    def client(self) -> TestClient:
        app = create_app(self.ws.settings, clock=lambda _campaign: TODAY, now=lambda: self.clock[0])
        return TestClient(app)

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def console(workspace: Workspace) -> Iterator[Console]:
    yield Console(workspace, add_users(workspace))


def done_rows(ws: Workspace) -> set[tuple[str, str]]:
    with ws.session() as session:
        return {(c.milestone, c.owner) for c in session.exec(select(Completion))}


# -- logging in and out ----------------------------------------------------------------------------------------


def test_login_sets_an_httponly_samesite_session_and_shows_the_users_township(console: Console) -> None:
    with console.client() as client:
        assert client.get("/", follow_redirects=False).headers["location"].endswith("/login")
        page = client.get("/login")
        assert 'name="csrf_token"' in page.text and 'name="username"' in page.text and 'name="password"' in page.text
        data = {"username": "fengcheng", "password": PASSWORD, "csrf_token": form_csrf(page.text)}
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 303
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("canbao_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        home = client.get("/")
        assert home.status_code == 200
        assert "入户调查阶段" in home.text and "还有 39 天" in home.text  # 2017-05-22 → 2017-06-30
        assert "凤城镇" in home.text and "成立乡镇工作领导小组" in home.text
        assert "蓬莱镇" not in home.text  # another township's overdue milestones are not shown
    with console.ws.session() as session:
        stored = session.exec(select(ConsoleSession)).one()
        assert stored.session_hash != cookie.split(";")[0].split("=", 1)[1]  # only the hash is kept


def test_logout_needs_the_csrf_token_and_ends_the_session(console: Console) -> None:
    with console.client() as client:
        assert log_in(client, "county") == 303
        csrf = form_csrf(client.get("/logout").text)
        refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
        assert refused.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
        cookie = client.cookies.get("canbao_session")
        out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"].endswith("/login")
        assert client.get("/", follow_redirects=False).status_code == 303
    with console.client() as replay:  # the old cookie, replayed, opens nothing
        replay.cookies.set("canbao_session", cookie or "")
        assert replay.get("/", follow_redirects=False).status_code == 303
        assert replay.get("/api/v1/status").status_code == 401
    actions = [(a["username"], a["action"]) for a in action_log(console.ws)]
    assert ("county", "login") in actions and ("county", "logout") in actions


def test_a_login_without_its_csrf_field_is_refused(console: Console) -> None:
    with console.client() as client:
        client.get("/login")
        data = {"username": "county", "password": PASSWORD, "csrf_token": "not-the-cookie"}
        assert client.post("/login", data=data, follow_redirects=False).status_code == 403
        data.pop("csrf_token")
        assert client.post("/login", data=data, follow_redirects=False).status_code == 403
        assert "canbao_session" not in client.cookies


def test_wrong_passwords_unknown_and_disabled_users_look_alike(console: Console) -> None:
    disable(console.ws, username="police", by="test", channel="cli", now=NOW)
    with console.client() as client:
        assert log_in(client, "county", "wrong-password") == 401
        assert log_in(client, "nobody", PASSWORD) == 401
        assert log_in(client, "police", PASSWORD) == 401
        page = client.get("/login")
        data = {"username": "county", "password": "x", "csrf_token": form_csrf(page.text)}
        assert "用户名或密码不正确" in client.post("/login", data=data).text


def test_repeated_failures_throttle_the_username_even_with_the_right_password(console: Console) -> None:
    with console.client() as client:
        for _ in range(MAX_FAILURES_PER_USER):
            assert log_in(client, "county", "guess") == 401
        assert log_in(client, "county", PASSWORD) == 429
        assert log_in(client, "fengcheng", PASSWORD) == 303  # another user is not locked out
        assert client.get("/login", follow_redirects=False).status_code == 303  # signed in: no second login form
        client.cookies.clear()
        console.clock[0] = NOW + THROTTLE_WINDOW + timedelta(seconds=1)
        assert log_in(client, "county", PASSWORD) == 303


def test_a_login_ends_the_browsers_earlier_session_and_expired_ones(console: Console) -> None:
    principal = log_in_directly(console.ws, "county")
    first = open_session(console.ws, principal, channel="web", now=NOW)
    second = open_session(console.ws, principal, channel="web", now=NOW, replacing=first.session_id)
    assert session_principal(console.ws, first.session_id, now=NOW) is None
    assert session_principal(console.ws, second.session_id, now=NOW) == (principal, second.csrf_token)
    later = second.expires_at
    assert session_principal(console.ws, second.session_id, now=later) is None  # expired
    open_session(console.ws, principal, channel="web", now=later)
    with console.ws.session() as session:
        assert len(list(session.exec(select(ConsoleSession)))) == 1  # the expired one was removed


def log_in_directly(ws: Workspace, username: str) -> Principal:
    result = accounts_log_in(ws, username=username, password=PASSWORD, client="127.0.0.1", now=NOW)
    assert result.principal is not None
    return result.principal


def test_passwords_are_stored_only_as_argon2_hashes(console: Console) -> None:
    with console.ws.session() as session:
        users = list(session.exec(select(ConsoleUser)))
    assert users and all(u.password_hash.startswith("$argon2id$") for u in users)
    assert all(PASSWORD not in u.password_hash for u in users)


def progress_all(client: TestClient, console: Console) -> list[dict[str, object]]:
    return list(client.get("/api/v1/progress", headers=console.bearer("county")).json()["townships"])


# -- the API: credentials, roles, scope -------------------------------------------------------------------------


def test_api_without_credentials_or_with_a_wrong_token_is_401(console: Console) -> None:
    with console.client() as client:
        for path in ("/api/v1/status", "/api/v1/progress", "/api/v1/orgs"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": "Bearer nonsense"}).status_code == 401
        response = client.post("/api/v1/milestones/township_work_plan/350524100/done", json={})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    disable(console.ws, username="county", by="test", channel="cli", now=NOW)
    with console.client() as client:
        assert client.get("/api/v1/status", headers=console.bearer("county")).status_code == 401


def test_status_progress_and_orgs_are_cut_to_the_scope(console: Console) -> None:
    with console.client() as client:
        status = client.get("/api/v1/status", params={"as_of": "2017-05-22"}, headers=console.bearer("fengcheng"))
        assert status.status_code == 200
        body = status.json()
        assert set(body) == {"as_of", "phase", "milestones", "reviews"} and body["phase"] == "survey"
        assert body["milestones"] and {m["owner"] for m in body["milestones"]} == {TOWNSHIP}
        assert {t["township"] for t in body["reviews"]["townships"]} == {TOWNSHIP}
        county = client.get("/api/v1/status", headers=console.bearer("county")).json()
        assert {TOWNSHIP, OTHER_TOWNSHIP, "county", "hrss"} <= {m["owner"] for m in county["milestones"]}
        hrss = client.get("/api/v1/status", headers=console.bearer("hrss")).json()
        assert {m["owner"] for m in hrss["milestones"]} == {"hrss"}

        progress = client.get("/api/v1/progress", headers=console.bearer("fengcheng")).json()
        assert [t["code"] for t in progress["townships"]] == [TOWNSHIP]
        assert len(client.get("/api/v1/progress", headers=console.bearer("supervisor")).json()["townships"]) > 1
        assert client.get("/api/v1/progress", headers=console.bearer("hrss")).status_code == 403

        scores = client.get("/api/v1/scores", params={"as_of": "2017-06-02"}, headers=console.bearer("fengcheng"))
        assert [s["township"] for s in scores.json()] == [TOWNSHIP] and "breakdown" in scores.json()[0]
        everyone = client.get("/api/v1/scores", params={"as_of": "2017-06-02"}, headers=console.bearer("county"))
        assert len(everyone.json()) == len({t["code"] for t in progress_all(client, console)})
        assert client.get("/api/v1/scores", headers=console.bearer("hrss")).status_code == 403

        orgs = client.get("/api/v1/orgs", headers=console.bearer("fengcheng")).json()
        assert orgs and all(TOWNSHIP in (o["code"], o["parent"]) for o in orgs)
        assert set(orgs[0]) == {"code", "name", "level", "parent"}
        assert client.get("/api/v1/orgs", headers=console.bearer("police")).status_code == 403
        bad_day = client.get("/api/v1/status", params={"as_of": "2017-13-01"}, headers=console.bearer("county"))
        assert bad_day.status_code == 422 and "as_of" in bad_day.json()["detail"]


def test_marking_done_follows_role_and_scope(console: Console) -> None:
    own = f"/api/v1/milestones/township_work_plan/{TOWNSHIP}/done"
    other = f"/api/v1/milestones/township_work_plan/{OTHER_TOWNSHIP}/done"
    body = {"on": "2017-03-20", "note": "已发文"}
    with console.client() as client:
        assert client.post(other, json=body, headers=console.bearer("fengcheng")).status_code == 404
        assert client.post(own, json=body, headers=console.bearer("supervisor")).status_code == 403
        assert client.post(own, json=body, headers=console.bearer("hrss")).status_code == 404
        nonexistent = "/api/v1/milestones/no_such_milestone/350524100/done"
        assert client.post(nonexistent, json=body, headers=console.bearer("fengcheng")).status_code == 404
        assert done_rows(console.ws) == set()

        response = client.post(own, json=body, headers=console.bearer("fengcheng"))
        assert response.status_code == 200, response.text
        assert response.json()["done_on"] == "2017-03-20" and response.json()["owner_name"] == "凤城镇"
        delivered = client.post("/api/v1/milestones/data_delivery/hrss/done", json={}, headers=console.bearer("hrss"))
        assert delivered.status_code == 200 and delivered.json()["done_on"] == TODAY.isoformat()
        assert client.post(other, json={"on": "yesterday"}, headers=console.bearer("county")).status_code == 422
    assert done_rows(console.ws) == {("township_work_plan", TOWNSHIP), ("data_delivery", "hrss")}
    logged = [a for a in action_log(console.ws) if a["action"] == "milestone_done"]
    assert [(a["username"], a["target"], a["channel"]) for a in logged] == [
        ("fengcheng", f"township_work_plan/{TOWNSHIP}", "api"),
        ("hrss", "data_delivery/hrss", "api"),
    ]
    assert logged[0]["detail"]["note"] == "已发文" and logged[0]["at"]


def test_cookie_writes_need_the_csrf_header(console: Console) -> None:
    path = f"/api/v1/milestones/township_work_plan/{TOWNSHIP}/done"
    with console.client() as client:
        assert log_in(client, "fengcheng") == 303
        assert client.get("/api/v1/status").status_code == 200  # reads need no token
        assert client.post(path, json={"on": "2017-03-20"}).status_code == 403
        assert client.post(path, json={"on": "2017-03-20"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert done_rows(console.ws) == set()
        csrf = client.get("/api/v1/session").json()["csrf_token"]
        assert csrf and csrf in client.get("/").text  # the page carries it for its own scripts
        response = client.post(path, json={"on": "2017-03-20"}, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 200
    assert done_rows(console.ws) == {("township_work_plan", TOWNSHIP)}


def test_a_supervisor_reads_everything_and_changes_nothing(console: Console) -> None:
    with console.client() as client:
        assert log_in(client, "supervisor") == 303
        home = client.get("/")
        assert "凤城镇" in home.text and "蓬莱镇" in home.text
        csrf = client.get("/api/v1/session").json()["csrf_token"]
        for owner in (TOWNSHIP, "county"):
            milestone = "township_work_plan" if owner == TOWNSHIP else "county_work_plan"
            path = f"/api/v1/milestones/{milestone}/{owner}/done"
            response = client.post(path, json={}, headers={"X-CSRF-Token": csrf})
            assert response.status_code == 403
    assert done_rows(console.ws) == set()
    assert not [a for a in action_log(console.ws) if a["action"] == "milestone_done"]


def test_the_audit_command_lists_web_changes(console: Console, env: dict[str, str]) -> None:
    from tests.cli_runner import invoke

    with console.client() as client:
        client.post(f"/api/v1/milestones/township_work_plan/{TOWNSHIP}/done", json={}, headers=console.bearer("county"))
    settings = console.ws.settings
    same = {**env, "CANBAO_DATA_DIR": str(settings.data_dir), "CANBAO_DATABASE_URL": settings.db_url}
    code, out, err = invoke(same, "audit", "actions", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {"at", "username", "action", "target", "detail", "channel"} <= set(rows[-1])
    assert (rows[-1]["username"], rows[-1]["action"]) == ("county", "milestone_done")


def test_a_village_work_list_is_handed_out_only_inside_the_scope_and_logged(console: Console, tmp_path: Path) -> None:
    campaign_id, _campaign = console.ws.campaign()
    own = tmp_path / "凤城镇" / f"{VILLAGE_A}-新安社区-入户调查名单.xlsx"
    foreign = tmp_path / "蓬莱镇" / f"{LONE_VILLAGE}-村-入户调查名单.xlsx"
    for path in (own, foreign):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"PK workbook " + path.name.encode())
    with console.ws.session() as session:
        log_exports(session, campaign_id=campaign_id, kind="worklist", files=[(own, 3), (foreign, 1)])
    with console.client() as client:
        got = client.get(f"/api/v1/villages/{VILLAGE_A}/worklist.xlsx", headers=console.bearer("fengcheng"))
        assert got.status_code == 200 and got.content == own.read_bytes()
        assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
        for code in (LONE_VILLAGE, VILLAGE_B, "350524100999", "..%2F..%2Fetc", "x" * 300):
            response = client.get(f"/api/v1/villages/{code}/worklist.xlsx", headers=console.bearer("fengcheng"))
            assert response.status_code == 404, code  # another township's, never published, nonexistent: alike
        assert (
            client.get(f"/api/v1/villages/{VILLAGE_A}/worklist.xlsx", headers=console.bearer("hrss")).status_code == 403
        )
        assert (
            client.get(f"/api/v1/villages/{LONE_VILLAGE}/worklist.xlsx", headers=console.bearer("county")).status_code
            == 200
        )
        assert client.get(f"/api/v1/villages/{VILLAGE_A}/worklist.xlsx").status_code == 401
    with console.ws.session() as session:
        handed = [(e.file, e.persons, e.exported_by) for e in exports(session, campaign_id=campaign_id)][2:]
    assert handed == [(str(own), 3, "api:fengcheng"), (str(foreign), 1, "api:county")]


def test_the_comparison_figures_are_cut_to_the_township(console: Console) -> None:
    with console.client() as client:
        assert client.get("/api/v1/compare", headers=console.bearer("county")).status_code == 404  # none yet
        campaign_id, campaign = console.ws.campaign()
        by_township = [{"code": t.code, "name": t.name, "persons": 10} for t in campaign.townships]
        summary = {"as_of": "2017-04-30", "persons": 10 * len(by_township), "by_township": by_township}
        with console.ws.session() as session:
            session.add(CompareRun(campaign_id=campaign_id, as_of=date(2017, 4, 30), snapshots="{}",
                                   summary=json.dumps(summary)))  # fmt: skip
        own = client.get("/api/v1/compare", headers=console.bearer("fengcheng")).json()
        assert own["persons"] == summary["persons"] and [t["code"] for t in own["by_township"]] == [TOWNSHIP]
        assert client.get("/api/v1/compare", headers=console.bearer("supervisor")).json() == summary
        assert client.get("/api/v1/compare", headers=console.bearer("police")).status_code == 403


def test_the_request_log_names_the_user_never_a_secret(console: Console, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="canbao.web"), console.client() as client:
        client.get("/api/v1/status", headers=console.bearer("fengcheng"))
        assert log_in(client, "county", "a-wrong-guess") == 401
        assert log_in(client, "county\n2017-05-22 INFO canbao.web: 登录：用户 'x'") == 401
        assert log_in(client, "county") == 303
        client.get("/")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /api/v1/status 200" in text and "（用户 fengcheng）" in text and "GET / 200" in text
    assert console.tokens["fengcheng"] not in text and "a-wrong-guess" not in text and PASSWORD not in text
    assert not any(r.getMessage().startswith("2017-05-22") for r in caplog.records)
    assert all("\n" not in r.getMessage() for r in caplog.records)


def test_an_owner_marks_a_milestone_done_on_the_first_page_with_its_csrf_token(console: Console) -> None:
    own = f"/milestones/township_work_plan/{TOWNSHIP}/done"
    with console.client() as client:
        assert log_in(client, "fengcheng") == 303
        home = client.get("/").text
        assert f'action="{own}"' in home and f"/milestones/township_work_plan/{OTHER_TOWNSHIP}/done" not in home
        csrf = form_csrf(home)
        form = {"on": "2017-03-20", "note": "凤政〔2017〕12号"}
        assert client.post(own, data=form, follow_redirects=False).status_code == 403  # no token
        assert client.post(own, data={**form, "csrf_token": "forged"}, follow_redirects=False).status_code == 403
        other = f"/milestones/township_work_plan/{OTHER_TOWNSHIP}/done"
        assert client.post(other, data={**form, "csrf_token": csrf}, follow_redirects=False).status_code == 404
        bad_day = client.post(own, data={**form, "on": "20.3.2017", "csrf_token": csrf}, follow_redirects=False)
        assert bad_day.status_code == 422 and "完成日期" in bad_day.text
        assert done_rows(console.ws) == set()
        saved = client.post(own, data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert saved.status_code == 303
        page = client.get(saved.headers["location"]).text
        assert "已记录：凤城镇完成“制定乡镇工作方案”。" in page
        assert "已记录" not in client.get("/?done=<b>假消息</b>&owner=x").text  # a crafted link says nothing
    assert done_rows(console.ws) == {("township_work_plan", TOWNSHIP)}
    [entry] = [a for a in action_log(console.ws) if a["action"] == "milestone_done"]
    assert (entry["username"], entry["channel"], entry["detail"]["note"]) == ("fengcheng", "web", "凤政〔2017〕12号")


def test_a_supervisors_first_page_has_no_forms_but_logout_and_a_forged_post_is_refused(console: Console) -> None:
    with console.client() as client:
        assert log_in(client, "supervisor") == 303
        home = client.get("/").text
        assert "/milestones/" not in home and "已逾期的工作任务" in home
        csrf = form_csrf(home)  # the logout form's
        response = client.post(f"/milestones/township_work_plan/{TOWNSHIP}/done",
                               data={"on": "2017-03-20", "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
        assert response.status_code == 403
    assert done_rows(console.ws) == set()
