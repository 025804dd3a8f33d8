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
from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from models.db import make_engine, session_scope
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

    def campaign(self) -> tuple[int, Campaign]:
        with self.session() as session:
            return crud.active_campaign(session)

    def state(self) -> tuple[int, Campaign, list[CompletionFact]]:
        with self.session() as session:
            campaign_id, campaign = crud.active_campaign(session)
            return campaign_id, campaign, crud.completions(session, campaign_id=campaign_id)

    def close(self) -> None:
        self.engine.dispose()


def today_in(campaign: Campaign) -> date:
    """The default `as_of`: today where the campaign runs. Only the CLI and flows call this."""
    return datetime.now(ZoneInfo(campaign.timezone)).date()
