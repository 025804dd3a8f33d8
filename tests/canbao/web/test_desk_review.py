"""The township's review step (核实): its villages' recorded visits not yet reviewed, confirmed village by village
or sent back with a reason (then a refused row its village must correct); roles, scope, CSRF, the audit log, and
`canbao survey review`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.survey.refused import RefusedVisitRow
from models.survey.reviews import VisitReview
from models.tables import Visit
from tasks.access.audit import action_log
from tasks.messages.outbox import render_formats
from tasks.messages.survey_reminders import plan_review_reminders
from tasks.survey.refusals import refusals_outstanding
from tasks.survey.reviews import review_village, reviews_overdue
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.console_helpers import NOW, add_users, form_csrf, log_in
from tests.web_helpers import LONE_VILLAGE, RESIDENTS, TODAY, TOWNSHIP, VILLAGE_A, VILLAGE_B, seed


class Desk:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.tokens = add_users(ws)
        seed(ws)
        campaign_id, _campaign = ws.campaign()
        with ws.session() as session:
            for n, r in enumerate(RESIDENTS):
                session.add(Visit(campaign_id=campaign_id, key=f"v{n}", id_number=r.id_number,
                                  township_code=r.village[:9], village_code=r.village, outcome="registered",
                                  visited_on=date(2017, 5, 10), visitor="张晓红", channel="web",
                                  received_on=date(2017, 5, 10)))  # fmt: skip
            session.commit()

    def client(self) -> TestClient:
        return TestClient(create_app(self.ws.settings, clock=lambda _c: TODAY, now=lambda: NOW))

    def visit_ids(self, village: str) -> list[int]:
        with self.ws.session() as session:
            return [int(v.id or 0) for v in session.exec(select(Visit).where(Visit.village_code == village))]


@pytest.fixture
def desk(workspace: Workspace) -> Iterator[Desk]:
    yield Desk(workspace)


def test_a_township_confirms_a_village_and_sends_one_visit_back(desk: Desk) -> None:
    first, second, third = desk.visit_ids(VILLAGE_A)
    with desk.client() as client:
        assert log_in(client, "fengcheng") == 303
        page = client.get("/review")
        assert page.status_code == 200 and "新安社区" in page.text and "大同社区" in page.text
        assert RESIDENTS[0].id_number not in page.text  # masked
        csrf = form_csrf(page.text)
        assert client.post(f"/review/{VILLAGE_A}", data={f"return_{first}": "走访日期有误"}).status_code == 403
        done = client.post(f"/review/{VILLAGE_A}", data={"csrf_token": csrf, f"return_{first}": "走访日期有误"})
        assert done.status_code == 200 and "已核实 2 条" in done.text
        assert "新安社区" not in done.text and "大同社区" in done.text  # nothing left to review there
    with desk.ws.session() as session:
        reviews = {r.visit_id: (r.status, r.reason) for r in session.exec(select(VisitReview))}
        [refused] = session.exec(select(RefusedVisitRow)).all()
    assert reviews == {first: ("returned", "走访日期有误"), second: ("confirmed", ""), third: ("confirmed", "")}
    assert refused.village_code == VILLAGE_A and "走访日期有误" in refused.reason
    outstanding = refusals_outstanding(desk.ws, desk.ws.campaign()[0], TODAY)
    assert outstanding.to_dict("records") == [{"township_code": TOWNSHIP, "village_code": VILLAGE_A, "refused": 1}]
    [entry] = [a for a in action_log(desk.ws) if a["action"] == "visit_review"]
    assert (entry["username"], entry["target"], entry["detail"]["confirmed"]) == ("fengcheng", VILLAGE_A, 2)


def test_review_roles_and_scope(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "penglai") == 303
        page = client.get("/review")
        assert "新安社区" not in page.text
        csrf = form_csrf(page.text)
        assert client.post(f"/review/{VILLAGE_A}", data={"csrf_token": csrf}).status_code == 404  # another township
        assert client.post(f"/review/{LONE_VILLAGE}", data={"csrf_token": csrf}).status_code == 200
    for user in ("hrss", "supervisor"):
        with desk.client() as client:
            assert log_in(client, user) == 303
            assert client.get("/review").status_code == 403
            csrf = form_csrf(client.get("/").text)
            assert client.post(f"/review/{VILLAGE_A}", data={"csrf_token": csrf}).status_code == 403
    with desk.ws.session() as session:
        assert {r.village_code for r in session.exec(select(VisitReview))} <= {LONE_VILLAGE}


def test_a_visit_of_another_village_cannot_be_sent_back_from_this_one(desk: Desk) -> None:
    [other] = desk.visit_ids(VILLAGE_B)
    with desk.client() as client:
        assert log_in(client, "fengcheng") == 303
        csrf = form_csrf(client.get("/review").text)
        refused = client.post(f"/review/{VILLAGE_A}", data={"csrf_token": csrf, f"return_{other}": "错"})
        assert refused.status_code == 422 and "不在本村（社区）待核实的记录中" in refused.text
    with desk.ws.session() as session:
        assert session.exec(select(VisitReview)).all() == []  # nothing recorded


def test_the_cli_lists_and_reviews(desk: Desk, env: dict[str, str]) -> None:
    code, out, err = invoke(env, "survey", "review", "凤城镇", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["village_code"] for r in rows} == {VILLAGE_A, VILLAGE_B} and "*" in rows[0]["id_number"]
    first = desk.visit_ids(VILLAGE_B)[0]
    code, out, err = invoke(env, "survey", "review", TOWNSHIP, "--village", VILLAGE_B, "--return",
                            f"{first}=身份证号有误", "--on", "2017-05-20", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == []  # the village's one visit was sent back: nothing left to review there
    assert invoke(env, "survey", "review", "无此乡镇")[0] == 2
    assert invoke(env, "survey", "review", TOWNSHIP, "--village", VILLAGE_A, "--return", "x")[0] == 2


def test_townships_are_reminded_of_visits_waiting_for_review(desk: Desk) -> None:
    campaign_id, campaign = desk.ws.campaign()
    assert reviews_overdue(desk.ws, campaign_id, campaign, TODAY) == []  # the campaign file sets no reminder
    reminding = campaign.model_copy(update={"survey": campaign.survey.model_copy(update={"review_within_days": 7})})
    assert reviews_overdue(desk.ws, campaign_id, reminding, date(2017, 5, 16)) == []  # received 6 days before
    due = reviews_overdue(desk.ws, campaign_id, reminding, date(2017, 5, 17))
    assert due == [(TOWNSHIP, VILLAGE_A, 3), (TOWNSHIP, VILLAGE_B, 1), (LONE_VILLAGE[:9], LONE_VILLAGE, 1)]
    review_village(desk.ws, TOWNSHIP, VILLAGE_A, returned={}, on=TODAY, by="test")
    due = reviews_overdue(desk.ws, campaign_id, reminding, date(2017, 5, 17))
    [message, _other] = plan_review_reminders(reminding, due, date(2017, 5, 17))
    text = render_formats(reminding, message)["text"]
    assert message.kind == "survey_review" and message.owner == TOWNSHIP
    assert "凤城镇1条走访记录尚未核实" in text.title and "大同社区：1条" in text.body and "新安社区" not in text.body


def test_a_visit_sent_back_on_the_day_it_arrived_does_not_clear_itself(desk: Desk) -> None:
    [visit] = desk.visit_ids(VILLAGE_B)
    arrived = date(2017, 5, 10)
    review_village(desk.ws, TOWNSHIP, VILLAGE_B, returned={visit: "走访人不符"}, on=arrived, by="test")
    campaign_id = desk.ws.campaign()[0]
    assert refusals_outstanding(desk.ws, campaign_id, date(2017, 5, 11))["village_code"].tolist() == [VILLAGE_B]
