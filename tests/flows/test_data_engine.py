"""A synthetic county through collection, comparison and work lists, held against its own ground truth."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

pytestmark = pytest.mark.usefixtures("prefect_harness")
AS_OF = "2017-04-30"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 3000, out, seed=11, as_of=date(2017, 4, 30), formats="mixed")
    return out


def test_collect_compare_and_worklists_match_the_ground_truth(
    env: dict[str, str], county: Path, tmp_path: Path
) -> None:
    truth = json.loads((county / "ground_truth.json").read_text(encoding="utf-8"))
    assert invoke(env, "init")[0] == 0

    code, out, err = invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")
    assert code == 0, err
    deliveries = {d["source"]: d for d in json.loads(out)}
    assert set(deliveries) == set(truth["rows_written"])
    for source, d in deliveries.items():
        assert set(d) == {
            "source",
            "files",
            "rows_read",
            "accepted",
            "rejected",
            "duplicates",
            "rejects_file",
            "warnings",
        }
        assert d["rows_read"] == d["accepted"] + d["rejected"] + d["duplicates"], source
        assert d["rejected"] == truth["expected_rejects"][source], source
        assert d["duplicates"] == truth["expected_duplicates"][source], source
        if d["rejected"]:
            assert Path(d["rejects_file"]).is_file()

    again = {d["source"]: d for d in json.loads(invoke_ok(env, "collect", str(county), "--json"))}
    assert {s: d["accepted"] for s, d in again.items()} == {s: d["accepted"] for s, d in deliveries.items()}

    code, out, err = invoke(env, "compare", "--as-of", AS_OF, "--json")
    assert code == 0, err
    summary = json.loads(out)
    for key in ("persons", "categories", "missing_by_insurance", "anomalies", "outside_register", "employment"):
        assert summary[key] == truth[key], key
    ours = {t["code"]: (t["persons"], t["uninsured"], t["partial"]) for t in summary["by_township"]}
    assert ours == {t["code"]: (t["persons"], t["uninsured"], t["partial"]) for t in truth["by_township"]}

    persons_by_id = _persons(env)
    expected = pd.read_parquet(county / "ground_truth.parquet").set_index("id_number")
    columns = ["pension", "medical", "injury", "maternity", "unemployment", "category", "employment_status"]
    joined = persons_by_id[columns].merge(
        expected[columns], left_index=True, right_index=True, how="outer", suffixes=("", "_truth")
    )
    for column in columns:
        assert (joined[column] == joined[f"{column}_truth"]).all(), column

    out_dir = tmp_path / "lists"
    code, out, err = invoke(env, "worklists", "--out", str(out_dir), "--on", "2017-04-28", "--json")
    assert code == 0, err
    result = json.loads(out)
    to_visit = persons_by_id[
        persons_by_id["category"].isin(["uninsured", "partial"]) | (persons_by_id["anomalies"] != "")
    ]
    assert result["persons"] == len(to_visit)
    listed = []
    for path in out_dir.rglob("*-入户调查名单.xlsx"):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = rows[1]
        ids = [r[header.index("身份证号")] for r in rows[2:]]
        assert all(isinstance(i, str) and len(i) == 18 for i in ids)
        village = path.name.split("-")[0]
        assert set(to_visit[to_visit["village_code"] == village].index) == set(ids)
        listed += ids
    assert len(listed) == len(to_visit)

    forms_dir = tmp_path / "forms"
    code, out, err = invoke(env, "worklists", "--out", str(forms_dir), "--on", "2017-04-28", "--forms", "--json")
    assert code == 0, err
    made = json.loads(out)["forms"]
    files = sorted(forms_dir.rglob("*-入户调查登记表.docx"))
    households = to_visit.assign(household=to_visit["household"].replace("", None))
    expected = households.groupby("village_code")["household"].agg(lambda h: h.nunique() + h.isna().sum())
    assert made == {"files": len(files), "households": int(expected.sum())}
    assert {f.name.split("-")[0] for f in files} == set(expected.index)
    logged = _exports(env, "household_form")
    assert sorted(logged) == sorted((str(f), int((to_visit["village_code"] == f.name.split("-")[0]).sum()))
                                    for f in files)  # fmt: skip

    status = {
        (m["key"], m["owner"]): m
        for m in json.loads(invoke_ok(env, "status", "--as-of", AS_OF, "--json"))["milestones"]
    }
    assert status[("data_delivery", "police")]["done_on"] == "2017-04-18"
    assert status[("data_comparison", "county")]["done_on"] == "2017-04-28"


def _persons(env: dict[str, str]) -> pd.DataFrame:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            frame = pd.read_sql(text("SELECT * FROM person"), connection)
    finally:
        ws.close()
    return frame.fillna("").set_index("id_number")


def _exports(env: dict[str, str], kind: str) -> list[tuple[str, int]]:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT file, persons FROM personal_data_export WHERE kind = :kind"), {"kind": kind}
            )
            return [(str(file), int(persons)) for file, persons in rows]
    finally:
        ws.close()


def test_a_missing_required_column_exits_2_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,性别\n张三,男\n", encoding="utf-8")
    code, out, err = invoke(env, "ingest", "household", str(bad), "--json")
    assert code == 2 and out == ""
    assert "bad.csv" in err and "身份证号" in err


def test_unknown_source_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    some = tmp_path / "x.csv"
    some.write_text("身份证号,姓名\n", encoding="utf-8")
    code, _out, err = invoke(env, "ingest", "no_such_source", str(some))
    assert code == 2 and "未知的数据源" in err
