"""What a data exchange reports as changed between two comparisons, table-driven."""

from __future__ import annotations

import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from tasks.analysis.exchange import by_township, changes

FENGCHENG = "350524100"
A, B, C = "350524198001010011", "350524198502020022", "350524199003030033"


def snap(*rows: tuple[str, dict[str, object]]) -> pd.DataFrame:
    records = []
    for id_number, fields in rows:
        record: dict[str, object] = {
            "id_number": id_number,
            "township_code": FENGCHENG,
            "village_code": FENGCHENG + "201",
            "deceased": False,
            **{i: "not_applicable" for i in INSURANCES},
        }
        record.update(fields)
        records.append(record)
    return pd.DataFrame(records)


BASE = {"pension": "insured", "medical": "missing"}
CASES = {
    "unchanged": ([(A, BASE)], [(A, BASE)], {}, []),
    "death": (
        [(A, BASE)],
        [(A, {"deceased": True})],
        {"deaths": 1},
        [],
    ),
    "enrolment": (
        [(A, BASE)],
        [(A, {**BASE, "medical": "insured"})],
        {"enrolments": 1},
        [("enrolments", "medical", "missing")],
    ),
    "enrolment_after_elsewhere": (
        [(A, {**BASE, "medical": "elsewhere"})],
        [(A, {**BASE, "medical": "insured"})],
        {"enrolments": 1},
        [("enrolments", "medical", "elsewhere")],
    ),
    "elsewhere_is_no_enrolment": ([(A, BASE)], [(A, {**BASE, "medical": "elsewhere"})], {}, []),
    "new_gap": (
        [(A, BASE)],
        [(A, {**BASE, "pension": "missing"})],
        {"new_gaps": 1},
        [("new_gaps", "pension", "insured")],
    ),
    "turned_sixteen": (
        [(A, {"medical": "insured"})],
        [(A, {"medical": "insured", "pension": "missing"})],
        {"new_gaps": 1},
        [("new_gaps", "pension", "not_applicable")],
    ),
    "enrolled_in_one_and_missing_another": (
        [(A, BASE)],
        [(A, {"pension": "missing", "medical": "insured"})],
        {"enrolments": 1, "new_gaps": 1},
        [("enrolments", "medical", "missing"), ("new_gaps", "pension", "insured")],
    ),
    "added_missing": ([(A, BASE)], [(A, BASE), (B, BASE)], {"added": 1, "new_gaps": 1}, [("new_gaps", "medical", "")]),
    "added_insured": ([(A, BASE)], [(A, BASE), (C, {"medical": "insured"})], {"added": 1}, []),
    "added_deceased": ([], [(A, {**BASE, "deceased": True})], {"added": 1}, []),
    "removed": ([(A, BASE), (B, BASE)], [(A, BASE)], {"removed": 1}, []),
    "still_missing": ([(A, BASE)], [(A, BASE)], {}, []),
    "already_dead": ([(A, {"deceased": True})], [(A, {"deceased": True})], {}, []),
    "other_scheme_then_enrolled": (
        [(A, {**BASE, "medical": "other_scheme"})],
        [(A, {**BASE, "medical": "insured"})],
        {"enrolments": 1},
        [("enrolments", "medical", "other_scheme")],
    ),
}
# Persons registered in a visit (A): their enrolments are also reported as 登记后已参保; B's are not.
REGISTERED_CASES = {
    "registered_then_enrolled": (
        [(A, BASE), (B, BASE)],
        [(A, {**BASE, "medical": "insured"}), (B, {**BASE, "medical": "insured"})],
        {"enrolments": 2, "registered_enrolled": 1},
        [
            ("enrolments", "medical", "missing"),
            ("enrolments", "medical", "missing"),
            ("registered_enrolled", "medical", "missing"),
        ],
    ),
    "registered_still_missing": ([(A, BASE)], [(A, BASE)], {}, []),
    "registered_and_dead": ([(A, BASE)], [(A, {"deceased": True})], {"deaths": 1}, []),
}
KINDS = ("deaths", "enrolments", "new_gaps", "added", "removed", "registered_enrolled")


@pytest.mark.parametrize("case", [*CASES, *REGISTERED_CASES])
def test_changes(case: str) -> None:
    before, after, expected, pairs = CASES.get(case) or REGISTERED_CASES[case]
    found = changes(snap(*before), snap(*after), registered={A} if case in REGISTERED_CASES else set())
    assert found.counts() == {k: expected.get(k, 0) for k in KINDS}
    listed = [
        (kind, row["insurance"], row["before"])
        for kind in ("enrolments", "new_gaps", "registered_enrolled")
        for row in getattr(found, kind).to_dict("records")
    ]
    if case == "registered_then_enrolled":
        assert found.registered_enrolled["id_number"].tolist() == [A]
    assert listed == pairs
    assert found.none == (not expected)


def test_changes_are_counted_per_township(campaign: Campaign) -> None:
    other = "350524101"
    before = snap((A, BASE), (B, {**BASE, "township_code": other}))
    after = snap((A, {"deceased": True}), (B, {"township_code": other, "pension": "insured", "medical": "insured"}))
    rows = {t["code"]: t for t in by_township(campaign, changes(before, after))}
    assert len(rows) == len(campaign.townships)
    assert (rows[FENGCHENG]["deaths"], rows[FENGCHENG]["enrolments"]) == (1, 0)
    assert (rows[other]["deaths"], rows[other]["enrolments"]) == (0, 1)
    assert sum(t["new_gaps"] for t in rows.values()) == 0
