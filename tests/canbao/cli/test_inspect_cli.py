"""`canbao inspect`: drawing spot-check samples, importing the results, error rates (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import DEFAULT_CAMPAIGN
from models.tables import Person, Visit
from tasks.identity.idnumber import check_char
from tasks.identity.masking import find_unmasked
from tasks.inspection.rates import inspection_error_rates
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

FENGCHENG, PENGLAI = "350524100", "350524101"


def make_id(n: int) -> str:
    first17 = f"35052419{70 + n % 30:02d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return first17 + check_char(first17)


def add_visits(ws: Workspace, campaign: Campaign, visits: list[tuple[int, str, int, date, str]]) -> list[str]:
    """Persons with one visit each: (number, township, village index, visit date, outcome). Returns their IDs."""
    campaign_id, _ = ws.campaign()
    villages = {t.code: t.villages for t in campaign.townships}
    ids = []
    with ws.session() as session:
        for n, township, index, visited, outcome in visits:
            village = villages[township][index].code
            id_number = make_id(n)
            ids.append(id_number)
            session.add(
                Person(
                    campaign_id=campaign_id, id_number=id_number, name=f"测试{n}", sex="男",
                    birth_date=date(1980, 1, 1), age=37, township_code=township, village_code=village,
                    household=f"H{n:05d}", pension="insured", medical="insured", injury="not_applicable",
                    maternity="not_applicable", unemployment="not_applicable", category="insured_full",
                    compare_run_id=1,
                )
            )  # fmt: skip
            session.add(
                Visit(
                    campaign_id=campaign_id, key=f"visit-{n}", id_number=id_number, township_code=township,
                    village_code=village, outcome=outcome, visited_on=visited, visitor="村干部", channel="file",
                    origin="test", received_on=visited,
                )
            )  # fmt: skip
    return ids


@pytest.fixture
def county(workspace: Workspace, campaign: Campaign) -> dict[str, list[str]]:
    """凤城镇: 24 persons visited in May across 4 villages, 2 more in late June; 蓬莱镇: 3 persons."""
    outcomes = ["registered", "moved", "refused", "insured_elsewhere"]
    may = [(n, FENGCHENG, n % 4, date(2017, 5, 20), outcomes[n % 4]) for n in range(24)]
    june = [(n, FENGCHENG, 0, date(2017, 6, 20), "registered") for n in range(24, 26)]
    penglai = [(n, PENGLAI, 0, date(2017, 5, 25), "refused") for n in range(26, 29)]
    return {
        "fengcheng": add_visits(workspace, campaign, may),
        "late": add_visits(workspace, campaign, june),
        "penglai": add_visits(workspace, campaign, penglai),
    }


def sample(env: dict[str, str], *args: str) -> dict[str, object]:
    code, out, err = invoke(env, "inspect", "sample", *args, "--json")
    assert code == 0, err
    return dict(json.loads(out))


def sheet_rows(path: Path) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    return [list(r) for r in book.get_sheet_by_name("督查抽查").to_python()]


def count(ws: Workspace, table: str) -> int:
    with ws.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_sample_is_drawn_recorded_and_written_and_the_same_command_draws_it_again(
    env: dict[str, str], workspace: Workspace, county: dict[str, list[str]], tmp_path: Path
) -> None:
    first = sample(env, "--township", "凤城镇", "--size", "10", "--as-of", "2017-06-10", "--out", str(tmp_path / "s"))
    assert set(first) >= {"township", "as_of", "seed", "size", "drawn", "villages", "file", "sample_id"}
    assert first["township"] == FENGCHENG and first["as_of"] == "2017-06-10"
    assert (first["size"], first["drawn"], first["villages"], first["reused"]) == (10, 10, 4, False)
    again = sample(env, "--township", FENGCHENG, "--size", "10", "--as-of", "2017-06-10", "--out", str(tmp_path / "s"))
    assert again["reused"] is True
    assert {k: again[k] for k in ("sample_id", "seed", "file")} == {k: first[k] for k in ("sample_id", "seed", "file")}
    assert count(workspace, "spot_sample") == 1 and count(workspace, "spot_sample_item") == 10
    assert count(workspace, "spot_export") == 2  # each workbook with full IDs is an export, logged

    rows = sheet_rows(Path(str(first["file"])))
    assert "凤城镇" in str(rows[0][0]) and "核查结果填：属实、不属实、未找到" in str(rows[0][0])
    assert rows[1] == ["序号", "村（社区）", "姓名", "身份证号", "户号", "走访结果", "走访日期", "走访人",
                       "核查结果", "核查说明", "核查人", "核查日期", "抽查编号"]  # fmt: skip
    body = rows[2:]
    assert len(body) == 10 and [r[0] for r in body] == list(range(1, 11))
    assert {r[3] for r in body} <= set(county["fengcheng"])  # full IDs, only May visits (as of June 10)
    assert all(r[2].startswith("测试") and r[4].startswith("H") and r[7] == "村干部" for r in body)
    assert {r[5] for r in body} <= {"已登记（有参保意愿）", "已迁出", "拒绝登记", "外地参保"}
    assert all(r[6] == "2017年5月20日" and r[8:12] == ["", "", "", ""] for r in body)
    assert {r[12] for r in body} == {str(first["sample_id"])}

    other = sample(env, "--township", "凤城镇", "--size", "10", "--as-of", "2017-06-10", "--seed", "99")
    assert other["sample_id"] != first["sample_id"] and other["seed"] == 99
    later = sample(env, "--township", "凤城镇", "--as-of", "2017-06-30")
    assert later["size"] == 20 and later["drawn"] == 20  # the campaign file's sample size
    everyone = sample(env, "--township", "凤城镇", "--size", "100", "--as-of", "2017-06-30")
    assert everyone["drawn"] == 26


def test_the_sample_commands_output_shows_no_personal_data(
    env: dict[str, str], county: dict[str, list[str]], tmp_path: Path
) -> None:
    code, out, err = invoke(env, "inspect", "sample", "--township", "凤城镇", "--as-of", "2017-06-10")
    assert code == 0 and "第 1 批督查样本" in out and "抽查表含完整身份证号" in err
    assert find_unmasked(out + err) == []


SAMPLE_REFUSALS = [
    (["--township", "凤凰镇"], "找不到乡镇“凤凰镇”"),
    (["--township", "350524999"], "找不到乡镇“350524999”"),
    (["--township", "湖头镇", "--as-of", "2017-06-10"], "湖头镇截至2017年6月10日还没有已走访的人员，无法抽查"),
    (["--township", "凤城镇", "--as-of", "2017-05-01"], "凤城镇截至2017年5月1日还没有已走访的人员"),
    (["--township", "凤城镇", "--as-of", "2017-13-01"], "--as-of 的日期"),
]


def test_a_sample_that_cannot_be_drawn_exits_2_in_chinese(
    env: dict[str, str], workspace: Workspace, county: dict[str, list[str]]
) -> None:
    for args, message in SAMPLE_REFUSALS:
        code, out, err = invoke(env, "inspect", "sample", *args)
        assert code == 2 and out == "", args
        assert message in err, (args, err)
    assert count(workspace, "spot_sample") == 0


def test_a_size_below_the_campaigns_minimum_of_villages_is_refused(
    env: dict[str, str], county: dict[str, list[str]], tmp_path: Path
) -> None:
    strict = tmp_path / "strict.toml"
    text_ = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace("min_villages = 1 ", "min_villages = 4 ")
    strict.write_text(text_, encoding="utf-8")
    assert invoke({**env, "CANBAO_CAMPAIGN": str(strict)}, "init")[0] == 0
    code, _out, err = invoke(env, "inspect", "sample", "--township", "凤城镇", "--size", "3", "--as-of", "2017-06-10")
    assert code == 2 and "抽查人数 3 少于每次抽查至少覆盖的村（社区）数 4" in err
    assert sample(env, "--township", "凤城镇", "--size", "4", "--as-of", "2017-06-10")["villages"] == 4


def fill(path: Path, results: list[tuple[str, str, str, str]], extra: list[list[str]]) -> Path:
    """Write (核查结果, 核查说明, 核查人, 核查日期) into the sample's rows, then append `extra` rows as typed."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for offset, values in enumerate(results):
        for column, value in enumerate(values, start=9):
            sheet.cell(row=3 + offset, column=column, value=value)
    for row in extra:
        sheet.append(row)
    filled = path.with_name("交回-" + path.name)
    book.save(filled)
    return filled


def test_results_are_imported_bad_rows_sent_back_and_a_second_import_changes_nothing(
    env: dict[str, str], workspace: Workspace, county: dict[str, list[str]], tmp_path: Path
) -> None:
    drawn = sample(env, "--township", "凤城镇", "--size", "8", "--as-of", "2017-06-10")
    rows = sheet_rows(Path(str(drawn["file"])))[2:]
    sampled = [str(r[3]) for r in rows]
    outsider = next(i for i in county["fengcheng"] if i not in sampled)
    results = [
        ("属实", "本人在家，已参保", "王督查", "2017-07-01"),
        ("不属实", "实际未迁出", "王督查", "2017-07-01"),
        ("未找到", "", "李督查", ""),  # blank date: the day the results came back
        ("", "", "", ""),  # not checked yet
        ("差不多", "", "王督查", "2017-07-01"),
        ("属实", "", "王督查", "7月某日"),
        ("属实", "", "王督查", "2017-07-09"),  # after the day it came back
        ("属实", "", "王督查", "2017-06-01"),  # before the sample's day
    ]
    extra = [
        [*["99", "某村", "外人", outsider, "", "", "", ""], "属实", "", "王督查", "2017-07-01", ""],
        [*["100", "某村", "错号", "350524198001011234", "", "", "", ""], "属实", "", "王督查", "2017-07-01", ""],
        [*[str(c) for c in rows[0][:8]], "属实", "本人在家，已参保", "王督查", "2017-07-01", str(drawn["sample_id"])],
    ]
    filled = fill(Path(str(drawn["file"])), results, extra)
    code, out, err = invoke(env, "inspect", "import", str(filled), "--on", "2017-07-05", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert set(first) == {"files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file", "pending"}
    assert (first["rows_read"], first["recorded"], first["rejected"], first["duplicates"], first["pending"]) == (
        11, 3, 6, 1, 1,
    )  # fmt: skip

    back = CalamineWorkbook.from_path(str(first["rejects_file"])).get_sheet_by_name("退回明细").to_python()
    assert back[1][:4] == ["文件", "工作表", "行号", "原因"]
    reasons = {int(r[2]): str(r[3]) for r in back[2:]}
    assert reasons[7] == "核查结果无法识别：差不多（可填：属实、不属实、未找到）"
    assert "日期无法识别" in reasons[8]
    assert reasons[9] == "核查日期2017年7月9日晚于收到日期2017年7月5日"
    assert reasons[10] == "核查日期2017年6月1日早于抽样日期2017年6月10日"
    assert reasons[11] == "不在任何督查抽查样本中"
    assert reasons[12] == "校验码错误（应为3）"  # the importer's own check of the ID
    assert set(reasons) == {7, 8, 9, 10, 11, 12}

    with workspace.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT result, error, checked_on, inspector, source_row FROM spot_check ORDER BY source_row")
        ).all()
    assert [(r[0], bool(r[1]), str(r[2])[:10], r[3], r[4]) for r in stored] == [
        ("correct", False, "2017-07-01", "王督查", 3),
        ("wrong", True, "2017-07-01", "王督查", 4),
        ("not_found", True, "2017-07-05", "李督查", 5),
    ]

    code, out, err = invoke(env, "inspect", "import", str(filled), "--on", "2017-07-05", "--json")
    assert code == 0, err
    second = json.loads(out)
    assert (second["recorded"], second["rejected"], second["duplicates"], second["pending"]) == (0, 6, 4, 1)
    assert second["rejects_file"] == first["rejects_file"]
    assert count(workspace, "spot_check") == 3

    code, out, err = invoke(env, "inspect", "rates", "--as-of", "2017-07-05", "--json")
    assert code == 0, err
    rates = json.loads(out)
    assert rates["as_of"] == "2017-07-05" and len(rates["townships"]) == 24
    by_code = {t["code"]: t for t in rates["townships"]}
    assert by_code[FENGCHENG] == {"code": FENGCHENG, "name": "凤城镇", "checked": 3, "errors": 2,
                                  "error_rate": pytest.approx(2 / 3)}  # fmt: skip
    assert by_code[PENGLAI] == {"code": PENGLAI, "name": "蓬莱镇", "checked": 0, "errors": 0, "error_rate": None}
    before = json.loads(invoke_ok(env, "inspect", "rates", "--as-of", "2017-07-04", "--json"))
    assert {t["code"]: t["checked"] for t in before["townships"]}[FENGCHENG] == 0  # not received yet

    assert inspection_error_rates(workspace, date(2017, 7, 5))[FENGCHENG] == pytest.approx(2 / 3)
    assert inspection_error_rates(workspace, date(2017, 7, 5))[PENGLAI] is None
    code, out, err = invoke(env, "inspect", "rates", "--as-of", "2017-07-05")
    assert code == 0 and "66.7%" in out and "未抽查" in out
    code, out, err = invoke(env, "inspect", "import", str(filled), "--on", "2017-07-05")
    assert code == 0 and find_unmasked(out + err) == []


def test_import_before_any_sample_or_of_a_file_without_results_exits_2(
    env: dict[str, str], county: dict[str, list[str]], tmp_path: Path
) -> None:
    stray = tmp_path / "stray.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "核查结果"])
    sheet.append([county["fengcheng"][0], "属实"])
    book.save(stray)
    code, out, err = invoke(env, "inspect", "import", str(stray), "--on", "2017-07-05")
    assert code == 2 and "还没有抽取督查样本" in err and out == ""

    sample(env, "--township", "凤城镇", "--as-of", "2017-06-10")
    no_result = tmp_path / "no-result.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "姓名"])
    sheet.append([county["fengcheng"][0], "测试0"])
    book.save(no_result)
    code, _out, err = invoke(env, "inspect", "import", str(no_result), "--on", "2017-07-05")
    assert code == 2 and "核查结果" in err and find_unmasked(err) == []
    code, _out, err = invoke(env, "inspect", "import", str(tmp_path / "missing.xlsx"))
    assert code == 2 and "找不到文件" in err


def test_rates_before_any_check_list_every_township_without_a_rate(env: dict[str, str], workspace: Workspace) -> None:
    code, out, _err = invoke(env, "inspect", "rates", "--as-of", "2017-06-30", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["townships"]) == 24
    assert all(t["checked"] == 0 and t["error_rate"] is None for t in data["townships"])
    assert data["townships"][0] == {"code": FENGCHENG, "name": "凤城镇", "checked": 0, "errors": 0, "error_rate": None}
