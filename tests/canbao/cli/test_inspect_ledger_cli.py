"""`canbao inspect visit add|import`, `inspect rectified`, `inspect ledger` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

FENGCHENG, PENGLAI = "350524100", "350524101"
HEADER = ["督查日期", "乡镇", "村（社区）", "督查人员", "发现问题", "整改要求", "整改期限"]


def ledger_book(path: Path, rows: list[list[Any]]) -> Path:
    """A ledger as an office types it: a title row, the header, the rows, a note below."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "督查台账"
    sheet.append(["全民参保登记工作督查台账"])
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    sheet.append(["制表人：县效能办"])
    book.save(path)
    return path


def ledger(env: dict[str, str], *args: str) -> dict[str, Any]:
    return dict(json.loads(invoke_ok(env, "inspect", "ledger", "--json", *args)))


@pytest.fixture
def initialised(env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    return env


def add(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    return invoke(env, "inspect", "visit", "add", *args)


def test_an_inspection_entered_by_hand_is_in_the_ledger(initialised: dict[str, str]) -> None:
    env = initialised
    code, out, err = add(
        env, "--on", "2017-05-20", "--township", "凤城镇", "--inspector", "张三", "--inspector", "李四",
        "--village", "新安社区", "--problem", "入户调查登记表未签名", "--requirement", "补齐签名",
        "--problem", "走访结果未及时录入", "--requirement", "三日内录入", "--deadline", "2017-06-01",
        "--recorded-on", "2017-05-21", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["recorded"] == 2
    result = ledger(env, "--as-of", "2017-05-25")
    assert [f["problem"] for f in result["findings"]] == ["入户调查登记表未签名", "走访结果未及时录入"]
    assert {f["state"] for f in result["findings"]} == {"open"}
    assert result["findings"][0]["inspectors"] == "张三、李四"
    assert result["findings"][0]["villages"] == ["新安社区"]
    fengcheng = next(t for t in result["townships"] if t["code"] == FENGCHENG)
    assert (fengcheng["findings"], fengcheng["open"], fengcheng["spot_error_rate"]) == (2, 2, None)
    # Entered again: nothing new.
    code, out, _ = add(
        env, "--on", "2017-05-20", "--township", FENGCHENG, "--inspector", "李四、张三", "--problem",
        "入户调查登记表未签名", "--requirement", "补齐签名", "--deadline", "2017-06-01", "--json",
    )  # fmt: skip
    assert code == 0
    assert (json.loads(out)["recorded"], json.loads(out)["duplicates"]) == (0, 1)
    assert len(ledger(env, "--as-of", "2017-05-25")["findings"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--township", "不存在镇"], "乡镇不存在：不存在镇"),
        (["--village", "东岳村"], "村（社区）“东岳村”不是凤城镇的村（社区）"),
        (["--deadline", "2017-05-01"], "整改期限2017年5月1日早于督查日期2017年5月20日"),
        (["--problem", "第二个问题"], "发现问题有 2 个，整改要求有 1 个"),
        (["--deadline", "2017-13-01"], "--deadline 的日期 '2017-13-01' 无效"),
    ],
)
def test_a_bad_inspection_is_refused_with_exit_code_2(
    initialised: dict[str, str], args: list[str], message: str
) -> None:
    base = {"--township": "凤城镇", "--village": "新安社区", "--deadline": "2017-06-01"}
    extra: list[str] = []
    for name, value in zip(args[::2], args[1::2], strict=True):
        if name in base:
            base[name] = value
        else:
            extra += [name, value]
    flat = [part for pair in base.items() for part in pair]
    code, out, err = add(
        initialised, "--on", "2017-05-20", "--inspector", "张三", "--problem", "问题", "--requirement", "要求",
        "--recorded-on", "2017-05-21", *flat, *extra,
    )  # fmt: skip
    assert code == 2, out
    assert message in err.replace("\n", "")
    assert ledger(initialised, "--as-of", "2017-06-30")["findings"] == []


def test_a_ledger_workbook_keeps_its_good_rows_and_refuses_the_bad_ones(
    initialised: dict[str, str], tmp_path: Path
) -> None:
    env = initialised
    path = ledger_book(
        tmp_path / "督查台账.xlsx",
        [
            ["2017-05-20", "凤城镇", "新安社区", "张三、李四", "登记表未签名", "补齐签名", "2017-06-01"],
            ["2017/5/20", "凤城", "大同社区", "李四,张三", "3户漏访", "补访", "2017年6月1日"],
            ["2017-05-22", "蓬莱镇", "", "王五", "台账不全", "完善台账", ""],
            ["2017-05-22", "不存在镇", "", "王五", "问题", "要求", ""],
            ["2017-05-22", "蓬莱镇", "", "王五", "", "要求", ""],
            ["五月", "蓬莱镇", "", "王五", "问题甲", "要求", ""],
            ["2017-05-22", "蓬莱镇", "", "王五", "问题乙", "要求", "2017-05-01"],
            ["2017-05-22", "蓬莱镇", "", "王五", "台账不全", "另一要求", ""],
            ["2017-05-20", "凤城镇", "新安社区", "张三、李四", "登记表未签名", "补齐签名", "2017-06-01"],
        ],
    )
    code, out, err = invoke(env, "inspect", "visit", "import", str(path), "--on", "2017-05-25", "--json")
    assert code == 2, err
    result = json.loads(out)
    assert (result["rows_read"], result["recorded"], result["rejected"], result["duplicates"]) == (9, 3, 5, 1)
    assert result["inspections"] == 2  # 凤城镇 (the same inspectors in another order), 蓬莱镇
    reasons = {r["row"]: r["reason"] for r in result["rejects"]}
    assert reasons == {
        6: "乡镇不存在：不存在镇",
        7: "缺少必填项：发现问题",
        8: "督查日期无法识别：五月",
        9: "整改期限2017年5月1日早于督查日期2017年5月22日",
        10: reasons[10],
    }
    assert "同一次督查的同一问题已在" in reasons[10] and "第 5 行" in reasons[10]
    assert all(r["file"].endswith("督查台账.xlsx") for r in result["rejects"])
    rejects = CalamineWorkbook.from_path(result["rejects_file"]).get_sheet_by_name("退回明细").to_python()
    assert any("乡镇不存在：不存在镇" in str(cell) for r in rejects for cell in r)
    found = ledger(env, "--as-of", "2017-05-25")["findings"]
    assert [(f["township"], f["problem"]) for f in found] == [
        ("凤城镇", "登记表未签名"), ("凤城镇", "3户漏访"), ("蓬莱镇", "台账不全"),
    ]  # fmt: skip
    assert found[0]["villages"] == ["新安社区", "大同社区"]  # one inspection, its villages from both rows
    assert found[1]["village"] == "大同社区"
    assert found[2]["deadline"] == "2017-06-06"  # blank: 15 days after (the campaign file's within_days)
    # In plain text the error names the file, the row and the reason.
    code, _out, err = invoke(env, "inspect", "visit", "import", str(path), "--on", "2017-05-25")
    assert code == 2
    assert "督查台账.xlsx 第 6 行：乡镇不存在：不存在镇" in err
    assert len(ledger(env, "--as-of", "2017-05-25")["findings"]) == 3  # imported again: nothing new


def test_a_row_contradicting_a_recorded_finding_is_refused(initialised: dict[str, str], tmp_path: Path) -> None:
    env = initialised
    first = ledger_book(
        tmp_path / "a.xlsx", [["2017-05-22", "蓬莱镇", "", "王五", "台账不全", "完善台账", "2017-06-01"]]
    )
    second = ledger_book(
        tmp_path / "b.xlsx", [["2017-05-22", "蓬莱镇", "", "王五", "台账不全", "完善台账", "2017-06-09"]]
    )
    invoke_ok(env, "inspect", "visit", "import", str(first), "--on", "2017-05-25")
    code, out, _err = invoke(env, "inspect", "visit", "import", str(second), "--on", "2017-05-26", "--json")
    assert code == 2
    result = json.loads(out)
    assert result["recorded"] == 0 and result["rejected"] == 1
    assert "a.xlsx" in result["rejects"][0]["reason"]
    assert [f["deadline"] for f in ledger(env, "--as-of", "2017-05-26")["findings"]] == ["2017-06-01"]


def test_a_missing_file_is_an_error(initialised: dict[str, str], tmp_path: Path) -> None:
    code, _out, err = invoke(initialised, "inspect", "visit", "import", str(tmp_path / "无.xlsx"))
    assert code == 2 and "无.xlsx" in err


def test_rectification_reports_change_the_ledger(initialised: dict[str, str]) -> None:
    env = initialised
    for township, problem in ((FENGCHENG, "登记表未签名"), (FENGCHENG, "漏访"), (PENGLAI, "台账不全")):
        code, _out, err = add(
            env, "--on", "2017-05-20", "--township", township, "--inspector", "张三", "--problem", problem,
            "--requirement", "整改", "--deadline", "2017-06-01", "--recorded-on", "2017-05-21",
        )  # fmt: skip
        assert code == 0, err
    ids = {f["problem"]: f["finding"] for f in ledger(env, "--as-of", "2017-05-21")["findings"]}
    out = invoke_ok(
        env, "inspect", "rectified", "--township", "凤城镇", "--finding", str(ids["登记表未签名"]), "--on",
        "2017-05-30", "--note", "已补签", "--json",
    )  # fmt: skip
    assert json.loads(out) == {
        "township": FENGCHENG, "reported_on": "2017-05-30", "rectified": [ids["登记表未签名"]], "late": [],
    }  # fmt: skip
    on_june_5 = ledger(env, "--as-of", "2017-06-05")
    states = {f["problem"]: (f["state"], f["days_overdue"]) for f in on_june_5["findings"]}
    assert states == {"登记表未签名": ("rectified", 0), "漏访": ("overdue", 4), "台账不全": ("overdue", 4)}
    # Before the report's day, the ledger does not know it yet.
    assert {f["state"] for f in ledger(env, "--as-of", "2017-05-29")["findings"]} == {"open"}
    # Without --finding: every finding of the township still to rectify; a late report is said to be late.
    out = invoke_ok(
        env, "inspect", "rectified", "--township", FENGCHENG, "--on", "2017-06-06", "--note", "已补访", "--json"
    )
    assert json.loads(out)["rectified"] == json.loads(out)["late"] == [ids["漏访"]]
    only = ledger(env, "--as-of", "2017-06-06", "--township", "蓬莱镇")
    assert [f["problem"] for f in only["findings"]] == ["台账不全"]
    assert [t["code"] for t in only["townships"]] == [PENGLAI]
    text = invoke_ok(env, "inspect", "ledger", "--as-of", "2017-06-06")
    assert "逾期整改" in text and "逾期未整改" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--township", "不存在镇"], "找不到乡镇“不存在镇”"),
        (["--finding", "99"], "凤城镇没有第99号督查问题"),
        (["--on", "2017-05-10"], "凤城镇截至2017年5月10日没有待整改的督查问题"),
        (["--note", " "], "请填写整改情况"),
    ],
)
def test_bad_rectification_reports_are_refused(initialised: dict[str, str], args: list[str], message: str) -> None:
    env = initialised
    code, _out, err = add(
        env, "--on", "2017-05-20", "--township", FENGCHENG, "--inspector", "张三", "--problem", "漏访",
        "--requirement", "补访", "--recorded-on", "2017-05-21",
    )  # fmt: skip
    assert code == 0, err
    options = {"--township": FENGCHENG, "--note": "已整改", "--on": "2017-06-01"}
    extra: list[str] = []
    for name, value in zip(args[::2], args[1::2], strict=True):
        if name in options:
            options[name] = value
        else:
            extra += [name, value]
    flat = [part for pair in options.items() for part in pair]
    code, _out, err = invoke(env, "inspect", "rectified", *flat, *extra)
    assert code == 2
    assert message in err.replace("\n", "")
    assert {f["state"] for f in ledger(env, "--as-of", "2017-06-01")["findings"]} == {"open"}


def test_a_finding_is_rectified_once(initialised: dict[str, str]) -> None:
    env = initialised
    add(env, "--on", "2017-05-20", "--township", FENGCHENG, "--inspector", "张三", "--problem", "漏访",
        "--requirement", "补访", "--recorded-on", "2017-05-21")  # fmt: skip
    invoke_ok(
        env, "inspect", "rectified", "--township", FENGCHENG, "--finding", "1", "--on", "2017-05-28", "--note", "已补访"
    )
    code, _out, err = invoke(
        env, "inspect", "rectified", "--township", FENGCHENG, "--finding", "1", "--on", "2017-05-29", "--note", "又补"
    )
    assert code == 2 and "第1号问题已于2017年5月28日报告整改" in err


def test_the_spot_check_commands_are_still_there(initialised: dict[str, str]) -> None:
    out = invoke_ok(initialised, "inspect", "--help")
    for command in ("sample", "import", "rates", "visit", "rectified", "ledger"):
        assert command in out


def test_a_workbook_without_the_required_columns_is_refused_whole(initialised: dict[str, str], tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["督查日期", "乡镇", "督查人员"])
    sheet.append(["2017-05-20", "凤城镇", "张三"])
    book.save(tmp_path / "无问题列.xlsx")
    code, _out, err = invoke(initialised, "inspect", "visit", "import", str(tmp_path / "无问题列.xlsx"))
    assert code == 2
    assert "无问题列.xlsx" in err and "发现问题" in err and "整改要求" in err
    assert ledger(initialised, "--as-of", "2017-06-30")["findings"] == []


def test_the_ledger_of_an_unknown_township_is_an_error(initialised: dict[str, str]) -> None:
    code, _out, err = invoke(initialised, "inspect", "ledger", "--township", "不存在镇")
    assert code == 2 and "找不到乡镇“不存在镇”" in err
