"""Value types that every floor passes around: a milestone's completion, a visit to record, the person
fields a visit may change, and the township training's session and attendance rows. Plain frozen
dataclasses and constants, no rule."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from models.campaign.spec import INSURANCES

# Fields of the person table a visit may change, in the order the audit trail lists them.
PERSON_FIELDS = ("name", "sex", "birth_date", "household_type", "registered_address", "address", "phone", "employer",
                 "deceased", "moved_out", *INSURANCES, "category", "survey_outcome", "surveyed_on",
                 "registered_on")  # fmt: skip


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
    # What the person said: 未参保原因 and 参保意愿 (an intent code). Not part of the key: the same visit
    # returned again with a note added is still the same visit.
    reason: str = ""
    intent: str = ""
    confirmed_on: date | None = None  # a township confirmed the finding (查无此人) on this day
    card_number: str = ""  # the 入户调查证 the visit was made under; not part of the key either

    @cached_property
    def key(self) -> str:
        text = f"{self.id_number}|{self.outcome}|{self.visited_on.isoformat()}|{self.corrections_json()}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def corrections_json(self) -> str:
        if not self.corrections:
            return "{}"  # what json.dumps gives, for most visits without its cost
        return json.dumps(dict(sorted(self.corrections.items())), ensure_ascii=False)


# -- township training: rows read from files, and sessions and attendance as the standings see them ---------

CAMPAIGN_SOURCE = "campaign"  # the source of a session booked in the campaign file


@dataclass(frozen=True)
class SessionRow:
    """A training session read from a file: where it is (file, sheet, row) and what it books."""

    township_code: str
    held_on: date
    place: str
    trainer: str
    capacity: int
    file: str
    sheet: str
    row: int

    @property
    def key(self) -> tuple[str, date]:
        return self.township_code, self.held_on

    @property
    def values(self) -> tuple[str, str, int]:
        return self.place, self.trainer, self.capacity


@dataclass(frozen=True)
class AttendanceRow:
    """One person on a sign-in sheet read from a file. The phone is personal data: never logged."""

    township_code: str
    held_on: date
    name: str
    unit: str
    role: str
    phone: str
    attended: bool
    file: str
    sheet: str
    row: int
    issue: str = ""  # accepted, but to be checked (listed in the rejects workbook's 需核实 sheet)

    @property
    def key(self) -> tuple[str, date, str, str]:
        return self.township_code, self.held_on, self.name, self.unit

    @property
    def values(self) -> tuple[str, str, bool]:
        return self.role, self.phone, self.attended


@dataclass(frozen=True)
class Booking:
    """A session known to the campaign from `booked_on`."""

    township_code: str
    held_on: date
    place: str
    trainer: str
    capacity: int
    booked_on: date
    source: str = CAMPAIGN_SOURCE


@dataclass(frozen=True)
class Presence:
    """One person on one township's sign-in sheet for one day, known from `imported_on`."""

    township_code: str
    held_on: date
    name: str
    unit: str
    attended: bool
    imported_on: date
