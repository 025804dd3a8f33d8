"""The console's read-side pages (工作任务, 入户调查进度, 数据比对, 工作清单, 评分排名) as each role, with the scope's
404s, masked personal data and "mark done" through the 工作任务 page with its CSRF token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.exports import exports, log_exports
from models.tables import Anomaly, CompareRun
from tasks.access.audit import action_log
from tasks.access.reads import scores_for
from tasks.identity.masking import find_unmasked
from tests.canbao.web.test_console import Console, done_rows, log_in_directly
from tests.console_helpers import OTHER_TOWNSHIP, add_users, form_csrf, log_in
from tests.web_helpers import LONE_VILLAGE, RESIDENTS, TODAY, TOWNSHIP, VILLAGE_A, VILLAGE_B, seed

READ_PAGES = ("/tasks", "/progress", "/compare", "/scores")
SURVEY_PAGES = ("/progress", f"/progress/{TOWNSHIP}", f"/progress/{TOWNSHIP}/{VILLAGE_A}", "/compare", "/scores")


@pytest.fixture
def console(workspace) -> Iterator[Console]:  # type: ignore[no-untyped-def]
    seed(workspace)
    yield Console(workspace, add_users(workspace))


def signed_in(console: Console, username: str) -> TestClient:
    client = console.client()
    client.__enter__()
    assert log_in(client, username) == 303
    return client


def add_comparison(console: Console) -> None:
    """A stored comparison's figures and two anomalies whose evidence holds an ID and a phone in full."""
    campaign_id, campaign = console.ws.campaign()
    by_township = [{"code": t.code, "name": t.name, "persons": 10, "uninsured": 3, "partial": 2,
                    "missing_by_insurance": {"pension": 4}} for t in campaign.townships]  # fmt: skip
    summary = {"as_of": "2017-04-30", "persons": 10 * len(by_township), "categories": {"uninsured": 72},
               "missing_by_insurance": {"pension": 96}, "anomalies": {"duplicate_enrolment": 2},
               "by_township": by_township}  # fmt: skip
    own, foreign = RESIDENTS[0], RESIDENTS[-1]
    with console.ws.session() as session:
        session.add(CompareRun(campaign_id=campaign_id, as_of=date(2017, 4, 30), snapshots="{}",
                               summary=json.dumps(summary)))  # fmt: skip
        for r in (own, foreign):
            session.add(Anomaly(campaign_id=campaign_id, compare_run_id=1, id_number=r.id_number,
                                kind="duplicate_enrolment", sources="pension_employee,pension_resident",
                                evidence=f"职工养老与城乡居民养老同时参保 {r.id_number} 电话 {r.phone}",
                                village_code=r.village))  # fmt: skip


def publish(console: Console, tmp_path: Path) -> dict[str, Path]:
    campaign_id, _campaign = console.ws.campaign()
    files = {
        "own_list": tmp_path / f"{VILLAGE_A}-新安社区-入户调查名单.xlsx",
        "own_forms": tmp_path / f"{VILLAGE_A}-新安社区-入户调查登记表.docx",
        "foreign_list": tmp_path / f"{LONE_VILLAGE}-村-入户调查名单.xlsx",
    }
    for path in files.values():
        path.write_bytes(b"PK " + path.name.encode())
    with console.ws.session() as session:
        log_exports(
            session,
            campaign_id=campaign_id,
            kind="worklist",
            files=[(files["own_list"], 3), (files["foreign_list"], 1)],
        )
        log_exports(session, campaign_id=campaign_id, kind="household_form", files=[(files["own_forms"], 3)])
    return files


def issue(console: Console) -> tuple[Path, Path]:
    data = console.ws.settings.data_path
    folder = data / "notices" / "2017-05-05-安参保办〔2017〕1号"
    notice = folder / "安参保办〔2017〕1号-全民参保登记工作进展情况通报.html"
    report = data / "reports" / "2017-05-19" / "督查报告-2017-05-19.html"
    for path in (notice, report):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html><body>通报正文</body></html>", encoding="utf-8")
    return notice, report


# -- every page for every role ----------------------------------------------------------------------------------


def test_every_page_renders_for_every_role_that_may_read_it(console: Console, tmp_path: Path) -> None:
    add_comparison(console)
    publish(console, tmp_path)
    for username in ("county", "fengcheng", "supervisor"):
        client = signed_in(console, username)
        for path in (*SURVEY_PAGES, "/tasks"):
            page = client.get(path)
            assert page.status_code == 200, (username, path, page.text[:500])
            assert "工作任务" in page.text and 'href="/progress"' in page.text  # the navigation
            assert not find_unmasked(page.text), (username, path)
        worklists = client.get("/worklists")
        assert worklists.status_code == (404 if username == "supervisor" else 200), username
        assert ('href="/worklists"' in client.get("/").text) == (username != "supervisor")
    hrss = signed_in(console, "hrss")
    assert hrss.get("/tasks").status_code == 200
    nav = hrss.get("/").text
    assert 'href="/tasks"' in nav and 'href="/progress"' not in nav and 'href="/scores"' not in nav
    for path in (*SURVEY_PAGES, "/worklists", f"/worklists/{VILLAGE_A}/worklist"):
        assert hrss.get(path).status_code == 404, path


def test_pages_need_a_login(console: Console) -> None:
    with console.client() as client:
        for path in (*READ_PAGES, "/worklists", f"/progress/{TOWNSHIP}"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].endswith("/login"), path


# -- 工作任务 --------------------------------------------------------------------------------------------------------


def test_the_timeline_lists_the_scopes_milestones_overdue_first(console: Console) -> None:
    county = signed_in(console, "county").get("/tasks").text
    assert "凤城镇" in county and "蓬莱镇" in county and "县人社局" in county
    states = [line.split('"')[1] for line in county.split("<tr class=")[1:]]
    assert states[0] == "overdue" and "overdue" not in states[states.index(next(s for s in states if s != "overdue")) :]
    own = signed_in(console, "fengcheng")
    text = own.get("/tasks").text
    assert "凤城镇" in text and "蓬莱镇" not in text and "县人社局" not in text
    assert own.get(f"/tasks?owner={OTHER_TOWNSHIP}").status_code == 404
    assert own.get(f"/tasks?owner={TOWNSHIP}").status_code == 200
    hrss = signed_in(console, "hrss").get("/tasks").text
    assert "县人社局" in hrss and "凤城镇" not in hrss
    supervisor = signed_in(console, "supervisor").get("/tasks").text
    assert "蓬莱镇" in supervisor and "/milestones/" not in supervisor


def test_mark_done_on_the_timeline_with_its_csrf_token(console: Console) -> None:
    own = f"/milestones/township_work_plan/{TOWNSHIP}/done"
    client = signed_in(console, "fengcheng")
    page = client.get("/tasks").text
    assert f'action="{own}"' in page and OTHER_TOWNSHIP not in page
    form = {"on": "2017-03-20", "note": "凤政〔2017〕12号", "next": "tasks"}
    assert client.post(own, data=form, follow_redirects=False).status_code == 403
    assert done_rows(console.ws) == set()
    other = f"/milestones/township_work_plan/{OTHER_TOWNSHIP}/done"
    csrf = form_csrf(page)
    assert client.post(other, data={**form, "csrf_token": csrf}, follow_redirects=False).status_code == 404
    saved = client.post(own, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/tasks?")
    after = client.get(saved.headers["location"]).text
    assert "已记录：凤城镇完成“制定乡镇工作方案”。" in after and "2017年3月20日" in after
    assert f'action="{own}"' not in after  # done: no form any more
    assert done_rows(console.ws) == {("township_work_plan", TOWNSHIP)}
    [entry] = [a for a in action_log(console.ws) if a["action"] == "milestone_done"]
    assert (entry["username"], entry["channel"]) == ("fengcheng", "web")


# -- 入户调查进度 ----------------------------------------------------------------------------------------------------


def test_progress_drills_down_inside_the_scope_with_the_curve(console: Console) -> None:
    county = signed_in(console, "county")
    page = county.get("/progress").text
    assert "<svg" in page and "凤城镇" in page and "蓬莱镇" in page and f'href="/progress/{TOWNSHIP}"' in page
    assert "序时进度" in page
    township = county.get(f"/progress/{TOWNSHIP}").text
    assert "新安社区" in township and "大同社区" in township and "<svg" in township
    assert f'href="/progress/{TOWNSHIP}/{VILLAGE_A}"' in township
    village = county.get(f"/progress/{TOWNSHIP}/{VILLAGE_A}").text
    assert "新安社区" in village and "0 / 3" in village
    own = signed_in(console, "fengcheng")
    assert "蓬莱镇" not in own.get("/progress").text
    for path in (f"/progress/{OTHER_TOWNSHIP}", f"/progress/{OTHER_TOWNSHIP}/{LONE_VILLAGE}",
                 f"/progress/{TOWNSHIP}/{LONE_VILLAGE}", "/progress/999", f"/progress/{TOWNSHIP}/x"):  # fmt: skip
        assert own.get(path).status_code == 404, path


def test_the_curve_counts_first_visits_of_the_scope_by_day(console: Console) -> None:
    from sqlmodel import select

    from models.tables import WorklistEntry
    from tasks.access.console_reads import completion_curve
    from tasks.access.scope import OutOfScope

    with console.ws.session() as session:
        entry = session.exec(select(WorklistEntry).where(WorklistEntry.village_code == VILLAGE_A)).first()
        assert entry is not None
        entry.first_visited_on = date(2017, 5, 10)
        session.add(entry)
    county, own = log_in_directly(console.ws, "county"), log_in_directly(console.ws, "fengcheng")
    whole = completion_curve(console.ws, county, TODAY)
    assert whole.rates[date(2017, 5, 9)] == 0 and whole.rates[TODAY] == pytest.approx(1 / 5)
    assert whole.rates.index[-1] == TODAY and whole.expected.index[-1] == whole.deadline
    assert completion_curve(console.ws, own, TODAY).rates[TODAY] == pytest.approx(1 / 4)  # its township only
    assert completion_curve(console.ws, own, TODAY, TOWNSHIP, VILLAGE_A).rates[TODAY] == pytest.approx(1 / 3)
    assert completion_curve(console.ws, own, TODAY, TOWNSHIP, VILLAGE_B).rates[TODAY] == 0
    for township, village in ((OTHER_TOWNSHIP, ""), (TOWNSHIP, LONE_VILLAGE)):
        with pytest.raises(OutOfScope):
            completion_curve(console.ws, own, TODAY, township, village)
    assert "<svg" in signed_in(console, "fengcheng").get(f"/progress/{TOWNSHIP}/{VILLAGE_A}").text


def test_the_projection_warns_a_township_that_will_miss_the_deadline(console: Console) -> None:
    # nobody visited three weeks into the survey: no pace, work left, past the grace days
    page = signed_in(console, "county").get(f"/progress/{TOWNSHIP}").text
    assert "预计无法按期完成" in page


# -- 数据比对 --------------------------------------------------------------------------------------------------------


def test_the_comparison_is_masked_and_cut_to_the_township(console: Console) -> None:
    county = signed_in(console, "county")
    assert "尚未进行数据比对" in county.get("/compare").text
    add_comparison(console)
    page = county.get("/compare").text
    assert "重复参保" in page and "新安社区" in page and "养老保险" in page and "蓬莱镇" in page
    assert "pension_employee" not in page and "职工基本养老保险" in page  # a list by its title
    assert not find_unmasked(page)
    own, foreign = RESIDENTS[0], RESIDENTS[-1]
    assert own.id_number[:6] + "********" + own.id_number[-4:] in page and own.phone[:3] + "****" in page
    township = signed_in(console, "fengcheng").get("/compare").text
    assert own.id_number[-4:] in township and foreign.id_number[-4:] not in township
    assert "蓬莱镇" not in township and not find_unmasked(township)
    assert county.get("/compare?kind=nonsense").status_code == 404


# -- 工作清单 --------------------------------------------------------------------------------------------------------


def test_work_lists_and_forms_download_inside_the_scope_and_are_logged(console: Console, tmp_path: Path) -> None:
    files = publish(console, tmp_path)
    own = signed_in(console, "fengcheng")
    page = own.get("/worklists").text
    assert "新安社区" in page and "大同社区" in page and "蓬莱镇" not in page
    assert f'href="/worklists/{VILLAGE_A}/worklist"' in page and f'href="/worklists/{VILLAGE_A}/household_form"' in page
    got = own.get(f"/worklists/{VILLAGE_A}/household_form")
    assert got.status_code == 200 and got.content == files["own_forms"].read_bytes()
    assert own.get(f"/worklists/{VILLAGE_A}/worklist").content == files["own_list"].read_bytes()
    for path in (f"/worklists/{LONE_VILLAGE}/worklist", f"/worklists/{VILLAGE_B}/worklist",
                 f"/worklists/{VILLAGE_A}/passwd", "/worklists/..%2F..%2Fetc/worklist"):  # fmt: skip
        assert own.get(path).status_code == 404, path
    village = own.get(f"/progress/{TOWNSHIP}/{VILLAGE_A}").text
    assert f'href="/worklists/{VILLAGE_A}/worklist"' in village and "下载入户调查登记表" in village
    supervisor = signed_in(console, "supervisor")
    assert supervisor.get(f"/worklists/{VILLAGE_A}/worklist").status_code == 404
    assert "下载" not in supervisor.get(f"/progress/{TOWNSHIP}/{VILLAGE_A}").text
    assert signed_in(console, "county").get(f"/worklists/{LONE_VILLAGE}/worklist").status_code == 200
    campaign_id, _ = console.ws.campaign()
    with console.ws.session() as session:
        handed = [(Path(e.file).name, e.kind, e.exported_by) for e in exports(session, campaign_id=campaign_id)][3:]
    assert handed == [(files["own_forms"].name, "household_form", "web:fengcheng"),
                      (files["own_list"].name, "worklist", "web:fengcheng"),
                      (files["foreign_list"].name, "worklist", "web:county")]  # fmt: skip


# -- 评分排名 --------------------------------------------------------------------------------------------------------


def test_scores_with_each_rules_points_and_the_issued_files(console: Console) -> None:
    notice, report = issue(console)
    county = signed_in(console, "county")
    page = county.get("/scores").text
    assert "评分明细" in page and "凤城镇" in page and "蓬莱镇" in page
    rows = scores_for(console.ws, log_in_directly(console.ws, "county"), TODAY)
    for rule in rows[0]["breakdown"]:  # each rule's points, as `canbao scores --json` gives them
        assert f"<td>{rule['label']}</td>" in page and f"{rule['points']:.2f}" in page
    assert notice.name in page and report.name in page
    opened = county.get(f"/issued/notice/{notice.parent.name}/{notice.name}")
    assert opened.status_code == 200 and "通报正文" in opened.text
    assert "font-src data:" in opened.headers["content-security-policy"]
    assert opened.headers["cache-control"] == "no-store" and opened.headers["x-frame-options"] == "DENY"
    assert county.get(f"/issued/notice/{notice.parent.name}/..%2F..%2Fcanbao.db").status_code == 404
    assert county.get(f"/issued/notice/{notice.parent.name}/other.html").status_code == 404
    own = signed_in(console, "fengcheng")
    text = own.get("/scores").text
    assert "凤城镇" in text and "蓬莱镇" not in text and notice.name in text and report.name not in text
    assert own.get(f"/issued/report/{report.parent.name}/{report.name}").status_code == 404
    assert own.get(f"/issued/notice/{notice.parent.name}/{notice.name}").status_code == 200
    supervisor = signed_in(console, "supervisor")
    assert supervisor.get(f"/issued/report/{report.parent.name}/{report.name}").status_code == 200
