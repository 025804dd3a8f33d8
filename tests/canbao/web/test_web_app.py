"""The village workers' page through FastAPI's TestClient, on SQLite and PostgreSQL: what a worker sees, what a
visit records, and that a link opens its own village and nothing else."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.survey.worker import hash_token, revoke_token
from models.tables import Completion, PersonChange, WorkerToken
from tasks.identity.masking import find_unmasked, mask_id, mask_phone
from tasks.workspace import Workspace
from tests.web_helpers import (
    LONE_TOWNSHIP,
    LONE_VILLAGE,
    RESIDENTS,
    TODAY,
    VILLAGE_A,
    VILLAGE_B,
    person,
    seed,
    token_for,
    visits,
)


@dataclass
class Page:
    ws: Workspace
    client: TestClient
    token: str
    token_id: int
    entries: dict[str, int]

    @property
    def base(self) -> str:
        return f"/w/{self.token}"

    def post(self, name: str, **fields: str) -> tuple[int, str, str]:
        """Submit the visit form for a person of the list, as the page fills it in, changed by `fields`."""
        form = {"outcome": "", "visited_on": TODAY.isoformat(), "visitor": "张晓红", **fields}
        response = self.client.post(f"{self.base}/p/{self.entries[name]}", data=form, follow_redirects=False)
        return response.status_code, response.headers.get("location", ""), response.text


@pytest.fixture
def page(workspace: Workspace) -> Iterator[Page]:
    entries = seed(workspace)
    token, token_id = token_for(workspace, VILLAGE_A)
    with TestClient(create_app(workspace.settings, clock=lambda _campaign: TODAY)) as client:
        yield Page(workspace, client, token, token_id, entries)


def counts(html: str) -> tuple[int, int, int]:
    found = re.search(r'id="visited">(\d+)</b> / 共 <b id="total">(\d+)</b> 人，还剩 <b id="remaining">(\d+)<', html)
    assert found is not None, html
    visited, total, remaining = (int(g) for g in found.groups())
    return visited, total, remaining


def test_the_list_shows_the_workers_village_only_with_ids_and_phones_masked(page: Page) -> None:
    response = page.client.get(page.base)
    assert response.status_code == 200
    html = response.text
    own = [r for r in RESIDENTS if r.village == VILLAGE_A]
    for r in own:
        assert r.name in html
        assert mask_id(r.id_number) in html
        assert r.id_number not in html
        if r.phone:
            assert mask_phone(r.phone) in html
            assert r.phone not in html
    for r in RESIDENTS:
        if r.village != VILLAGE_A:
            assert r.name not in html and mask_id(r.id_number) not in html
    assert "新安社区" in html and "凤城镇" in html
    assert "走访原因：未参全" in html
    assert counts(html) == (0, len(own), len(own))
    assert find_unmasked(html) == []
    for r in own:
        single = page.client.get(f"{page.base}/p/{page.entries[r.name]}")
        assert single.status_code == 200
        assert r.name in single.text and mask_id(r.id_number) in single.text
        assert find_unmasked(single.text) == []
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_person_page_offers_the_campaigns_outcomes_and_fields_with_today_and_the_worker(page: Page) -> None:
    html = page.client.get(f"{page.base}/p/{page.entries['陈一鸣']}").text
    campaign = page.ws.campaign()[1]
    for code, outcome in campaign.survey.outcomes.items():
        assert f'<option value="{code}">{outcome.name}</option>' in html
    for name, item in campaign.survey.corrections.items():
        assert f'name="c_{name}"' in html and item.label in html
    assert f'id="visited_on" name="visited_on" type="date" value="{TODAY.isoformat()}"' in html
    assert 'id="visitor" name="visitor" type="text" value="张晓红"' in html
    assert "养老保险" in html and "未参保" in html


def test_recording_a_visit_updates_the_person_with_a_visit_and_its_audit_trail(page: Page) -> None:
    status, location, _ = page.post(
        "陈一鸣", outcome="registered", c_phone="139 0000 1111", visitor="张晓红", intent="愿意参保"
    )
    assert (status, location) == (303, f"{page.base}?saved={page.entries['陈一鸣']}")

    html = page.client.get(location).text
    assert "已记录陈一鸣的走访结果：已登记（有参保意愿）。" in html
    assert counts(html) == (1, 3, 2)
    assert find_unmasked(html) == []

    [visit] = visits(page.ws)
    resident = RESIDENTS[0]
    assert (visit.id_number, visit.village_code, visit.township_code) == (resident.id_number, VILLAGE_A, VILLAGE_A[:9])
    assert (visit.outcome, visit.visited_on, visit.received_on) == ("registered", TODAY, TODAY)
    assert (visit.channel, visit.origin, visit.visitor) == ("web", f"web:{page.token_id}", "张晓红")
    assert json.loads(visit.corrections) == {"phone": "13900001111"}
    assert (visit.intent, visit.reason) == ("willing", "")

    after = person(page.ws, "陈一鸣")
    # Registered, not enrolled: only a department's list makes an insurance insured.
    assert (after.phone, after.pension, after.medical) == ("13900001111", "missing", "missing")
    assert (after.survey_outcome, after.surveyed_on, after.category) == ("registered", TODAY, "uninsured")
    assert after.registered_on == TODAY
    with page.ws.session() as session:
        changes = {(c.field, c.before, c.after, c.channel, c.changed_by, c.visit_key)
                   for c in session.exec(select(PersonChange))}  # fmt: skip
    assert changes == {
        ("phone", "13812345678", "13900001111", "web", "张晓红", visit.key),
        ("registered_on", "", TODAY.isoformat(), "web", "张晓红", visit.key),
        ("survey_outcome", "", "registered", "web", "张晓红", visit.key),
        ("surveyed_on", "", TODAY.isoformat(), "web", "张晓红", visit.key),
    }
    single = page.client.get(f"{page.base}/p/{page.entries['陈一鸣']}").text
    assert "已登记（有参保意愿）" in single and "138****5678" not in single and "139****1111" in single


def test_corrections_alone_are_a_corrected_visit_and_a_blank_visitor_is_the_worker(page: Page) -> None:
    status, _, _ = page.post("王建国", c_address="安溪县凤城镇；新安路8号", c_sex="男", visitor="")
    assert status == 303
    [visit] = visits(page.ws)
    assert (visit.outcome, visit.visitor) == ("corrected", "张晓红")
    # the semicolon would have split the pair: it became a comma, and NFKC made it ASCII, as in a returned list
    assert json.loads(visit.corrections) == {"address": "安溪县凤城镇,新安路8号", "sex": "男"}
    assert person(page.ws, "王建国").address == "安溪县凤城镇,新安路8号"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"outcome": "bogus"}, "走访结果无法识别：bogus"),
        ({"outcome": "registered", "c_phone": "139123456"}, "联系电话位数不对"),
        ({"outcome": "registered", "c_birth_date": "1980-02-30"}, "出生日期无法识别"),
        ({"outcome": "corrected"}, "未填写更正信息"),
        ({"outcome": "refused"}, "未填写未参保原因"),
        ({"outcome": "registered", "intent": "说不好"}, "参保意愿无法识别：说不好"),
        ({}, "请选择走访结果"),
        ({"outcome": "refused", "visited_on": "2017-05-23"}, "走访日期2017年5月23日晚于收到日期2017年5月22日"),
        ({"outcome": "refused", "visited_on": "2017-04-28"}, "早于入户调查开始日期2017年5月1日"),
        ({"outcome": "refused", "visited_on": "昨天"}, "走访日期无法识别：昨天"),
    ],
)
def test_a_rejected_form_comes_back_with_the_reason_and_the_input_and_records_nothing(
    page: Page, fields: dict[str, str], reason: str
) -> None:
    before = person(page.ws, "林秀英").model_dump()
    status, _, html = page.post("林秀英", visitor="王小明", **fields)
    assert status == 422
    assert reason in html
    assert 'value="王小明"' in html  # what the worker typed is still there
    for name, value in fields.items():
        if name.startswith("c_") or name == "visited_on":
            assert f'value="{value}"' in html
    if "outcome" in fields and fields["outcome"] in ("registered", "corrected", "refused"):
        assert f'<option value="{fields["outcome"]}" selected>' in html
    assert visits(page.ws) == []
    with page.ws.session() as session:
        assert session.exec(select(PersonChange)).all() == []
    assert person(page.ws, "林秀英").model_dump() == before
    assert counts(page.client.get(page.base).text) == (0, 3, 3)


def test_the_same_submission_twice_is_one_visit(page: Page) -> None:
    first = page.post("林秀英", outcome="corrected", c_phone="13700002222")
    second = page.post("林秀英", outcome="corrected", c_phone="13700002222")
    assert first[:2] == (303, f"{page.base}?saved={page.entries['林秀英']}")
    assert second[:2] == (303, f"{page.base}?saved={page.entries['林秀英']}&again=1")
    assert "之前已经记录过，没有重复记录" in page.client.get(second[1]).text
    assert len(visits(page.ws)) == 1
    with page.ws.session() as session:
        assert len(session.exec(select(PersonChange).where(PersonChange.field == "phone")).all()) == 1
    assert counts(page.client.get(page.base).text) == (1, 3, 2)


def test_visiting_a_townships_last_person_completes_its_survey_milestones(workspace: Workspace) -> None:
    entries = seed(workspace)
    token, _ = token_for(workspace, LONE_VILLAGE, worker="李村干")
    with TestClient(create_app(workspace.settings, clock=lambda _c: TODAY)) as client:
        response = client.post(
            f"/w/{token}/p/{entries['苏志强']}",
            data={"outcome": "moved", "visited_on": "2017-05-21", "visitor": "李村干"},
            follow_redirects=False,
        )
    assert response.status_code == 303
    with workspace.session() as session:
        done = {(c.milestone, c.owner, c.done_on) for c in session.exec(select(Completion))}
    assert done == {(key, LONE_TOWNSHIP, TODAY.replace(day=21)) for key in ("household_survey", "survey_data_entry")}


def test_every_other_path_is_the_same_404_and_records_nothing(page: Page) -> None:
    ws = page.ws
    campaign_id, _ = ws.campaign()
    revoked, revoked_id = token_for(ws, VILLAGE_A, worker="已离职")
    with ws.session() as session:
        assert revoke_token(session, campaign_id=campaign_id, token_id=revoked_id) is not None
    other_village, _ = token_for(ws, VILLAGE_B, worker="大同社区工作人员")
    tampered = page.token[:-1] + ("A" if page.token[-1] != "A" else "B")
    own, foreign = page.entries["陈一鸣"], page.entries["黄美玲"]
    valid_form = {"outcome": "registered", "visited_on": TODAY.isoformat(), "visitor": "张晓红"}

    reference = page.client.get(f"/w/{page.token}/p/{foreign}")
    assert reference.status_code == 404
    assert "页面不存在" in reference.text

    gets = [
        f"/w/{revoked}",
        f"/w/{revoked}/p/{own}",
        f"/w/{tampered}",
        f"/w/{tampered}/p/{own}",
        "/w/" + "x" * 32,
        "/w/short",
        "/w/" + "a" * 300,
        f"/w/{other_village}/p/{own}",
        f"/w/{page.token}/p/999999",
        f"/w/{page.token}/p/-1",
        f"/w/{page.token}/p/{own}x",
        f"/w/{page.token}/p/%20{own}",
        f"/w/{page.token}/p/{own}/edit",
        "/w/",
        "/docs",
        "/openapi.json",
    ]
    posts = [
        f"/w/{page.token}/p/{foreign}",
        f"/w/{other_village}/p/{own}",
        f"/w/{revoked}/p/{own}",
        f"/w/{tampered}/p/{own}",
        f"/w/{page.token}/p/999999",
    ]
    for path in gets:
        response = page.client.get(path)
        assert (response.status_code, response.text) == (404, reference.text), path
    for path in posts:
        response = page.client.post(path, data=valid_form, follow_redirects=False)
        assert (response.status_code, response.text) == (404, reference.text), path
    assert visits(ws) == []
    assert person(ws, "黄美玲").survey_outcome == ""
    # the other village's own link still works: the 404s were about the link, not a broken page
    assert page.client.get(f"/w/{other_village}/p/{foreign}").status_code == 200


def test_tokens_are_stored_hashed_and_never_logged(page: Page, caplog: pytest.LogCaptureFixture) -> None:
    with page.ws.session() as session:
        row = session.get(WorkerToken, page.token_id)
        assert row is not None and row.token_hash == hash_token(page.token) and len(row.token_hash) == 64
        assert page.token not in {r.token_hash for r in session.exec(select(WorkerToken))}
    with caplog.at_level(logging.INFO, logger="canbao.web"):
        page.client.get(page.base)
        page.post("陈一鸣", outcome="registered", c_phone="13900001111")
        page.post("林秀英", outcome="bogus", c_phone="13900002222")
        page.client.get(f"/w/{page.token}/p/{page.entries['黄美玲']}")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"GET /w/[令牌#{page.token_id}] 200" in text
    assert f"POST /w/[令牌#{page.token_id}]/p/{page.entries['陈一鸣']} 303" in text
    assert page.token not in text
    assert find_unmasked(text) == []
    assert "陈一鸣" not in text  # names stay out of the log too
