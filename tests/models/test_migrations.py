"""Schema migrations (Alembic): a database made by the previous schema is upgraded by `canbao init` and keeps
its data; the migrations build exactly the tables the models describe."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from models.db import make_engine
from models.schema import BASELINE, alembic_config, current_revision, head_revision
from tests.cli_runner import invoke


def _previous_schema(url: str, *, stamped: bool) -> None:
    """The tables as the survey season's release made them, with some of its data."""
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), BASELINE)
        if not stamped:  # made by that release's `canbao init`, before migrations existed
            connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def _seed(env: dict[str, str]) -> None:
    engine = make_engine(env["CANBAO_DATABASE_URL"])
    with engine.begin() as connection:
        campaign_id = connection.execute(text("SELECT id FROM campaign")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO visit (campaign_id, key, id_number, township_code, village_code, outcome, visited_on,"
                " visitor, corrections, channel, origin, received_on, recorded_at) VALUES (:c, 'k1',"
                " '350524199001011234', '350524100', '350524100001', 'registered', :d, '张三', '{}', 'file', 'x', :d,"
                " :t)"
            ),
            {"c": campaign_id, "d": date(2017, 5, 3), "t": "2017-05-03 08:00:00"},
        )
    engine.dispose()


@pytest.mark.parametrize("stamped", [False, True], ids=["before-migrations", "stamped"])
def test_init_upgrades_a_database_of_the_previous_schema(env: dict[str, str], stamped: bool) -> None:
    url = env["CANBAO_DATABASE_URL"]
    _previous_schema(url, stamped=stamped)
    # The previous release loaded its campaign: `init` on these tables works as it did.
    engine = make_engine(url)
    assert current_revision(engine) == (BASELINE if stamped else None)
    engine.dispose()

    code, _out, err = invoke(env, "init")
    assert code == 0, err
    _seed(env)
    code, before, err = invoke(env, "status", "--as-of", "2017-05-05", "--json")
    assert code == 0, err
    code, _out, err = invoke(env, "milestone", "done", "350524100", "township_leading_group", "--on", "2017-03-01")
    assert code == 0, err

    code, _out, err = invoke(env, "init")  # upgrades (already at head: a no-op the second time)
    assert code == 0, err
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        visit = connection.execute(text("SELECT key, outcome, late FROM visit")).one()
        assert (visit[0], visit[1], bool(visit[2])) == ("k1", "registered", False)
        assert connection.execute(text("SELECT COUNT(*) FROM survey_cutoff")).scalar_one() == 0
    engine.dispose()
    code, after, err = invoke(env, "status", "--as-of", "2017-05-05", "--json")
    assert code == 0, err
    done = {(m["owner"], m["key"]): m["state"] for m in json.loads(after)["milestones"]}
    assert done[("350524100", "township_leading_group")] == "done_on_time"
    assert len(json.loads(after)["milestones"]) == len(json.loads(before)["milestones"])


def test_migrations_build_what_the_models_describe(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == [], "a model changed without a migration: add one under models/migrations/versions"


def test_a_new_database_is_created_at_the_newest_revision(env: dict[str, str], tmp_path: Path) -> None:
    code, _out, err = invoke(env, "init")
    assert code == 0, err
    engine = make_engine(env["CANBAO_DATABASE_URL"])
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_tables_of_no_known_revision_are_refused_and_left_as_they_were(env: dict[str, str]) -> None:
    url = env["CANBAO_DATABASE_URL"]
    _previous_schema(url, stamped=False)
    engine = make_engine(url)
    with engine.begin() as connection:  # half of the next revision, made by hand
        connection.execute(text("CREATE TABLE survey_cutoff (id INTEGER PRIMARY KEY)"))
    code, _out, err = invoke(env, "init")
    assert code == 2 and "无法升级" in err and "未做任何更改" in err
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "alembic_version" not in tables and "campaign" in tables
