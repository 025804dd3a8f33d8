"""The village workers' page in a real browser at a phone's size: Debian's Chromium driven by Playwright, against
uvicorn on a free port, as a worker would use it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from canbao.web.app import create_app
from models.settings import Settings
from tasks.access.audit import action_log
from tasks.identity.masking import find_unmasked
from tasks.setup import initialise
from tasks.workspace import Workspace
from tests.services import require_chromium, unavailable
from tests.web_helpers import TODAY, VILLAGE_A, person, seed, token_for, visits

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "locale": "zh-CN",
}


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium; missing, it skips the test with the reason (fails it where services are required)."""
    return require_chromium()


@pytest.fixture(scope="module")
def sync_api() -> ModuleType:
    try:
        import playwright.sync_api
    except ImportError:
        unavailable("没有安装 playwright（pip install -e '.[dev]'）/ the playwright package is not installed")
    return playwright.sync_api


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Workspace]]:
    """uvicorn serving the page in a background thread on a port it takes itself; its base URL and the workspace."""
    import uvicorn

    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'canbao.db'}")
    ws = Workspace.open(settings)
    initialise(ws)
    config = uvicorn.Config(
        create_app(settings, clock=lambda _c: TODAY), host="127.0.0.1", port=0, access_log=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    hang_guard = time.monotonic() + 120  # not a timing check: only keeps a server that never starts from hanging
    while not server.started:
        assert thread.is_alive() and time.monotonic() < hang_guard, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", ws
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        ws.close()


def test_a_worker_records_a_visit_on_a_phone_and_cannot_open_another_village(
    served: tuple[str, Workspace], chromium: Path, sync_api: ModuleType
) -> None:
    base, ws = served
    entries = seed(ws)
    token, token_id = token_for(ws, VILLAGE_A)
    link = f"{base}/w/{token}"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            context = browser.new_context(**PHONE)
            context.set_default_timeout(60_000)  # a hang guard for a busy machine
            page = context.new_page()

            assert page.goto(link).status == 200  # type: ignore[union-attr]
            assert "新安社区" in page.locator("h1").inner_text()
            assert page.locator("#count").inner_text() == "已走访 0 / 共 3 人，还剩 3 人"
            assert page.locator(".people li.todo").count() == 3
            # made for a phone: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert find_unmasked(page.content()) == []

            page.get_by_text("陈一鸣").tap()
            page.wait_for_url(f"{link}/p/{entries['陈一鸣']}")
            assert page.locator("#visited_on").input_value() == TODAY.isoformat()
            assert page.locator("#visitor").input_value() == "张晓红"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.locator("#outcome").select_option(label="已登记（有参保意愿）")
            assert not page.locator("#c_phone").is_visible()  # the corrections fold away until needed
            page.get_by_text("更正信息").tap()
            page.locator("#c_phone").fill("1390000111")  # a digit short
            page.locator("#save").tap()

            page.locator("#errors").wait_for()
            assert "联系电话位数不对" in page.locator("#errors").inner_text()
            assert page.get_by_role("alert").count() == 2  # also beside the button, where the page may stay scrolled
            assert page.locator("#outcome").input_value() == "registered"  # the input is kept
            assert page.locator("#c_phone").input_value() == "1390000111"
            assert visits(ws) == []
            page.locator("#c_phone").fill("13900001111")
            page.locator("#save").tap()

            page.wait_for_url(f"{link}?saved={entries['陈一鸣']}")
            assert page.locator("#message").inner_text() == "已记录陈一鸣的走访结果：已登记（有参保意愿）。"
            assert page.locator("#count").inner_text() == "已走访 1 / 共 3 人，还剩 2 人"
            done = page.locator(f"#e{entries['陈一鸣']}")
            assert done.get_attribute("class") == "done"
            assert "已走访" in done.inner_text() and "已登记（有参保意愿）（2017年5月22日）" in done.inner_text()
            assert page.locator(".people li.todo").count() == 2
            assert find_unmasked(page.content()) == []

            foreign = page.goto(f"{link}/p/{entries['黄美玲']}")
            assert foreign is not None and foreign.status == 404
            assert page.locator("h1").inner_text() == "页面不存在"
            assert "黄美玲" not in page.content()
        finally:
            browser.close()

    [visit] = visits(ws)
    assert (visit.channel, visit.origin, visit.outcome) == ("web", f"web:{token_id}", "registered")
    assert person(ws, "陈一鸣").phone == "13900001111"
    assert person(ws, "黄美玲").survey_outcome == ""


OFFICE = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.mark.parametrize("size", [OFFICE, PHONE], ids=["office", "phone"])
def test_a_township_user_logs_in_sees_the_campaign_at_a_glance_and_logs_out(
    served: tuple[str, Workspace], chromium: Path, sync_api: ModuleType, size: dict[str, object]
) -> None:
    from tests.console_helpers import PASSWORD, add_users

    base, ws = served
    add_users(ws)
    width = size["viewport"]["width"]  # type: ignore[index]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            context = browser.new_context(**size)
            context.set_default_timeout(60_000)  # a hang guard for a busy machine
            page = context.new_page()
            page.goto(f"{base}/")
            page.wait_for_url(f"{base}/login")
            page.locator("#username").fill("fengcheng")
            page.locator("#password").fill("wrong password")
            page.get_by_role("button", name="登录").click()
            assert "用户名或密码不正确" in page.locator("#error").inner_text()
            page.locator("#password").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{base}/")
            assert page.locator("#phase").inner_text() == "入户调查阶段"
            assert page.locator("#days-left").inner_text() == "还有 39 天"
            assert "凤城镇" in page.locator("header").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            first = page.locator("#overdue form.done").first
            first.locator("input[name=on]").fill("2017-03-20")
            first.locator("input[name=note]").fill("已发文")
            first.get_by_role("button", name="已完成").click()
            page.locator("#message").wait_for()
            assert page.locator("#message").inner_text() == "已记录：凤城镇完成“成立乡镇工作领导小组”。"
            assert page.locator("#overdue tr.overdue").count() == 3
            page.get_by_role("button", name="退出登录").click()
            page.wait_for_url(f"{base}/login")
            page.goto(f"{base}/")
            page.wait_for_url(f"{base}/login")  # the session has ended
        finally:
            browser.close()


OFFICE = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


def test_a_coordinator_drills_down_and_marks_a_task_done_at_office_and_phone_sizes(
    served: tuple[str, Workspace], chromium: Path, sync_api: ModuleType, tmp_path: Path
) -> None:
    from tests.console_helpers import PASSWORD, add_users

    base, ws = served
    seed(ws)
    add_users(ws)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            for size, options in (("office", OFFICE), ("phone", PHONE)):
                context = browser.new_context(**options)
                context.set_default_timeout(60_000)
                page = context.new_page()
                page.goto(f"{base}/login")
                page.fill("#username", "county")
                page.fill("#password", PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"{base}/")
                width = options["viewport"]["width"]  # type: ignore[index]

                page.get_by_role("link", name="入户调查进度").click()
                page.wait_for_url(f"{base}/progress")
                assert page.locator("#curve svg").count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(tmp_path / f"progress-{size}.png"), full_page=True)
                page.get_by_role("link", name="凤城镇").click()
                page.wait_for_url(f"{base}/progress/350524100")
                assert "预计无法按期完成" in page.locator("#warning").inner_text()
                page.get_by_role("link", name="新安社区").click()
                page.wait_for_url(f"{base}/progress/350524100/{VILLAGE_A}")
                assert page.locator("#visited").inner_text() == "0 / 3"
                assert page.evaluate("document.documentElement.scrollWidth") <= width

                for path in ("/compare", "/worklists", "/scores"):  # the other pages fit the screen too
                    assert page.goto(f"{base}{path}").status == 200  # type: ignore[union-attr]
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, path
                page.get_by_role("link", name="工作任务").click()
                page.wait_for_url(f"{base}/tasks")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(tmp_path / f"tasks-{size}.png"), full_page=True)
                first = page.locator("#timeline tr.overdue form.done").first
                first.locator("input[name=note]").fill("已发文")
                first.get_by_role("button", name="已完成").click()
                page.wait_for_url(f"{base}/tasks?*")
                assert page.locator("#message").inner_text().startswith("已记录：")
                assert find_unmasked(page.content()) == []
                context.close()
        finally:
            browser.close()


def delivery_file(folder: Path, rows: int) -> Path:
    """A department's CSV of `rows` valid residents (large enough for the upload to report its progress)."""
    from datetime import date, timedelta

    from tests.ingest_files import make_id

    lines = ["*公民身份号码,参保人姓名,联系地址"]
    for i in range(rows):
        lines.append(f"{make_id(date(1950, 1, 1) + timedelta(days=i), i % 997 + 1)},参保人{i},安溪县凤城镇第{i}号院")
    path = folder / "城乡居民养老保险.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Every text and value the upload's progress shows, as it changes (the page's answer replaces it at the end).
WATCH_PROGRESS = """() => {
  window.seen = [];
  new MutationObserver(() => {
    document.querySelectorAll(".upload-progress:not([hidden])").forEach((box) => {
      const bar = box.querySelector("progress");
      window.seen.push([box.querySelector(".upload-text").textContent, bar.hasAttribute("value") ? bar.value : null]);
    });
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_a_department_uploads_a_delivery_and_watches_its_progress(
    served: tuple[str, Workspace], chromium: Path, sync_api: ModuleType, tmp_path: Path
) -> None:
    from tests.console_helpers import PASSWORD, add_users

    base, ws = served
    add_users(ws)
    upload = delivery_file(tmp_path, 3000)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            for size, options, script in (
                ("office", OFFICE, True),
                ("phone", PHONE, True),
                ("no-script", OFFICE, False),
            ):
                context = browser.new_context(**options, java_script_enabled=script)
                context.set_default_timeout(60_000)
                page = context.new_page()
                page.goto(f"{base}/login")
                page.fill("#username", "hrss")
                page.fill("#password", PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"{base}/")
                page.get_by_role("link", name="数据报送").click()
                page.wait_for_url(f"{base}/deliveries")
                form = page.locator("form[action='/deliveries/pension_resident']")
                assert not form.locator(".upload-progress").is_visible()  # shown only while an upload runs
                form.locator("input[type=file]").set_input_files(str(upload))
                if script:
                    page.evaluate(WATCH_PROGRESS)
                form.get_by_role("button", name="上传并导入").click()
                page.locator("#upload-result").wait_for()
                assert page.locator("#accepted").inner_text() == "3000", size
                assert find_unmasked(page.content()) == []
                width = options["viewport"]["width"]  # type: ignore[index]
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(tmp_path / f"deliveries-{size}.png"), full_page=True)
                if script:
                    seen = page.evaluate("window.seen")
                    texts = [text for text, _value in seen]
                    assert any(t.startswith("正在上传：") and t.endswith("%") for t in texts), seen
                    assert "正在导入，请稍候…" in texts, seen
                    assert texts.index("正在导入，请稍候…") > max(
                        i for i, t in enumerate(texts) if t.startswith("正在上传")
                    )
                    assert page.url == f"{base}/deliveries"  # the page's answer shown in place
                    assert page.locator("#upload-result").evaluate("e => e === document.activeElement")
                else:
                    assert page.url == f"{base}/deliveries/pension_resident"  # the plain form's post
                context.close()
        finally:
            browser.close()
    uploads = [a for a in action_log(ws) if a["action"] == "delivery_upload"]
    assert [(a["username"], a["channel"], a["detail"]["accepted"]) for a in uploads] == [("hrss", "web", 3000)] * 3
