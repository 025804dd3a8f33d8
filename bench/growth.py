"""Benchmark: the cost of each stage as the county grows, through the CLI as a user runs it.

    .venv/bin/python bench/growth.py                      # 0.3, 1.2 and 5 million persons
    .venv/bin/python bench/growth.py --sizes 0.3,1.2      # a quicker run

For each size (millions of persons), in a data folder of its own with `canbao web serve` keeping one Prefect
server for all the stages: `init`, `synth` (CSV files, in the shape the departments deliver), `collect`,
`compare`, `worklists`, `progress`, `survey import` of returned rows (one CSV per village: a twelfth of the
persons, drawn from the published lists, as villages fill them in; one bad row per village) and `cutoff`. Each
stage is one `canbao` process; its wall time, CPU time (user+sys of the process and its children) and peak
memory (resident set of the process tree, sampled every 50 ms) are printed, then the time per million persons
of each stage across the sizes (a stage whose figure grows with the size grows faster than the county), and
one JSON object of every figure. The Prefect server's own work is not counted (it runs in `web serve`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cli_latency import keep_server  # noqa: E402
from models.settings import Settings  # noqa: E402

CANBAO = str(Path(sys.executable).with_name("canbao"))
DELIVERED, LISTED, RECEIVED, AFTER = "2017-04-30", "2017-05-02", "2017-06-20", "2017-07-01"
OUTCOMES = ["已登记参保", "拒绝参保", "外地参保", "信息更正", "已迁出"]


@dataclass
class Figures:
    wall_s: float
    cpu_s: float
    peak_gb: float


class TreePeak:
    """The peak resident memory of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_stage(env: dict[str, str], args: list[str]) -> Figures:
    """One `canbao` command: wall, CPU (user+sys of it and its children) and peak memory of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen([CANBAO, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = TreePeak(process.pid)
    out, errors = process.communicate()
    wall = time.perf_counter() - started
    peak_bytes = peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"canbao {' '.join(args)} → {process.returncode}\n{(errors or out)[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Figures(round(wall, 2), round(cpu, 2), round(peak_bytes / 2**30, 2))


def returned_lists(database: Path, folder: Path, rows: int, seed: int) -> list[Path]:
    """`rows` persons of the published lists with a result, one CSV per village as the village returns it."""
    with sqlite3.connect(database) as connection:
        listed = pd.read_sql("SELECT DISTINCT village_code, id_number FROM worklist_entry", connection)
    rng = np.random.default_rng(seed)
    picked = listed.iloc[np.sort(rng.choice(len(listed), min(rows, len(listed)), replace=False))]
    folder.mkdir(parents=True, exist_ok=True)
    first = date.fromisoformat(LISTED)
    files = []
    for village, group in picked.groupby("village_code", sort=True):
        n = len(group)
        outcome = rng.integers(0, len(OUTCOMES), n)
        frame = pd.DataFrame(
            {
                "身份证号": group["id_number"].to_numpy(),
                "走访结果": [OUTCOMES[i] for i in outcome],
                "未参保原因": np.where(outcome == 1, "经济困难", ""),
                "更正信息": np.where(outcome == 3, "联系电话：13905951234", ""),
                "走访人": "李四",
                "走访日期": [(first + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 40, n)],
            }
        )
        frame.loc[frame.index[0], "走访结果"] = "乱写"  # one bad row per village
        path = folder / f"{village}.csv"
        frame.to_csv(path, index=False)
        files.append(path)
    return files


def run_size(millions: float, work: Path, seed: int, formats: str) -> dict[str, dict[str, float]]:
    persons = round(millions * 1_000_000)
    data = work / f"{millions}M"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
    env = {**clean, "CANBAO_DATA_DIR": str(data / "var"), "CANBAO_PREFECT_PORT": "0"}
    settings = Settings(data_dir=data / "var")
    stages: dict[str, Figures] = {}
    print(f"— {persons:,} persons —", file=sys.stderr, flush=True)

    def stage(name: str, args: list[str]) -> None:
        stages[name] = run_stage(env, args)
        print(f"  {name:14} {stages[name].wall_s:8.1f} s wall {stages[name].cpu_s:8.1f} s CPU "
              f"{stages[name].peak_gb:6.2f} GB", file=sys.stderr, flush=True)  # fmt: skip

    subprocess.run([CANBAO, "init"], env=env, check=True, capture_output=True)
    web = keep_server(env, settings)
    try:
        stage("synth", ["synth", "--persons", str(persons), "--seed", str(seed), "--out", str(data / "delivery"),
                        "--formats", formats, "--as-of", DELIVERED, "--json"])  # fmt: skip
        stage("collect", ["collect", str(data / "delivery"), "--on", DELIVERED, "--json"])
        stage("compare", ["compare", "--as-of", DELIVERED, "--json"])
        stage("worklists", ["worklists", "--out", str(data / "lists"), "--on", LISTED, "--json"])
        stage("progress", ["progress", "--as-of", RECEIVED, "--json"])
        files = returned_lists(settings.data_path / "canbao.db", data / "returned", persons // 12, seed)
        stage("survey import", ["survey", "import", *map(str, files), "--on", RECEIVED, "--json"])
        stage("cutoff", ["cutoff", "--as-of", AFTER, "--json"])
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
    shutil.rmtree(data, ignore_errors=True)
    return {name: asdict(figures) for name, figures in stages.items()}


def growth_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Seconds per million persons, wall and CPU, of each stage across the sizes, and how the CPU figure grows
    from the smallest size to the largest (1.00×: linear; above: faster than the county)."""
    sizes = list(results)
    names = list(next(iter(results.values())))
    head = f"{'stage':14}" + "".join(f"{s + 'M wall/CPU s/M':>22}" for s in sizes) + f"{'CPU growth':>12}"
    lines = [head]
    rows = {name: [(results[s][name]["wall_s"], results[s][name]["cpu_s"]) for s in sizes] for name in names}
    rows["all stages"] = [
        (sum(f["wall_s"] for f in results[s].values()), sum(f["cpu_s"] for f in results[s].values())) for s in sizes
    ]
    for name, figures in rows.items():
        per = [(wall / float(s), cpu / float(s)) for s, (wall, cpu) in zip(sizes, figures, strict=True)]
        growth = per[-1][1] / per[0][1] if per[0][1] else float("nan")
        lines.append(f"{name:14}" + "".join(f"{w:13.1f} /{c:7.1f}" for w, c in per) + f"{growth:11.2f}×")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.3,1.2,5", help="millions of persons, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="csv", help="synth's --formats: csv (quick) or mixed (xlsx/xls/csv)")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    options = parser.parse_args()
    sizes = [s.strip() for s in options.sizes.split(",") if s.strip()]
    work = options.work or Path(tempfile.mkdtemp(prefix="canbao-growth-"))
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for size in sizes:
            results[size] = run_size(float(size), work, options.seed, options.formats)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(growth_table(results))
    cores = os.cpu_count()
    print(json.dumps({"sizes_millions": sizes, "cores": cores, "load_average": round(os.getloadavg()[0], 2),
                      "stages": results}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
