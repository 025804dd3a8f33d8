"""The initialised copy that the `workspace` fixture hands each test (tests/db_templates.py) is what `initialise`
makes on an empty database: the same tables, columns, indexes and constraints, the same rows, the same schema
revision, and the next row of each table gets the same id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlmodel import SQLModel

from models.settings import Settings
from tasks.setup import initialise
from tasks.workspace import Workspace
from tests.db_templates import Templates
from tests.services import fresh_postgres_schema


def _schema(engine: Engine) -> dict[str, Any]:
    found = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
            sorted((f["referred_table"], tuple(f["constrained_columns"])) for f in found.get_foreign_keys(table)),
            found.get_pk_constraint(table)["constrained_columns"],
            sorted(str(u["column_names"]) for u in found.get_unique_constraints(table)),
        )
        for table in sorted(found.get_table_names())
    }


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        rows = {"alembic_version": sorted(connection.execute(text("SELECT * FROM alembic_version")).all())}
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in ("loaded_at",)]  # a clock reading
            rows[table.name] = sorted(connection.execute(select(*columns)).all(), key=repr)
    return rows


def _sequences(engine: Engine) -> dict[str, int | None]:
    """Where each PostgreSQL sequence stands: the id the next row of its table gets (SQLite: max(rowid) + 1,
    which the rows decide)."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as connection:
        query = text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
        return {str(name): value for name, value in connection.execute(query).all()}


def _state(engine: Engine) -> tuple[Any, ...]:
    return _schema(engine), _rows(engine), _sequences(engine)


@contextmanager
def _another_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind: a SQLite file, or another schema of the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


def test_the_copy_is_what_initialise_makes(database_url: str, tmp_path: Path, database_templates: Templates) -> None:
    with _another_database(database_url, tmp_path) as fresh_url:
        fresh = Settings(data_dir=tmp_path / "fresh", database_url=fresh_url, apprise_config=None)
        ws = Workspace.open(fresh)
        try:
            initialise(ws)
            expected = _state(ws.engine)
        finally:
            ws.close()
    apprise = fresh.apprise_path.read_text(encoding="utf-8")

    copied = Settings(data_dir=tmp_path / "var", database_url=database_url, apprise_config=None)
    assert database_templates.restore(copied)
    ws = Workspace.open(copied)
    try:
        assert _state(ws.engine) == expected
        assert ws.campaign()[1].key == expected[1]["campaign"][0][1]
        with ws.engine.connect() as connection:
            assert not compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        ws.close()
    assert copied.apprise_path.read_text(encoding="utf-8") == apprise.replace(
        str(fresh.data_path), str(copied.data_path)
    )
    assert not database_templates.restore(copied)  # a database that is not empty is left alone
