"""`canbao ingest` and `canbao collect` with department files as they come: headings nobody listed, optional
columns missing (imported, exit code 0, a warning in the JSON and on the console), the ID column missing (the
Chinese error, exit code 2)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.cli_runner import invoke, invoke_ok
from tests.ingest_files import make_id, write_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")

ZHANG = make_id(date(1980, 1, 2), 11)
LI = make_id(date(1990, 5, 6), 22)
NO_EMPLOYER = "文件 备案.csv 没有“用人单位”列：数据已导入，该列按空白处理"


def filing_without_employer(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_csv(
        folder / "备案.csv",
        [
            ["用工备案信息"],
            ["序号", "身份证号码（18位）", "劳动者姓名", "劳动合同签订日期"],
            [1, ZHANG, "张三", "2016-03-01"],
            [2, LI, "李四", "2016-04-01"],
        ],
    )


def test_ingest_imports_a_filing_without_its_employer_and_warns(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    path = filing_without_employer(tmp_path)
    code, out, err = invoke(env, "ingest", "employment", str(path), "--on", "2017-04-18", "--json")
    assert code == 0, err
    delivery = json.loads(out)
    assert (delivery["accepted"], delivery["rejected"]) == (2, 0)
    assert delivery["warnings"] == [NO_EMPLOYER]

    # the same files again: nothing imported twice, the warning still told (on the console this time)
    code, out, err = invoke(env, "ingest", "employment", str(path), "--on", "2017-04-18")
    assert code == 0, err
    assert "注意：" + NO_EMPLOYER in err and "与已导入的相同" in out


def test_ingest_warns_on_the_console(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    code, _out, err = invoke(env, "ingest", "employment", str(filing_without_employer(tmp_path)))
    assert code == 0, err
    assert "注意：" + NO_EMPLOYER in err


def test_collect_imports_and_warns(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    folder = tmp_path / "交付"
    filing_without_employer(folder / "employment")
    (folder / "pension_resident").mkdir()
    write_csv(folder / "pension_resident" / "城乡居民.csv", [["*公民身份号码", "参保人姓名"], [ZHANG, "张三"]])
    deliveries = {d["source"]: d for d in json.loads(invoke_ok(env, "collect", str(folder), "--json"))}
    assert deliveries["employment"]["warnings"] == [NO_EMPLOYER]
    assert deliveries["employment"]["accepted"] == 2
    assert deliveries["pension_resident"]["warnings"] == [] and deliveries["pension_resident"]["accepted"] == 1

    other = tmp_path / "再交付"
    filing_without_employer(other / "employment")
    (other / "employment" / "备案.csv").write_bytes(
        (other / "employment" / "备案.csv").read_bytes() + f"3,{make_id(date(1970, 3, 4), 33)},王五,\r\n".encode()
    )
    code, _out, err = invoke(env, "collect", str(other))
    assert code == 0, err
    assert "注意：" + NO_EMPLOYER in err


def test_ingest_without_an_id_column_exits_2_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    path = write_csv(tmp_path / "户主.csv", [["户主身份证号", "姓名", "用工单位"], [ZHANG, "张三", "茶厂"]])
    code, out, err = invoke(env, "ingest", "employment", str(path), "--json")
    assert code == 2 and out == ""
    assert "户主.csv" in err and "缺少必填列 身份证号" in err
