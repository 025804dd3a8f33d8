"""Benchmark: a county's collection and comparison through the command line, as a user runs them.

    .venv/bin/python bench/county_bench.py --persons 1200000 [--work DIR] [--keep-files]

In a workspace of its own (a temporary data folder, the campaign loaded, `canbao web serve` keeping the
installation's Prefect server), makes a synthetic county's CSV files (`canbao synth`, not timed), then times
`canbao collect` and `canbao compare` (wall clock, CPU time of the command, and its peak resident memory,
sampled every 20 ms), then computes the same counts in DuckDB SQL over the same Parquet snapshots the comparison
read (bench/duckdb_reference.py) and prints the ratios (wall and CPU) and whether every count agrees. Targets on
two cores: collect + compare ≤ 20 s with peak ≤ 2 GB; compare ≤ 3 × DuckDB. Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cli_latency import keep_server  # noqa: E402
from bench.duckdb_reference import run_reference  # noqa: E402
from models.campaign.spec import load_campaign  # noqa: E402
from models.settings import DEFAULT_CAMPAIGN, Settings  # noqa: E402

CANBAO = str(Path(sys.executable).with_name("canbao"))
AS_OF = date(2017, 4, 30)


def run(env: dict[str, str], args: list[str]) -> dict[str, Any]:
    """One command: wall and CPU seconds (user + system) and its peak resident memory (GB)."""
    started = time.perf_counter()
    process = psutil.Popen([CANBAO, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, cpu = 0, 0.0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
            times = process.cpu_times()
            cpu = times.user + times.system
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    out, error = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"canbao {' '.join(args)} → {process.returncode}\n{error.decode()[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_gb": round(peak / 1024**3, 2), "out": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="canbao-county-"))
    files, data = work / "delivery", work / "var"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
    env = {**clean, "CANBAO_DATA_DIR": str(data), "CANBAO_PREFECT_PORT": "0"}
    if not (files / "ground_truth.json").exists():
        synth = ["synth", "--persons", str(options.persons), "--seed", str(options.seed), "--out", str(files)]
        run(env, [*synth, "--formats", "csv", "--as-of", AS_OF.isoformat(), "--json"])
    shutil.rmtree(data, ignore_errors=True)
    subprocess.run([CANBAO, "init"], env=env, check=True, capture_output=True)
    web = keep_server(env, Settings(data_dir=data))
    try:
        collect = run(env, ["collect", str(files), "--on", AS_OF.isoformat(), "--json"])
        compare = run(env, ["compare", "--as-of", AS_OF.isoformat(), "--json"])
        again = run(env, ["compare", "--as-of", AS_OF.isoformat(), "--json"])  # replaces the stored result
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
    summary = json.loads(compare.pop("out"))
    collect.pop("out"), again.pop("out")

    campaign, _ = load_campaign(DEFAULT_CAMPAIGN)
    with sqlite3.connect(data / "canbao.db") as connection:
        parquet = {s: Path(p) for s, p in connection.execute("SELECT source, data_path FROM source_snapshot")}
    started, cpu_started = time.perf_counter(), time.process_time()
    reference = run_reference(campaign, parquet, AS_OF)
    duckdb_s = round(time.perf_counter() - started, 2)
    duckdb_cpu_s = round(time.process_time() - cpu_started, 2)
    ours = {
        "persons": summary["persons"],
        **{k: summary["categories"][k] for k in ("deceased", "insured_full", "partial", "uninsured")},
        **{f"missing_{k}": v for k, v in summary["missing_by_insurance"].items()},
        **summary["employment"],
    }
    disagreements = {k: (ours.get(k), v) for k, v in reference.items() if ours.get(k) != v}
    truth = json.loads((files / "ground_truth.json").read_text(encoding="utf-8"))
    figures = {
        "persons": summary["persons"],
        "persons_in_ground_truth": truth["persons"],
        "collect": collect,
        "compare": compare,
        "compare_again": again,
        "collect_plus_compare_s": round(collect["wall_s"] + compare["wall_s"], 2),
        "duckdb_s": duckdb_s,
        "duckdb_cpu_s": duckdb_cpu_s,
        "compare_vs_duckdb": round(compare["wall_s"] / duckdb_s, 2),
        "compare_cpu_vs_duckdb_cpu": round(compare["cpu_s"] / duckdb_cpu_s, 2),
        "counts_agree_with_duckdb": disagreements or "yes",
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"{'command':24} {'wall s':>8} {'cpu s':>8} {'peak GB':>8}")
    for name in ("collect", "compare", "compare_again"):
        f = figures[name]
        print(f"{name:24} {f['wall_s']:>8.2f} {f['cpu_s']:>8.2f} {f['peak_gb']:>8.2f}")
    print(f"{'duckdb (same counts)':24} {duckdb_s:>8.2f} {duckdb_cpu_s:>8.2f}")
    print(json.dumps(figures, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
