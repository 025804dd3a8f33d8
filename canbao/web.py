"""The village workers' page (入户调查网页): a worker opens a personal link on a phone, sees the village's visit
list, records a visit's outcome and corrections, and sees what is left.

Rules the page keeps:

* A link is `/w/<token>`. The token is looked up by its SHA-256 (models.worker); a token opens its own
  village's list and nothing else. An unknown, malformed or revoked token, an entry of another village or a
  path that does not exist all get the same 404 page: the page never tells a wrong link from a right one.
* A visit goes through `tasks.survey.visits.check_visit`, the checks a returned work list gets, then
  `tasks.survey.recording.record_and_complete`, the same transaction the file import uses. A rejected form is shown
  again with the reasons in Chinese and the worker's input kept; a recorded one redirects to the list
  (POST-redirect-GET). The same submission twice is one visit (the visit key is person, outcome, date and
  corrections).
* ID numbers and phones are masked on every page, including the single person's page: the worker confirms
  who they talk to by name, sex, age, household and the ID's last four characters, which is what the masked
  form shows, and so a phone left unlocked or a screenshot shows no more than a notice would.
* The token is a secret: it is never logged (the request log names the token's id instead), pages send no
  Referer, and nothing is cached.
* Time is a parameter: `clock` gives "today" for the visit-date default and the received date (tests pin it).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from models.crud import NoCampaignError, active_campaign
from models.db import make_engine
from models.settings import PROJECT_ROOT, Settings
from models.worker import ListedPerson, find_token, person_visits, village_entries, village_entry
from tasks.identity.masking import mask_id, mask_phone, mask_text
from tasks.survey.recording import record_and_complete
from tasks.survey.visits import CORRECTED, check_visit
from tasks.workspace import Workspace, today_in

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "web"
CHANNEL = "web"
MAX_FORM_BYTES = 16_384  # a visit form is well under 2 KB; anything larger is not one
MAX_TEXT = 200  # characters kept of any one field
log = logging.getLogger("canbao.web")

STATUS_NAMES = {"insured": "已参保", "missing": "未参保", "elsewhere": "外地参保"}
INSURANCE_NAMES = {
    "pension": "养老保险", "medical": "医疗保险", "injury": "工伤保险", "maternity": "生育保险",
    "unemployment": "失业保险",
}  # fmt: skip
SEXES = ("男", "女")
_TOKEN_IN_PATH = re.compile(r"^(/w/)[^/]+")
_CORRECTION_SEPARATORS = re.compile(r"[；;\r\n]+")


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


@dataclass
class VisitForm:
    """The visit form as the worker filled it in, kept as typed so a rejected form can be shown again."""

    outcome: str = ""
    corrections: dict[str, str] = field(default_factory=dict)
    visited_on: str = ""
    visitor: str = ""

    @classmethod
    def parse(cls, body: bytes, correctable: Mapping[str, Any]) -> VisitForm:
        values = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)

        def first(name: str) -> str:
            return values.get(name, [""])[0].strip()[:MAX_TEXT]

        return cls(
            outcome=first("outcome"),
            corrections={name: first(f"c_{name}") for name in correctable},
            visited_on=first("visited_on"),
            visitor=first("visitor"),
        )

    def corrections_text(self) -> str:
        """The corrections as a returned list's 更正信息 cell, so they pass the same checks. A separator inside
        a value (an address with a semicolon) would split the pair: it becomes a comma."""
        return "；".join(
            f"{name}：{_CORRECTION_SEPARATORS.sub('，', value)}" for name, value in self.corrections.items() if value
        )


def create_app(settings: Settings, *, clock: Callable[[Campaign], date] = today_in) -> FastAPI:
    """The page as an ASGI app. `clock(campaign)` is today's date (default: today in the campaign's timezone)."""
    # hide_parameters: a database error's message must not carry ID numbers into a log.
    ws = Workspace(settings=settings, engine=make_engine(settings.db_url, hide_parameters=True))
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()

    app = FastAPI(title="入户调查", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    def page(name: str, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status_code=status_code)

    def not_found() -> HTMLResponse:
        return page("not_found.html", {}, status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found()
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.exception_handler(NotFound)
    async def hidden(_request: Request, _exc: NotFound) -> Response:
        return not_found()

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # Personal data and a secret link: never cached, never sent on as a Referer, never framed.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        token_id = getattr(request.state, "token_id", None)
        shown = _TOKEN_IN_PATH.sub(rf"\g<1>[令牌#{token_id}]" if token_id else r"\g<1>[令牌]", request.url.path)
        log.info("%s %s %d %.0fms", request.method, shown, response.status_code, (time.perf_counter() - started) * 1000)
        return response

    def open_worker(request: Request, token: str) -> Worker:
        with ws.session() as session:
            try:
                campaign_id, campaign = active_campaign(session)
            except NoCampaignError as exc:
                raise NotFound from exc
            row = find_token(session, campaign_id=campaign_id, token=token)
            if row is None or row.id is None:
                raise NotFound
        request.state.token_id = row.id
        return Worker(row.id, row.worker, row.village_code, campaign_id, campaign)

    def base_of(request: Request, token: str) -> str:
        return f"{request.scope.get('root_path', '')}/w/{quote(token, safe='')}"

    def load_entry(worker: Worker, entry_id: str) -> ListedPerson:
        if not entry_id.isdigit() or len(entry_id) > 18:
            raise NotFound
        with ws.engine.connect() as connection:
            person = village_entry(
                connection, campaign_id=worker.campaign_id, village_code=worker.village_code, entry_id=int(entry_id)
            )
        if person is None:
            raise NotFound
        return person

    @app.get("/robots.txt", response_class=PlainTextResponse)
    def robots() -> str:
        return "User-agent: *\nDisallow: /\n"

    @app.get("/w/{token}", response_class=HTMLResponse)
    def village_list(
        request: Request, token: str, show: str = "", q: str = "", saved: str = "", again: str = ""
    ) -> Response:
        worker = open_worker(request, token)
        with ws.engine.connect() as connection:
            people = village_entries(connection, campaign_id=worker.campaign_id, village_code=worker.village_code)
        visited = sum(1 for p in people if p.last_outcome)
        outcomes = {code: o.name for code, o in worker.campaign.survey.outcomes.items()}
        message = ""
        if saved.isdigit():
            done = next((p for p in people if p.entry_id == int(saved)), None)
            if done is not None:
                outcome = outcomes.get(done.last_outcome, done.last_outcome)
                message = (
                    f"{mask_text(done.name) or '该人员'}的这条走访结果之前已经记录过，没有重复记录。"
                    if again
                    else f"已记录{mask_text(done.name) or '该人员'}的走访结果：{outcome}。"
                )
        needle = q.strip()[:MAX_TEXT]
        shown = [
            p
            for p in people
            if (show != "todo" or not p.last_outcome)
            and (show != "done" or p.last_outcome)
            and (not needle or needle in p.name or needle in p.household)
        ]
        shown.sort(key=lambda p: bool(p.last_outcome))  # stable: not yet visited first, list order kept
        return page(
            "list.html",
            {
                "base": base_of(request, token),
                "village": _village_name(worker),
                "township": _township_name(worker),
                "worker": worker.worker,
                "total": len(people),
                "visited": visited,
                "remaining": len(people) - visited,
                "show": show if show in ("todo", "done") else "",
                "q": needle,
                "message": message,
                "people": [_row(p, outcomes) for p in shown],
            },
        )

    @app.get("/w/{token}/p/{entry_id}", response_class=HTMLResponse)
    def person_page(request: Request, token: str, entry_id: str) -> Response:
        worker = open_worker(request, token)
        person = load_entry(worker, entry_id)
        today = clock(worker.campaign)
        form = VisitForm(visited_on=today.isoformat(), visitor=worker.worker)
        return page("person.html", _person_context(ws, worker, person, form, [], today, base_of(request, token)))

    @app.post("/w/{token}/p/{entry_id}", response_class=HTMLResponse)
    async def record(request: Request, token: str, entry_id: str) -> Response:
        worker = await run_in_threadpool(open_worker, request, token)
        person = await run_in_threadpool(load_entry, worker, entry_id)
        body = await _read_form(request)
        if body is None:
            return PlainTextResponse("提交的内容过长", status_code=413)
        survey = worker.campaign.survey
        form = VisitForm.parse(body, survey.corrections)
        today = clock(worker.campaign)
        code, fixes, visited_on, reasons = check_visit(
            survey, worker.campaign.survey_window(), form.outcome, form.corrections_text(), form.visited_on, today
        )
        if code is None and not reasons:
            reasons = ["请选择走访结果（只更正信息时可选“信息更正”）"]
        base = base_of(request, token)
        if reasons or code is None or visited_on is None:
            context = await run_in_threadpool(_person_context, ws, worker, person, form, reasons, today, base)
            return page("person.html", context, status_code=422)
        visit = VisitRecord(
            id_number=person.id_number,
            township_code=person.township_code,
            village_code=person.village_code,
            outcome=code,
            visited_on=visited_on,
            received_on=today,
            channel=CHANNEL,
            visitor=form.visitor or worker.worker,
            origin=f"web:{worker.token_id}",
            corrections=fixes,
        )
        duplicate = await run_in_threadpool(_record, ws, visit, today)
        log.info(
            "走访结果已%s：村 %s，名单条目 %s，结果 %s，更正 %s（令牌#%d）",
            "存在" if duplicate else "记录", person.village_code, person.entry_id, code,
            "、".join(sorted(fixes)) or "无", worker.token_id,
        )  # fmt: skip
        return RedirectResponse(f"{base}?saved={person.entry_id}" + ("&again=1" if duplicate else ""), status_code=303)

    return app


async def _read_form(request: Request) -> bytes | None:
    """The request body, or None once it grows past what a visit form can be."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return bytes(body)


def _record(ws: Workspace, visit: VisitRecord, today: date) -> bool:
    """Record one visit; True if it had been recorded before (also when an identical one won a race)."""
    try:
        result = record_and_complete(ws, [visit], today)
    except IntegrityError:
        return True  # the same visit key, committed a moment ago by a second tap on the button
    return result["recorded"] == 0


def _village_name(worker: Worker) -> str:
    return worker.campaign.village_names().get(worker.village_code, worker.village_code)


def _township_name(worker: Worker) -> str:
    for township in worker.campaign.townships:
        if any(v.code == worker.village_code for v in township.villages):
            return township.name
    return ""


def _row(person: ListedPerson, outcomes: Mapping[str, str]) -> dict[str, Any]:
    return {
        "entry_id": person.entry_id,
        "name": mask_text(person.name) or "（已不在户籍库中）",
        "household": mask_text(person.household),
        "id": mask_id(person.id_number),
        "phone": mask_phone(person.phone) if person.phone else "",
        "reasons": mask_text(person.reasons),
        "visited": bool(person.last_outcome),
        "outcome": outcomes.get(person.last_outcome, person.last_outcome),
        "visited_on": person.last_visited_on.isoformat() if person.last_visited_on else "",
    }


def _person_context(
    ws: Workspace,
    worker: Worker,
    person: ListedPerson,
    form: VisitForm,
    reasons: list[str],
    today: date,
    base: str,
) -> dict[str, Any]:
    campaign = worker.campaign
    survey = campaign.survey
    outcomes = {code: o.name for code, o in survey.outcomes.items()}
    if CORRECTED not in outcomes:
        outcomes[CORRECTED] = "信息更正"
    insurance_names = dict(INSURANCE_NAMES)
    if campaign.comparison is not None:
        insurance_names.update({k: v.name for k, v in campaign.comparison.insurances.items()})
    with ws.engine.connect() as connection:
        visits = person_visits(connection, campaign_id=worker.campaign_id, id_number=person.id_number)
    current = {
        "name": mask_text(person.name),
        "sex": person.sex,
        "birth_date": f"{person.age}岁" if person.age is not None else "",  # the birth date is the ID's hidden part
        "household_type": person.household_type,
        "address": mask_text(person.address),
        "phone": mask_phone(person.phone) if person.phone else "",
        "employer": mask_text(person.employer),
    }
    fields = [
        {
            "name": name,
            "label": item.label,
            "current": current.get(name, ""),
            "value": form.corrections.get(name, ""),
            "kind": {"sex": "sex", "birth_date": "date", "phone": "tel"}.get(name, "text"),
        }
        for name, item in survey.corrections.items()
    ]
    return {
        "base": base,
        "village": _village_name(worker),
        "person": _row(person, outcomes),
        "sex": person.sex,
        "age": person.age,
        "household_type": person.household_type,
        "address": mask_text(person.address),
        "employer": mask_text(person.employer),
        "statuses": [
            (insurance_names.get(k, k), STATUS_NAMES.get(v, v), v)
            for k, v in person.statuses.items()
            if v != "not_applicable"
        ],
        "visits": [
            {
                "outcome": outcomes.get(v["outcome"], v["outcome"]),
                "visited_on": v["visited_on"].isoformat(),
                "visitor": mask_text(v["visitor"]),
                "channel": "网页" if v["channel"] == CHANNEL else "名单",
            }
            for v in visits
        ],
        "outcomes": list(outcomes.items()),
        "fields": fields,
        "sexes": SEXES,
        "form": form,
        "reasons": reasons,
        "today": today.isoformat(),
        "start": campaign.survey_window()[0].isoformat(),
    }
