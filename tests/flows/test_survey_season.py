"""A scripted survey season through the command line: returned work lists with good and bad rows, progress
and reminders held against an independent computation, and a recompare that keeps what the villages found."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")
START, DEADLINE = date(2017, 5, 1), date(2017, 6, 30)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 6000, out, seed=5, as_of=date(2017, 4, 30), formats="csv")
    return out


def _published(env: dict[str, str], county: Path, lists: Path) -> list[Path]:
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    assert invoke(env, "compare", "--as-of", "2017-04-30", "--json")[0] == 0
    code, _out, err = invoke(env, "worklists", "--out", str(lists), "--on", "2017-04-30", "--json")
    assert code == 0, err
    # The largest lists first: the scripted rows need room.
    return sorted((p for p in lists.rglob("*-入户调查名单.xlsx") if listed_ids(p)), key=lambda p: -len(listed_ids(p)))


def _query(env: dict[str, str], sql: str, **params: Any) -> list[Any]:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        ws.close()


def test_a_survey_season_from_returned_lists(
    env: dict[str, str], county: Path, tmp_path: Path, campaign: Campaign
) -> None:
    published = _published(env, county, tmp_path / "lists")
    first, second, third = published[0], published[1], published[2]
    a = listed_ids(first)
    b = listed_ids(second)
    c = listed_ids(third)
    unlisted = "11010519491231002X"  # a valid ID on no list
    returned = tmp_path / "returned"

    # Village 1: every kind of row.
    # 现居住地 goes to 人社 with the phone, 户籍所在地 to the police.
    correction = "联系电话：13905951234；现居住地：凤城镇新街1号；户籍所在地：凤城镇大同村3号"
    entries = {
        a[0]: {"走访结果": "已登记参保", "走访日期": "2017-05-03", "走访人": "张三"},
        a[1]: {"走访结果": "信息更正", "更正信息": correction, "走访日期": "2017-05-04"},
    }
    bad = {
        "乱写": {"走访结果": "乱写", "走访日期": "2017-05-04"},
        "no correction": {"走访结果": "信息更正", "走访日期": "2017-05-04"},
        "bad field": {"走访结果": "已登记参保", "更正信息": "血型：A", "走访日期": "2017-05-04"},
        "bad phone": {"走访结果": "已登记参保", "更正信息": "电话：123", "走访日期": "2017-05-04"},
        "future": {"走访结果": "已登记参保", "走访日期": "2017-05-30"},
        "early": {"走访结果": "已登记参保", "走访日期": "2017-04-20"},
        "unreadable date": {"走访结果": "已登记参保", "走访日期": "五月四日"},
    }
    for id_number, values in zip(a[2:], bad.values(), strict=False):
        entries[id_number] = values
    rejected_expected = min(len(bad), max(len(a) - 2, 0))
    extra = [
        {"身份证号": unlisted, "姓名": "外人", "走访结果": "已登记参保", "走访日期": "2017-05-04"},
        {"身份证号": "350524198001010011", "姓名": "坏号", "走访结果": "已登记参保"},  # fails the check digit
    ]
    pending_expected = len(a) - 2 - rejected_expected
    file1 = fill_returned(first, returned / first.name, entries, extra)
    # Village 2: everyone visited at a steady pace; village 3: nobody yet.
    steady = {
        i: {
            "走访结果": "已登记参保" if k % 2 else "拒绝参保",
            "未参保原因": "" if k % 2 else "经济困难，暂无力缴费",
            "走访日期": (START + timedelta(days=1 + k % 20)).isoformat(),
        }
        for k, i in enumerate(b)
    }
    file2 = fill_returned(second, returned / second.name, steady)
    file3 = fill_returned(third, returned / third.name, {})

    statuses = "SELECT pension, medical FROM person WHERE id_number = :i"
    lists_said = _query(env, statuses, i=a[0])[0]
    code, out, err = invoke(env, "survey", "import", str(file1), str(file2), str(file3), "--on", "2017-05-22", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert {"files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file"} <= set(result)
    assert result["rows_read"] == len(a) + len(extra) + len(b) + len(c)
    assert result["recorded"] == 2 + len(b)
    assert result["rejected"] == rejected_expected + len(extra)
    assert result["pending"] == pending_expected + len(c)
    assert result["rows_read"] == result["recorded"] + result["rejected"] + result["duplicates"] + result["pending"]
    assert Path(result["rejects_file"]).is_file()

    again = json.loads(invoke_ok(env, "survey", "import", str(file1), str(file2), "--on", "2017-05-22", "--json"))
    assert again["recorded"] == 0
    assert again["duplicates"] == 2 + len(b)

    # The record and its audit trail.
    phone, address, registered_address, outcome = _query(
        env, "SELECT phone, address, registered_address, survey_outcome FROM person WHERE id_number = :i", i=a[1]
    )[0]
    assert (phone, address, outcome) == ("13905951234", "凤城镇新街1号", "corrected")
    assert registered_address == "凤城镇大同村3号"
    audit = {
        r[0]: (r[1], r[2])
        for r in _query(env, "SELECT field, before, after FROM person_change WHERE id_number = :i", i=a[1])
    }
    assert audit["phone"][1] == "13905951234" and audit["phone"][0] != "13905951234"
    assert audit["survey_outcome"] == ("", "corrected")
    registered = _query(
        env, "SELECT pension, medical, survey_outcome, registered_on FROM person WHERE id_number = :i", i=a[0]
    )[0]
    # Registered, not enrolled: the statuses stay as the departments' lists have them.
    assert registered[2] == "registered" and tuple(registered[:2]) == tuple(lists_said)
    assert str(registered[3])[:10] == "2017-05-03"
    code, out, _ = invoke(env, "survey", "audit", a[1], "--json")
    assert code == 0
    shown = json.loads(out)
    assert "13905951234" not in out and shown["changes"]

    # Progress against an independent computation, on several days.
    for as_of in (date(2017, 5, 3), date(2017, 5, 8), date(2017, 5, 15), date(2017, 5, 22)):
        code, out, err = invoke(env, "progress", "--as-of", as_of.isoformat(), "--json")
        assert code == 0, err
        ours = json.loads(out)
        expected = _independent_progress(env, as_of)
        assert ours["as_of"] == as_of.isoformat()
        assert [t["code"] for t in ours["townships"]] == [t.code for t in campaign.townships]
        for township in ours["townships"]:
            for village in township["villages"]:
                want = expected["villages"].get(village["code"])
                if want is None:
                    assert village["to_visit"] == 0
                    continue
                _same(village, want, village["code"])
            want = expected["townships"].get(township["code"])
            if want is not None:
                _same(township, want, township["code"])

        # Who is reminded: exactly the townships behind, on working days.
        code, out, err = invoke(env, "remind", "--as-of", as_of.isoformat(), "--dry-run", "--json")
        assert code == 0, err
        behind = {m["owner"] for m in json.loads(out) if m["kind"] == "survey_behind"}
        assert behind == {c for c, t in expected["townships"].items() if t["behind"]}

    # Milestone: the second village's township completes when all its lists are visited (not here: it has more).
    # A recompare keeps what the villages found.
    assert invoke(env, "compare", "--as-of", "2017-05-31", "--json")[0] == 0
    phone, outcome = _query(env, "SELECT phone, survey_outcome FROM person WHERE id_number = :i", i=a[1])[0]
    assert (phone, outcome) == ("13905951234", "corrected")

    code, out, err = invoke(env, "survey", "corrections", "--out", str(tmp_path / "corrections"), "--json")
    assert code == 0, err
    departments = json.loads(out)["departments"]
    assert departments["police"]["rows"] >= 1 and departments["hrss"]["rows"] >= 1
    assert all(Path(d["file"]).is_file() for d in departments.values())


def _same(ours: dict[str, Any], want: dict[str, Any], where: str) -> None:
    for key in ("to_visit", "visited", "behind", "projected_late", "projected_done"):
        assert ours[key] == want[key], (where, key)
    assert ours["rate"] == pytest.approx(want["rate"], abs=1e-4), where
    assert ours["pace_7d"] == pytest.approx(want["pace_7d"], abs=1e-2), where
    assert ours["expected_rate"] == pytest.approx(want["expected_rate"], abs=1e-4), where


def _independent_progress(env: dict[str, str], as_of: date) -> dict[str, dict[str, dict[str, Any]]]:
    """The issue's definitions, computed directly from the tables with plain Python."""
    listed = _query(env, "SELECT village_code, township_code, id_number FROM worklist_entry")
    first: dict[str, date] = {}
    for id_number, visited_on in _query(env, "SELECT id_number, visited_on FROM visit"):
        day = visited_on if isinstance(visited_on, date) else date.fromisoformat(str(visited_on)[:10])
        if day <= as_of:
            first[id_number] = min(first.get(id_number, day), day)
    expected_rate = min(max(((as_of - START).days + 1) / ((DEADLINE - START).days + 1), 0), 1)

    def judge(members: set[str]) -> dict[str, Any]:
        to_visit = len(members)
        visited = sum(1 for m in members if m in first)
        recent = sum(1 for m in members if m in first and (as_of - first[m]).days < 7)
        window = min(7, (as_of - START).days + 1)  # the survey's first days are a shorter window
        rate = visited / to_visit
        remaining = to_visit - visited
        if remaining == 0:
            projected: date | None = as_of
        elif recent == 0:
            projected = None
        else:
            projected = as_of + timedelta(days=math.ceil(remaining * window / recent))
        judged = (as_of - START).days >= 7  # the campaign's grace days
        late = judged and (projected is None or projected > DEADLINE)
        # Behind is judged against 序时进度 (or unfinished after the deadline); a late projection only warns.
        behind = remaining > 0 and (rate < expected_rate - 0.10 - 1e-9 or as_of > DEADLINE)
        return {
            "to_visit": to_visit, "visited": visited, "rate": rate, "pace_7d": recent / window,
            "expected_rate": expected_rate, "behind": behind, "projected_late": remaining > 0 and late,
            "projected_done": projected.isoformat() if projected else None,
        }  # fmt: skip

    villages: dict[str, set[str]] = defaultdict(set)
    townships: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for village, township, id_number in listed:
        villages[village].add(id_number)
        townships[township].add((village, id_number))
    village_figures = {v: judge(m) for v, m in villages.items()}
    township_figures = {}
    for township, pairs in townships.items():
        # A township's figures are its villages' sums (a person on two lists counts in both).
        keyed = {f"{v}/{i}" for v, i in pairs}
        first_keyed = {f"{v}/{i}": first[i] for v, i in pairs if i in first}
        saved = dict(first)
        first.clear()
        first.update(first_keyed)
        township_figures[township] = judge(keyed)
        first.clear()
        first.update(saved)
    return {"villages": village_figures, "townships": township_figures}
