"""A season with known outcomes, spot-checked and cut off at June 30 and scored through the command line; the
scores are held against an independent computation (tests/independent_scores.py) of the rules documented in
tasks/scoring/scores.py, from the raw tables."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models.campaign.spec import Campaign
from tests.cli_runner import invoke, invoke_ok
from tests.flows.test_survey_season import _published, _query
from tests.independent_scores import error_rates, first_visit_days, independent_scores, spot_check
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")
DEADLINE = date(2017, 6, 30)
SCORED_ON = date(2017, 7, 5)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 3000, out, seed=11, as_of=date(2017, 4, 30), formats="csv")
    return out


def _by_township(env: dict[str, str], published: list[Path]) -> dict[str, list[Path]]:
    place = {i: t for t, i in _query(env, "SELECT township_code, id_number FROM worklist_entry")}
    lists: dict[str, list[Path]] = defaultdict(list)
    for path in published:
        lists[place[listed_ids(path)[0]]].append(path)
    return lists


def _returned(paths: list[Path], folder: Path, day: str, leave_out: int = 0) -> tuple[list[Path], list[str]]:
    """Every listed person visited on `day`, except the last `leave_out` persons of the first list."""
    files, left = [], []
    for n, path in enumerate(paths):
        ids = listed_ids(path)
        if n == 0 and leave_out:
            left, ids = ids[-leave_out:], ids[:-leave_out]
        entries = {i: {"走访结果": "已登记参保", "走访日期": day} for i in ids}
        files.append(fill_returned(path, folder / path.parent.name / path.name, entries))
    return files, left


def _import(env: dict[str, str], files: list[Path], on: str) -> dict[str, Any]:
    code, out, err = invoke(env, "survey", "import", *map(str, files), "--on", on, "--json")
    assert code == 0, err
    return json.loads(out)


def test_cutoff_and_scores_of_a_known_season(env: dict[str, str], county: Path, tmp_path: Path,
                                             campaign: Campaign) -> None:  # fmt: skip
    published = _published(env, county, tmp_path / "lists")
    lists = _by_township(env, published)
    on_time, nearly, posted_late = sorted(lists, key=lambda t: -len(lists[t]))[:3]

    # A township's milestones recorded on time, another's late: the milestone share differs.
    assert invoke(env, "milestone", "done", on_time, "township_leading_group", "--on", "2017-03-01")[0] == 0
    assert invoke(env, "milestone", "done", nearly, "township_leading_group", "--on", "2017-04-20")[0] == 0

    # on_time: everything visited and received in June. nearly: two persons missing at the deadline, visited on
    # July 3. posted_late: visited on June 29, but the lists reached the county on July 2.
    files, _ = _returned(lists[on_time], tmp_path / "r1", "2017-06-10")
    _import(env, files, "2017-06-12")
    files, left = _returned(lists[nearly], tmp_path / "r2", "2017-06-20", leave_out=2)
    _import(env, files, "2017-06-21")

    code, _out, err = invoke(env, "cutoff", "--as-of", "2017-06-30")
    assert code == 2 and "尚不能截止" in err

    # Spot checks reach the county on July 1, before the cut-off: one error in five for on_time, none in four for
    # nearly; every other township gets the mean accuracy of those two, (0.8 + 1) / 2.
    june_30, july_1 = date(2017, 6, 30), date(2017, 7, 1)
    spot_check(env, on_time, ["属实", "不属实", "属实", "属实", "属实"], drawn_on=june_30, checked_on=june_30,
               received_on=july_1)  # fmt: skip
    spot_check(env, nearly, ["属实", "核实无误", "属实", "属实"], drawn_on=june_30, checked_on=june_30,
               received_on=july_1)  # fmt: skip

    code, out, err = invoke(env, "cutoff", "--as-of", "2017-07-01", "--json")
    assert code == 0, err
    first_cut = json.loads(out)
    assert first_cut["frozen_now"] and first_cut["late_visits"] == 0

    late_files, _ = _returned(lists[posted_late], tmp_path / "r3", "2017-06-29")
    _import(env, late_files, "2017-07-02")
    rest = {i: {"走访结果": "已登记参保", "走访日期": "2017-07-03"} for i in left}
    _import(env, [fill_returned(lists[nearly][0], tmp_path / "r4" / lists[nearly][0].name, rest)], "2017-07-03")

    code, out, err = invoke(env, "cutoff", "--as-of", "2017-07-04", "--json")
    assert code == 0, err
    second_cut = json.loads(out)
    assert not second_cut["frozen_now"]
    assert second_cut["townships"] == first_cut["townships"]  # frozen: later visits change nothing
    late_rows = _query(env, "SELECT COUNT(*) FROM visit WHERE late = :t", t=True)[0][0]
    received_late = _query(env, "SELECT COUNT(*) FROM visit WHERE received_on > :d", d=DEADLINE.isoformat())[0][0]
    assert second_cut["late_visits"] == late_rows == received_late > 0

    # Late visits still update the registry and the progress, but finish the survey milestones late.
    code, out, err = invoke(env, "status", "--as-of", SCORED_ON.isoformat(), "--json")
    assert code == 0, err
    states = {(m["owner"], m["key"]): (m["state"], m["done_on"]) for m in json.loads(out)["milestones"]}
    assert states[(on_time, "household_survey")] == ("done_on_time", "2017-06-10")
    assert states[(posted_late, "household_survey")] == ("done_late", "2017-07-02")
    assert states[(nearly, "household_survey")] == ("done_late", "2017-07-03")
    progress = json.loads(invoke_ok(env, "progress", "--as-of", SCORED_ON.isoformat(), "--json"))
    assert {t["code"]: t["rate"] for t in progress["townships"]}[posted_late] == 1.0

    # posted_late is spot-checked too, but its results reach the county after the day scored: they do not count.
    spot_check(env, posted_late, ["不属实", "未找到", "不属实"], drawn_on=date(2017, 7, 3), checked_on=date(2017, 7, 3),
               received_on=date(2017, 7, 6))  # fmt: skip
    assert error_rates(env, SCORED_ON) == {on_time: 0.2, nearly: 0.0}

    code, out, err = invoke(env, "scores", "--as-of", SCORED_ON.isoformat(), "--json")
    assert code == 0, err
    ours = json.loads(out)
    code, out, err = invoke(env, "status", "--as-of", SCORED_ON.isoformat(), "--json")
    assert code == 0, err
    want = _independent_scores(env, campaign, json.loads(out))
    assert [s["township"] for s in ours] == [w["township"] for w in want]
    for got, expected in zip(ours, want, strict=True):
        assert got["rank"] == expected["rank"], got["name"]
        assert got["score"] == pytest.approx(expected["score"], abs=0.011), got["name"]
        assert got["subsidy"] == pytest.approx(expected["subsidy"], abs=0.011), got["name"]
        assert got["criticised"] == expected["criticised"], got["name"]
        assert {p["rule"]: p["points"] for p in got["breakdown"]} == pytest.approx(expected["points"], abs=0.011)
        assert set(got) >= {"township", "rank", "score", "breakdown", "subsidy", "criticised"}
    # The same from the raw tables alone (milestones from the completions, not from `status`).
    plain = independent_scores(env, campaign, SCORED_ON)
    assert [(s["township"], s["rank"], s["score"], s["subsidy"], s["criticised"]) for s in ours] == [
        (w["township"], w["rank"], pytest.approx(w["score"], abs=0.011), pytest.approx(w["subsidy"], abs=0.011),
         w["criticised"]) for w in plain
    ]  # fmt: skip
    accuracy = {s["township"]: {p["rule"]: p["points"] for p in s["breakdown"]}["inspection_accuracy"] for s in ours}
    assert (accuracy[on_time], accuracy[nearly], accuracy[posted_late]) == (12.0, 15.0, 13.5)
    by_code = {s["township"]: s for s in ours}
    timing = {s["township"]: {p["rule"]: p["value"] for p in s["breakdown"]} for s in ours}
    # on_time's lists were all visited on June 10: 20 days before the deadline, 20 on average.
    assert (timing[on_time]["survey_earliness"], timing[on_time]["survey_pace"]) == (20, 20.0)
    assert timing[nearly]["survey_earliness"] is None and timing[posted_late]["survey_pace"] is None
    assert by_code[on_time]["finished"] and 25000 < by_code[on_time]["subsidy"] < 50000  # by the quality
    assert by_code[nearly]["subsidy"] == by_code[posted_late]["subsidy"] == 0.0  # missed the deadline
    assert not by_code[nearly]["finished"] and by_code[nearly]["criticised"]
    assert not by_code[posted_late]["finished"]

    # The deductions for the performance office: in the JSON with their reasons, and as a workbook.
    deducted = {w["township"]: sum(v for k, v in w["points"].items() if k in ("unfinished", "bottom")) for w in want}
    assert {s["township"]: sum(d["points"] for d in s["deductions"]) for s in ours} == pytest.approx(deducted)
    assert all(d["reason"] and d["label"] for s in ours for d in s["deductions"])
    book = tmp_path / "绩效考核扣分表.xlsx"
    code, out, err = invoke(env, "scores", "--as-of", SCORED_ON.isoformat(), "--deductions", str(book))
    assert code == 0 and "绩效考核扣分表" in out, err
    listed: dict[str, float] = defaultdict(float)
    for row in openpyxl.load_workbook(book)["扣分明细"].iter_rows(min_row=4, values_only=True):
        if row[2]:
            listed[str(row[2])] += float(row[5])
    assert dict(listed) == pytest.approx(deducted)

    # The final notice went to every township and the county, with the document attached.
    final_notice = _final_notice_documents(env, ours)

    # The closing report at the end of the analysis phase.
    code, out, err = invoke(env, "summary", "--as-of", "2017-08-31", "--json")
    assert code == 0, err
    closing = json.loads(out)
    assert closing["milestone_completed"] and all(Path(p).is_file() for p in closing["files"])
    assert closing["visited_by_deadline"] == sum(t["visited"] for t in second_cut["townships"])
    assert closing["late_visits"] == late_rows
    status = json.loads(invoke_ok(env, "status", "--as-of", "2017-08-31", "--json"))
    assert any(m["key"] == "summary_report" and m["state"] == "done_on_time" for m in status["milestones"])

    # Before the deadline the scores are provisional and count what was visited by then.
    provisional = json.loads(invoke_ok(env, "scores", "--as-of", "2017-06-25", "--json"))
    assert not provisional[0]["final"]
    assert {s["township"]: s["finished"] for s in provisional}[on_time]

    # Last, as it needs LibreOffice: the final notice rendered to PDF keeps its text and masks every ID.
    _final_notice_pdf(final_notice, ours, tmp_path)


def _independent_scores(env: dict[str, str], campaign: Campaign, status: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of tasks/scoring/scores.py's docstring, from the raw tables, in plain Python (the milestones'
    states as `status` prints them)."""
    deadline = DEADLINE.isoformat()
    on_time_visits = {
        i for i, visited_on, received_on, outcome in _query(
            env, "SELECT id_number, visited_on, received_on, outcome FROM visit")
        if outcome and str(visited_on)[:10] <= deadline and str(received_on)[:10] <= deadline
    }  # fmt: skip
    villages: dict[tuple[str, str], set[str]] = defaultdict(set)
    for village, township, id_number in _query(
        env, "SELECT village_code, township_code, id_number FROM worklist_entry"
    ):
        villages[(township, village)].add(id_number)
    to_visit: dict[str, int] = defaultdict(int)
    visited: dict[str, int] = defaultdict(int)
    for (township, _village), members in villages.items():
        to_visit[township] += len(members)
        visited[township] += len(members & on_time_visits)

    # Milestones completed by the same event (household_survey and survey_data_entry by the survey) make one item.
    items: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for m in status["milestones"]:
        if m["due"] <= SCORED_ON.isoformat() or m["state"] in ("done_on_time", "done_late"):
            milestone = campaign.milestone(m["key"])
            event = (milestone.completed_by if milestone else None) or m["key"]
            items[m["owner"]][event].append({"done_on_time": 1.0, "done_late": 0.5}.get(m["state"], 0.0))

    # 50 × rate, 5 × days early / 60, 10 × mean days early / 60, 20 × share, 15 × accuracy (the campaign file).
    timing = first_visit_days(env, campaign, SCORED_ON)
    errors = error_rates(env, SCORED_ON)
    unchecked = sum(1 - e for e in errors.values()) / len(errors) if errors else 1.0  # "average"
    rows = []
    for t in campaign.townships:
        rate = visited[t.code] / to_visit[t.code] if to_visit[t.code] else 1.0
        finished = visited[t.code] == to_visit[t.code]
        events = items[t.code]
        share = sum(sum(c) / len(c) for c in events.values()) / len(events) if events else 1.0
        accuracy = 1 - errors[t.code] if t.code in errors else unchecked
        if not to_visit[t.code]:
            early, pace = 60, 60.0  # nobody to visit: finished on the survey's first day
        else:
            early, pace = timing[t.code] if finished else (0, 0.0)
        points = {
            "survey_completion": round(50 * rate, 2),
            "survey_earliness": round(5 * min(early, 60) / 60, 2),
            "survey_pace": round(10 * min(pace, 60) / 60, 2),
            "milestone_timeliness": round(20 * share, 2),
            "inspection_accuracy": round(15 * accuracy, 2),
        }
        if not finished:
            points["unfinished"] = -10.0
        rows.append({"township": t.code, "rate": rate, "share": share, "finished": finished, "points": points,
                     "quality": (accuracy + share) / 2})  # fmt: skip
    subtotal = {r["township"]: round(sum(r["points"].values()), 2) for r in rows}
    ordered = sorted(subtotal.values())
    bottom = {c for c, v in subtotal.items() if v < ordered[3]}
    for r in rows:
        if r["township"] in bottom:
            r["points"]["bottom"] = -5.0
        r["score"] = max(round(sum(r["points"].values()), 2), 0.0)
        r["criticised"] = not r["finished"] or r["township"] in bottom
        r["subsidy"] = round(50000 * (0.5 + 0.5 * r["quality"]), 2) if r["finished"] else 0.0
    rows.sort(key=lambda r: (-r["score"], -r["rate"], -r["share"], r["township"]))
    previous = None
    for n, r in enumerate(rows, start=1):
        key = (r["score"], r["rate"], r["share"])
        r["rank"] = rows[n - 2]["rank"] if key == previous else n
        previous = key
    return rows


def _final_notice_documents(env: dict[str, str], scores: list[dict[str, Any]]) -> Path:
    """Checks the messages and the .docx of the final notice; returns the county's .docx."""
    from docx import Document

    from tasks.identity.masking import find_unmasked

    mailbox = Path(env["CANBAO_DATA_DIR"]) / "mailbox"
    texts = {p.parent.name: p.read_text(encoding="utf-8") for p in mailbox.rglob("*.txt")
             if "入户调查工作完成情况的通报" in p.read_text(encoding="utf-8")}  # fmt: skip
    assert len(texts) == 25 and "county" in texts
    attached = sorted((mailbox / "county").glob("*.docx"))
    finals = [p for p in attached if "入户调查工作完成情况" in p.name]
    assert len(finals) == 1
    body = "\n".join(p.text for p in Document(str(finals[0])).paragraphs)
    cells = "\n".join(c.text for t in Document(str(finals[0])).tables for r in t.rows for c in r.cells)
    # the title is printed on two lines broken between words (a line break inside its paragraph)
    assert "关于全民参保登记入户调查\n工作完成情况的通报" in body and "通报批评" in body
    for s in scores:
        assert s["name"] in cells
        if s["criticised"]:
            assert s["name"] in body
    assert find_unmasked(body + cells) == []
    return finals[0]


def _final_notice_pdf(docx: Path, scores: list[dict[str, Any]], tmp_path: Path) -> None:
    """Skips without LibreOffice (`make office` installs it); fails instead where the services are required."""
    import re

    from tasks.identity.masking import find_unmasked
    from tests.office import docx_to_pdf, pdf_text
    from tests.services import require_libreoffice

    require_libreoffice()
    flat = re.sub(r"\s+", "", pdf_text(docx_to_pdf(docx, tmp_path / "pdf")))
    assert "入户调查工作完成情况的通报" in flat and scores[0]["name"] in flat and find_unmasked(flat) == []
