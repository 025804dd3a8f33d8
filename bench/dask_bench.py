"""Benchmark: the comparison of a county of N persons, partition by partition, on a local Dask cluster.

    .venv/bin/python bench/dask_bench.py --persons 10000000 --parts 20 --workers 2
    .venv/bin/python bench/dask_bench.py --persons 1200000 --runner thread --parts 1   # single process

Department files for 10 million persons would take long to write and to import, so the accepted rows
(the Parquet snapshots `canbao ingest` stores) are made directly: a synthetic county of --base persons is
generated and imported once, then repeated with the ID numbers' first six digits changed per copy (check
character recomputed), so copy r holds the same persons with other ID numbers. Every count of the result
must then be exactly (copies × the base county's): the benchmark checks it. The snapshots are registered as
the active deliveries of a fresh database (SQLite by default, --database URL for PostgreSQL) and the real
flow runs (`flows.comparison.comparison_flow`) with the chosen task runner. Prints each stage's wall time
(from the flow's task runs) and the peak resident memory of the whole process tree (this process, the
Dask workers, the temporary Prefect server), sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.runtime import prepare_prefect_environment  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402

AS_OF = date(2017, 4, 30)
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


class TreeMemory:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self) -> None:
        self.root = psutil.Process()
        self.peak = 0
        self.peak_self = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = own = self.root.memory_info().rss
            for child in self.root.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak, self.peak_self = max(self.peak, total), max(self.peak_self, own)
            time.sleep(0.1)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def base_county(base: int, seed: int, work: Path) -> dict[str, pd.DataFrame]:
    from models.campaign.spec import load_campaign
    from tasks.intake.ingest import read_source
    from tasks.simulation.synth import generate_county

    campaign, _ = load_campaign(DEFAULT_CAMPAIGN)
    files = work / "base"
    generate_county(campaign, base, files, seed=seed, as_of=AS_OF, formats="csv")
    frames = {}
    for source in campaign.sources.values():
        paths = sorted((files / source.key).glob("*"))
        if paths:
            frames[source.key] = read_source(source, paths, campaign, as_of=AS_OF).accepted
    shutil.rmtree(files)
    return frames


def write_snapshots(frames: dict[str, pd.DataFrame], copies: int, folder: Path) -> dict[str, tuple[Path, int]]:
    """Each source's rows repeated `copies` times with renumbered IDs, written copy by copy."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for source, frame in frames.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        ids = table.column("id_number").combine_chunks()
        raw = np.frombuffer(b"".join(s.encode() for s in ids.to_pylist()), dtype=np.uint8).reshape(-1, 18)
        column = table.schema.get_field_index("id_number")
        path = folder / f"{source}.parquet"
        with pq.ParquetWriter(path, table.schema) as writer:
            for copy in range(copies):
                data = raw.copy()
                data[:, :6] = np.frombuffer(f"{(350524 + 7919 * copy) % 1_000_000:06d}".encode(), dtype=np.uint8)
                total = (data[:, :17].astype(np.int64) - ord("0")) @ WEIGHTS
                data[:, 17] = CHECK[total % 11]
                offsets = pa.array(np.arange(0, 18 * (len(data) + 1), 18, dtype=np.int32))
                renamed = pa.StringArray.from_buffers(len(data), offsets.buffers()[1], pa.py_buffer(data.tobytes()))
                writer.write_table(table.set_column(column, "id_number", renamed.cast(ids.type)))
        written[source] = (path, len(frame) * copies)
    return written


def register(settings: Settings, snapshots: dict[str, tuple[Path, int]]) -> None:
    from models.tables import SourceSnapshot
    from tasks.setup import initialise
    from tasks.workspace import Workspace

    ws = Workspace.open(settings)
    initialise(ws)
    campaign_id, _ = ws.campaign()
    with ws.session() as session:
        for source, (path, rows) in snapshots.items():
            session.add(SourceSnapshot(campaign_id=campaign_id, source=source, digest=f"bench-{source}", files="[]",
                                       rows_read=rows, accepted=rows, rejected=0, duplicates=0, data_path=str(path),
                                       rejects_path=None, delivered_on=AS_OF))  # fmt: skip
    ws.close()


def stage_times(flow_run_id: Any) -> dict[str, float]:
    """Wall time of each stage: first start to last end of its task runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        flow_run = client.read_flow_run(flow_run_id)
    spans: dict[str, list[float]] = {}
    if flow_run.start_time and flow_run.end_time:
        spans["flow-run"] = [flow_run.start_time.timestamp(), flow_run.end_time.timestamp()]
    for run in runs:
        if run.start_time is None or run.end_time is None:
            continue
        stage = run.name.rsplit("-", 1)[0]
        span = spans.setdefault(stage, [math.inf, -math.inf])
        span[0] = min(span[0], run.start_time.timestamp())
        span[1] = max(span[1], run.end_time.timestamp())
    return {stage: round(end - start, 1) for stage, (start, end) in spans.items()}


def expected(base_summary: dict[str, Any], copies: int) -> dict[str, Any]:
    def scale(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scale(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scale(v) for v in value]
        return value * copies if isinstance(value, int) and not isinstance(value, bool) else value

    return {k: (v if k == "as_of" else scale(v)) for k, v in base_summary.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--base", type=int, default=20_000, help="persons of the synthetic county that is repeated")
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--runner", choices=["dask", "thread"], default="dask")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a SQLite file in --work)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="canbao-dask-bench-"))
    copies = max(1, round(args.persons / args.base))
    figures: dict[str, Any] = {}

    started = time.perf_counter()
    frames = base_county(args.base, args.seed, work)
    persons_per_copy = frames["household"]["id_number"].nunique()
    snapshots = write_snapshots(frames, copies, work / "snapshots")
    del frames
    figures["snapshots_s"] = round(time.perf_counter() - started, 1)
    figures["register_rows"] = snapshots["household"][1]
    figures["rows_all_sources"] = sum(rows for _p, rows in snapshots.values())

    data = work / "var"
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(data_dir=data, database_url=args.database or f"sqlite:///{data / 'bench.db'}",
                        apprise_config=None, campaign=DEFAULT_CAMPAIGN, task_runner=args.runner,
                        dask_workers=args.workers)  # fmt: skip
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    prepare_prefect_environment(settings)
    register(settings, snapshots)

    # The flow opens its workspace from the environment, as `canbao compare` does.
    os.environ["CANBAO_DATA_DIR"] = str(data)
    os.environ["CANBAO_DATABASE_URL"] = settings.db_url
    from flows.comparison import comparison_flow

    with TreeMemory() as memory:
        started = time.perf_counter()
        state = comparison_flow(settings)(as_of=AS_OF, parts=args.parts, return_state=True)
        figures["flow_s"] = round(time.perf_counter() - started, 1)
    summary = state.result()
    figures |= {f"{stage}_s": seconds for stage, seconds in stage_times(state.state_details.flow_run_id).items()}
    figures["peak_tree_gb"] = round(memory.peak / 1024**3, 2)
    figures["peak_main_process_gb"] = round(memory.peak_self / 1024**3, 2)
    figures["persons"] = summary["persons"]
    figures["persons_expected"] = persons_per_copy * copies

    # Every count is copies × the base county's: compare it in one partition, in this process.
    from models.campaign.spec import load_campaign
    from tasks.comparison.compare import Rules, compare, summarise

    campaign, _ = load_campaign(DEFAULT_CAMPAIGN)
    base = {source: pq.ParquetFile(path).read_row_group(0).to_pandas() for source, (path, _r) in snapshots.items()}
    assert all(len(base[source]) * copies == rows for source, (_p, rows) in snapshots.items())
    reference = expected(summarise(compare(base, Rules.of(campaign), AS_OF), campaign, AS_OF), copies)
    figures["counts_equal_copies_x_base"] = "yes" if reference == summary else "NO"
    if reference != summary:
        print(json.dumps({"expected": reference, "got": summary}, ensure_ascii=False)[:4000])
    for key, value in figures.items():
        print(f"{key:28s} {value}")


if __name__ == "__main__":
    main()
