"""A season returned the way villages return their lists: every visit made May 10-20 and handed in one or two
batches, a few rows refused for an outcome that is none. On May 31 the townships stand at about 96 % against a
序时进度 of about 50 %: they are not behind, get no survey reminder and no escalation, only the warning that
their pace (nothing since May 20) will not finish by June 30, and the reminder of their refused rows. One
township that returned a third of its lists is behind; after the deadline every unfinished township is."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.messages.sending import write_folder_config
from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")
START, DEADLINE = date(2017, 5, 1), date(2017, 6, 30)
MAY31 = date(2017, 5, 31)  # a Wednesday: 序时进度 31/61 ≈ 50.8 %, behind below ≈ 40.8 %
LEFT_OPEN = 0.04  # each village leaves this share of its list for later (about 96 % done)
NOT_AN_OUTCOME = "不清楚"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 4000, out, seed=11, as_of=date(2017, 4, 30), formats="csv")
    return out


def _query(env: dict[str, str], sql: str, **params: Any) -> list[Any]:
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        ws.close()


def _published(env: dict[str, str], county: Path, lists: Path) -> dict[str, list[Path]]:
    """The published lists per township code."""
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    assert invoke(env, "compare", "--as-of", "2017-04-30", "--json")[0] == 0
    assert invoke(env, "worklists", "--out", str(lists), "--on", "2017-04-30", "--json")[0] == 0
    township_of = dict(_query(env, "SELECT id_number, township_code FROM worklist_entry"))
    by_township: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(lists.rglob("*-入户调查名单.xlsx")):
        ids = listed_ids(path)
        if ids:
            by_township[township_of[ids[0]]].append(path)
    return by_township


def _import(env: dict[str, str], files: list[Path], on: date) -> dict[str, Any]:
    code, out, err = invoke(env, "survey", "import", *map(str, files), "--on", on.isoformat(), "--json")
    assert code == 0, err
    return json.loads(out)


def _visit_day(k: int, last: date) -> str:
    """Visits spread over May 10 to `last`, as a village works through its list."""
    return (date(2017, 5, 10) + timedelta(days=k % ((last - date(2017, 5, 10)).days + 1))).isoformat()


def _remind(env: dict[str, str], as_of: date) -> list[dict[str, Any]]:
    code, out, err = invoke(env, "remind", "--as-of", as_of.isoformat(), "--dry-run", "--json")
    assert code == 0, err
    return list(json.loads(out))


def _progress(env: dict[str, str], as_of: date) -> dict[str, dict[str, Any]]:
    data = json.loads(invoke_ok(env, "progress", "--as-of", as_of.isoformat(), "--json"))
    return {t["code"]: t for t in data["townships"]}


def test_a_season_returned_in_batches_is_judged_against_序时进度(
    env: dict[str, str], county: Path, tmp_path: Path, campaign: Campaign
) -> None:
    by_township = _published(env, county, tmp_path / "lists")
    codes = sorted(by_township)
    sizes = {c: sum(len(listed_ids(p)) for p in by_township[c]) for c in codes}
    # The two largest: one returns a quarter of its lists, one has rows refused.
    slow, refusing = sorted(codes, key=lambda c: (-sizes[c], c))[:2]
    assert sizes[refusing] >= 20
    outcome = next(o.name for o in campaign.survey.outcomes.values() if not o.needs_correction)
    refused_village, refused_ids = by_township[refusing][0], listed_ids(by_township[refusing][0])[:3]
    returned = tmp_path / "returned"

    # The village's channel: its code is a recipient tag (dry runs read who can be written to, never send).
    config = tmp_path / "apprise.yml"
    village_code = _query(env, "SELECT village_code FROM worklist_entry WHERE id_number = :i", i=refused_ids[0])[0][0]
    tags = [*campaign.township_codes, "county", village_code]
    write_folder_config(config, {tag: tmp_path / "mail" / tag for tag in tags})
    env = {**env, "CANBAO_APPRISE_CONFIG": str(config)}

    first_batch, second_batch, corrected = [], [], []
    for index, code in enumerate(codes):
        # Across the township: every 25th person left for later (about 96 %), or only every 4th visited.
        everyone = [i for path in by_township[code] for i in listed_ids(path)]
        step = round(1 / LEFT_OPEN)
        visited = {i for k, i in enumerate(everyone) if (k % 4 == 0 if code == slow else k % step != 0)}
        for path in by_township[code]:
            ids = listed_ids(path)
            done = [i for i in ids if i in visited]
            entries = {
                i: {"走访结果": outcome, "走访日期": _visit_day(k, date(2017, 5, 20))} for k, i in enumerate(done)
            }
            if path == refused_village:
                for i in refused_ids:
                    entries[i] = {"走访结果": NOT_AN_OUTCOME, "走访日期": "2017-05-15"}
                fixed = {i: {"走访结果": outcome, "走访日期": "2017-05-16"} for i in refused_ids}
                corrected.append(fill_returned(path, returned / "fixed" / path.name, fixed))
            if index % 2:  # two batches: the first half by May 14, the whole list again on May 20
                early = {i: {"走访结果": outcome, "走访日期": _visit_day(k, date(2017, 5, 14))} for k, i in
                         enumerate(done[: len(done) // 2])}  # fmt: skip
                first_batch.append(fill_returned(path, returned / "early" / path.name, early))
                entries.update({i: v for i, v in early.items() if i not in refused_ids})
            second_batch.append(fill_returned(path, returned / "late" / path.name, entries))
    if first_batch:
        assert _import(env, first_batch, date(2017, 5, 14))["rejected"] == 0
    result = _import(env, second_batch, date(2017, 5, 20))
    assert result["rejected"] == len(refused_ids)

    # May 31: progress against 序时进度, computed here from the tables.
    townships = _progress(env, MAY31)
    expected = 31 / 61
    open_townships = {c for c in codes if townships[c]["visited"] < townships[c]["to_visit"]}
    for code in codes:
        figures = townships[code]
        assert figures["expected_rate"] == pytest.approx(expected, abs=1e-4)
        below = figures["rate"] < expected - campaign.survey.behind_margin
        assert figures["behind"] is (code in open_townships and below), code
        # Nothing since May 20: no first visit in the pace window, work left, so no projection: the warning.
        assert figures["projected_late"] is (code in open_townships), code
        assert figures["warning"] == ("预计无法按期完成" if code in open_townships else None)
    ahead = [c for c in codes if c != slow]
    assert {c: townships[c]["behind"] for c in ahead} == dict.fromkeys(ahead, False)
    assert {c: townships[c]["rate"] for c in ahead if townships[c]["rate"] < 0.9} == {}
    assert townships[refusing]["rate"] == pytest.approx(0.96, abs=0.03)
    assert townships[slow]["behind"] and townships[slow]["rate"] < 0.3

    messages = _remind(env, MAY31)
    kinds = defaultdict(set)
    for m in messages:
        kinds[m["kind"]].add(m["owner"])
    assert kinds["survey_behind"] == {slow}
    assert kinds["survey_warning"] == open_townships - {slow}  # warned, not behind
    # The slow township was behind on May 26, 27 (a make-up Saturday) and 31: the county hears of it alone.
    assert campaign.survey.escalate_after_days <= 3
    assert kinds["survey_escalation"] == {"county"}
    refused = {m["owner"] for m in messages if m["kind"] == "survey_refused"}
    assert refused == {refusing, village_code}

    # The body says how many rows are still to be corrected, in the office's words.
    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        from tasks.messages.monitors import survey_reminders
        from tasks.messages.outbox import render_planned

        _cid, _campaign, _day, planned = survey_reminders(ws, MAY31)
    finally:
        ws.close()
    assert planned is not None
    escalation = next(m for m in planned if m.kind == "survey_escalation")
    assert [t["name"] for t in escalation.context["townships"]] == [campaign.owner_names()[slow]]
    township_refusal = next(m for m in planned if m.kind == "survey_refused" and m.owner == refusing)
    body = render_planned(campaign, township_refusal).body
    assert f"你镇（乡）交回的入户调查名单中有{len(refused_ids)}条走访结果被退回，请更正后重新报送" in body
    assert "2017年5月31日" in body

    # The corrected rows come back on June 1: nothing refused is outstanding any more; a re-import of the old
    # workbook refuses the same rows again, which a result already received the same day settles.
    assert _import(env, corrected, date(2017, 6, 1))["recorded"] == len(refused_ids)
    assert not [m for m in _remind(env, date(2017, 6, 1)) if m["kind"] == "survey_refused"]
    assert _remind(env, MAY31) == messages  # as of May 31 the refusals were still outstanding
    again = next(p for p in second_batch if p.name == refused_village.name)
    assert _import(env, [again], date(2017, 6, 2))["rejected"] == len(refused_ids)
    assert not [m for m in _remind(env, date(2017, 6, 2)) if m["kind"] == "survey_refused"]

    # After the deadline, every township with work left is behind.
    after = _progress(env, date(2017, 7, 3))
    for code in codes:
        assert after[code]["behind"] is (after[code]["visited"] < after[code]["to_visit"]), code
