"""A person's audited changes (谁、何时、改前、改后), as the coordinator may see them: phones and ID numbers in the
values masked."""

from __future__ import annotations

from typing import Any

from models.survey.visits import person_changes
from tasks.identity.masking import mask_text
from tasks.workspace import Workspace


def masked_person_changes(ws: Workspace, id_number: str) -> list[dict[str, Any]]:
    """Each change to the person with this (valid, normalised) ID number, oldest first."""
    campaign_id, _campaign = ws.campaign()
    with ws.engine.connect() as connection:
        changes = person_changes(connection, campaign_id=campaign_id, id_number=id_number)
    return [
        {
            **c,
            "before": mask_text(str(c["before"])),
            "after": mask_text(str(c["after"])),
            "changed_at": str(c["changed_at"]),
        }
        for c in changes
    ]
