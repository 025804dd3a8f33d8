"""The township review (核实) tracked like a milestone: `canbao status --json` and the API's status report per
township the villages and visits waiting for it, since when and by when, overdue first, each user seeing the
townships in scope; the 工作任务 page shows it beside the timeline. The milestones and their punctuality are
untouched (the review is no milestone of the campaign file and no event of the punctuality share)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from tasks.plan.tracking import statuses_as_of
from tasks.scoring.punctuality import milestone_shares
from tasks.survey.reviews import review_village
from tasks.workspace import Workspace
from tests.canbao.web.test_desk_review import Desk
from tests.cli_runner import invoke
from tests.console_helpers import log_in
from tests.web_helpers import LONE_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

LONE_TOWNSHIP = LONE_VILLAGE[:9]
REVIEW_FIELDS = {"township", "township_name", "state", "state_name", "villages_waiting", "visits_waiting", "since",
                 "due", "villages"}  # fmt: skip


@pytest.fixture
def desk(workspace: Workspace) -> Iterator[Desk]:
    yield Desk(workspace)


def status(env: dict[str, str], day: str) -> dict[str, object]:
    code, out, err = invoke(env, "status", "--as-of", day, "--json")
    assert code == 0, err
    return json.loads(out)


def test_status_reports_each_townships_review_and_keeps_its_milestones(desk: Desk, env: dict[str, str]) -> None:
    before = status(env, "2017-05-09")
    assert before["reviews"]["states"]["waiting"] == 0  # nothing had arrived yet
    data = status(env, "2017-05-22")
    assert {"as_of", "phase", "milestones"} <= set(data)
    rows = {r["township"]: r for r in data["reviews"]["townships"]}
    assert set(data["reviews"]["townships"][0]) == REVIEW_FIELDS
    mine = rows[TOWNSHIP]
    assert (mine["state"], mine["villages_waiting"], mine["visits_waiting"], mine["since"]) == (
        "waiting",
        2,
        4,
        "2017-05-10",
    )
    assert [v["village"] for v in mine["villages"]] == [VILLAGE_A, VILLAGE_B]
    assert data["reviews"]["states"]["waiting"] == 2
    review_village(desk.ws, TOWNSHIP, VILLAGE_A, returned={}, on=date(2017, 5, 25), by="test")
    assert status(env, "2017-05-22")["reviews"]["townships"][0]["visits_waiting"] == 4  # reviewed later
    after = {r["township"]: r for r in status(env, "2017-05-26")["reviews"]["townships"]}
    assert (after[TOWNSHIP]["villages_waiting"], after[TOWNSHIP]["visits_waiting"]) == (1, 1)
    late = status(env, "2017-07-03")["reviews"]
    assert [r["township"] for r in late["townships"][:2]] == [TOWNSHIP, LONE_TOWNSHIP]
    assert late["townships"][0]["state"] == "overdue" and late["states"]["overdue"] == 2
    assert len(late["townships"]) == sum(late["states"].values())


def test_the_review_leaves_the_milestones_and_their_punctuality_alone(desk: Desk) -> None:
    _cid, campaign, day, statuses = statuses_as_of(desk.ws, date(2017, 7, 3))
    shares = milestone_shares(campaign, statuses, day)
    review_village(desk.ws, TOWNSHIP, VILLAGE_A, returned={}, on=date(2017, 5, 25), by="test")
    _cid, _campaign, _day, again = statuses_as_of(desk.ws, date(2017, 7, 3))
    assert again == statuses and milestone_shares(campaign, again, day) == shares
    assert not any("核实" in m.name for m in campaign.milestones)


def test_each_user_sees_the_review_of_the_townships_in_scope(desk: Desk) -> None:
    with desk.client() as client:

        def townships(user: str) -> set[str]:
            answer = client.get("/api/v1/status", headers={"Authorization": f"Bearer {desk.tokens[user]}"})
            assert answer.status_code == 200
            return {r["township"] for r in answer.json()["reviews"]["townships"]}

        assert townships("fengcheng") == {TOWNSHIP}
        assert townships("hrss") == set()
        assert {TOWNSHIP, LONE_TOWNSHIP} <= townships("supervisor") == townships("county")


def test_the_tasks_page_lists_the_townships_whose_review_waits(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "fengcheng") == 303
        page = client.get("/tasks")
        assert page.status_code == 200 and 'id="review-timeline"' in page.text
        assert "凤城镇" in page.text and "蓬莱镇" not in page.text.split('id="reviews"')[1]
        assert f"/review?township={TOWNSHIP}" in page.text
    with desk.client() as client:
        assert log_in(client, "supervisor") == 303
        page = client.get("/tasks").text
        assert "蓬莱镇" in page.split('id="reviews"')[1] and "去核实" not in page  # reads, does not review
    with desk.client() as client:
        assert log_in(client, "hrss") == 303
        assert 'id="reviews"' not in client.get("/tasks").text
