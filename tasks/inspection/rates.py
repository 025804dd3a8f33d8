"""The townships' spot-check error rates as of a day, from the recorded checks."""

from __future__ import annotations

from datetime import date

from models.campaign.spec import Campaign
from models.inspection import recorded_checks
from tasks.inspection.spot_checks import TownshipRate, error_rates
from tasks.workspace import Workspace


def township_rates(ws: Workspace, as_of: date) -> tuple[Campaign, list[TownshipRate]]:
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        checks = recorded_checks(connection, campaign_id=campaign_id)
    return campaign, error_rates(checks, campaign.township_codes, as_of)


def inspection_error_rates(ws: Workspace, as_of: date) -> dict[str, float | None]:
    """Township code → spot-check error rate as of a day, None for a township never checked (for scoring)."""
    _campaign, rates = township_rates(ws, as_of)
    return {rate.code: rate.error_rate for rate in rates}
