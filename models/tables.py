"""The registration database's tables (SQLModel). Datetimes are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class CampaignRecord(SQLModel, table=True):
    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    spec: str  # the validated campaign file as JSON: the pure core's input
    digest: str  # sha256 of the file's text, to tell an edited file from the same one
    loaded_at: datetime = Field(default_factory=utcnow)


class PhaseRecord(SQLModel, table=True):
    __tablename__ = "phase"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str
    name: str
    start: date
    end: date


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    code: str = Field(index=True)
    name: str
    level: str  # county | township | village
    parent: str | None = None


class MilestoneRecord(SQLModel, table=True):
    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str
    name: str
    phase: str
    due: date
    text: str = ""
    source: str = ""


class MilestoneOwner(SQLModel, table=True):
    __tablename__ = "milestone_owner"
    __table_args__ = (UniqueConstraint("milestone_id", "owner"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    owner: str


class Completion(SQLModel, table=True):
    """A milestone reported done by one owner. Keyed by milestone key and owner, not by row ids, so
    reloading an edited campaign file never orphans a recorded completion."""

    __tablename__ = "completion"
    __table_args__ = (UniqueConstraint("campaign_id", "milestone", "owner"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    milestone: str
    owner: str
    done_on: date
    note: str = ""
    recorded_by: str = ""
    recorded_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient tag. Written before it is sent; the key makes a rerun a no-op."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(unique=True, index=True)
    kind: str
    milestone: str | None = None
    owner: str = Field(index=True)
    tags: str  # comma-separated apprise tags
    title: str
    body: str
    as_of: date
    status: str = Field(default="pending", index=True)  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
