"""数据报送 through the console and `POST /api/v1/deliveries/{source}`: who may upload which source (403, 404),
CSRF, the import's JSON as `canbao ingest --json` gives it, bad files answered in Chinese naming the file, the
rejects workbook, and an audit entry for every upload."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from canbao.web.app import create_app
from models.exports import exports
from tasks.access.audit import action_log
from tasks.workspace import Workspace
from tests.console_helpers import NOW, add_users, form_csrf, log_in
from tests.ingest_files import make_id
from tests.web_helpers import TODAY

ZHANG = make_id(date(1980, 1, 2), 11)
LI = make_id(date(1990, 5, 6), 22)
GOOD = f"*公民身份号码,参保人姓名\n{ZHANG},张三\n{LI},李四\n12345,王五\n".encode()
NO_ID_COLUMN = "姓名,住址\n张三,城厢\n".encode()


class Desk:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.tokens = add_users(ws)

    def client(self) -> TestClient:
        return TestClient(create_app(self.ws.settings, clock=lambda _c: TODAY, now=lambda: NOW))

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def desk(workspace: Workspace) -> Iterator[Desk]:
    yield Desk(workspace)


def files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, io.BytesIO, str]]]:
    return [("files", (name, io.BytesIO(data), "text/csv")) for name, data in items]


def uploads(ws: Workspace) -> list[dict]:
    return [a for a in action_log(ws) if a["action"] == "delivery_upload"]


def test_a_department_uploads_its_own_source_and_gets_the_ingest_json(desk: Desk) -> None:
    with desk.client() as client:
        response = client.post("/api/v1/deliveries/pension_resident", headers=desk.bearer("hrss"),
                               files=files(("城乡居民.csv", GOOD)))  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"source", "files", "rows_read", "accepted", "rejected", "duplicates", "rejects_file",
                         "warnings"}  # fmt: skip
    assert (body["source"], body["rows_read"], body["accepted"], body["rejected"]) == ("pension_resident", 3, 2, 1)
    [entry] = uploads(desk.ws)
    assert (entry["username"], entry["target"], entry["channel"]) == ("hrss", "pension_resident", "api")
    assert entry["detail"]["files"] == ["城乡居民.csv"] and entry["detail"]["accepted"] == 2


def test_upload_roles_and_scopes(desk: Desk) -> None:
    with desk.client() as client:

        def post(user: str, source: str) -> int:
            url, kept = f"/api/v1/deliveries/{source}", files(("a.csv", GOOD))
            return client.post(url, headers=desk.bearer(user), files=kept).status_code

        assert client.post("/api/v1/deliveries/pension_resident", files=files(("a.csv", GOOD))).status_code == 401
        assert post("police", "pension_resident") == 404  # another department's source
        assert post("hrss", "no_such_source") == 404
        assert post("fengcheng", "pension_resident") == 403  # a township delivers nothing
        assert post("supervisor", "pension_resident") == 403
        assert post("county", "household") != 403  # the county may upload any source
    assert [e["username"] for e in uploads(desk.ws)] == ["county"]  # refused before anything was kept


def test_a_file_without_the_id_column_is_refused_in_chinese_naming_the_file(desk: Desk) -> None:
    with desk.client() as client:
        response = client.post("/api/v1/deliveries/pension_resident", headers=desk.bearer("hrss"),
                               files=files(("缺列.csv", NO_ID_COLUMN)))  # fmt: skip
        wrong_kind = client.post("/api/v1/deliveries/pension_resident", headers=desk.bearer("hrss"),
                                 files=files(("说明.docx", b"PK")))  # fmt: skip
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "缺列.csv" in detail and "身份" in detail and "/uploads/" not in detail
    assert wrong_kind.status_code == 422 and "说明.docx" in wrong_kind.json()["detail"]
    logged = uploads(desk.ws)
    assert len(logged) == 2 and all(
        "缺列.csv" in e["detail"]["error"] or "说明.docx" in e["detail"]["error"] for e in logged
    )


def test_cookie_upload_needs_the_csrf_header(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "hrss") == 303
        refused = client.post("/api/v1/deliveries/pension_resident", files=files(("a.csv", GOOD)))
        assert refused.status_code == 403
        token = client.get("/api/v1/session").json()["csrf_token"]
        ok = client.post("/api/v1/deliveries/pension_resident", files=files(("a.csv", GOOD)),
                         headers={"X-CSRF-Token": token})  # fmt: skip
        assert ok.status_code == 200


def test_the_delivery_page_uploads_shows_the_result_and_hands_out_the_rejects(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "hrss") == 303
        page = client.get("/deliveries")
        assert page.status_code == 200 and "城乡居民基本养老保险参保人员" in page.text
        assert "居民户籍" not in page.text and "/deliveries/household" not in page.text  # the police's source
        csrf = form_csrf(page.text)
        forged = client.post("/deliveries/pension_resident", files=files(("a.csv", GOOD)))
        assert forged.status_code == 403
        result = client.post(
            "/deliveries/pension_resident",
            data={"csrf_token": csrf},
            files=files(("甲镇.csv", GOOD), ("乙镇.csv", f"身份证号,姓名\n{ZHANG},张三\n".encode())),
        )
        assert result.status_code == 200
        assert 'id="accepted">2<' in result.text and 'id="duplicates">1<' in result.text
        rejects = client.get("/deliveries/pension_resident/rejects.xlsx")
        assert rejects.status_code == 200 and rejects.content[:2] == b"PK"
        with desk.ws.session() as session:
            [export] = [e for e in exports(session, campaign_id=desk.ws.campaign()[0]) if e.exported_by == "web:hrss"]
        assert (export.kind, export.persons) == ("rejects", 1)
        bad = client.post("/deliveries/pension_resident", data={"csrf_token": csrf},
                          files=files(("缺列.csv", NO_ID_COLUMN)))  # fmt: skip
        assert bad.status_code == 422 and "缺列.csv" in bad.text and "未能导入" in bad.text
        assert client.get("/deliveries/household/rejects.xlsx").status_code == 404
    [first, second] = uploads(desk.ws)
    assert first["channel"] == "web" and first["detail"]["files"] == ["甲镇.csv", "乙镇.csv"]
    assert "error" in second["detail"]


def test_townships_and_supervisors_have_no_delivery_page(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "fengcheng") == 303
        assert client.get("/deliveries").status_code == 403
        assert "/deliveries" not in client.get("/").text


def test_the_delivery_page_loads_its_upload_script_from_canbao_itself(desk: Desk) -> None:
    """The progress of an upload is shown by a script canbao serves (no CDN); every form keeps its plain post."""
    with desk.client() as client:
        assert log_in(client, "hrss") == 303
        page = client.get("/deliveries")
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
        assert '<script src="/static/upload.js" defer></script>' in page.text
        assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/upload.js" defer>']  # nothing else
        forms = re.findall(r'<form class="upload" method="post" action="/deliveries/(\w+)".*?</form>', page.text, re.S)
        assert "pension_resident" in forms and "household" not in forms
        for form in re.findall(r'<form class="upload".*?</form>', page.text, re.S):
            assert 'name="csrf_token"' in form and '<progress max="100" value="0">' in form and "hidden" in form
        script = client.get("/static/upload.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert "XMLHttpRequest" in script.text and "正在导入，请稍候…" in script.text and "http" not in script.text
        assert client.get("/static/app.py").status_code == 404
        assert client.get("/static/..%2Fapp.py").status_code == 404
        # the other pages still run no script at all
        assert "script-src" not in client.get("/tasks").headers["Content-Security-Policy"]
