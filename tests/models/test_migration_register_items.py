"""Revision 0003_register_items on a database with data: persons gain the register's two addresses and the
graduates' flags (empty until the next comparison), and the figures stored with earlier comparisons no longer
count 户籍外参保 among the anomalies."""

from __future__ import annotations

import json
from datetime import date

from alembic import command
from sqlalchemy import text

from models.db import make_engine
from models.schema import alembic_config, head_revision, upgrade

OLD_SUMMARY = {
    "as_of": "2017-04-30",
    "persons": 1,
    "anomalies": {"duplicate_enrolment": 2, "deceased_enrolled": 0, "inconsistent_identity": 1, "outside_register": 7},
}
PERSON = {
    "id": 1, "campaign_id": 1, "id_number": "350524198001010011", "name": "张三", "sex": "男",
    "birth_date": date(1980, 1, 1), "age": 37, "township_code": "350524100", "village_code": "350524100201",
    "household": "1", "household_type": "农业", "address": "福建省安溪县凤城镇大同村12号", "phone": "",
    "deceased": False, "student": False, "employed": False, "employer": "", "pension": "missing",
    "medical": "insured", "injury": "not_applicable", "maternity": "not_applicable", "unemployment": "not_applicable",
    "category": "partial", "employment_status": "", "subsidised": "", "anomalies": "", "compare_run_id": 1,
}  # fmt: skip


def _at_0002(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        connection.execute(
            text(
                "INSERT INTO campaign (id, key, name, spec, digest, loaded_at) "
                "VALUES (1, 'anxi-2017', '安溪', '{}', 'x', '2017-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO compare_run (id, campaign_id, as_of, snapshots, summary, created_at) "
                "VALUES (1, 1, :d, '{}', :s, '2017-04-30 00:00:00')"
            ),
            {"d": date(2017, 4, 30), "s": json.dumps(OLD_SUMMARY, ensure_ascii=False)},
        )
        columns = ", ".join(PERSON)
        connection.execute(text(f"INSERT INTO person ({columns}) VALUES (:{', :'.join(PERSON)})"), PERSON)
        connection.execute(
            text(
                "INSERT INTO anomaly (campaign_id, compare_run_id, id_number, kind, sources, evidence) "
                "VALUES (1, 1, '350111199001010012', 'outside_register', 'pension_resident', '不在户籍名单中')"
            )
        )
    engine.dispose()


def test_an_existing_database_is_upgraded_and_keeps_its_data(database_url: str) -> None:
    _at_0002(database_url)
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        person = connection.execute(
            text("SELECT address, registered_address, graduate, employee_enrolled, category FROM person")
        ).one()
        summary = json.loads(connection.execute(text("SELECT summary FROM compare_run")).scalar_one())
        kinds = connection.execute(text("SELECT kind FROM anomaly")).scalars().all()
    assert revision == head_revision()
    assert (person[0], person[1], bool(person[2]), bool(person[3]), person[4]) == (
        PERSON["address"], "", False, False, "partial",
    )  # fmt: skip
    assert summary["anomalies"] == {"duplicate_enrolment": 2, "deceased_enrolled": 0, "inconsistent_identity": 1}
    assert summary["outside_register"] == 7
    assert kinds == ["outside_register"]  # the rows stay, as information

    with engine.begin() as connection:  # and back: the previous release reads its own shape again
        command.downgrade(alembic_config(connection), "0002")
        summary = json.loads(connection.execute(text("SELECT summary FROM compare_run")).scalar_one())
    assert summary == OLD_SUMMARY
    engine.dispose()
