"""Test-only fault injection: end this process abruptly at a named point inside the work.

Nothing happens unless the environment asks for it, so production runs pay one dictionary lookup per point.

* ``CANBAO_FAULT_AT=<point>`` -- when ``reached(<point>)`` is called, the process kills itself with SIGKILL
  (no cleanup, no ``finally``, no flushing: what a power cut or the OOM killer does). ``<point>#<n>`` waits
  for the n-th time the point is reached (``send.after#2``: after the second message).
* ``CANBAO_FAULT_AFTER=<seconds>`` -- ``arm()`` starts a timer that kills the process after that delay,
  wherever it is (the random-delay variant of the tests).
* ``CANBAO_PAUSE_AT=<point>`` with ``CANBAO_PAUSE_DIR=<folder>`` -- at the point the process writes
  ``<folder>/reached`` and waits (at most 60 s) until ``<folder>/release`` exists: lets a test start a second
  run while the first is known to be inside its work.

Points used by the code (``grep -rn "faults.reached" .``):

``snapshot.written``   ingest: the Parquet snapshot is on disk, its database row not yet committed
``compare.stored``     compare: the persons are written, the transaction not yet committed
``survey.recorded``    survey import: visits written, the transaction (milestones, audit) not yet committed
``send.after``         dispatch: a message has been handed to apprise, its outbox row not yet marked sent
``send.marked``        dispatch: a message's outbox row has been committed as sent
``lock.taken``         a writing flow holds its run lock
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

__all__ = ["arm", "reached"]

_counts: dict[str, int] = {}


def reached(point: str) -> None:
    """Call at a named point of the critical work; ends or pauses the process only when asked to."""
    target = os.environ.get("CANBAO_FAULT_AT")
    if target:
        name, _, nth = target.partition("#")
        if name == point:
            _counts[point] = _counts.get(point, 0) + 1
            if _counts[point] >= int(nth or 1):
                os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("CANBAO_PAUSE_AT") == point:
        _pause(Path(os.environ.get("CANBAO_PAUSE_DIR", ".")))


def arm() -> None:
    """Start the random-delay killer when ``CANBAO_FAULT_AFTER`` is set (call once, early in the command)."""
    delay = os.environ.get("CANBAO_FAULT_AFTER")
    if not delay:
        return
    timer = threading.Timer(float(delay), os.kill, args=(os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()


def _pause(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reached").write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
