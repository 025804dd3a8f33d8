"""The village workers' pages behind a personal link: the village's visit list, one person, recording a visit.

A visit goes through `tasks.survey.visits.check_visit`, the checks a returned work list gets, then
`tasks.survey.recording.record_and_complete`, the same transaction the file import uses. A rejected form is shown again
with the reasons in Chinese and the worker's input kept; a recorded one redirects to the list
(POST-redirect-GET). The same submission twice is one visit (the visit key is person, outcome, date and
corrections).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from sqlalchemy.exc import IntegrityError

from canbao.web.deps import ClockDep, CurrentWorker, ListedPersonDep, PageBase, TemplatesDep, Worker, WorkspaceDep
from canbao.web.forms import MAX_TEXT, VisitForm, read_form
from canbao.web.pages import render
from canbao.web.views import CHANNEL, list_context, outcome_names, person_context, saved_message
from models.campaign.values import VisitRecord
from models.survey.worker import ListedPerson, person_visits, village_entries
from tasks.survey.recording import record_and_complete
from tasks.survey.visits import check_notes, check_visit
from tasks.workspace import Workspace

router = APIRouter(prefix="/w/{token}")
log = logging.getLogger("canbao.web")
NO_OUTCOME = "请选择走访结果（只更正信息时可选“信息更正”）"


@router.get("", response_class=HTMLResponse)
def village_list(
    worker: CurrentWorker,
    ws: WorkspaceDep,
    templates: TemplatesDep,
    base: PageBase,
    show: str = "",
    q: str = "",
    saved: str = "",
    again: str = "",
) -> Response:
    people = _village_people(ws, worker)
    message = saved_message(people, outcome_names(worker), saved, again)
    needle = q.strip()[:MAX_TEXT]
    return render(
        templates, "list.html", list_context(worker, people, show=show, needle=needle, message=message, base=base)
    )


@router.get("/p/{entry_id}", response_class=HTMLResponse)
def person_page(
    worker: CurrentWorker,
    person: ListedPersonDep,
    ws: WorkspaceDep,
    templates: TemplatesDep,
    clock: ClockDep,
    base: PageBase,
) -> Response:
    today = clock(worker.campaign)
    form = VisitForm(visited_on=today.isoformat(), visitor=worker.worker)
    visits = _visits_of(ws, worker, person)
    return render(templates, "person.html", person_context(worker, person, visits, form, [], today, base))


@router.post("/p/{entry_id}", response_class=HTMLResponse)
async def record_visit(
    request: Request,
    worker: CurrentWorker,
    person: ListedPersonDep,
    ws: WorkspaceDep,
    templates: TemplatesDep,
    clock: ClockDep,
    base: PageBase,
) -> Response:
    body = await read_form(request)
    if body is None:
        return PlainTextResponse("提交的内容过长", status_code=413)
    survey = worker.campaign.survey
    form = VisitForm.parse(body, survey.corrections)
    today = clock(worker.campaign)
    code, fixes, visited_on, reasons = check_visit(
        survey, worker.campaign.survey_window(), form.outcome, form.corrections_text(), form.visited_on, today
    )
    said, intent, problems = check_notes(survey, code, form.reason, form.intent)
    reasons += problems
    if code is None and not reasons:
        reasons = [NO_OUTCOME]
    if reasons or code is None or visited_on is None:
        visits = await run_in_threadpool(_visits_of, ws, worker, person)
        context = person_context(worker, person, visits, form, reasons, today, base)
        return render(templates, "person.html", context, status_code=422)
    visit = replace(_visit_record(worker, person, form, code, fixes, visited_on, today), reason=said, intent=intent)
    duplicate = await run_in_threadpool(_record, ws, visit, today)
    log.info(
        "走访结果已%s：村 %s，名单条目 %s，结果 %s，更正 %s（令牌#%d）",
        "存在" if duplicate else "记录", person.village_code, person.entry_id, code,
        "、".join(sorted(fixes)) or "无", worker.token_id,
    )  # fmt: skip
    return RedirectResponse(f"{base}?saved={person.entry_id}" + ("&again=1" if duplicate else ""), status_code=303)


def _village_people(ws: Workspace, worker: Worker) -> list[ListedPerson]:
    with ws.engine.connect() as connection:
        return village_entries(connection, campaign_id=worker.campaign_id, village_code=worker.village_code)


def _visits_of(ws: Workspace, worker: Worker, person: ListedPerson) -> list[dict[str, Any]]:
    with ws.engine.connect() as connection:
        return person_visits(connection, campaign_id=worker.campaign_id, id_number=person.id_number)


def _visit_record(
    worker: Worker,
    person: ListedPerson,
    form: VisitForm,
    code: str,
    fixes: dict[str, str],
    visited_on: date,
    today: date,
) -> VisitRecord:
    """The checked form as the visit a returned list's row would give, marked as coming from this link."""
    return VisitRecord(
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
        card_number=worker.card_number,
    )


def _record(ws: Workspace, visit: VisitRecord, today: date) -> bool:
    """Record one visit; True if it had been recorded before (also when an identical one won a race)."""
    try:
        result = record_and_complete(ws, [visit], today)
    except IntegrityError:
        return True  # the same visit key, committed a moment ago by a second tap on the button
    return result["recorded"] == 0
