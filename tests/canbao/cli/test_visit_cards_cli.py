"""A visit that names its 入户调查证: the 入户调查证号 column of a returned work list, a worker's link made with
--card, the check judging such a visit by its card, and the township told in its follow-up list."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.tables import Visit, WorkerToken
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok
from tests.web_helpers import RESIDENTS, TODAY, VILLAGE_A, VILLAGE_B, seed

CHEN, LIN, WANG, HUANG = RESIDENTS[:4]  # 陈一鸣, 林秀英, 王建国 of 新安社区; 黄美玲 of 大同社区


def issue(env: dict[str, str], number: str, holder: str, village: str, on: str) -> None:
    invoke_ok(env, "survey", "cards", "issue", "--number", number, "--holder", holder, "--village", village, "--on", on)


@pytest.fixture
def cards(env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    """Two cards of 新安社区 (李红's revoked on 2017年5月10日) and one of 大同社区."""
    seed(workspace)
    issue(env, "AX100-001", "王小明", VILLAGE_A, "2017-04-28")
    issue(env, "AX100-002", "李红", VILLAGE_A, "2017-04-28")
    issue(env, "AX100-101", "周平", VILLAGE_B, "2017-04-28")
    invoke_ok(env, "survey", "cards", "revoke", "AX100-002", "--on", "2017-05-10")
    return env


def returned(path: Path, heading: str, rows: list[tuple[str, str, str, str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["新安社区入户调查名单（回收）"])
    sheet.append(["身份证号", "走访结果", "走访人", heading, "走访日期"])
    for id_number, visitor, card, day in rows:
        sheet.append([id_number, "已登记", visitor, card, day])
    book.save(path)
    return path


def stored_visits(ws: Workspace) -> dict[str, Visit]:
    with ws.session() as session:
        return {v.id_number: v for v in session.exec(select(Visit))}


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("heading", ["入户调查证号", "调查证号", "证号"])
def test_a_returned_list_names_the_card_and_the_check_judges_the_visit_by_it(
    cards: dict[str, str], workspace: Workspace, tmp_path: Path, heading: str
) -> None:
    env = cards
    rows = [
        (CHEN.id_number, "王小明", "ax100-001", "2017-05-12"),  # valid (case and width do not matter)
        (LIN.id_number, "李红", "AX100-002", "2017-05-12"),  # revoked on 2017年5月10日
        (WANG.id_number, "王小明", "AX999-999", "2017-05-12"),  # not in the register
        (HUANG.id_number, "周平", "AX100-001", "2017-05-12"),  # a card of 新安社区 in 大同社区
    ]
    path = returned(tmp_path / "新安社区-回收.xlsx", heading, rows)
    code, _out, err = invoke(env, "survey", "import", str(path), "--on", TODAY.isoformat())
    assert code == 0, err
    assert "已收到的走访中有 3 次的走访人员未持该村（社区）有效的入户调查证" in err

    stored = stored_visits(workspace)
    assert {k: v.card_number for k, v in stored.items()} == {
        CHEN.id_number: "AX100-001", LIN.id_number: "AX100-002", WANG.id_number: "AX999-999",
        HUANG.id_number: "AX100-001",
    }  # fmt: skip
    result = json.loads(invoke_ok(env, "survey", "cards", "check", "--as-of", TODAY.isoformat(), "--json"))
    assert (result["visits"], result["without_card"]) == (4, 3)
    assert [(w["village_code"], w["visitor"], w["card_number"], w["standing"]) for w in result["workers"]] == [
        (VILLAGE_A, "李红", "AX100-002", "revoked"),
        (VILLAGE_A, "王小明", "AX999-999", "unknown"),  # 王小明 holds a valid card, but named another number
        (VILLAGE_B, "周平", "AX100-001", "unknown"),  # 周平 holds a valid card of 大同社区, but named another
    ]

    folder = tmp_path / "corrections"
    written = json.loads(invoke_ok(env, "survey", "corrections", "--out", str(folder), "--json"))
    follow_up = written["townships"][VILLAGE_A[:9]]
    assert follow_up["rows"] == 3
    sheet = openpyxl.load_workbook(follow_up["file"]).worksheets[0]
    cells = [str(c or "") for row in sheet.iter_rows(values_only=True) for c in row]
    assert any("入户调查证AX100-002已收回或未生效" in c for c in cells)
    assert any("入户调查证AX999-999不在本村（社区）入户调查证登记中" in c for c in cells)
    assert CHEN.id_number not in cells and {LIN.id_number, WANG.id_number, HUANG.id_number} <= set(cells)
    assert sum("核实该次走访" in c for c in cells) == 3


def test_without_a_card_number_the_worker_is_matched_by_name(cards: dict[str, str], workspace: Workspace) -> None:
    """The column may stay blank: the visit is judged by the cards its worker holds, as before."""
    env = cards
    campaign_id, _campaign = workspace.campaign()
    with workspace.session() as session:
        for n, (visitor, number) in enumerate([("王小明", ""), ("李红", ""), ("王小明", "AX100-002")]):
            session.add(
                Visit(
                    campaign_id=campaign_id, key=f"v{n}", id_number=f"x{n}", township_code=VILLAGE_A[:9],
                    village_code=VILLAGE_A, outcome="registered", visited_on=TODAY, visitor=visitor, channel="file",
                    origin="test", received_on=TODAY, card_number=number,
                )
            )  # fmt: skip
    result = json.loads(invoke_ok(env, "survey", "cards", "check", "--as-of", TODAY.isoformat(), "--json"))
    assert [(w["visitor"], w["card_number"], w["standing"]) for w in result["workers"]] == [
        ("李红", "", "revoked"),
        ("王小明", "AX100-002", "revoked"),  # by the card named, though 王小明 holds a valid one
    ]


def test_a_link_names_the_card_and_its_visits_carry_it(cards: dict[str, str], workspace: Workspace) -> None:
    env = cards
    data = json.loads(invoke_ok(env, "web", "token", VILLAGE_A, "--worker", "王 小明", "--card", "ax100-001", "--json"))
    assert data["card"] == "AX100-001"
    code, _out, err = invoke(env, "web", "token", VILLAGE_A, "--worker", "王小明", "--card", "AX100-001")
    assert code == 0 and "此链接登记的走访记为持入户调查证AX100-001" in err
    with workspace.session() as session:
        rows = list(session.exec(select(WorkerToken)))
    assert [r.card_number for r in rows] == ["AX100-001", "AX100-001"]
    assert [t["card"] for t in json.loads(invoke_ok(env, "web", "tokens", "--json"))] == ["AX100-001", "AX100-001"]

    token = data["url"].rsplit("/", 1)[1]
    entries = {r.name: r for r in RESIDENTS}
    with workspace.session() as session:
        from models.tables import WorklistEntry

        entry = session.exec(select(WorklistEntry).where(WorklistEntry.id_number == entries["陈一鸣"].id_number)).one()
    with TestClient(create_app(workspace.settings, clock=lambda _campaign: TODAY)) as client:
        response = client.post(
            f"/w/{token}/p/{entry.id}",
            data={"outcome": "registered", "visited_on": TODAY.isoformat(), "visitor": "王小明"},
            follow_redirects=False,
        )
    assert response.status_code == 303
    assert stored_visits(workspace)[CHEN.id_number].card_number == "AX100-001"


@pytest.mark.parametrize(
    ("village", "worker", "card", "message"),
    [
        (VILLAGE_A, "王小明", "AX999-999", "没有证号为 AX999-999 的入户调查证"),
        (VILLAGE_B, "王小明", "AX100-001", "证号AX100-001是新安社区的入户调查证，不是大同社区的"),
        (VILLAGE_A, "李红", "AX100-001", "证号AX100-001的持证人是王小明，不是李红"),
        (VILLAGE_A, "李红", "AX100-002", "证号AX100-002已于2017年5月10日收回"),
    ],
)
def test_a_link_cannot_name_a_card_that_is_not_the_workers_own_valid_one(
    cards: dict[str, str], workspace: Workspace, village: str, worker: str, card: str, message: str
) -> None:
    code, out, err = invoke(cards, "web", "token", village, "--worker", worker, "--card", card, "--json")
    assert code == 2 and out == ""
    assert message in err and "--card" in err
    with workspace.session() as session:
        assert list(session.exec(select(WorkerToken))) == []  # no link made
