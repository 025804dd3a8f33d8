"""The townships' performance scores worked out a second way, for tests: plain Python over the raw tables
(worklist entries, visits, milestone completions, spot checks) read with SQL, by the rules written in
tasks/scoring/scores.py's docstring and the campaign file's [scoring]; none of canbao's counting or scoring
code is called. Also: spot checks drawn and imported through `canbao inspect`, so their error rates reach the
scores the way an inspector's would."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.workspace import Workspace
from tests.cli_runner import invoke

# The rules' names as the documents print them (tasks/scoring/scores.py's docstring, in Chinese).
LABELS = {
    "survey_completion": "入户调查完成率",
    "survey_earliness": "入户调查提前完成",
    "survey_pace": "入户调查平均提前走访",
    "milestone_timeliness": "工作任务按时完成率",
    "inspection_accuracy": "督查抽查准确率",
    "unfinished": "未按期完成入户调查扣分",
    "bottom": "综合排名靠后扣分",
}


def rows(env: dict[str, str], sql: str, **params: Any) -> list[Any]:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        ws.close()


def _day(value: Any) -> str:
    return str(value)[:10]  # a date, a datetime or ISO text, as either database hands it over


def spot_check(
    env: dict[str, str], township: str, results: Sequence[str], *, drawn_on: date, checked_on: date, received_on: date
) -> None:
    """Draw a sample of len(results) visits of `township` with `canbao inspect sample`, write the inspector's
    results (核查结果 by name: 属实, 不属实, 未找到) into its workbook and import it with `canbao inspect import`."""
    code, out, err = invoke(env, "inspect", "sample", "--township", township, "--size", str(len(results)),
                            "--as-of", drawn_on.isoformat(), "--json")  # fmt: skip
    assert code == 0, err
    drawn = json.loads(out)
    assert drawn["drawn"] == len(results), drawn
    path = Path(drawn["file"])
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 6) if "核查结果" in [c.value for c in sheet[r]])
    column = {c.value: c.column for c in sheet[header_row] if c.value}
    for offset, result in enumerate(results, start=1):
        row = header_row + offset
        sheet.cell(row, column["核查结果"]).value = result
        sheet.cell(row, column["核查人"]).value = "督查组"
        sheet.cell(row, column["核查日期"]).value = checked_on.isoformat()
    filled = path.with_name("交回-" + path.name)
    book.save(filled)
    code, out, err = invoke(env, "inspect", "import", str(filled), "--on", received_on.isoformat(), "--json")
    assert code == 0, err
    imported = json.loads(out)
    assert (imported["recorded"], imported["rejected"]) == (len(results), 0), imported


def _visited(env: dict[str, str], as_of: date, deadline: date, final: bool) -> tuple[dict[str, int], dict[str, int]]:
    """Per township: persons listed (once per village) and those visited, counted as the docstring says."""
    cut = deadline.isoformat() if final else as_of.isoformat()
    done = {
        i for i, visited_on, received_on, outcome in rows(
            env, "SELECT id_number, visited_on, received_on, outcome FROM visit")
        if outcome and _day(visited_on) <= cut and (not final or _day(received_on) <= cut)
    }  # fmt: skip
    villages: dict[tuple[str, str], set[str]] = defaultdict(set)
    for township, village, id_number in rows(env, "SELECT township_code, village_code, id_number FROM worklist_entry"):
        villages[(township, village)].add(id_number)
    to_visit: dict[str, int] = defaultdict(int)
    visited: dict[str, int] = defaultdict(int)
    for (township, _village), members in villages.items():
        to_visit[township] += len(members)
        visited[township] += len(members & done)
    return to_visit, visited


def first_visit_days(env: dict[str, str], campaign: Campaign, as_of: date) -> dict[str, tuple[int, float]]:
    """Per township whose every listed person (once per village) was visited by the cut (the deadline, visits
    also received by then, for final scores; `as_of`, whenever received, before): days before the deadline of
    the last first visit, and the mean days before the deadline of the first visits."""
    _start, deadline = campaign.survey_window()
    final = as_of > deadline
    cut = deadline.isoformat() if final else as_of.isoformat()
    first: dict[str, str] = {}
    for i, visited_on, received_on, outcome in rows(
        env, "SELECT id_number, visited_on, received_on, outcome FROM visit"
    ):
        day = _day(visited_on)
        if outcome and day <= cut and (not final or _day(received_on) <= cut):
            first[i] = min(first.get(i, day), day)
    listed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for township, village, id_number in rows(env, "SELECT township_code, village_code, id_number FROM worklist_entry"):
        listed[township].add((village, id_number))
    timing = {}
    for township, persons in listed.items():
        if all(i in first for _v, i in persons):
            early = [(deadline - date.fromisoformat(first[i])).days for _v, i in persons]
            timing[township] = (min(early), sum(early) / len(early))
    return timing


def _milestone_shares(env: dict[str, str], campaign: Campaign, as_of: date) -> dict[str, float | None]:
    """Per township: the on-time share of its milestones due by `as_of` or done by then (late ones earn the
    ranking's late credit), the milestones with the same `completed_by` making one item worth the mean of
    their credits; None when none is due yet."""
    done = {(m, o): _day(d) for m, o, d in rows(env, "SELECT milestone, owner, done_on FROM completion")}
    day = as_of.isoformat()
    shares: dict[str, float | None] = {}
    for township in campaign.townships:
        items: dict[str, list[float]] = defaultdict(list)
        for milestone in campaign.milestones:
            if "townships" not in milestone.owners and township.code not in milestone.owners:
                continue
            done_on = done.get((milestone.key, township.code))
            finished = done_on is not None and done_on <= day
            if not (milestone.due.isoformat() <= day or finished):
                continue
            credit = 0.0
            if finished:
                credit = 1.0 if done_on <= milestone.due.isoformat() else campaign.ranking.late_credit
            items[milestone.completed_by or "own:" + milestone.key].append(credit)
        shares[township.code] = sum(sum(c) / len(c) for c in items.values()) / len(items) if items else None
    return shares


def error_rates(env: dict[str, str], as_of: date) -> dict[str, float]:
    """Per township spot-checked by `as_of` (checked and received by then): errors / checked."""
    day = as_of.isoformat()
    checked: dict[str, int] = defaultdict(int)
    wrong: dict[str, int] = defaultdict(int)
    for township, error, checked_on, received_on in rows(
        env, "SELECT township_code, error, checked_on, received_on FROM spot_check"
    ):
        if _day(checked_on) <= day and _day(received_on) <= day:
            checked[township] += 1
            wrong[township] += bool(error)
    return {t: wrong[t] / n for t, n in checked.items()}


def independent_scores(env: dict[str, str], campaign: Campaign, as_of: date) -> list[dict[str, Any]]:
    """Every township's points, score, subsidy, criticism and rank, best first, with the rate, share and error
    rate they came from."""
    _start, deadline = campaign.survey_window()
    final = as_of > deadline
    rules = campaign.scoring
    weights, deductions, subsidy = rules.weights, rules.deductions, rules.subsidy
    to_visit, visited = _visited(env, as_of, deadline, final)
    timing = first_visit_days(env, campaign, as_of)
    span = rules.earliness_days or (deadline - _start).days
    shares = _milestone_shares(env, campaign, as_of)
    errors = error_rates(env, as_of)
    accuracies = [1 - e for e in errors.values()]
    if rules.inspection_missing == "zero":
        unchecked = 0.0
    elif rules.inspection_missing == "full" or not accuracies:
        unchecked = 1.0
    else:
        unchecked = sum(accuracies) / len(accuracies)

    table = []
    for t in campaign.townships:
        rate = visited[t.code] / to_visit[t.code] if to_visit[t.code] else 1.0
        finished = visited[t.code] >= to_visit[t.code]
        share = shares[t.code]
        accuracy = 1 - errors[t.code] if t.code in errors else unchecked
        if not to_visit[t.code]:
            early, pace = span, float(span)  # nobody to visit: finished on the first day
        elif finished and t.code in timing:
            early, pace = timing[t.code]
        else:
            early, pace = 0, 0.0
        points = {
            "survey_completion": round(weights.survey_completion * rate, 2),
            "survey_earliness": round(weights.survey_earliness * min(max(early, 0), span) / span, 2),
            "survey_pace": round(weights.survey_pace * min(max(pace, 0.0), span) / span, 2),
            "milestone_timeliness": round(weights.milestone_timeliness * (1.0 if share is None else share), 2),
            "inspection_accuracy": round(weights.inspection_accuracy * accuracy, 2),
        }
        if final and not finished:
            points["unfinished"] = -deductions.unfinished
        table.append({"township": t.code, "name": t.name, "to_visit": to_visit[t.code], "visited": visited[t.code],
                      "rate": rate, "share": 1.0 if share is None else share, "error_rate": errors.get(t.code),
                      "accuracy": accuracy, "finished": finished, "points": points})  # fmt: skip

    subtotals = {r["township"]: round(sum(r["points"].values()), 2) for r in table}
    lowest = sorted(subtotals.values())
    count = deductions.bottom_count
    if count >= len(lowest):
        bottom = {c for c, v in subtotals.items() if v < lowest[-1]}
    else:
        bottom = {c for c, v in subtotals.items() if count > 0 and v < lowest[count]}
    for r in table:
        if r["township"] in bottom:
            r["points"]["bottom"] = -deductions.bottom
        r["score"] = max(round(sum(r["points"].values()), 2), 0.0)
        r["criticised"] = (final and not r["finished"]) or r["township"] in bottom
        if subsidy.rule == "quality":
            weight = subsidy.accuracy_weight + subsidy.punctuality_weight
            quality = (
                (subsidy.accuracy_weight * r["accuracy"] + subsidy.punctuality_weight * r["share"]) / weight
                if weight
                else 1.0
            )
            r["subsidy"] = (
                round(subsidy.amount * (subsidy.floor + (1 - subsidy.floor) * quality), 2) if r["finished"] else 0.0
            )
        elif r["finished"]:
            r["subsidy"] = float(subsidy.amount)
        elif subsidy.rule == "proportional" and r["rate"] >= subsidy.minimum_rate:
            r["subsidy"] = round(subsidy.amount * r["rate"], 2)
        else:
            r["subsidy"] = 0.0

    table.sort(key=lambda r: (-r["score"], -r["rate"], -r["share"], r["township"]))
    previous: tuple[float, float, float] | None = None
    for n, r in enumerate(table, start=1):
        key = (r["score"], r["rate"], r["share"])
        r["rank"] = table[n - 2]["rank"] if key == previous else n  # equal on all three: the same rank
        previous = key
    return table
