"""The database schema's version, kept by Alembic (models/migrations). `canbao init` calls `upgrade`.

- An empty database gets every table at once and is stamped with the newest revision.
- A database made before migrations existed (tables, no `alembic_version`) has the first revision's schema
  (or already the newest one, which is then only stamped): it is stamped with that revision, then upgraded.
- Any other database is upgraded to the newest revision; its data stay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import SQLModel

import models.table_modules  # noqa: F401  (registers every table on SQLModel.metadata)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema of databases made before migrations existed


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_plain_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaUpgradeError(RuntimeError):
    """The upgrade failed (tables of no known revision, a locked database, …); nothing was changed."""


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest revision in one transaction; returns what was done, for the log."""
    if engine.dialect.name != "sqlite":
        return _upgrade(engine)
    # pysqlite opens transactions only before DML, so a failed migration would leave its DDL behind; this
    # engine lets SQLite itself transact every statement (SQLAlchemy's documented recipe).
    transactional = create_engine(engine.url)
    event.listen(transactional, "connect", _no_implicit_transactions)
    event.listen(transactional, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        return _upgrade(transactional)
    finally:
        transactional.dispose()


def _upgrade(engine: Engine) -> str:
    try:
        return _migrate(engine)
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).splitlines()[0]
        raise SchemaUpgradeError(
            f"数据库 {url} 无法升级到最新的表结构（{reason}）；数据库未做任何更改。"
            "若其中的表不是由已发布版本的 canbao 建立的，请换用新的数据库"
        ) from exc


def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA busy_timeout=30000")


def _migrate(engine: Engine) -> str:
    with engine.begin() as connection:
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables:
            if "campaign" not in tables:
                SQLModel.metadata.create_all(connection)
                command.stamp(config, "head")
                return "created"
            if not compare_metadata(MigrationContext.configure(connection), SQLModel.metadata):
                command.stamp(config, "head")  # already the newest schema, made without migrations
                return "stamped"
            command.stamp(config, BASELINE)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return "current" if before == after else f"upgraded {before} → {after}"


def _plain_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
