"""Benchmark: the supervisors' report for a whole county.

    .venv/bin/python bench/report_bench.py --persons 1200000 [--postgres URL]

A registration database with N persons (real-looking IDs and phones), every one of them on a village list (the
worst case: 460 villages), about 85 % visited over May–June, a few thousand anomalies. Times, for a day during
the survey (provisional scores, curves to that day) and a day after the deadline (final scores from the
figures at the deadline): loading the counts and the score sheet, building the tables and charts, writing the
workbook and the page; with the peak memory of the process (target: the whole report under 30 s); then the
survey's cut-off, the final score sheet and the report again, now from the frozen figures. Prefect's
own start-up (a few seconds, see the README) is not included. Prints one JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.compare_bench import PeakMemory, _gb  # noqa: E402
from bench.survey_bench import county_lists, synthetic_ids  # noqa: E402
from flows.report import load_report_inputs, write_report_files  # noqa: E402
from models.bulk import insert_rows  # noqa: E402
from models.campaign.spec import INSURANCES  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402
from models.survey.visits import refresh_first_visits  # noqa: E402
from tasks.documents.supervisors_report import build_report, table_texts  # noqa: E402
from tasks.identity.masking import find_unmasked  # noqa: E402
from tasks.setup import initialise  # noqa: E402
from tasks.workspace import Workspace  # noqa: E402

DURING, AFTER = date(2017, 6, 16), date(2017, 7, 7)


def populate(ws: Workspace, persons: int, seed: int) -> dict[str, int]:
    campaign_id, campaign = ws.campaign()
    ids = synthetic_ids(persons, seed)
    lists = county_lists(campaign, ids, seed)
    rng = np.random.default_rng(seed)
    category = rng.choice(["insured_full", "partial", "uninsured", "deceased"], persons, p=[0.68, 0.2, 0.1, 0.02])
    phones = [f"139{n:08d}" for n in rng.integers(0, 10**8, persons)]
    status = {i: np.where(rng.random(persons) < 0.12, "missing", "insured") for i in INSURANCES}
    people = pd.DataFrame(
        {
            "campaign_id": campaign_id, "id_number": ids, "name": "张三", "sex": "男",
            "birth_date": pd.to_datetime([i[6:14] for i in ids]), "age": 40,
            "township_code": lists["township_code"], "village_code": lists["village_code"], "household": "1",
            "household_type": "农业", "address": "安溪县", "phone": phones,
            "deceased": category == "deceased", "student": False, "employed": False, "employer": "", **status,
            "category": category, "employment_status": "", "subsidised": "", "anomalies": "", "compare_run_id": 0,
        }
    )  # fmt: skip
    visited = rng.random(persons) < 0.85
    chosen = np.flatnonzero(visited)
    days = pd.to_datetime("2017-05-02") + pd.to_timedelta(rng.integers(0, 62, len(chosen)), unit="D")
    visits = pd.DataFrame(
        {
            "id_number": lists["id_number"].to_numpy()[chosen],
            "visited_on": days,
            "outcome": np.where(rng.random(len(chosen)) < 0.6, "registered", "refused"),
        }
    )
    picked = rng.choice(persons, persons // 100, replace=False)
    at = lists.iloc[picked]
    kinds = rng.choice(
        ["duplicate_enrolment", "deceased_enrolled", "inconsistent_identity", "outside_register"], len(picked)
    )
    anomalies = pd.DataFrame(
        {
            "campaign_id": campaign_id, "compare_run_id": 0, "id_number": at["id_number"].to_numpy(),
            "kind": kinds, "sources": "household", "evidence": "", "village_code": at["village_code"].to_numpy(),
        }
    )  # fmt: skip
    with ws.session() as session:
        connection = session.connection()
        insert_rows(connection, "person", people)
        insert_rows(
            connection, "worklist_entry", lists.assign(campaign_id=campaign_id, reasons="", listed_on=date(2017, 4, 28))
        )
        insert_rows(
            connection,
            "visit",
            visits.assign(
                campaign_id=campaign_id, key=[f"k{i}" for i in range(len(visits))], township_code="", village_code="",
                visitor="", corrections="{}", channel="file", origin="", received_on=visits["visited_on"],
                recorded_at=pd.Timestamp.now(tz="UTC").isoformat(),
            ),
        )  # fmt: skip
        insert_rows(connection, "anomaly", anomalies)
        refresh_first_visits(connection, campaign_id=campaign_id)
    return {"persons": persons, "listed": len(lists), "visits": len(visits), "anomalies": len(anomalies)}


def time_report(ws: Workspace, as_of: date, out: Path) -> dict[str, float | bool | int]:
    memory = PeakMemory()
    memory.start()
    with memory.stage():
        started = time.perf_counter()
        inputs = load_report_inputs.fn(ws, as_of)
        loaded = time.perf_counter()
        report = build_report(inputs)
        built = time.perf_counter()
        xlsx, html = write_report_files.fn(report, out)
        written = time.perf_counter()
    memory.stop()
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html.read_text(encoding="utf-8"))
    return {
        "load_s": round(loaded - started, 2),
        "build_s": round(built - loaded, 2),
        "write_s": round(written - built, 2),
        "total_s": round(written - started, 2),
        "peak_gb": _gb(memory.peak),
        "final": report.overview.final,
        "listed": report.overview.listed,
        "visited": report.overview.visited,
        "xlsx_kb": xlsx.stat().st_size // 1024,
        "html_kb": html.stat().st_size // 1024,
        "unmasked_found": len(find_unmasked("\n".join(table_texts(report)))) + len(find_unmasked(page)),
    }


def time_cutoff(ws: Workspace, as_of: date) -> dict[str, float]:
    """The cut-off (count, freeze, mark late visits) and the final score sheet that then reads the frozen figures."""
    from tasks.scoring.sheet import score_sheet
    from tasks.survey.cutoff import cut_off_survey

    started = time.perf_counter()
    result = cut_off_survey(ws, as_of)
    frozen = time.perf_counter()
    sheet = score_sheet(ws, as_of)
    scored = time.perf_counter()
    return {
        "cutoff_s": round(frozen - started, 2),
        "scores_s": round(scored - frozen, 2),
        "late_visits": result["late_visits"],
        "townships_finished": sum(s.finished for s in sheet.scores),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL instead of a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="canbao-report-bench-") as tmp:
        work = Path(tmp)
        url = args.postgres or f"sqlite:///{work / 'canbao.db'}"
        ws = Workspace.open(Settings(data_dir=work / "var", database_url=url, campaign=DEFAULT_CAMPAIGN))
        initialise(ws)
        try:
            started = time.perf_counter()
            figures: dict[str, object] = {"database": ws.engine.dialect.name, **populate(ws, args.persons, args.seed)}
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            figures["during_survey"] = time_report(ws, DURING, work / "during")
            figures["after_deadline"] = time_report(ws, AFTER, work / "after")
            figures["cutoff"] = time_cutoff(ws, AFTER)
            figures["after_cutoff"] = time_report(ws, AFTER, work / "after-cutoff")
        finally:
            ws.close()
    print(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
