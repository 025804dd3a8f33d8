"""Where log lines go while a command runs: the console is canbao's own (Chinese progress and results, on the
consoles of canbao.cli.common); Prefect's and the libraries' log records go to the log file under the data folder
(`<data>/logs/canbao.log`), and to standard error as well with `canbao --verbose`.

Set up before anything logs, by the root command. Once Prefect is imported it configures its loggers from
flows/command_logging.yml, which sends them to the same file (flows.runtime.route_prefect_logs); it leaves the
root logger set up here alone.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

_state = {"verbose": False}

LINE_FORMAT = "%(asctime)s.%(msecs)03d | %(process)d | %(levelname)-7s | %(name)s - %(message)s"


def verbose() -> bool:
    """Whether this command was asked to show the log lines on the console (`--verbose`)."""
    return _state["verbose"]


class LogLineFormatter(logging.Formatter):
    """One line per record, with the flow or task run it came from (Prefect adds their names to its records)."""

    def __init__(self) -> None:
        super().__init__(LINE_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        run = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None)
        if run:
            kind = "Task run" if getattr(record, "task_run_name", None) else "Flow run"
            record = logging.makeLogRecord({**record.__dict__, "name": f"{kind} {run!r}"})
        return super().format(record)


class CommandLogFile(logging.handlers.WatchedFileHandler):
    """The log file of a command (appended to by every canbao process; reopened when logrotate moves it)."""


class VerboseConsole(logging.StreamHandler):
    """The log lines on standard error, for `--verbose`."""


class QuietWithoutFile(logging.NullHandler):
    """Where the log lines go when the settings (and so the data folder) cannot be read."""


def set_up(log_path: Path | None, show: bool) -> None:
    """Route the root logger (and Python's warnings) to the log file, and to standard error when `show`.
    A previous command's handlers (several run in one process in the tests) are replaced."""
    _state["verbose"] = show
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, CommandLogFile | VerboseConsole | QuietWithoutFile)]:
        root.removeHandler(handler)
        handler.close()
    formatter = LogLineFormatter()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = CommandLogFile(log_path, encoding="utf-8", delay=True)
        file_handler.setFormatter(formatter)
        root.addHandler(file_handler)
    else:
        root.addHandler(QuietWithoutFile())  # not Python's last resort, which prints warnings on standard error
    if show:
        console = VerboseConsole(sys.stderr)
        console.setFormatter(formatter)
        root.addHandler(console)
    logging.captureWarnings(True)  # a library's warning is a log line too
