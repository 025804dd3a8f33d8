"""Alembic's environment: the tables registered on SQLModel.metadata, on the connection canbao passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import models.db  # noqa: F401  (registers every table on SQLModel.metadata)


def _run(connection: Connection) -> None:
    # Batch mode: SQLite can only add columns in place; anything else is a table copy.
    context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True,
                      compare_type=True)  # fmt: skip
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from models.db import make_engine

    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


run()
