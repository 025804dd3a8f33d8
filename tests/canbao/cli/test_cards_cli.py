"""`canbao survey cards …`: the register of investigator cards, its workbook, the printed cards and the visits
made without a valid card (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from models.tables import Visit
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

XINAN = "350524100001"  # 凤城镇新安社区 (西坪镇 has a 新安社区 too)
DATONG = "350524100002"  # 凤城镇大同社区
HEADER = ["证号", "持证人", "村（社区）", "发证日期", "收回日期", "收回原因"]


@pytest.fixture
def initialised(env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    return env


def register(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["入户调查证发放登记表"])
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    sheet.append(["制表人：县人社局"])
    book.save(path)
    return path


def listed(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    return list(json.loads(invoke_ok(env, "survey", "cards", "--json", *args))["cards"])


def issue(env: dict[str, str], number: str, holder: str, village: str, on: str) -> tuple[int, str, str]:
    return invoke(
        env, "survey", "cards", "issue", "--number", number, "--holder", holder, "--village", village, "--on", on
    )


def test_cards_issued_revoked_and_listed(initialised: dict[str, str]) -> None:
    env = initialised
    assert issue(env, "ax 100-001", "王 小明", "凤城镇/新安社区", "2017-04-28")[0] == 0
    assert issue(env, "AX100-002", "李红", XINAN, "2017-04-28")[0] == 0
    out = invoke_ok(env, "survey", "cards", "revoke", "ax100-002", "--on", "2017-05-15", "--note", "离岗", "--json")
    assert json.loads(out)["revoked_on"] == "2017-05-15"
    cards = listed(env, "--as-of", "2017-05-20")
    assert [(c["number"], c["holder"], c["village"], c["valid"]) for c in cards] == [
        ("AX100-001", "王小明", "新安社区", True), ("AX100-002", "李红", "新安社区", False),
    ]  # fmt: skip
    assert cards[1]["revoked_note"] == "离岗"
    assert [c["valid"] for c in listed(env, "--as-of", "2017-05-14")] == [True, True]
    assert listed(env, "--as-of", "2017-04-27") == []  # not issued yet
    assert listed(env, "--as-of", "2017-05-20", "--village", DATONG) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["AX100-001", "李红", "凤城镇/新安社区", "2017-04-29"], "证号AX100-001已于2017年4月28日发给王小明"),
        (["AX100-009", "李红", "新安社区", "2017-04-29"], "有多个村（社区）叫“新安社区”"),
        (["AX100-009", "李红", "不存在村", "2017-04-29"], "找不到村（社区）：不存在村"),
        (["AX100-009", "李红", XINAN, "2017-13-01"], "--on 的日期 '2017-13-01' 无效"),
    ],
)
def test_bad_cards_are_refused(initialised: dict[str, str], args: list[str], message: str) -> None:
    env = initialised
    assert issue(env, "AX100-001", "王小明", XINAN, "2017-04-28")[0] == 0
    code, _out, err = issue(env, *args)
    assert code == 2
    assert message in err.replace("\n", "")
    assert [c["number"] for c in listed(env, "--as-of", "2017-06-30")] == ["AX100-001"]


def test_revoking_twice_or_an_unknown_card_is_refused(initialised: dict[str, str]) -> None:
    env = initialised
    issue(env, "AX100-001", "王小明", XINAN, "2017-04-28")
    code, _out, err = invoke(env, "survey", "cards", "revoke", "AX999")
    assert code == 2 and "没有证号为 AX999 的入户调查证" in err
    code, _out, err = invoke(env, "survey", "cards", "revoke", "AX100-001", "--on", "2017-04-01")
    assert code == 2 and "收回日期2017年4月1日早于发证日期2017年4月28日" in err
    invoke_ok(env, "survey", "cards", "revoke", "AX100-001", "--on", "2017-05-01")
    code, _out, err = invoke(env, "survey", "cards", "revoke", "AX100-001", "--on", "2017-05-02")
    assert code == 2 and "证号AX100-001已于2017年5月1日收回" in err


def test_a_register_workbook_keeps_good_rows_and_refuses_bad_ones(initialised: dict[str, str], tmp_path: Path) -> None:
    env = initialised
    path = register(
        tmp_path / "入户调查证登记.xlsx",
        [
            ["AX100-001", "王小明", "凤城镇/新安社区", "2017-04-28", "", ""],
            ["AX100-002", "李红", "350524100002", "2017/4/28", "", ""],
            ["AX100-003", "", "350524100002", "2017-04-28", "", ""],
            ["AX100-004", "张三", "不存在村", "2017-04-28", "", ""],
            ["AX100-005", "张三", "350524100002", "四月", "", ""],
            ["AX100-006", "张三", "350524100002", "2017-04-28", "2017-04-01", ""],
            ["AX100-001", "赵六", "350524100002", "2017-04-28", "", ""],
            ["AX100-007", "张三", "350524100002", "2017-05-30", "", ""],
            ["AX100-001", "王小明", "凤城镇/新安社区", "2017-04-28", "", ""],
        ],
    )
    code, out, err = invoke(env, "survey", "cards", "import", str(path), "--on", "2017-05-01", "--json")
    assert code == 2, err
    result = json.loads(out)
    assert (result["rows_read"], result["recorded"], result["rejected"], result["duplicates"]) == (9, 2, 6, 1)
    reasons = {r["row"]: r["reason"] for r in result["rejects"]}
    assert reasons[5] == "缺少必填项：持证人"
    assert reasons[6].startswith("找不到村（社区）：不存在村")
    assert reasons[7] == "发证日期无法识别：四月"
    assert reasons[8] == "收回日期2017年4月1日早于发证日期2017年4月28日"
    assert reasons[9].startswith("证号AX100-001已于2017年4月28日发给王小明")
    assert reasons[10] == "发证日期2017年5月30日晚于登记日期2017年5月1日"
    assert Path(result["rejects_file"]).is_file()
    assert [c["number"] for c in listed(env, "--as-of", "2017-05-01")] == ["AX100-001", "AX100-002"]
    # The plain text names the file, the row and the reason.
    code, _out, err = invoke(env, "survey", "cards", "import", str(path), "--on", "2017-05-01")
    assert code == 2 and "入户调查证登记.xlsx 第 5 行：缺少必填项：持证人" in err
    # A later register with a 收回日期 revokes the card; the rest are duplicates.
    later = register(
        tmp_path / "收回.xlsx", [["AX100-002", "李红", "350524100002", "2017-04-28", "2017-05-20", "离岗"]]
    )
    result = json.loads(invoke_ok(env, "survey", "cards", "import", str(later), "--on", "2017-05-21", "--json"))
    assert (result["recorded"], result["revoked"], result["rejected"]) == (0, 1, 0)
    assert [c["valid"] for c in listed(env, "--as-of", "2017-05-21")] == [True, False]


def test_a_villages_cards_printed_as_a_document(initialised: dict[str, str], tmp_path: Path) -> None:
    env = initialised
    for n, holder in enumerate(["王小明", "李红", "张三"], start=1):
        issue(env, f"AX100-00{n}", holder, XINAN, "2017-04-28")
    issue(env, "AX100-009", "赵六", DATONG, "2017-04-28")
    invoke_ok(env, "survey", "cards", "revoke", "AX100-003", "--on", "2017-05-02")
    out = invoke_ok(env, "survey", "cards", "print", "--village", XINAN, "--out", str(tmp_path), "--json")
    result = json.loads(out)
    assert result["cards"] == 2
    document = docx.Document(result["file"])
    text = "\n".join(p.text for cell in document.tables[0]._cells for p in cell.paragraphs)
    assert text.count("安溪县全民参保登记入户调查证") == 2  # the county's name and [survey.cards] title
    for part in ("王小明", "李红", "AX100-001", "凤城镇新安社区", "2017年5月1日至2017年6月30日",
                 "安溪县全民参保登记工作领导小组办公室", "2017年4月28日"):  # fmt: skip
        assert part in text
    assert "张三" not in text and "赵六" not in text  # revoked; another village
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    code, _out, err = invoke(env, "survey", "cards", "print", "--village", "350524100003")
    assert code == 2 and "没有已发放且未收回的入户调查证" in err


def test_visits_without_a_valid_card_are_listed_for_the_township(
    initialised: dict[str, str], workspace: Workspace
) -> None:
    env = initialised
    issue(env, "AX100-001", "王小明", XINAN, "2017-04-28")
    issue(env, "AX100-002", "李红", XINAN, "2017-04-28")
    invoke_ok(env, "survey", "cards", "revoke", "AX100-002", "--on", "2017-05-10")
    campaign_id, _campaign = workspace.campaign()
    visits = [
        ("王小明", XINAN, date(2017, 5, 5)),  # valid
        ("王 小明", XINAN, date(2017, 5, 6)),  # valid: the same name
        ("王小明", DATONG, date(2017, 5, 6)),  # a card for another village
        ("李红", XINAN, date(2017, 5, 9)),  # valid that day
        ("李红", XINAN, date(2017, 5, 10)),  # revoked that day
        ("李红", XINAN, date(2017, 5, 12)),
        ("", XINAN, date(2017, 5, 12)),  # nobody written
    ]
    with workspace.session() as session:
        for n, (visitor, village, day) in enumerate(visits):
            session.add(
                Visit(
                    campaign_id=campaign_id, key=f"v{n}", id_number=f"x{n}", township_code=village[:9],
                    village_code=village, outcome="registered", visited_on=day, visitor=visitor, channel="file",
                    origin="test", received_on=day,
                )
            )  # fmt: skip
    result = json.loads(invoke_ok(env, "survey", "cards", "check", "--as-of", "2017-05-31", "--json"))
    assert (result["visits"], result["without_card"]) == (7, 4)
    assert [(w["village"], w["visitor"], w["standing"], w["visits"]) for w in result["workers"]] == [
        ("新安社区", "", "blank", 1),
        ("新安社区", "李红", "revoked", 2),
        ("大同社区", "王小明", "unknown", 1),
    ]
    assert result["workers"][1]["first"] == "2017-05-10" and result["workers"][1]["last"] == "2017-05-12"
    assert (
        json.loads(invoke_ok(env, "survey", "cards", "check", "--as-of", "2017-05-09", "--json"))["without_card"]
        == 1  # only 王小明 in 大同社区
    )
    other = json.loads(invoke_ok(env, "survey", "cards", "check", "--township", "蓬莱镇", "--json"))
    assert (other["visits"], other["workers"]) == (0, [])
    text = invoke_ok(env, "survey", "cards", "check", "--as-of", "2017-05-31")
    assert "无证" in text and "王小明" in text and "李红" in text


def test_a_workers_link_names_the_card_or_warns_of_none(initialised: dict[str, str]) -> None:
    env = initialised
    issue(env, "AX100-001", "王小明", XINAN, "2017-04-28")
    data = json.loads(invoke_ok(env, "web", "token", XINAN, "--worker", "王小明", "--json"))
    assert data["card"] == "AX100-001"
    assert json.loads(invoke_ok(env, "web", "token", DATONG, "--worker", "王小明", "--json"))["card"] is None
    code, _out, err = invoke(env, "web", "token", DATONG, "--worker", "王小明")
    assert code == 0 and "没有大同社区有效的入户调查证" in err


def test_a_survey_import_warns_of_visits_without_a_card_once_there_is_a_register(
    initialised: dict[str, str],
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from canbao.cli.survey import warn_uncarded_visits

    for name, value in initialised.items():
        monkeypatch.setenv(name, value)
    campaign_id, _campaign = workspace.campaign()
    with workspace.session() as session:
        session.add(
            Visit(
                campaign_id=campaign_id, key="v1", id_number="x1", township_code=XINAN[:9], village_code=XINAN,
                outcome="registered", visited_on=date(2017, 5, 5), visitor="李红", channel="file", origin="test",
                received_on=date(2017, 5, 5),
            )
        )  # fmt: skip
    warn_uncarded_visits(date(2017, 5, 31))
    assert "入户调查证" not in capsys.readouterr().err  # no register yet: nothing to say
    issue(initialised, "AX100-001", "王小明", XINAN, "2017-04-28")
    warn_uncarded_visits(date(2017, 5, 31))
    assert "已收到的走访中有 1 次的走访人员未持该村（社区）有效的入户调查证" in capsys.readouterr().err
