"""`canbao training …` as a coordinator uses it, on SQLite and PostgreSQL (quick commands: no Prefect), and the
Prefect task that queues the training reminders."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from models import crud
from models.settings import DEFAULT_CAMPAIGN, Settings
from tasks.identity.masking import find_unmasked
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.ingest_files import Cell, write_csv, write_xlsx

FENGCHENG, PENGLAI, GUANQIAO = "350524100", "350524101", "350524103"
IMPORT_KEYS = {"files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file"}


def run(env: dict[str, str], *args: str) -> dict:
    code, out, err = invoke(env, *args, "--json")
    assert code == 0, err
    assert find_unmasked(out + err) == []  # phones never reach a terminal or a log
    return json.loads(out)


def sessions_file(tmp_path: Path) -> Path:
    rows: list[list[Cell]] = [
        ["2017年乡镇级业务培训场次"],
        ["乡镇", "培训日期", "地点", "授课人", "容量"],
        ["凤城镇", date(2017, 4, 12), "镇政府三楼会议室", "县人社局业务股", 40],
        ["蓬莱镇", "2017-04-15", "镇文化站", "王老师", 30],
        ["湖头镇", "2017-05-40", "镇政府", "王老师", 30],
        [],
        ["制表：县人社局"],
    ]
    return write_xlsx(tmp_path / "场次.xlsx", {"场次": rows})


def sign_in_file(tmp_path: Path, name: str = "凤城镇签到表.xlsx", absent: str = "否") -> Path:
    rows: list[list[Cell]] = [
        ["凤城镇全民参保登记业务培训签到表"],
        ["乡镇", "培训日期", "姓名", "单位", "联系电话", "签到"],
    ]
    rows += [["凤城镇", "2017-04-12", f"员工{i}", "凤城镇社保所", f"1391234{i:04d}", "√"] for i in range(10)]
    rows += [["凤城镇", "2017-04-12", "缺席者", "凤城镇社保所", "13912349999", absent]]
    rows += [["凤城镇", "2017-04-12", "", "凤城镇社保所", "13912348888", "√"]]  # no name: rejected
    return write_xlsx(tmp_path / name, {"签到": rows})


def test_sessions_and_sign_in_sheets_complete_the_township_milestone(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    first = run(env, "training", "sessions", "import", str(sessions_file(tmp_path)), "--on", "2017-04-05")
    assert set(first) == IMPORT_KEYS
    assert (first["rows_read"], first["recorded"], first["rejected"], first["duplicates"]) == (3, 2, 1, 0)
    with CalamineWorkbook.from_path(first["rejects_file"]) as book:
        returned = book.get_sheet_by_name("退回明细").to_python()
    assert returned[2][:4] == ["场次.xlsx", "场次", 5.0, "培训日期无法识别：2017-05-40"]
    again = run(env, "training", "sessions", "import", str(sessions_file(tmp_path)), "--on", "2017-04-06")
    assert (again["recorded"], again["rejected"], again["duplicates"]) == (0, 1, 2)

    sheet = sign_in_file(tmp_path)
    imported = run(env, "training", "attendance", "import", str(sheet), "--on", "2017-04-14")
    assert set(imported) == IMPORT_KEYS and imported["files"] == [str(sheet)]
    assert (imported["rows_read"], imported["recorded"], imported["rejected"], imported["duplicates"]) == (12, 11, 1, 0)
    with CalamineWorkbook.from_path(imported["rejects_file"]) as book:
        returned = book.get_sheet_by_name("退回明细").to_python()
    assert returned[2][3] == "缺少必填项：姓名" and "13912348888" in returned[2]  # the phone as text

    status = run(env, "status", "--as-of", "2017-04-14")
    entries = {(m["key"], m["owner"]): m for m in status["milestones"]}
    assert entries[("township_training", FENGCHENG)]["state"] == "done_on_time"
    assert entries[("township_training", FENGCHENG)]["done_on"] == "2017-04-12"
    assert entries[("township_training", PENGLAI)]["state"] == "not_due"

    training = run(env, "training", "status", "--as-of", "2017-04-20")
    assert training["as_of"] == "2017-04-20" and len(training["townships"]) == 24
    by_code = {t["code"]: t for t in training["townships"]}
    assert set(by_code[FENGCHENG]) == {"code", "name", "sessions", "attended", "required", "trained", "reason"}
    assert by_code[FENGCHENG] == {
        "code": FENGCHENG,
        "name": "凤城镇",
        "sessions": 1,
        "attended": 10,
        "required": 10,
        "trained": True,
        "reason": None,
    }
    assert (by_code[PENGLAI]["sessions"], by_code[PENGLAI]["reason"]) == (1, "2017年4月15日的培训签到表尚未报送")
    assert by_code[GUANQIAO]["reason"] == "截至2017年4月20日尚未安排培训场次"
    assert run(env, "training", "status", "--as-of", "2017-04-13")["townships"][0]["attended"] == 0

    same = run(env, "training", "attendance", "import", str(sheet), "--on", "2017-04-15")
    assert (same["recorded"], same["rejected"], same["duplicates"]) == (0, 1, 11)
    corrected = sign_in_file(tmp_path, "更正.xlsx", absent="√")  # the absentee did attend after all
    fixed = run(env, "training", "attendance", "import", str(corrected), "--on", "2017-04-16")
    assert (fixed["recorded"], fixed["duplicates"]) == (1, 10)
    assert run(env, "training", "status", "--as-of", "2017-04-20")["townships"][0]["attended"] == 11
    later = run(env, "status", "--as-of", "2017-04-20")
    assert {m["done_on"] for m in later["milestones"] if m["key"] == "township_training" and m["done_on"]} == {
        "2017-04-12"
    }


def test_the_human_output_names_rejects_and_completions(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "training", "attendance", "import", str(sign_in_file(tmp_path)), "--on", "2017-04-14")
    assert code == 0, err
    assert "培训签到" in out and "第 14 行：缺少必填项：姓名" in err
    assert "凤城镇 参训人数已达到要求" in err and "记为2017年4月12日完成" in err
    assert find_unmasked(out + err) == []
    code, out, _err = invoke(env, "training", "status", "--as-of", "2017-04-20")
    assert code == 0 and "凤城镇" in out and "尚未安排培训场次" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["training", "sessions", "import", "missing.xlsx"], "找不到文件"),
        (["training", "attendance", "import", "{bad}"], "缺少必填列 培训日期"),
        (["training", "attendance", "import", "{good}", "--on", "2017-04-31"], "--on 的日期"),
        (["training", "status", "--as-of", "tomorrow"], "--as-of 的日期"),
        (["training", "sessions", "import", "{notes}"], "格式不支持"),
    ],
)
def test_mistakes_exit_2_in_chinese_and_record_nothing(
    env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    assert invoke(env, "init")[0] == 0
    files = {
        "{bad}": str(write_csv(tmp_path / "bad.csv", [["乡镇", "姓名"], ["凤城镇", "张三"]])),
        "{good}": str(sign_in_file(tmp_path)),
        "{notes}": str(tmp_path / "notes.txt.docx"),
    }
    Path(files["{notes}"]).write_text("x", encoding="utf-8")
    code, out, err = invoke(env, *[files.get(a, a) for a in args])
    assert code == 2 and out == ""
    assert message in err
    status = run(env, "training", "status", "--as-of", "2017-04-30")
    assert all(t["attended"] == 0 and t["sessions"] == 0 for t in status["townships"])


def test_before_init_and_without_a_training_section(env: dict[str, str], tmp_path: Path) -> None:
    from models.db import create_schema

    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    create_schema(ws.engine)
    ws.close()
    code, _out, err = invoke(env, "training", "status")
    assert code == 2 and "canbao init" in err
    original = DEFAULT_CAMPAIGN.read_text(encoding="utf-8")
    start, end = original.index("[training]\n"), original.index("# ---- data sources")
    plain = tmp_path / "plain.toml"
    without = re.sub(r'(?m)^completed_by = "training".*\n', "", original[:start] + original[end:])
    plain.write_text(without, encoding="utf-8")
    assert invoke(env, "init", "--campaign", str(plain))[0] == 0
    code, _out, err = invoke(env, "training", "status")
    assert code == 2 and "活动计划中没有 [training]" in err


def test_sessions_of_the_campaign_file_are_kept_in_step_with_it(env: dict[str, str], tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from models.db import make_engine
    from models.training import TrainingSession

    session_block = (
        '[[training.sessions]]\ntownship = "350524100"\ndate = 2017-04-12\nplace = "镇政府"\ncapacity = 40\n'
        '[[training.sessions]]\ntownship = "350524105"\ndate = 2017-04-18\nplace = "城厢镇文化站"\ncapacity = 25\n\n'
    )
    original = DEFAULT_CAMPAIGN.read_text(encoding="utf-8")
    planned = tmp_path / "planned.toml"
    planned.write_text(original.replace("# ---- data sources", session_block + "# ---- data sources", 1), "utf-8")
    assert invoke(env, "init", "--campaign", str(planned))[0] == 0
    status = {t["code"]: t for t in run(env, "training", "status", "--as-of", "2017-04-05")["townships"]}
    assert (status[FENGCHENG]["sessions"], status["350524105"]["sessions"], status[PENGLAI]["sessions"]) == (1, 1, 0)

    run(env, "training", "sessions", "import", str(sessions_file(tmp_path)), "--on", "2017-04-05")

    def stored() -> dict[str, tuple[str, str]]:
        engine = make_engine(env["CANBAO_DATABASE_URL"])
        with Session(engine) as session:
            rows = {r.township_code: (r.source, r.place) for r in session.exec(select(TrainingSession))}
        engine.dispose()
        return rows

    assert stored() == {
        FENGCHENG: ("场次.xlsx", "镇政府三楼会议室"),  # the township's own booking replaces the plan's
        PENGLAI: ("场次.xlsx", "镇文化站"),
        "350524105": ("campaign", "城厢镇文化站"),
    }
    assert invoke(env, "init")[0] == 0  # the plan without sessions: its booking goes, the imported ones stay
    run(env, "training", "sessions", "import", str(sessions_file(tmp_path)), "--on", "2017-04-06")
    assert set(stored()) == {FENGCHENG, PENGLAI}
    status = {t["code"]: t for t in run(env, "training", "status", "--as-of", "2017-04-05")["townships"]}
    assert status["350524105"]["sessions"] == 0


# -- the Prefect task --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_queue_training_reminders_writes_each_reminder_once(workspace: Workspace, tmp_path: Path) -> None:
    from flows.monitors import queue_training_reminders

    campaign_id, dry = queue_training_reminders(workspace, date(2017, 4, 16), True)
    assert len(dry) == 24 and {h.status for h in dry} == {"skipped"} and {h.kind for h in dry} == {"training_reminder"}
    with workspace.session() as session:
        assert crud.undelivered_messages(session, campaign_id=campaign_id) == []

    assert queue_training_reminders(workspace, date(2017, 4, 16), False)[1] == []
    queue_training_reminders(workspace, date(2017, 4, 16), False)  # a rerun the same week: nothing new
    with workspace.session() as session:
        queued = crud.undelivered_messages(session, campaign_id=campaign_id)
    assert len(queued) == 24 and {m.kind for m in queued} == {"training_reminder"}
    fengcheng = next(m for m in queued if m.owner == FENGCHENG)
    assert fengcheng.tags == FENGCHENG and fengcheng.milestone == "township_training"
    assert fengcheng.title == "【培训提醒】举办乡镇级业务培训：截至2017年4月16日尚未安排培训场次"
    assert fengcheng.body.startswith("凤城镇：") and find_unmasked(fengcheng.body) == []

    queue_training_reminders(workspace, date(2017, 4, 17), False)  # the next week: reminded again
    queue_training_reminders(workspace, date(2017, 5, 29), False)  # after the last overdue step: no more
    with workspace.session() as session:
        assert len(crud.undelivered_messages(session, campaign_id=campaign_id)) == 48
