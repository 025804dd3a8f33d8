"""Files the simulated county sends in during a replay: the departments' later deliveries for the data exchange
and the townships' returned paper work lists."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from models.campaign.spec import Campaign
from tasks.simulation.survey import SimulatedVisit

EMPLOYER_SUFFIX = "商贸有限公司"  # a new work-injury enrolment's employer: "<county name>商贸有限公司"


ENROLLED_AFTER_REGISTRATION = 0.4  # of the registered still missing a resident scheme, enrolled by August


def later_deliveries(
    campaign: Campaign, persons: pd.DataFrame, county: Path, inbox: Path, seed: int, day: date
) -> Path:
    """What the departments send later, beside their earlier files in `county`: the cremation list with a few
    new deaths, the work-injury list with a few new enrolments (persons the comparison found without it), and
    the resident pension and medical lists with the enrolments of part of the persons village workers
    registered (the data exchange reports them as 登记后已参保). `persons` is the registration database."""
    employer = f"{campaign.county.name}{EMPLOYER_SUFFIX}"
    living = persons[persons["category"] != "deceased"]
    missing = living[living["injury"] == "missing"].sample(n=min(12, int((living["injury"] == "missing").sum())),
                                                          random_state=seed)  # fmt: skip
    others = living[~living["id_number"].isin(missing["id_number"])]
    dying = others.sample(n=min(5, len(others)), random_state=seed + 1)
    added = {
        "cremation": ("身份证号,姓名,火化日期", [f"{p.id_number},{p.name},{day - timedelta(days=20 - n)}"
                                            for n, p in enumerate(dying.itertuples())]),
        "injury": ("身份证号,姓名,单位名称", [f"{p.id_number},{p.name},{employer}" for p in missing.itertuples()]),
    }  # fmt: skip
    registered = living[living["registered_on"].notna()] if "registered_on" in living else living.iloc[0:0]
    for source, insurance in (("pension_resident", "pension"), ("medical_resident", "medical")):
        waiting = registered[registered[insurance] == "missing"]
        enrolled = waiting.sample(frac=ENROLLED_AFTER_REGISTRATION, random_state=seed + 2)
        if (county / source).is_dir():
            added[source] = ("身份证号,姓名,性别", [f"{p.id_number},{p.name},{p.sex}" for p in enrolled.itertuples()])
    for source, (header, rows) in added.items():
        shutil.copytree(county / source, inbox / source, dirs_exist_ok=True)
        (inbox / source / f"{day.year}年{day.month}月新增.csv").write_text(
            "\n".join([header, *rows]) + "\n", encoding="utf-8"
        )
    return inbox


def write_returned_lists(campaign: Campaign, visits: list[SimulatedVisit], folder: Path) -> list[Path]:
    """One CSV per township of the week's paper lists, headed as the published work lists are."""
    names = {code: o.name for code, o in campaign.survey.outcomes.items()}
    labels = {key: c.label for key, c in campaign.survey.corrections.items()}
    intents = {code: i.name for code, i in campaign.survey.intents.items()}
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    by_township: dict[str, list[SimulatedVisit]] = {}
    for visit in visits:
        by_township.setdefault(visit.township_code, []).append(visit)
    for township, items in sorted(by_township.items()):
        rows = [
            {
                "身份证号": v.id_number,
                "走访结果": names[v.outcome],
                "未参保原因": v.reason,
                "参保意愿": intents.get(v.intent, ""),
                "更正信息": "；".join(f"{labels[k]}：{value}" for k, value in v.corrections.items()),
                "走访人": v.visitor,
                "走访日期": v.visited_on.isoformat(),
            }
            for v in items
        ]
        path = folder / f"{township}-入户调查名单-回收.csv"
        pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
        files.append(path)
    return files
