"""Benchmark: how long a command takes with and without the installation's running Prefect server.

    .venv/bin/python bench/cli_latency.py [--repeat 3]

In a workspace of its own (a temporary data folder, the campaign loaded), times each command as a user runs it
(a child process, wall clock and CPU time, user + system, of the command and its children):
- `--help`; `status`; `remind --dry-run` on a day of the training phase (no survey figures) and on a day of the
  survey (the figures are read with pandas); `ingest` with an unknown source key (must fail at once, exit 2):
  none of these runs a flow or starts Prefect;
- `remind` (the daily reminders flow; after a first run has sent the day's messages, each run plans them again
  and sends nothing new), which starts and stops a temporary Prefect server when none is running;
first without a server, then with `canbao web serve` running (it keeps one Prefect server and records it in
the data folder), whose server the flow then runs on.
Prints a table and one JSON object of figures (seconds, the median of the repeats, and the load average: on a
shared machine the wall clock varies with the load, the CPU time much less).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.shared_server import running_server  # noqa: E402
from models.settings import Settings  # noqa: E402

CANBAO = str(Path(sys.executable).with_name("canbao"))
# name → (arguments, the exit code expected)
COMMANDS: dict[str, tuple[list[str], int]] = {
    "--help": (["--help"], 0),
    "status": (["status", "--as-of", "2017-04-25", "--json"], 0),
    "remind --dry-run (training)": (["remind", "--as-of", "2017-04-25", "--dry-run", "--json"], 0),
    "remind --dry-run (survey)": (["remind", "--as-of", "2017-05-25", "--dry-run", "--json"], 0),
    "ingest <unknown key>": (["ingest", "no_such_source", str(ROOT / "README.md")], 2),
    "remind (a flow)": (["remind", "--as-of", "2017-04-25", "--json"], 0),
}


def timed(env: dict[str, str], args: list[str], expected: int = 0) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, of the command and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([CANBAO, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expected:
        raise SystemExit(f"canbao {' '.join(args)} → {done.returncode}\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(env: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    figures = {}
    for name, (args, expected) in COMMANDS.items():
        runs = [timed(env, args, expected) for _ in range(repeat)]
        figures[name] = {
            "wall": round(statistics.median(w for w, _ in runs), 2),
            "cpu": round(statistics.median(c for _, c in runs), 2),
        }
    return figures


def keep_server(env: dict[str, str], settings: Settings) -> subprocess.Popen[bytes]:
    """`canbao web serve` on a free port, once its Prefect server answers."""
    web = subprocess.Popen(
        [CANBAO, "web", "serve", "--port", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while running_server(settings) is None:
        if web.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("canbao web serve did not start its Prefect server")
        time.sleep(0.5)
    return web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="canbao-latency-") as folder:
        data = Path(folder) / "var"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CANBAO_"))}
        env = {**clean, "CANBAO_DATA_DIR": str(data), "CANBAO_PREFECT_PORT": "0"}
        subprocess.run([CANBAO, "init"], env=env, check=True, capture_output=True)
        timed(env, COMMANDS["remind (a flow)"][0])  # sends the day's messages (to files) and warms the file cache
        without = measure(env, options.repeat)
        web = keep_server(env, Settings(data_dir=data))
        try:
            with_server = measure(env, options.repeat)
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=60)
    print(f"{'command':30} {'no server (wall/cpu s)':>24} {'server running (wall/cpu s)':>28}")
    for name in COMMANDS:
        a, b = without[name], with_server[name]
        print(f"{name:30} {a['wall']:>12.2f} /{a['cpu']:>6.2f} {b['wall']:>16.2f} /{b['cpu']:>6.2f}")
    load = os.getloadavg()[0]
    print(json.dumps({"without_server": without, "with_server": with_server, "load_average": round(load, 2)}))


if __name__ == "__main__":
    main()
