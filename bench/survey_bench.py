"""Benchmark: survey progress for a whole county, and importing returned work lists.

    .venv/bin/python bench/survey_bench.py --persons 1200000 --returned 100000

1. Progress: every one of N persons on a list (the worst case: 460 villages, 1.2 million persons), about 85 %
   visited over May–June, some visited twice. Times the pure computation over DataFrames (target: under 2 s),
   the path `canbao progress` takes (counted by SQLite, judged in pandas), and, for comparison, reading the
   lists and visits into pandas.
2. Import: R persons on the lists of a SQLite registration database, their returned work lists as .xlsx files
   (one per village, as villages hand them in, with outcomes, corrections and a few bad rows), then the whole
   `canbao survey import` path: read, check, record the visits, update the persons, audit, complete
   milestones (target: 100,000 rows under 10 s). Refusals carry their 未参保原因, as the lists ask; one row per
   village is bad (an outcome that is none).
3. Cut-off: the progress stage's county (N persons listed, their visits, some received after the deadline),
   then `canbao cutoff`'s work: count every village at the deadline, freeze the figures, mark the late visits
   (target: under 3 s at 1.2 million persons).
`--stages import,cutoff` runs some of them. Wall and CPU time (user+sys of this process) are printed for each
timed step. Prints one JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare_bench import PeakMemory, _gb  # noqa: E402
from models.bulk import insert_rows  # noqa: E402
from models.campaign.spec import INSURANCES, Campaign  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402
from models.survey.visits import load_to_visit, load_visits, refresh_first_visits  # noqa: E402
from tasks.identity.idnumber import check_char  # noqa: E402
from tasks.setup import initialise  # noqa: E402
from tasks.survey.figures import progress_in_database  # noqa: E402
from tasks.survey.progress_report import survey_progress  # noqa: E402
from tasks.survey.worklists import LIST_COLUMNS, VillageList, write_village_list  # noqa: E402
from tasks.workspace import Workspace  # noqa: E402

AS_OF = date(2017, 6, 20)


def synthetic_ids(count: int, seed: int) -> list[str]:
    """Distinct valid ID numbers of Anxi residents."""
    rng = np.random.default_rng(seed)
    births = pd.to_datetime("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 70, count), unit="D")
    bodies = [f"350524{b:%Y%m%d}{n:03d}" for b, n in zip(births, rng.integers(0, 1000, count), strict=True)]
    ids = list(dict.fromkeys(body + check_char(body) for body in bodies))
    while len(ids) < count:  # the rare collision: draw a few more
        ids = list(dict.fromkeys([*ids, *synthetic_ids(count - len(ids), seed + len(ids))]))
    return ids[:count]


def county_lists(campaign: Campaign, ids: list[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    villages = [(t.code, v.code) for t in campaign.townships for v in t.villages]
    at = rng.integers(0, len(villages), len(ids))
    return pd.DataFrame(
        {
            "id_number": ids,
            "township_code": [villages[i][0] for i in at],
            "village_code": [villages[i][1] for i in at],
        }
    )


def county_visits(campaign: Campaign, persons: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """N persons on the lists, about 85 % visited over May–June (the last days reach the county after the
    deadline), 15 % of them twice."""
    ids = synthetic_ids(persons, seed)
    to_visit = county_lists(campaign, ids, seed)
    rng = np.random.default_rng(seed + 1)
    visited = rng.random(persons) < 0.85
    again = rng.random(persons) < 0.15
    chosen = np.concatenate([np.flatnonzero(visited), np.flatnonzero(visited & again)])
    days = pd.to_datetime("2017-05-02") + pd.to_timedelta(rng.integers(0, 60, len(chosen)), unit="D")
    visits = pd.DataFrame(
        {
            "id_number": to_visit["id_number"].to_numpy()[chosen],
            "visited_on": days,
            "outcome": np.where(rng.random(len(chosen)) < 0.6, "registered", "refused"),
        }
    )
    return to_visit, visits


def store_county(ws: Workspace, to_visit: pd.DataFrame, visits: pd.DataFrame) -> int:
    """The lists and visits in the workspace's database, as `canbao worklists` and the imports leave them."""
    initialise(ws)
    campaign_id, _ = ws.campaign()
    with ws.session() as session:
        connection = session.connection()
        insert_rows(
            connection,
            "worklist_entry",
            to_visit.assign(campaign_id=campaign_id, reasons="", listed_on=date(2017, 4, 28)),
        )
        insert_rows(
            connection,
            "visit",
            visits.assign(
                campaign_id=campaign_id, key=[f"k{i}" for i in range(len(visits))],
                township_code="", village_code="", visitor="", corrections="{}", channel="file", origin="",
                recorded_at=pd.Timestamp.now(tz="UTC").isoformat(),
            ).assign(received_on=visits.get("received_on", visits["visited_on"])),
        )  # fmt: skip
        refresh_first_visits(connection, campaign_id=campaign_id)  # what record_visits keeps up to date
    return campaign_id


def progress_figures(campaign: Campaign, persons: int, seed: int, work: Path) -> dict[str, float | int]:
    to_visit, visits = county_visits(campaign, persons, seed)
    started = time.perf_counter()
    progress = survey_progress(campaign, to_visit, visits, AS_OF)
    pure = time.perf_counter() - started
    assert int(progress.townships["to_visit"].sum()) == persons

    ws = Workspace.open(_settings(work / "progress"))
    campaign_id = store_county(ws, to_visit, visits)
    started = time.perf_counter()
    with ws.engine.connect() as connection:
        counted = progress_in_database(connection, campaign_id, campaign, AS_OF)
    in_database = time.perf_counter() - started
    started = time.perf_counter()
    with ws.engine.connect() as connection:
        load_to_visit(connection, campaign_id=campaign_id)
        load_visits(connection, campaign_id=campaign_id)
    loaded = time.perf_counter() - started
    ws.close()
    same = counted.villages[["to_visit", "visited", "registered"]].equals(
        progress.villages[["to_visit", "visited", "registered"]]
    )
    return {
        "progress_persons": persons,
        "progress_visits": len(visits),
        "progress_villages": len(progress.villages),
        "progress_s": round(pure, 2),
        "progress_counted_in_database_s": round(in_database, 2),
        "progress_database_equals_pandas": same,
        "reading_lists_and_visits_into_pandas_s": round(loaded, 2),
    }


def cutoff_figures(campaign: Campaign, persons: int, seed: int, work: Path) -> dict[str, float | int | bool]:
    """`canbao cutoff`'s work at N persons, then again (nothing left to freeze), and the frozen figures held
    against the same counts made in pandas."""
    from tasks.survey.cutoff import cut_off_survey

    to_visit, visits = county_visits(campaign, persons, seed)
    # Lists come back a few days after the visits: some of the last ones after the deadline.
    delay = np.random.default_rng(seed + 2).integers(0, 10, len(visits))
    visits["received_on"] = visits["visited_on"] + pd.to_timedelta(delay, unit="D")
    ws = Workspace.open(_settings(work / "cutoff"))
    store_county(ws, to_visit, visits)
    after = campaign.survey_window()[1] + timedelta(days=7)
    with timed() as first:
        result = cut_off_survey(ws, after)
    with timed() as again:
        cut_off_survey(ws, after)
    ws.close()
    deadline = pd.Timestamp(campaign.survey_window()[1])
    on_time = visits[(visits["visited_on"] <= deadline) & (visits["received_on"] <= deadline)]
    expected = to_visit.assign(
        visited=to_visit["id_number"].isin(on_time["id_number"]),
        registered=to_visit["id_number"].isin(on_time.loc[on_time["outcome"] == "registered", "id_number"]),
    )
    frozen = {t["code"]: (t["visited"], t["registered"]) for t in result["townships"]}
    counted = expected.groupby("township_code")[["visited", "registered"]].sum()
    return {
        "cutoff_persons": persons,
        "cutoff_visits": len(visits),
        "cutoff_late_visits": result["late_visits"],
        "cutoff_s": first["wall"],
        "cutoff_cpu_s": first["cpu"],
        "cutoff_again_s": again["wall"],
        "cutoff_equals_pandas": frozen == {str(k): (int(r.visited), int(r.registered)) for k, r in counted.iterrows()},
    }


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and CPU time (user+sys of this process) of the block, in seconds."""
    figures: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield figures
    figures["wall"] = round(time.perf_counter() - wall, 2)
    figures["cpu"] = round(time.process_time() - cpu, 2)


def import_figures(campaign: Campaign, returned: int, seed: int, work: Path) -> dict[str, float | int | str]:
    from prefect.logging import disable_run_logger

    from flows.survey import import_returned_lists

    settings = _settings(work / "import")
    ws = Workspace.open(settings)
    initialise(ws)
    campaign_id, _ = ws.campaign()
    ids = synthetic_ids(returned, seed + 7)
    lists = county_lists(campaign, ids, seed + 7)
    persons = pd.DataFrame(
        {
            "id_number": ids, "name": "张三", "sex": "男", "birth_date": pd.to_datetime([i[6:14] for i in ids]),
            "age": 40, "township_code": lists["township_code"], "village_code": lists["village_code"],
            "household": "1", "household_type": "农业", "address": "安溪县", "phone": "13800000000",
            "deceased": False, "student": False, "employed": False, "employer": "",
            **{i: "missing" for i in INSURANCES}, "category": "uninsured", "employment_status": "",
            "subsidised": "", "anomalies": "", "compare_run_id": 0,
        }
    )  # fmt: skip
    with ws.session() as session:
        connection = session.connection()
        insert_rows(connection, "person", persons.assign(campaign_id=campaign_id))
        entries = lists.assign(campaign_id=campaign_id, reasons="未参保", listed_on=date(2017, 4, 28))
        insert_rows(connection, "worklist_entry", entries)

    # The returned workbooks: the published list's columns, filled in by the village.
    rng = np.random.default_rng(seed)
    outcomes = ["已登记参保", "拒绝参保", "外地参保", "信息更正", "已迁出"]
    folder = work / "returned"
    started = time.perf_counter()
    files = []
    for village, group in lists.groupby("village_code", sort=True):
        n = len(group)
        picked = rng.integers(0, len(outcomes), n)
        rows = pd.DataFrame({column: "" for column in LIST_COLUMNS}, index=range(n))
        rows["序号"] = range(1, n + 1)
        rows["姓名"] = "张三"
        rows["身份证号"] = group["id_number"].to_numpy()
        rows["走访结果"] = [outcomes[i] for i in picked]
        rows["更正信息"] = np.where(picked == 3, "联系电话：13905951234", "")
        rows["未参保原因"] = np.where(picked == 1, "经济困难", "")
        rows["走访人"] = "李四"
        rows["走访日期"] = [(date(2017, 5, 2) + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 40, n)]
        rows.loc[0, "走访结果"] = "乱写"  # one bad row per village
        item = VillageList("", str(village), str(village), rows)
        files.append(write_village_list(item, folder / f"{village}.xlsx", f"{village} 入户调查名单"))
    written = time.perf_counter() - started

    memory = PeakMemory()
    memory.start()
    with memory.stage(), disable_run_logger(), timed() as took:
        result = import_returned_lists.fn(ws, [str(f) for f in files], date(2017, 6, 20))
    memory.stop()
    ws.close()
    assert result["rows_read"] == returned, result
    assert result["recorded"] + result["rejected"] + result["duplicates"] + result["pending"] == returned
    return {
        "import_rows": returned,
        "import_files": len(files),
        "import_recorded": result["recorded"],
        "import_rejected": result["rejected"],
        "import_changes": result["changes"],
        "import_s": took["wall"],
        "import_cpu_s": took["cpu"],
        "import_peak_gb": _gb(memory.peak),
        "workbooks_written_s": round(written, 1),
    }


POSTGRES: str | None = None  # --postgres: run in a fresh schema of this database instead of SQLite files


def _settings(folder: Path) -> Settings:
    shutil.rmtree(folder, ignore_errors=True)
    url = f"sqlite:///{folder / 'bench.db'}"
    if POSTGRES:
        import psycopg

        schema = f"bench_{folder.name}"
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    return Settings(data_dir=folder, database_url=url, apprise_config=None, campaign=DEFAULT_CAMPAIGN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_200_000, help="persons on the lists for progress")
    parser.add_argument("--returned", type=int, default=100_000, help="rows of returned work lists to import")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stages", default="progress,import,cutoff", help="some of progress,import,cutoff")
    parser.add_argument("--postgres", default=None, help="e.g. postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    global POSTGRES
    POSTGRES = args.postgres
    from models.campaign.spec import load_campaign

    campaign, _digest = load_campaign(DEFAULT_CAMPAIGN)
    work = Path(tempfile.mkdtemp(prefix="canbao-survey-bench-"))
    try:
        stages = {s.strip() for s in args.stages.split(",")}
        figures: dict[str, object] = {}
        if "progress" in stages:
            figures |= progress_figures(campaign, args.persons, args.seed, work)
        if "import" in stages:
            figures |= import_figures(campaign, args.returned, args.seed, work)
        if "cutoff" in stages:
            figures |= cutoff_figures(campaign, args.persons, args.seed, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
