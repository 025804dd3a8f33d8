"""The campaign's organisation units as `canbao orgs --json` (and the API's /orgs) list them."""

from __future__ import annotations

from typing import Any

from models import crud
from tasks.workspace import Workspace


def org_units_json(ws: Workspace) -> list[dict[str, Any]]:
    """[{"code", "name", "level", "parent"}]: the county, then its townships, then their villages."""
    with ws.session() as session:
        campaign_id, _campaign = crud.active_campaign(session)
        units = crud.org_units(session, campaign_id=campaign_id)
        return [{"code": u.code, "name": u.name, "level": u.level, "parent": u.parent} for u in units]
