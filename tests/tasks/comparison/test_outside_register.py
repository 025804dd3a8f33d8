"""户籍外参保 in the comparison's figures: a top-level count with its lists and insurances, held against sets
computed from the lists, and never among the anomalies or a person's anomaly flags."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from tasks.comparison.compare import (
    ANOMALIES,
    Rules,
    combine_summaries,
    compare,
    compare_partition,
    partition,
    summarise,
    with_keys,
)
from tests.ingest_files import make_id

AS_OF = date(2017, 4, 30)
LISTS = ("pension_employee", "pension_resident", "medical_resident", "medical_employee", "injury", "employment")


@pytest.mark.parametrize("seed", [11, 12])
def test_outside_register_is_counted_apart_from_the_anomalies(campaign: Campaign, seed: int) -> None:
    rng = np.random.default_rng(seed)
    local = list(dict.fromkeys(make_id(date(1960 + k % 40, 1 + k % 12, 1 + k % 28), k % 997) for k in range(400)))
    outsiders = list(dict.fromkeys(make_id(date(1970 + k % 30, 1, 1 + k % 28), k % 997, "350111") for k in range(80)))
    village = campaign.townships[0].villages[0]
    lists: dict[str, pd.DataFrame] = {
        "household": pd.DataFrame(
            {"id_number": local, "name": "某", "township_code": village.code[:9], "village_code": village.code}
        )
    }
    for key in LISTS:
        chosen = [i for i in local + outsiders if rng.random() < 0.3]
        lists[key] = pd.DataFrame({"id_number": chosen, "name": "某", "employer": "某厂"})
    rules = Rules.of(campaign)
    whole = compare(lists, rules, AS_OF)
    summary = summarise(whole, campaign, AS_OF)

    registered = set(local)
    on = {key: set(lists[key]["id_number"]) - registered for key in LISTS}
    everyone = set().union(*on.values())
    assert summary["outside_register"] == len(everyone) > 0
    by_source = summary["outside_register_by_source"]
    assert isinstance(by_source, dict)
    assert {k: v for k, v in by_source.items() if k in LISTS} == {k: len(v) for k, v in on.items()}
    assert all(v == 0 for k, v in by_source.items() if k not in LISTS)
    assert campaign.comparison is not None
    by_insurance = {
        i: len(set().union(*(on.get(s, set()) for s in campaign.comparison.insurances[i].covered_by)))
        for i in INSURANCES
    }
    assert summary["outside_register_by_insurance"] == by_insurance

    assert list(summary["anomalies"]) == list(ANOMALIES)  # type: ignore[arg-type]
    assert "outside_register" not in ANOMALIES
    assert not whole.persons["anomalies"].astype(str).str.contains("outside_register").any()

    # Compared in partitions, the parts' figures add up to the whole's.
    parts = [compare_partition(part, rules, AS_OF) for part in partition(with_keys(lists), 3)]
    assert combine_summaries([summarise(p, campaign, AS_OF) for p in parts]) == summary
