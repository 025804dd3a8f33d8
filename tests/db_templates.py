"""An initialised workspace's database for each test, copied from one initialised once per session.

`initialise` (what `canbao init` does) creates every table and loads the campaign file: 1-3 s on two shared cores,
once for each of several hundred tests. Here it runs once per session, database kind and campaign file; each test
gets a copy of the result in its own database:

- SQLite: the template file is copied into the test's file (SQLite's backup API, whole pages).
- PostgreSQL: the test's empty schema gets the DDL that `initialise` ran for the template (captured once), the
  template's rows (INSERT … SELECT, table by table) and its sequences' positions, and the same `alembic_version`.

Then the senders' configuration is written into the test's data folder, as `initialise` does. A test of
`canbao init` itself runs the command on an empty database as before; tests/test_db_templates.py holds a copy
against a database initialised the ordinary way (tables, columns, indexes, rows and the next id of each table).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_mock_engine, make_url
from sqlmodel import SQLModel

from models.campaign.spec import Campaign, load_campaign
from models.settings import Settings
from tasks.setup import ensure_delivery_config, initialise
from tasks.workspace import Workspace

SEARCH_PATH = "-csearch_path="


def search_path_schema(url: str) -> str | None:
    """The schema a PostgreSQL test URL puts first on the search path (conftest's database_url), if any."""
    for option in parse_qs(urlsplit(url).query).get("options", []):
        if option.startswith(SEARCH_PATH):
            return option[len(SEARCH_PATH) :].split(",")[0]
    return None


def _postgres_ddl() -> str:
    """The statements with which `initialise` creates every table on an empty PostgreSQL database."""
    statements: list[str] = []
    dialect = make_url("postgresql+psycopg://").get_dialect()()

    def collect(sql: Any, *_args: Any, **_kwargs: Any) -> None:
        statements.append(str(sql.compile(dialect=dialect)).strip())

    SQLModel.metadata.create_all(create_mock_engine("postgresql+psycopg://", collect), checkfirst=False)
    return ";\n".join(statements) + ";"


class Templates:
    """The session's initialised databases, by database kind and campaign file, made when first asked for."""

    def __init__(self, folder: Path, postgres_url: str) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        self._sqlite: dict[Path, Path] = {}
        self._postgres: dict[Path, str] = {}
        self._campaigns: dict[Path, Campaign] = {}
        self._ddl: str | None = None

    def campaign(self, path: Path) -> Campaign:
        if path not in self._campaigns:
            self._campaigns[path] = load_campaign(path)[0]
        return self._campaigns[path]

    def restore(self, settings: Settings) -> bool:
        """Give `settings`' empty database the initialised template's content and write the senders'
        configuration; False (nothing done) where the database is not one of the test fixtures' own."""
        url = settings.db_url
        backend = make_url(url).get_backend_name()
        if backend == "sqlite":
            done = self._restore_sqlite(settings)
        elif backend == "postgresql" and search_path_schema(url):
            done = self._restore_postgres(settings)
        else:
            done = False
        if done:
            settings.data_path.mkdir(parents=True, exist_ok=True)
            ensure_delivery_config(settings, self.campaign(settings.campaign))
        return done

    def _initialise(self, settings: Settings) -> None:
        ws = Workspace.open(settings)
        try:
            initialise(ws)
        finally:
            ws.close()

    def _restore_sqlite(self, settings: Settings) -> bool:
        target = Path(str(make_url(settings.db_url).database or ""))
        if not target.name or target.exists():
            return False
        campaign = settings.campaign
        if campaign not in self._sqlite:
            folder = self.folder / f"sqlite-{len(self._sqlite)}"
            self._initialise(
                Settings(data_dir=folder / "var", database_url=f"sqlite:///{folder / 'canbao.db'}", campaign=campaign)
            )
            self._sqlite[campaign] = folder / "canbao.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self._sqlite[campaign]) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        return True

    def _template_schema(self, campaign: Path) -> str:
        import psycopg

        if campaign not in self._postgres:
            schema = f"tpl_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            separator = "&" if "?" in self.postgres_url else "?"
            url = f"{self.postgres_url}{separator}options=-csearch_path%3D{schema}"
            self._initialise(Settings(data_dir=self.folder / schema, database_url=url, campaign=campaign))
            self._postgres[campaign] = schema
        return self._postgres[campaign]

    def _restore_postgres(self, settings: Settings) -> bool:
        import psycopg

        schema = search_path_schema(settings.db_url)
        assert schema is not None
        template = self._template_schema(settings.campaign)
        if self._ddl is None:
            self._ddl = _postgres_ddl()
        with psycopg.connect(self.postgres_url) as conn:
            if conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)).fetchone() != (0,):
                return False
            conn.execute(f'SET LOCAL search_path TO "{schema}"')
            conn.execute(self._ddl)
            conn.execute(f'CREATE TABLE "{schema}".alembic_version (LIKE "{template}".alembic_version INCLUDING ALL)')
            tables = ["alembic_version", *(t.name for t in SQLModel.metadata.sorted_tables)]
            conn.execute("".join(f'INSERT INTO "{schema}"."{t}" SELECT * FROM "{template}"."{t}";\n' for t in tables))
            sequences = conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s AND last_value IS NOT NULL",
                (template,),
            ).fetchall()
            for name, last_value in sequences:
                conn.execute("SELECT setval(%s, %s, true)", (f'"{schema}"."{name}"', last_value))
        return True

    def drop(self) -> None:
        """Remove the PostgreSQL template schemas (the SQLite ones go with the session's temporary folder)."""
        if not self._postgres:
            return
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            for schema in self._postgres.values():
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
