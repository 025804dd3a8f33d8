"""The database schema's version, kept by Alembic (models/migrations). `canbao init` calls `upgrade`.

- An empty database gets every table at once and is stamped with the newest revision.
- A database made before migrations existed (tables, no `alembic_version`) has the first revision's schema:
  it is stamped with that revision, then upgraded.
- Any other database is upgraded to the newest revision; its data stay.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import models.db  # noqa: F401  (registers every table on SQLModel.metadata)

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


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest revision; returns what was done, for the log."""
    with engine.begin() as connection:
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables:
            if "campaign" not in tables:
                SQLModel.metadata.create_all(connection)
                command.stamp(config, "head")
                return "created"
            command.stamp(config, BASELINE)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return "current" if before == after else f"upgraded {before} → {after}"


def _plain_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
