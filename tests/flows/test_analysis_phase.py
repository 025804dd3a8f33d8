"""The analysis phase through the command line: a synthetic county is compared, departments then deliver new
deaths and enrolments, and the exchange reports exactly those; the expansion plan adds up."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.identity.masking import find_unmasked
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

pytestmark = pytest.mark.usefixtures("prefect_harness")
AS_OF = "2017-07-15"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 1500, out, seed=7, as_of=date(2017, 4, 30), formats="csv")
    return out


def _persons(env: dict[str, str]) -> pd.DataFrame:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            return pd.read_sql(text("SELECT * FROM person ORDER BY id_number"), connection)
    finally:
        ws.close()


def _delivery(county: Path, folder: Path, source: str, header: str, rows: list[str]) -> None:
    """The source's files as delivered before, plus a new file with `rows`."""
    shutil.copytree(county / source, folder / source)
    (folder / source / "新增.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_exchange_reports_what_the_departments_changed_and_nothing_the_second_time(
    env: dict[str, str], county: Path, tmp_path: Path, campaign: Campaign
) -> None:
    assert invoke(env, "init")[0] == 0
    code, _out, err = invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")
    assert code == 0, err
    code, _out, err = invoke(env, "compare", "--as-of", AS_OF, "--json")
    assert code == 0, err

    persons = _persons(env)
    living = persons[~persons["deceased"].astype(bool)]
    to_enrol = living[living["injury"] == "missing"].head(3)
    to_die = living[(living["injury"] != "missing") & ~living["id_number"].isin(to_enrol["id_number"])].tail(2)
    assert len(to_enrol) == 3 and len(to_die) == 2
    exchange_dir = tmp_path / "exchange"
    _delivery(
        county, exchange_dir, "cremation", "身份证号,姓名,火化日期",
        [f"{p.id_number},{p.name},2017-07-01" for p in to_die.itertuples()],
    )  # fmt: skip
    _delivery(
        county, exchange_dir, "injury", "身份证号,姓名,单位名称",
        [f"{p.id_number},{p.name},安溪县某某公司" for p in to_enrol.itertuples()],
    )  # fmt: skip

    code, out, err = invoke(env, "exchange", str(exchange_dir), "--on", AS_OF, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"on", "deliveries", "changes", "townships", "report"}
    assert result["on"] == AS_OF and result["compared"] is True
    assert {d["source"] for d in result["deliveries"]} == {"cremation", "injury"}
    assert all(not d["unchanged"] for d in result["deliveries"])
    assert result["changes"] == {
        "deaths": 2, "enrolments": 3, "new_gaps": 0, "added": 0, "removed": 0, "registered_enrolled": 0,
    }  # fmt: skip
    townships = {t["code"]: t for t in result["townships"]}
    assert [t["code"] for t in result["townships"]] == [t.code for t in campaign.townships]
    for code_, expected in to_die["township_code"].value_counts().items():
        assert townships[str(code_)]["deaths"] == expected
    for code_, expected in to_enrol["township_code"].value_counts().items():
        assert townships[str(code_)]["enrolments"] == expected
    assert sum(t["deaths"] for t in townships.values()) == 2

    after = _persons(env).set_index("id_number")
    assert after.loc[to_die["id_number"], "deceased"].astype(bool).all()
    assert (after.loc[to_enrol["id_number"], "injury"] == "insured").all()

    report = Path(result["report"])
    sheets = _sheets(report)
    assert list(sheets) == [
        "汇总", "新增死亡", "新增参保", "新增应保未保", "新增户籍人员", "减少户籍人员", "登记后已参保",
    ]  # fmt: skip
    for rows in sheets.values():
        assert not find_unmasked(" ".join(str(c) for row in rows for c in row))
    assert len(sheets["新增死亡"]) == 2 + 2 and len(sheets["新增参保"]) == 2 + 3  # title and header rows
    assert sheets["汇总"][-1][2:] == [2, 3, 0, 0, 0, 0]

    code, out, err = invoke(env, "exchange", str(exchange_dir), "--on", AS_OF, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["compared"] is False
    assert all(d["unchanged"] for d in again["deliveries"])
    assert not any(again["changes"].values())
    assert again["report"] != result["report"] and "无变化" in _sheets(Path(again["report"]))["汇总"][0][0]

    status = {
        (m["key"], m["owner"]): m
        for m in json.loads(invoke_ok(env, "status", "--as-of", AS_OF, "--json"))["milestones"]
    }
    assert status[("data_exchange_meeting", "county")]["done_on"] == AS_OF


def test_analysis_plan_adds_up_and_completes_the_milestone(env: dict[str, str], county: Path, tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "analysis", "plan", "--json")
    assert code == 2 and "canbao compare" in err
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    assert invoke(env, "compare", "--as-of", AS_OF, "--json")[0] == 0

    code, out, err = invoke(env, "analysis", "plan", "--as-of", "2017-07-20", "--out", str(tmp_path / "plan"), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["as_of"] == "2017-07-20" and Path(plan["file"]).is_file()
    persons = _persons(env)
    living = persons[~persons["deceased"].astype(bool)]
    county_rows = {row["insurance"]: row for row in plan["county"]["insurances"]}
    for insurance, row in county_rows.items():
        assert set(row) >= {"insurance", "should", "insured", "gap", "elsewhere", "coverage", "target"}
        assert row["gap"] == int((living[insurance] == "missing").sum())
        assert row["insured"] == int((living[insurance] == "insured").sum())
        assert row["target"] == sum(
            r["target"] for t in plan["townships"] for r in t["insurances"] if r["insurance"] == insurance
        )
        assert 0 <= row["target"] <= row["gap"]
        assert sum(row["monthly"].values()) == row["target"] and len(row["monthly"]) == 6
    sheets = _sheets(Path(plan["file"]))
    assert list(sheets) == ["扩面计划", "重点人群"]
    assert sheets["扩面计划"][1][:9] == [
        "乡镇代码", "乡镇", "险种", "应参保人数", "已参保", "已在外地或机关事业单位参保", "应保未保",
        "其中已登记待参保", "覆盖率",
    ]  # fmt: skip

    status = {
        (m["key"], m["owner"]): m
        for m in json.loads(invoke_ok(env, "status", "--as-of", "2017-07-20", "--json"))["milestones"]
    }
    assert status[("data_analysis", "county")]["done_on"] == "2017-07-20"
