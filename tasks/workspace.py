"""What a command or flow works with: settings, the database engine and the delivery configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import crud
from models.campaign.spec import COUNTY_TAG, Campaign, load_campaign
from models.campaign.values import CompletionFact
from models.db import create_schema, make_engine, session_scope
from models.settings import Settings


@dataclass
class Workspace:
    settings: Settings
    engine: Engine

    @classmethod
    def open(cls, settings: Settings | None = None) -> Workspace:
        settings = settings or Settings()
        settings.data_path.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, engine=make_engine(settings.db_url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the run lock of a writing flow (models.runlock); raises LockHeld if another run has it."""
        from models.runlock import run_lock

        with run_lock(self.engine, name):
            yield

    def init(self) -> crud.LoadResult:
        """Create or upgrade the schema and load the campaign file; idempotent."""
        campaign, digest = load_campaign(self.settings.campaign)  # validate before touching the database
        create_schema(self.engine)
        with self.session() as session:
            result = crud.store_campaign(session, campaign=campaign, digest=digest)
        self.ensure_delivery_config(campaign)
        return result

    def campaign(self) -> tuple[int, Campaign]:
        with self.session() as session:
            return crud.active_campaign(session)

    def state(self) -> tuple[int, Campaign, list[CompletionFact]]:
        with self.session() as session:
            campaign_id, campaign = crud.active_campaign(session)
            return campaign_id, campaign, crud.completions(session, campaign_id=campaign_id)

    def ensure_delivery_config(self, campaign: Campaign) -> None:
        """Without a coordinator's apprise file, deliver into one local folder per recipient tag."""
        if not self.settings.uses_default_delivery:
            return
        from tasks.messages.sending import write_folder_config

        tags = [COUNTY_TAG, *(d.key for d in campaign.departments), *campaign.township_codes]
        write_folder_config(self.settings.apprise_path, {tag: self.settings.mailbox_dir / tag for tag in tags})

    def close(self) -> None:
        self.engine.dispose()


def today_in(campaign: Campaign) -> date:
    """The default `as_of`: today where the campaign runs. Only the CLI and flows call this."""
    return datetime.now(ZoneInfo(campaign.timezone)).date()
