"""Benchmark: a synthetic county of N persons, then ingest → compare → persist, and DuckDB as reference.

    .venv/bin/python bench/compare_bench.py --persons 1200000

Prints each stage's wall time and the process's peak memory while it ran, the same comparison in DuckDB
SQL over the same accepted rows, the ratio between the two, and whether every count agrees. Targets on two
cores: compare ≤ 1.5 × DuckDB; ingest + compare + persist from CSV ≤ 60 s; peak memory ≤ 3 GB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.duckdb_reference import run_reference  # noqa: E402
from models.comparison_parts import add_comparison_part, begin_comparison, finish_comparison  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402
from tasks.comparison.compare import Rules, compare, summarise  # noqa: E402
from tasks.intake import snapshots  # noqa: E402
from tasks.intake.ingest import read_source  # noqa: E402
from tasks.setup import initialise  # noqa: E402
from tasks.workspace import Workspace  # noqa: E402

AS_OF = date(2017, 4, 30)


class PeakMemory:
    """Samples the resident memory of this process every 20 ms."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    @contextmanager
    def stage(self) -> Iterator[None]:
        self.peak = self.process.memory_info().rss
        yield

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="canbao-bench-"))
    files = work / "delivery"
    figures: dict[str, float | int | str] = {"persons": args.persons}

    # The synthetic county is made in a separate process so its memory does not count against the pipeline.
    if not files.exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _SYNTH, str(files), str(args.persons), str(args.seed)], check=True, cwd=ROOT
        )
        figures["synth_s"] = round(time.perf_counter() - started, 1)

    memory = PeakMemory()
    memory.start()
    settings = Settings(data_dir=work / "var", database_url=f"sqlite:///{work / 'var' / 'bench.db'}",
                        apprise_config=None, campaign=DEFAULT_CAMPAIGN)  # fmt: skip
    shutil.rmtree(settings.data_path, ignore_errors=True)
    ws = Workspace.open(settings)
    initialise(ws)
    campaign_id, campaign = ws.campaign()

    total = 0.0
    frames = {}
    parquet: dict[str, Path] = {}
    rows = 0
    with memory.stage():
        started = time.perf_counter()
        for source in campaign.sources.values():
            source_files = sorted((files / source.key).glob("*"))
            result = read_source(source, source_files, campaign, as_of=AS_OF)
            rows += result.rows_read
            with ws.session() as session:
                delivery = snapshots.save_snapshot(
                    session, campaign_id=campaign_id, result=result, digest=snapshots.digest_files(source_files),
                    delivered_on=AS_OF, data_dir=settings.data_path, source_name=source.name,
                )  # fmt: skip
                snapshot = snapshots.active_snapshot(session, campaign_id=campaign_id, source=source.key)
            assert snapshot is not None and delivery.accepted == len(result.accepted)
            frames[source.key] = result.accepted
            parquet[source.key] = Path(snapshot.data_path)
        elapsed = time.perf_counter() - started
    figures |= {"ingest_rows": rows, "ingest_s": round(elapsed, 2), "ingest_peak_gb": _gb(memory.peak)}
    total += elapsed

    with memory.stage():
        started = time.perf_counter()
        result = compare(frames, Rules.of(campaign), AS_OF, parts=args.parts)
        elapsed = time.perf_counter() - started
    figures |= {"compare_s": round(elapsed, 2), "compare_peak_gb": _gb(memory.peak)}
    total += elapsed
    summary = summarise(result, campaign, AS_OF)

    with memory.stage():
        started = time.perf_counter()
        with ws.session() as session:
            run_id = begin_comparison(session, campaign_id=campaign_id, as_of=AS_OF, snapshots={})
            add_comparison_part(session, campaign_id=campaign_id, run_id=run_id, persons=result.persons,
                                anomalies=result.anomalies)  # fmt: skip
            finish_comparison(session, run_id=run_id, summary=summary)
        elapsed = time.perf_counter() - started
    figures |= {"persist_s": round(elapsed, 2), "persist_peak_gb": _gb(memory.peak)}
    total += elapsed
    figures["ingest_compare_persist_s"] = round(total, 1)
    memory.stop()
    ws.close()
    del frames, result

    started = time.perf_counter()
    reference = run_reference(campaign, parquet, AS_OF)
    figures["duckdb_s"] = round(time.perf_counter() - started, 2)
    figures["compare_vs_duckdb"] = round(float(figures["compare_s"]) / float(figures["duckdb_s"]), 2)

    ours = {
        "persons": summary["persons"],
        "deceased": summary["categories"]["deceased"],  # type: ignore[index]
        "insured_full": summary["categories"]["insured_full"],  # type: ignore[index]
        "partial": summary["categories"]["partial"],  # type: ignore[index]
        "uninsured": summary["categories"]["uninsured"],  # type: ignore[index]
        **{f"missing_{k}": v for k, v in summary["missing_by_insurance"].items()},  # type: ignore[attr-defined]
        **summary["employment"],  # type: ignore[dict-item]
    }
    disagreements = {k: (ours[k], reference[k]) for k in reference if ours.get(k) != reference[k]}
    figures["counts_agree_with_duckdb"] = "yes" if not disagreements else json.dumps(disagreements)
    truth = json.loads((files / "ground_truth.json").read_text(encoding="utf-8"))
    figures["persons_vs_truth"] = f"{summary['persons']} / {truth['persons']}"
    for key, value in figures.items():
        print(f"{key:28s} {value}")


def _gb(n: int) -> float:
    return round(n / 1024**3, 2)


_SYNTH = """
import sys
from pathlib import Path
from datetime import date
from models.settings import DEFAULT_CAMPAIGN
from models.campaign.spec import load_campaign
from tasks.simulation.synth import generate_county
campaign, _ = load_campaign(DEFAULT_CAMPAIGN)
generate_county(campaign, int(sys.argv[2]), Path(sys.argv[1]), seed=int(sys.argv[3]), as_of=date(2017, 4, 30),
                formats="csv")
"""

if __name__ == "__main__":
    main()
