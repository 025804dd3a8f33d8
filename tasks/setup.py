"""Setting up a workspace for a campaign (`canbao init`): the schema created or upgraded, the campaign file
loaded, and, without a coordinator's apprise file, the local folders messages are delivered into."""

from __future__ import annotations

from models import crud
from models.campaign.spec import COUNTY_TAG, Campaign, load_campaign
from models.db import create_schema
from models.settings import Settings
from tasks.messages.sending import write_folder_config
from tasks.workspace import Workspace


def initialise(ws: Workspace) -> crud.LoadResult:
    """Create or upgrade the schema and load the campaign file; idempotent."""
    campaign, digest = load_campaign(ws.settings.campaign)  # validate before touching the database
    create_schema(ws.engine)
    with ws.session() as session:
        result = crud.store_campaign(session, campaign=campaign, digest=digest)
    ensure_delivery_config(ws.settings, campaign)
    return result


def ensure_delivery_config(settings: Settings, campaign: Campaign) -> None:
    """Without a coordinator's apprise file, deliver into one local folder per recipient tag."""
    if not settings.uses_default_delivery:
        return
    tags = [COUNTY_TAG, *(d.key for d in campaign.departments), *campaign.township_codes]
    write_folder_config(settings.apprise_path, {tag: settings.mailbox_dir / tag for tag in tags})
