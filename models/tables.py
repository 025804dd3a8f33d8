"""The registration database's tables (SQLModel). Datetimes are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Index, UniqueConstraint, false
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
    attachments: str = Field(default="", sa_column_kwargs={"server_default": ""})  # file paths, one per line
    # The same message rendered for services that read markdown (group bots) and HTML (e-mail); `body` is the
    # plain text. None: rendered before these existed, the text goes everywhere.
    body_markdown: str | None = None
    body_html: str | None = None
    # The formats the last successful send used, comma-separated (text, markdown, html), one per kind of service.
    sent_formats: str = Field(default="", sa_column_kwargs={"server_default": ""})
    as_of: date
    status: str = Field(default="pending", index=True)  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SourceSnapshot(SQLModel, table=True):
    """One delivery of a department's data. The accepted rows live in a Parquet file named by the
    delivery's content digest; the newest snapshot of a source is active, the older ones are kept for audit."""

    __tablename__ = "source_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    source: str = Field(index=True)
    digest: str  # sha256 over the delivered files' bytes, in name order
    files: str  # JSON list of file names
    rows_read: int
    accepted: int
    rejected: int
    duplicates: int
    data_path: str
    rejects_path: str | None = None
    # JSON list of Chinese warnings: the optional columns a file lacked (its rows were imported all the same).
    warnings: str = Field(default="[]", sa_column_kwargs={"server_default": "[]"})
    delivered_on: date
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CompareRun(SQLModel, table=True):
    __tablename__ = "compare_run"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    as_of: date
    snapshots: str  # JSON {source: snapshot id} the run compared
    summary: str  # JSON of the figures `canbao compare --json` prints
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """A registered resident as the latest comparison sees them: the registration database (section 二).

    A comparison rewrites a million rows at once, in the same transaction as its run: so the table has no
    foreign keys (checked row by row, they tripled PostgreSQL's COPY time) and indexes only where it is
    looked up (by ID, by village)."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("campaign_id", "id_number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int  # the unique key below serves lookups by campaign
    id_number: str
    name: str
    sex: str
    birth_date: date
    age: int
    township_code: str
    village_code: str = Field(index=True)
    household: str = ""
    household_type: str = ""
    registered_address: str = Field(default="", sa_column_kwargs={"server_default": ""})  # 户籍所在地
    address: str = ""  # 现居住地
    phone: str = ""
    deceased: bool = False
    moved_out: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # a visit found 已迁出
    student: bool = False
    employed: bool = False
    employer: str = ""
    graduate: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # on a graduates' list
    employee_enrolled: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    pension: str  # insured | missing | not_applicable
    medical: str
    injury: str
    maternity: str
    unemployment: str
    category: str  # insured_full | partial | uninsured | deceased | moved_out | away
    employment_status: str = ""
    subsidised: str = ""  # comma-separated subsidised-group sources
    anomalies: str = ""  # comma-separated anomaly codes
    compare_run_id: int
    # The latest household visit's outcome and date; re-applied after every comparison (see tasks.survey.visits).
    survey_outcome: str = Field(default="", sa_column_kwargs={"server_default": ""})
    surveyed_on: date | None = None
    registered_on: date | None = None  # the first visit that registered the person (登记): not an enrolment


class Anomaly(SQLModel, table=True):
    """A data problem found by the comparison, with its evidence, to visit or to return to a department; also the
    persons enrolled in the county but absent from the household register (kind outside_register), kept here
    with their lists as information."""

    __tablename__ = "anomaly"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)  # no foreign keys, as for persons: written in bulk with its run
    compare_run_id: int
    id_number: str = Field(index=True)
    # duplicate_enrolment | deceased_enrolled | inconsistent_identity, or outside_register: information (户籍外参保),
    # never counted or reported as an anomaly
    kind: str
    sources: str  # comma-separated source keys involved
    evidence: str
    village_code: str | None = None


class WorklistEntry(SQLModel, table=True):
    """A person put on a village's household-visit list (入户调查名单). Entries are only ever added: a person
    once listed stays on the list after a visit fixes their record, so that the visit keeps counting."""

    __tablename__ = "worklist_entry"
    __table_args__ = (
        UniqueConstraint("campaign_id", "village_code", "id_number"),
        # Covers the progress query: the lists are counted from this index alone, in village order.
        Index(
            "ix_worklist_entry_progress",
            "campaign_id", "village_code", "township_code", "first_visited_on", "first_registered_on",
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    id_number: str = Field(index=True)
    township_code: str = Field(index=True)
    village_code: str = Field(index=True)
    reasons: str = ""
    listed_on: date
    # The person's earliest visit, and earliest visit with outcome `registered`, kept up to date as visits are
    # recorded: progress as of any date is then one pass over the lists (see models.survey.visits.village_counts).
    first_visited_on: date | None = None
    first_registered_on: date | None = None


class Visit(SQLModel, table=True):
    """One household visit's result, from a returned work list or the web page. The key (person, outcome, date,
    corrections) makes re-importing the same workbook a no-op."""

    __tablename__ = "visit"
    __table_args__ = (
        # Progress looks up each listed person's visits by date and outcome: this index answers from itself.
        Index("ix_visit_person_day", "campaign_id", "id_number", "visited_on", "outcome"),
        # The cut-off finds the visits that reached the county after the deadline here. Not led by the campaign
        # nor covering: SQLite would then prefer it to ix_visit_person_day for the score sheet's join by person.
        Index("ix_visit_received", "received_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    key: str = Field(unique=True, index=True)
    id_number: str = Field(index=True)
    township_code: str = Field(index=True)
    village_code: str = Field(index=True)
    outcome: str
    visited_on: date = Field(index=True)
    visitor: str = ""
    corrections: str = "{}"  # JSON {field: new value}
    channel: str  # file | web
    origin: str = ""  # file, sheet and row; or the web worker's token id
    received_on: date  # the campaign day the result reached the county
    recorded_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(default="", sa_column_kwargs={"server_default": ""})  # 未参保原因, as the person said
    intent: str = Field(default="", sa_column_kwargs={"server_default": ""})  # 参保意愿: an intent code
    # A finding that needs the township's word (查无此人) reaches the departments once confirmed.
    confirmed_on: date | None = None
    confirmed_by: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # Visited or received after the survey's deadline (set once the survey is cut off): kept, not on time.
    late: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The 入户调查证 the visit was made under (returned list's 入户调查证号, or the web link's card); "" if none.
    card_number: str = Field(default="", sa_column_kwargs={"server_default": ""})


class PersonChange(SQLModel, table=True):
    """The audit trail of the registration database: every change a visit made to a person's record."""

    __tablename__ = "person_change"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    id_number: str = Field(index=True)
    field: str
    before: str
    after: str
    visit_key: str = Field(index=True)  # the visit that made the change
    changed_by: str  # the visitor, or the web worker
    channel: str
    changed_at: datetime = Field(default_factory=utcnow)


class WorkerToken(SQLModel, table=True):
    """A village worker's personal link to the web page: only the token's SHA-256 is kept, scoped to a village."""

    __tablename__ = "worker_token"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    token_hash: str = Field(unique=True, index=True)
    village_code: str = Field(index=True)
    worker: str
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # The worker's 入户调查证 named when the link was made: the link's visits are made under it ("" if none).
    card_number: str = Field(default="", sa_column_kwargs={"server_default": ""})
