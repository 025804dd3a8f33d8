"""Registration is not enrolment, through the command line: a returned work list with every outcome is imported,
the comparison's figures are held against an independent computation (coverage unchanged by registrations,
registered_pending right, the dead and the moved out off the gaps), the departments and townships are told what
the campaign file says, 查无此人 waits for the township's confirmation, and the August delivery's enrolments of
registered persons come back from the data exchange as 登记后已参保."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import text

from models.campaign.spec import INSURANCES, Campaign
from models.settings import Settings
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")
GONE = {"deceased", "moved", "military", "prison", "abroad"}  # every missing insurance leaves the gaps
COVERED = {"insured_elsewhere", "public_sector"}  # pension and medical leave the gaps


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 4000, out, seed=11, as_of=date(2017, 4, 30), formats="csv")
    return out


def _persons(env: dict[str, str]) -> pd.DataFrame:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            return pd.read_sql(text("SELECT * FROM person"), connection).set_index("id_number")
    finally:
        ws.close()


def _compare(env: dict[str, str], day: str) -> dict[str, Any]:
    code, out, err = invoke(env, "compare", "--as-of", day, "--json")
    assert code == 0, err
    return dict(json.loads(out))


def _independent_missing(before: pd.DataFrame, outcomes: dict[str, str]) -> dict[str, int]:
    """The departments' gaps less what the visits found: gone persons and those covered elsewhere."""
    counts = dict.fromkeys(INSURANCES, 0)
    for id_number, row in before[~before["deceased"].astype(bool)].iterrows():
        outcome = outcomes.get(str(id_number), "")
        for insurance in INSURANCES:
            if row[insurance] != "missing" or outcome in GONE:
                continue
            if outcome in COVERED and insurance in ("pension", "medical"):
                continue
            counts[insurance] += 1
    return counts


def _pending(statuses: pd.DataFrame, registered: set[str]) -> tuple[int, dict[str, int]]:
    rows = statuses.loc[sorted(registered)]
    missing = pd.DataFrame({i: rows[i].eq("missing") for i in INSURANCES})
    return int(missing.any(axis=1).sum()), {i: int(missing[i].sum()) for i in INSURANCES}


def test_registration_is_not_enrolment_through_a_season(
    env: dict[str, str], county: Path, tmp_path: Path, campaign: Campaign
) -> None:
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    compared = _compare(env, "2017-04-30")
    assert compared["registered_pending"] == 0
    lists = tmp_path / "lists"
    invoke_ok(env, "worklists", "--out", str(lists), "--on", "2017-04-30", "--json")
    before = _persons(env)
    # The township with the most persons listed: its villages' lists are returned.
    by_township: dict[str, list[Path]] = {}
    for path in lists.rglob("*-入户调查名单.xlsx"):
        listed = listed_ids(path)
        if listed:
            by_township.setdefault(str(before.loc[listed[0], "township_code"]), []).append(path)
    published = max(by_township.values(), key=lambda paths: sum(len(listed_ids(p)) for p in paths))
    ids = [i for path in sorted(published) for i in listed_ids(path)]
    township = str(before.loc[ids[0], "township_code"])

    # One person per outcome, the rest of the first 40 registered; two bad rows.
    names = {code: o.name for code, o in campaign.survey.outcomes.items()}
    codes = [c for c in names if c != "registered"]
    assert len(ids) >= 45
    outcomes = {i: code for i, code in zip(ids, codes, strict=False)}
    outcomes.update({i: "registered" for i in ids[len(codes) : 40]})
    entries: dict[str, dict[str, str]] = {}
    for id_number, code in outcomes.items():
        row = {"走访结果": names[code], "走访日期": "2017-05-10", "走访人": "张三"}
        if code == "refused":
            row["未参保原因"] = "经济困难，暂无力缴费"
            row["参保意愿"] = "不愿参保"
        if code == "registered":
            row["参保意愿"] = "愿意参保"
        if code == "corrected":
            row["更正信息"] = "联系电话：13905951234"
        entries[id_number] = row
    bad = {
        ids[40]: {"走访结果": "拒绝登记", "走访日期": "2017-05-10"},
        ids[41]: {"走访结果": "已登记", "参保意愿": "看情况"},
    }
    entries.update(bad)
    returned = [fill_returned(path, tmp_path / "returned" / path.name, entries) for path in sorted(published)]

    code, out, err = invoke(env, "survey", "import", *map(str, returned), "--on", "2017-05-20", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["recorded"], result["rejected"]) == (len(outcomes), 2)
    rejects = openpyxl.load_workbook(result["rejects_file"], read_only=True).worksheets[0]
    reasons = " ".join(str(c) for row in rejects.iter_rows(values_only=True) for c in row if c)
    assert "未填写未参保原因" in reasons and "参保意愿无法识别：看情况" in reasons
    assert any(path.name in reasons for path in published)  # the file is named

    # Recompared: the figures against an independent computation from the departments' statuses.
    after = _compare(env, "2017-04-30")  # the same day: no one's age moves them between statuses
    assert after["missing_by_insurance"] == _independent_missing(before, outcomes)
    registered = {i for i, c in outcomes.items() if c == "registered"}
    persons = _persons(env)
    for id_number in registered:  # coverage unchanged by registrations
        assert [persons.loc[id_number, i] for i in INSURANCES] == [before.loc[id_number, i] for i in INSURANCES]
    count, by_insurance = _pending(before, registered)
    assert after["registered_pending"] == count > 0
    assert after["registered_pending_by_insurance"] == by_insurance
    by_code = {t["code"]: t for t in after["by_township"]}
    assert by_code[township]["registered_pending"] == count
    gone = [i for i, c in outcomes.items() if c in ("deceased", "moved")]
    assert all(persons.loc[i, list(INSURANCES)].ne("missing").all() for i in gone)
    assert after["categories"]["moved_out"] == 1

    # Who is told: the dead to police, hrss and health; the moved to the police; not found waits for the township.
    folder = tmp_path / "corrections"
    told = json.loads(invoke_ok(env, "survey", "corrections", "--out", str(folder), "--json"))
    findings = {key: _findings(Path(d["file"])) for key, d in told["departments"].items()}
    assert findings["police"] == {"已死亡", "已迁出"}
    assert findings["health"] == {"已死亡"}
    assert {"已死亡", "外地参保", "已在机关事业单位参保"} <= findings["hrss"]
    follow = _findings(Path(told["townships"][township]["file"]), column="走访结果")
    assert follow == {"外出务工（人户分离）", "查无此人"}

    not_found = next(i for i, c in outcomes.items() if c == "not_found")
    unconfirmed = json.loads(invoke_ok(env, "survey", "confirm", township, "--json"))["waiting"]  # confirms nothing
    assert [w["finding"] for w in unconfirmed] == ["查无此人"] and not_found not in json.dumps(unconfirmed)
    assert outcomes[ids[0]] != "not_found"
    assert invoke(env, "survey", "confirm", township, ids[0])[0] == 2  # nothing of this person to confirm
    confirmed = json.loads(
        invoke_ok(env, "survey", "confirm", township, not_found, "--by", "李四", "--on", "2017-05-25", "--json")
    )
    assert len(confirmed["confirmed"]) == 1 and confirmed["waiting"] == []
    assert not_found not in json.dumps(confirmed)  # masked
    told = json.loads(invoke_ok(env, "survey", "corrections", "--out", str(tmp_path / "again"), "--json"))
    assert _findings(Path(told["departments"]["police"]["file"])) == {"已死亡", "已迁出", "查无此人"}
    assert _findings(Path(told["townships"][township]["file"]), column="走访结果") == {"外出务工（人户分离）"}

    # August: the resident schemes list part of the registered, and one person nobody registered.
    waiting = sorted(registered)
    enrolled_pension = [i for i in waiting[::2] if before.loc[i, "pension"] == "missing"]
    enrolled_medical = [i for i in waiting[::3] if before.loc[i, "medical"] == "missing"]
    stranger = next(i for i in before.index if before.loc[i, "medical"] == "missing" and i not in outcomes)
    inbox = tmp_path / "august"
    _delivery(county, inbox, "pension_resident", before.loc[enrolled_pension, "name"])
    _delivery(county, inbox, "medical_resident", before.loc[[*enrolled_medical, stranger], "name"])
    code, out, err = invoke(env, "exchange", str(inbox), "--on", "2017-08-01", "--json")
    assert code == 0, err
    exchanged = json.loads(out)
    assert exchanged["changes"]["registered_enrolled"] == len(enrolled_pension) + len(enrolled_medical) > 0
    assert exchanged["changes"]["enrolments"] == exchanged["changes"]["registered_enrolled"] + 1
    sheets = CalamineWorkbook.from_path(exchanged["report"])
    assert "登记后已参保" in sheets.sheet_names
    assert len(sheets.get_sheet_by_name("登记后已参保").to_python()) == 2 + exchanged["changes"]["registered_enrolled"]

    latest = _compare(env, "2017-08-01")
    count, by_insurance = _pending(_persons(env), registered)
    assert latest["registered_pending"] == count
    assert latest["registered_pending_by_insurance"] == by_insurance
    assert by_insurance["pension"] == _pending(before, registered)[1]["pension"] - len(enrolled_pension)

    # The expansion plan and the closing report show the registered apart from coverage.
    plan = json.loads(invoke_ok(env, "analysis", "plan", "--as-of", "2017-08-01", "--json"))
    county_rows = {r["insurance"]: r for r in plan["county"]["insurances"]}
    assert county_rows["pension"]["registered_pending"] == by_insurance["pension"]
    assert county_rows["pension"]["gap"] == latest["missing_by_insurance"]["pension"]


def _findings(path: Path, column: str = "核查结果") -> set[str]:
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header = rows[1]
    at = header.index(column)
    return {str(r[at]) for r in rows[2:] if r and r[at]}


def _delivery(county: Path, folder: Path, source: str, names: pd.Series) -> None:
    shutil.copytree(county / source, folder / source)
    rows = [f"{i},{name}" for i, name in names.items()]
    (folder / source / "2017年8月新增.csv").write_text("\n".join(["身份证号,姓名", *rows]) + "\n", encoding="utf-8")
