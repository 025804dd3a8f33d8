"""Refused rows of returned work lists (退回), kept so that the townships, and villages that have a channel, are
reminded of the results still to be corrected and sent again (tasks.messages.survey_reminders).

Only rows whose person is on a village's list are kept: the list tells which village must correct the row. A
row refused for an ID that is on no list, or cannot be read, has no village to remind; it is in the rejects
workbook like every refused row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date

import pandas as pd

from models.survey.refused import Refusal, outstanding_refusals, record_refusals
from tasks.identity.idnumber import normalise_id
from tasks.workspace import Workspace

# The cells that make a refused row what it is: the same content returned again is the same refusal.
_CONTENT = ("id_number", "outcome", "corrections", "visitor", "visited_on", "reason")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def refusals_of(rejected: pd.DataFrame, listed: Mapping[str, tuple[str, str]]) -> list[Refusal]:
    """The refused rows of listed persons, with their township and village. Pure.

    `rejected`: the rows sent back (file, sheet, row, reason and the cells); `listed`: ID → (township, village)."""
    refusals = []
    for record in rejected.to_dict("records"):
        id_number = normalise_id(record.get("id_number"))
        place = listed.get(id_number)
        if place is None:
            continue
        content = "\x1f".join(id_number if name == "id_number" else _text(record.get(name)) for name in _CONTENT)
        fingerprint = hashlib.sha256(content.encode("utf-8")).hexdigest()
        refusals.append(Refusal(fingerprint, id_number, place[0], place[1], _text(record.get("reason"))))
    return refusals


def keep_refusals(
    ws: Workspace, rejected: pd.DataFrame, listed: Mapping[str, tuple[str, str]], received_on: date
) -> int:
    """Store the refused rows of listed persons; returns how many were not stored before."""
    refusals = refusals_of(rejected, listed)
    if not refusals:
        return 0
    campaign_id, _campaign = ws.campaign()
    with ws.engine.begin() as connection:
        return record_refusals(connection, campaign_id=campaign_id, refusals=refusals, received_on=received_on)


def refusals_outstanding(ws: Workspace, campaign_id: int, as_of: date) -> pd.DataFrame:
    """Per village, the persons whose refused row has not been followed by a result (township_code,
    village_code, refused)."""
    with ws.engine.connect() as connection:
        return outstanding_refusals(connection, campaign_id=campaign_id, as_of=as_of)
