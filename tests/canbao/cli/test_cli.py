"""The command line as coordinators and their scripts use it (quick commands: no Prefect)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.settings import DEFAULT_CAMPAIGN
from tests.cli_runner import invoke, invoke_ok


def test_init_is_idempotent_and_orgs_lists_the_hierarchy(env: dict[str, str]) -> None:
    assert invoke(env, "init")[0] == 0
    code, _out, err = invoke(env, "init")
    assert code == 0 and "无变化" in err
    code, out, err = invoke(env, "orgs", "--json")
    assert code == 0, err
    units = json.loads(out)
    assert units[0] == {"code": "350524", "name": "安溪县", "level": "county", "parent": None}
    townships = [u for u in units if u["level"] == "township"]
    villages = [u for u in units if u["level"] == "village"]
    assert len(townships) == 24 and 440 <= len(villages) <= 480
    assert {v["parent"] for v in villages} == {t["code"] for t in townships}


def test_status_json_contract(env: dict[str, str]) -> None:
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "milestone", "done", "凤城镇", "township_leading_group", "--on", "2017-03-20")[0] == 0
    assert invoke(env, "milestone", "done", "police", "提供基础数据", "--on", "2017-04-22", "--note", "补报")[0] == 0
    code, out, _err = invoke(env, "status", "--as-of", "2017-04-25", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == "2017-04-25" and data["phase"] == "training"
    entries = {(m["key"], m["owner"]): m for m in data["milestones"]}
    assert set(data["milestones"][0]) >= {"key", "name", "owner", "due", "state", "done_on"}
    assert entries[("township_leading_group", "350524100")]["state"] == "done_on_time"
    assert entries[("township_leading_group", "350524100")]["done_on"] == "2017-03-20"
    assert entries[("township_leading_group", "350524101")]["state"] == "overdue"
    assert entries[("data_delivery", "police")]["state"] == "done_late"
    assert entries[("township_training", "350524100")]["state"] == "due"
    assert entries[("household_survey", "350524100")]["state"] == "not_due"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["不存在乡", "township_leading_group"], "找不到责任单位"),
        (["350524100", "no_such_milestone"], "找不到工作任务"),
        (["police", "township_leading_group"], "不是县公安局的工作任务"),
        (["350524100", "township_leading_group", "--on", "2017-02-30"], "日期"),
    ],
)
def test_bad_milestone_records_are_refused_and_nothing_is_recorded(
    env: dict[str, str], args: list[str], message: str
) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "milestone", "done", *args)
    assert code == 2
    assert message in err and out == ""
    status = json.loads(invoke_ok(env, "status", "--as-of", "2017-08-31", "--json"))
    assert all(m["done_on"] is None for m in status["milestones"])


def test_a_broken_campaign_file_exits_2_naming_key_and_line_and_leaves_the_database(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "milestone", "done", "350524100", "township_leading_group", "--on", "2017-03-20")[0] == 0
    before = invoke_ok(env, "status", "--as-of", "2017-04-01", "--json")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace("due = 2017-06-30", "due = 2017-06-31", 1), "utf-8"
    )
    code, _out, err = invoke(env, "init", "--campaign", str(broken))
    assert code == 2
    assert "broken.toml" in err and "第" in err and "行" in err
    assert invoke_ok(env, "status", "--as-of", "2017-04-01", "--json") == before


def test_commands_before_init_say_what_to_do(env: dict[str, str]) -> None:
    from models.db import create_schema
    from models.settings import Settings
    from tasks.workspace import Workspace

    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    create_schema(ws.engine)
    ws.close()
    code, _out, err = invoke(env, "status")
    assert code == 2 and "canbao init" in err


def test_synth_writes_a_county_without_a_database(env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = invoke(env, "synth", "--persons", "600", "--seed", "3", "--out", str(tmp_path / "d"), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["files"]["household"] == 24
    truth = json.loads(Path(result["counts"]).read_text(encoding="utf-8"))
    assert truth["persons"] == result["persons"] > 0
