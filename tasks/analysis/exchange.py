"""Periodic data exchange (数据交换, 四（四）): what changed in the registration database between two
comparisons. Pure.

Every comparison keeps a compact snapshot of each registered person's statuses (`STATUS_COLUMNS`, after the
recorded visits are applied). `changes(before, after)` compares two snapshots:

* 新增死亡 deaths: a person in both whose `deceased` went from false to true (a new person who is already
  deceased is only `added`);
* 新增参保 enrolments: (person, insurance) pairs that went from `missing` or `elsewhere` to `insured`;
* 新增应保未保 new gaps: (person, insurance) pairs of a living person that went to `missing` from anything
  else (dropped from an enrolment list, turned 16, newly employed…), and every `missing` insurance of a living
  person new to the register;
* 新增户籍人员 added / 减少户籍人员 removed: ID numbers only in `after` / only in `before`;
* 登记后已参保 registered then enrolled: the enrolments of persons a village worker had registered in a visit
  (`registered`): a registration is not an enrolment, and this is the department's list confirming it.

A person can appear in several kinds at once (enrolled in one insurance, newly missing another). Counts of
enrolments and new gaps are (person, insurance) pairs; the others are persons. Each change is placed in the
person's township as the later snapshot has it (the earlier one for removed persons).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields

import pandas as pd

from models.campaign.spec import INSURANCES, Campaign

STATUS_COLUMNS = ("id_number", "township_code", "village_code", "deceased", *INSURANCES)
KINDS = ("deaths", "enrolments", "new_gaps", "added", "removed", "registered_enrolled")
PAIR_KINDS = ("enrolments", "new_gaps", "registered_enrolled")  # counted in (person, insurance) pairs
KIND_NAMES = {
    "deaths": "新增死亡",
    "enrolments": "新增参保",
    "new_gaps": "新增应保未保",
    "added": "新增户籍人员",
    "removed": "减少户籍人员",
    "registered_enrolled": "登记后已参保",
}
STATUS_NAMES = {
    "insured": "已参保",
    "missing": "应保未保",
    "elsewhere": "外地参保",
    "other_scheme": "机关事业单位参保",
    "not_applicable": "不适用",
    "": "（新增人员）",
}
PERSON_KEYS = ["id_number", "township_code", "village_code"]
STATUS_VALUES = ["insured", "missing", "elsewhere", "other_scheme", "not_applicable", ""]
PAIR_COLUMNS = [*PERSON_KEYS, "insurance", "before", "after"]


@dataclass(frozen=True)
class Changes:
    deaths: pd.DataFrame  # PERSON_KEYS
    enrolments: pd.DataFrame  # PAIR_COLUMNS
    new_gaps: pd.DataFrame  # PAIR_COLUMNS
    added: pd.DataFrame  # PERSON_KEYS
    removed: pd.DataFrame  # PERSON_KEYS
    registered_enrolled: pd.DataFrame  # PAIR_COLUMNS: the enrolments of persons registered in a visit

    def counts(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}

    @property
    def none(self) -> bool:
        return not any(self.counts().values())

    @classmethod
    def empty(cls) -> Changes:
        persons = pd.DataFrame(columns=PERSON_KEYS)
        pairs = pd.DataFrame(columns=PAIR_COLUMNS)
        return cls(persons, pairs, pairs.copy(), persons.copy(), persons.copy(), pairs.copy())


def status_snapshot(persons: pd.DataFrame) -> pd.DataFrame:
    """The compact per-person snapshot kept for each comparison: statuses as categoricals, boolean `deceased`.
    ID numbers are unique in a comparison's persons (one row per registered person)."""
    frame = pd.DataFrame(index=persons.index)
    for column in STATUS_COLUMNS:
        if column == "deceased":
            frame[column] = persons[column].fillna(False).astype(bool) if column in persons else False
        elif column in INSURANCES:
            values = persons[column] if column in persons else pd.Series("", index=persons.index)
            frame[column] = _statuses(values)
        else:
            frame[column] = _texts(persons[column]) if column in persons else ""
    return frame.reset_index(drop=True)


def _statuses(values: pd.Series) -> pd.Series | pd.Categorical:
    """A status column as a categorical of STATUS_VALUES ("" where missing). The comparison's categoricals are
    recoded by their few categories, not value by value (a county's persons: milliseconds instead of a second)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and set(values.cat.categories) <= set(STATUS_VALUES):
        return values.cat.set_categories(STATUS_VALUES).fillna("")
    return pd.Categorical(values.astype(object).fillna(""), categories=STATUS_VALUES)


def _texts(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("")
    return values.astype(object).fillna("").astype(str)


def changes(before: pd.DataFrame, after: pd.DataFrame, registered: Collection[str] = ()) -> Changes:
    """What changed from snapshot `before` to snapshot `after`; `registered`: the ID numbers registered in a
    visit. See the module's docstring."""
    before = status_snapshot(before)
    after = status_snapshot(after)
    merged = after.merge(before, on="id_number", how="outer", suffixes=("", "_before"), indicator=True)
    for column in ("deceased", "deceased_before"):  # absent on one side of the outer join: not deceased there
        merged[column] = merged[column].astype(object).fillna(False).astype(bool)
    both = merged[merged["_merge"] == "both"]
    new = merged[merged["_merge"] == "left_only"]
    gone = merged[merged["_merge"] == "right_only"]

    deaths = both[both["deceased"] & ~both["deceased_before"]]
    enrolments = []
    gaps = []
    living = both[~both["deceased"]]
    for insurance in INSURANCES:
        was, now = living[f"{insurance}_before"], living[insurance]
        enrolled = living[was.isin(["missing", "elsewhere", "other_scheme"]) & now.eq("insured")]
        enrolments.append(_pairs(enrolled, insurance, enrolled[f"{insurance}_before"]))
        missing = living[now.eq("missing") & was.ne("missing")]
        gaps.append(_pairs(missing, insurance, missing[f"{insurance}_before"]))
        fresh = new[~new["deceased"] & new[insurance].eq("missing")]
        gaps.append(_pairs(fresh, insurance, pd.Series("", index=fresh.index)))
    removed = gone[["id_number", "township_code_before", "village_code_before"]].rename(
        columns={"township_code_before": "township_code", "village_code_before": "village_code"}
    )
    enrolled_pairs = _concat(enrolments)
    wanted = set(registered)
    return Changes(
        deaths=_persons(deaths),
        enrolments=enrolled_pairs,
        new_gaps=_concat(gaps),
        added=_persons(new),
        removed=_persons(removed),
        registered_enrolled=enrolled_pairs[enrolled_pairs["id_number"].isin(wanted)].reset_index(drop=True),
    )


def _persons(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[PERSON_KEYS].sort_values("id_number", ignore_index=True).astype(str)


def _pairs(frame: pd.DataFrame, insurance: str, before: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_number": frame["id_number"].astype(str),
            "township_code": frame["township_code"].astype(str),
            "village_code": frame["village_code"].astype(str),
            "insurance": insurance,
            "before": before.astype(str),
            "after": frame[insurance].astype(str),
        },
        columns=PAIR_COLUMNS,
    )


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["id_number", "insurance"], ignore_index=True)


def by_township(campaign: Campaign, found: Changes) -> list[dict[str, object]]:
    """Per township of the campaign (in its order): how many of each kind of change."""
    counted = {kind: getattr(found, kind)["township_code"].astype(str).value_counts() for kind in KINDS}
    return [
        {"code": t.code, "name": t.name, **{kind: int(counted[kind].get(t.code, 0)) for kind in KINDS}}
        for t in campaign.townships
    ]
