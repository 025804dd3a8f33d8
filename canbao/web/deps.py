"""What the page's routes depend on: the app's workspace, clock and templates (kept on `app.state` by
`canbao.web.app.create_app`), and what a personal link opens.

A link is `/w/<token>`. The token is looked up by its SHA-256 (models.survey.worker); it opens its own village's list
and nothing else. An unknown, malformed or revoked token and an entry of another village all raise `NotFound`,
which the app answers with the same 404 page as a path that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import Depends, Request
from jinja2 import Environment

from models.campaign.spec import Campaign
from models.crud import NoCampaignError, active_campaign
from models.survey.worker import ListedPerson, find_token, village_entry
from tasks.workspace import Workspace

Clock = Callable[[Campaign], date]
MAX_ENTRY_DIGITS = 18  # an entry id longer than this is no row id (and would overflow a BIGINT)


class NotFound(Exception):
    """Anything a worker's link may not see: always answered with the same 404 page."""


@dataclass(frozen=True)
class Worker:
    """What a valid token opens: one village of the active campaign."""

    token_id: int
    worker: str
    village_code: str
    campaign_id: int
    campaign: Campaign
    card_number: str = ""  # the 入户调查证 the link names: its visits are made under it


def workspace_of(request: Request) -> Workspace:
    return cast(Workspace, request.app.state.workspace)


def clock_of(request: Request) -> Clock:
    """Today's date for a campaign: the visit date's default and a visit's received date."""
    return cast(Clock, request.app.state.clock)


def templates_of(request: Request) -> Environment:
    return cast(Environment, request.app.state.templates)


WorkspaceDep = Annotated[Workspace, Depends(workspace_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]
TemplatesDep = Annotated[Environment, Depends(templates_of)]


def current_worker(request: Request, token: str, ws: WorkspaceDep) -> Worker:
    """The worker the token in the path belongs to; the request log names the token's id from here on."""
    with ws.session() as session:
        try:
            campaign_id, campaign = active_campaign(session)
        except NoCampaignError as exc:
            raise NotFound from exc
        row = find_token(session, campaign_id=campaign_id, token=token)
        if row is None or row.id is None:
            raise NotFound
    request.state.token_id = row.id
    return Worker(row.id, row.worker, row.village_code, campaign_id, campaign, row.card_number)


CurrentWorker = Annotated[Worker, Depends(current_worker)]


def listed_person(entry_id: str, worker: CurrentWorker, ws: WorkspaceDep) -> ListedPerson:
    """The list entry in the path, only if it is on the worker's own village's list."""
    if not entry_id.isdigit() or len(entry_id) > MAX_ENTRY_DIGITS:
        raise NotFound
    with ws.engine.connect() as connection:
        person = village_entry(
            connection, campaign_id=worker.campaign_id, village_code=worker.village_code, entry_id=int(entry_id)
        )
    if person is None:
        raise NotFound
    return person


ListedPersonDep = Annotated[ListedPerson, Depends(listed_person)]


def page_base(request: Request, token: str) -> str:
    """The worker's list URL, the base of every link on the worker's pages."""
    return f"{request.scope.get('root_path', '')}/w/{quote(token, safe='')}"


PageBase = Annotated[str, Depends(page_base)]
