"""Insert rows, or update the stored row with the same unique key: one statement on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session, SQLModel


def upsert(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    updates: Sequence[str],
) -> None:
    """Insert `rows` of `model`'s table; a row whose `keys` are already stored updates that row's `updates`.

    The statement bypasses the ORM, so the session's loaded objects of `model` are expired: a later read in
    the same session sees the stored values."""
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    from sqlalchemy.dialects import postgresql, sqlite  # the PostgreSQL dialect only when writing: quick reads

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in updates}
    )
    session.execute(statement, list(rows))
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, model):
            session.expire(loaded)
