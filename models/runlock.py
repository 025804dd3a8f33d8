"""Run locks: one row per writing flow in the `run_lock` table, so two runs of it cannot both act.

Why a table row and not a Prefect concurrency limit: the command line runs its flows on a temporary Prefect
server that lives only as long as the command, so two commands have two servers and a limit kept in either
one cannot see the other. The database is the one thing every run shares (SQLite file or PostgreSQL), so the
lock lives there, whatever server or none runs the flow.

Taking the lock is one INSERT of the row named after the flow (its primary key), committed at once; no
transaction stays open while the flow works. A second run's INSERT violates the key, it reads the holder and
refuses with a message naming the host, the process and since when. Releasing deletes the row, but only
while it still carries this run's token.

A run that dies without releasing (SIGKILL, power cut) leaves its row behind. It is stale, and the next run
takes it over with an UPDATE conditioned on the old token (so of two runs racing for a stale lock only one
wins), when:

* the holder ran on this host and its process no longer exists; or
* the holder ran on another host and took the lock longer ago than ``CANBAO_LOCK_STALE_SECONDS``
  (default 6 hours: longer than any run; a process on another machine cannot be checked).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from models import faults

__all__ = ["LOCK_NAMES", "LockHeld", "RunLock", "acquire", "held", "release", "run_lock"]

logger = logging.getLogger(__name__)

DEFAULT_STALE_SECONDS = 6 * 3600

# What the lock of each writing flow is called in messages.
LOCK_NAMES = {
    "collect": "部门数据导入",
    "compare": "数据比对",
    "worklists": "入户调查名单生成",
    "survey-import": "入户调查结果导入",
    "outbox": "消息发送（催办提醒、通报）",
    "cutoff": "入户调查截止",
    "training-sessions": "培训场次导入",
    "training-attendance": "培训签到导入",
    "inspection-import": "督查抽查结果导入",
}


class RunLock(SQLModel, table=True):
    __tablename__ = "run_lock"

    name: str = Field(primary_key=True)
    token: str
    host: str
    pid: int
    command: str = ""
    since: datetime


class LockHeld(RuntimeError):
    """Another run holds the lock; the message (Chinese) names the holder and since when."""

    def __init__(self, holder: RunLock) -> None:
        self.holder = holder
        since = _aware(holder.since).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
        what = LOCK_NAMES.get(holder.name, holder.name)
        super().__init__(
            f"“{what}”正在由主机 {holder.host} 上的进程 {holder.pid} 运行（自 {since} 起），本次未执行。"
            f"请等它结束后再运行；若该进程已不存在，本机上的锁会自动失效，"
            f"其他主机上的锁在 {_stale_after() // 3600} 小时后失效。"
        )


def acquire(engine: Engine, name: str, *, now: datetime | None = None) -> str:
    """Take the lock `name` for this process and return its token; raise LockHeld if a live run has it."""
    token = uuid.uuid4().hex
    for _attempt in range(3):
        mine = RunLock(
            name=name, token=token, host=socket.gethostname(), pid=os.getpid(), command=_command(),
            since=now or datetime.now(UTC),
        )  # fmt: skip
        with Session(engine, expire_on_commit=False) as session:
            try:
                session.add(mine)
                session.commit()
                return token
            except IntegrityError:
                session.rollback()
            holder = session.get(RunLock, name)
            if holder is None:
                continue  # released in between: try again
            if not _stale(holder, now or datetime.now(UTC)):
                raise LockHeld(holder)
            taken = session.execute(
                update(RunLock)
                .where(RunLock.name == name, RunLock.token == holder.token)  # type: ignore[arg-type]
                .values(token=token, host=mine.host, pid=mine.pid, command=mine.command, since=mine.since)
            )
            session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                logger.warning("接管了失效的运行锁“%s”（原持有者：主机 %s 进程 %s）", name, holder.host, holder.pid)
                return token
    current = _current(engine, name)
    if current is None:  # pragma: no cover - released and retaken three times in a row
        raise RuntimeError(f"无法取得运行锁“{name}”")
    raise LockHeld(current)


def release(engine: Engine, name: str, token: str) -> None:
    with Session(engine) as session:
        session.execute(delete(RunLock).where(RunLock.name == name, RunLock.token == token))  # type: ignore[arg-type]
        session.commit()


def held(engine: Engine) -> list[RunLock]:
    """The locks held now (for a status display or a test)."""
    from sqlmodel import select

    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(RunLock)))


@contextmanager
def run_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` for the block; a second run raises LockHeld instead of entering it."""
    token = acquire(engine, name)
    try:
        faults.reached("lock.taken")
        yield
    finally:
        release(engine, name, token)


def _current(engine: Engine, name: str) -> RunLock | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(RunLock, name)


def _stale(holder: RunLock, now: datetime) -> bool:
    if holder.host == socket.gethostname():
        return not _alive(holder.pid)
    return now - _aware(holder.since) > timedelta(seconds=_stale_after())


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still has a pid, but runs nothing."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _stale_after() -> int:
    try:
        return int(os.environ.get("CANBAO_LOCK_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    except ValueError:
        return DEFAULT_STALE_SECONDS


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _command() -> str:
    return " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:500]
