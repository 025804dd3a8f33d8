"""The run lock's rules without processes: taking, refusing, releasing by token, taking over a stale lock."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import create_schema, make_engine
from models.runlock import LockHeld, RunLock, acquire, held, release, run_lock


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _plant(engine: Engine, *, host: str, pid: int, since: datetime) -> None:
    with Session(engine) as session:
        session.add(RunLock(name="compare", token="old", host=host, pid=pid, command="canbao compare", since=since))
        session.commit()


def test_taken_released_and_taken_again(engine: Engine) -> None:
    with run_lock(engine, "compare"):
        assert [lock.name for lock in held(engine)] == ["compare"]
        with run_lock(engine, "outbox"):  # other flows are not blocked
            assert len(held(engine)) == 2
    assert held(engine) == []
    token = acquire(engine, "compare")
    release(engine, "compare", "someone-else")  # only the holder's token releases
    assert len(held(engine)) == 1
    release(engine, "compare", token)
    assert held(engine) == []


def test_a_live_holder_on_another_host_is_refused_with_who_and_since(engine: Engine) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    _plant(engine, host="other-host", pid=4242, since=since)
    with pytest.raises(LockHeld) as caught:
        acquire(engine, "compare")
    message = str(caught.value)
    assert "数据比对" in message and "other-host" in message and "4242" in message
    assert since.astimezone().strftime("%Y-%m-%d %H:%M") in message


def test_a_stale_lock_is_taken_over(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another host's lock older than the stale timeout.
    _plant(engine, host="other-host", pid=4242, since=datetime.now(UTC) - timedelta(hours=7))
    token = acquire(engine, "compare")
    (lock,) = held(engine)
    assert (lock.token, lock.host) == (token, socket.gethostname())
    release(engine, "compare", token)
    # This host's lock whose process is gone.
    _plant(engine, host=socket.gethostname(), pid=2**22 + 1, since=datetime.now(UTC))
    release(engine, "compare", acquire(engine, "compare"))
    # A shorter timeout from the environment.
    monkeypatch.setenv("CANBAO_LOCK_STALE_SECONDS", "60")
    _plant(engine, host="other-host", pid=4242, since=datetime.now(UTC) - timedelta(minutes=2))
    release(engine, "compare", acquire(engine, "compare"))


def test_every_lock_the_commands_take_has_a_chinese_name() -> None:
    import re
    from pathlib import Path

    from models.runlock import LOCK_NAMES

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in [*root.glob("flows/*.py"), *root.glob("canbao/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\.lock\(\"([a-z-]+)\"\)", text))
        used |= {f"training-{k}" for k in ("sessions", "attendance")} if 'lock(f"training-{kind}")' in text else set()
    assert used and used <= set(LOCK_NAMES), used - set(LOCK_NAMES)
