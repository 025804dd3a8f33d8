"""Value types that every floor passes around: a milestone's completion, a visit to record, the person
fields a visit may change. Plain frozen dataclasses and constants, no rule."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from models.campaign.spec import INSURANCES

# Fields of the person table a visit may change, in the order the audit trail lists them.
PERSON_FIELDS = ("name", "sex", "birth_date", "household_type", "address", "phone", "employer", "deceased",
                 *INSURANCES, "category", "survey_outcome", "surveyed_on")  # fmt: skip


@dataclass(frozen=True)
class CompletionFact:
    milestone: str
    owner: str
    done_on: date


@dataclass(frozen=True)
class VisitRecord:
    """A visit to record. `origin` tells where it came from (file, sheet, row; or the web worker)."""

    id_number: str
    township_code: str
    village_code: str
    outcome: str
    visited_on: date
    received_on: date
    channel: str
    visitor: str = ""
    origin: str = ""
    corrections: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        corrections = json.dumps(dict(sorted(self.corrections.items())), ensure_ascii=False)
        text = f"{self.id_number}|{self.outcome}|{self.visited_on.isoformat()}|{corrections}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def corrections_json(self) -> str:
        return json.dumps(dict(sorted(self.corrections.items())), ensure_ascii=False)
