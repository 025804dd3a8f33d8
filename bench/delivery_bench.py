"""Benchmark: how long a message delivery takes through apprise, and how fast a dead receiver fails it.

    .venv/bin/python bench/delivery_bench.py [--repeat 5]

Against receivers on 127.0.0.1 (the tests' own, tests/receivers.py): a JSON webhook that answers, the same port
once nothing listens on it, an SMTP server that accepts, an SMTP port that refuses, and two mails in a row with
apprise's pacing turned off (throttle_seconds=0). The tests check what each delivery returns; the seconds they
take belong here (targets: a dead receiver fails within 2 s, a pair of unpaced mails within 3 s). Prints one
JSON object: the median and the slowest of `--repeat` runs per case, in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.messages.sending import MessageSender  # noqa: E402
from tests.receivers import OwnPortController, SmtpSink, refused_port, start_http_receiver  # noqa: E402

TITLE = "关于催办全民参保登记工作的提醒"
BODY = "请你镇（乡）于本周五前完成未参保人员的入户登记，并将进度报县社保中心。"


def _seconds(action: Callable[[], bool], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


def _config(folder: Path, name: str, url: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(f"county={url}\n", encoding="utf-8")
    return path


def _mailto(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=canbao@example.org&to=x@example.org&mode=insecure"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="canbao-delivery-bench-") as tmp:
        folder = Path(tmp)
        receiver = start_http_receiver()
        webhook = MessageSender(_config(folder, "webhook", f"json://127.0.0.1:{receiver.port}/hook"))
        figures["webhook_delivered"] = _seconds(lambda: webhook.send(["county"], TITLE, BODY).ok, args.repeat)
        receiver.stop()
        figures["webhook_gone_fails"] = _seconds(lambda: webhook.send(["county"], TITLE, BODY).ok, args.repeat)

        with refused_port() as port:
            down = _config(folder, "smtp-down", _mailto(port))
            # A fresh sender each time, as a run would have: one sender paces its mails 5.5 s apart.
            figures["smtp_down_fails"] = _seconds(
                lambda: MessageSender(down).send(["county"], TITLE, BODY).ok, args.repeat
            )

        controller = OwnPortController(SmtpSink(), hostname="127.0.0.1", port=0)
        controller.start()
        try:
            unpaced = MessageSender(_config(folder, "smtp", _mailto(controller.port)), throttle_seconds=0)
            figures["smtp_two_unpaced_mails"] = _seconds(
                lambda: unpaced.send(["county"], TITLE, BODY).ok and unpaced.send(["county"], TITLE, BODY).ok,
                args.repeat,
            )
        finally:
            controller.stop()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
