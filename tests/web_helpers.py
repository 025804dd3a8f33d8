"""A small county for the village workers' page: persons and work-list entries written straight into the tables.

Two villages of 凤城镇 (A: 新安社区, B: 大同社区) with listed persons, and 蓬莱镇 with one village and one listed
person, so that visiting that person completes the township's survey milestones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from models.survey.worker import issue_token
from models.tables import Person, Visit, WorklistEntry
from tasks.identity.idnumber import check_char
from tasks.workspace import Workspace

TOWNSHIP = "350524100"
VILLAGE_A = "350524100001"  # 新安社区
VILLAGE_B = "350524100002"  # 大同社区
LONE_TOWNSHIP = "350524101"  # 蓬莱镇: one listed person only
LONE_VILLAGE = "350524101001"
TODAY = date(2017, 5, 22)
LISTED_ON = date(2017, 4, 30)


def anxi_id(born: str, sequence: int) -> str:
    first17 = f"350524{born}{sequence:03d}"
    return first17 + check_char(first17)


@dataclass(frozen=True)
class Resident:
    id_number: str
    name: str
    sex: str
    birth: date
    village: str
    household: str
    phone: str
    category: str = "uninsured"


RESIDENTS = [
    Resident(anxi_id("19800101", 11), "陈一鸣", "男", date(1980, 1, 1), VILLAGE_A, "0001001", "13812345678"),
    Resident(anxi_id("19850315", 22), "林秀英", "女", date(1985, 3, 15), VILLAGE_A, "0001001", "13912345678"),
    Resident(anxi_id("19620707", 33), "王建国", "男", date(1962, 7, 7), VILLAGE_A, "0001002", "", "partial"),
    Resident(anxi_id("19900909", 44), "黄美玲", "女", date(1990, 9, 9), VILLAGE_B, "0002001", "13712345678"),
    Resident(anxi_id("19701111", 55), "苏志强", "男", date(1970, 11, 11), LONE_VILLAGE, "0101001", "13612345678"),
]


def person_row(campaign_id: int, r: Resident) -> Person:
    partial = r.category == "partial"
    return Person(
        campaign_id=campaign_id,
        id_number=r.id_number,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth,
        age=2017 - r.birth.year,
        township_code=r.village[:9],
        village_code=r.village,
        household=r.household,
        household_type="农业",
        address=f"安溪县{r.village[-3:]}号",
        phone=r.phone,
        pension="missing",
        medical="insured" if partial else "missing",
        injury="not_applicable",
        maternity="not_applicable",
        unemployment="not_applicable",
        category=r.category,
        compare_run_id=1,
    )


def seed(ws: Workspace) -> dict[str, int]:
    """Persons and their work-list entries; returns entry id by resident name."""
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        entries: dict[str, WorklistEntry] = {}
        for r in RESIDENTS:
            session.add(person_row(campaign_id, r))
            entry = WorklistEntry(
                campaign_id=campaign_id,
                id_number=r.id_number,
                township_code=r.village[:9],
                village_code=r.village,
                reasons="未参保" if r.category == "uninsured" else "未参全",
                listed_on=LISTED_ON,
            )
            session.add(entry)
            entries[r.name] = entry
        session.flush()
        return {name: int(e.id or 0) for name, e in entries.items()}


def token_for(ws: Workspace, village: str, worker: str = "张晓红") -> tuple[str, int]:
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        token, row = issue_token(session, campaign_id=campaign_id, village_code=village, worker=worker)
        return token, int(row.id or 0)


def visits(ws: Workspace) -> list[Visit]:
    with ws.session() as session:
        return list(session.exec(select(Visit)).all())


def person(ws: Workspace, name: str) -> Person:
    with ws.session() as session:
        return session.exec(select(Person).where(Person.name == name)).one()
