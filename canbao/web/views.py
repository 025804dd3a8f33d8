"""What the village pages show, built from the rows models.survey.worker reads: names in Chinese, personal data masked.

ID numbers and phones are masked on every page, including the single person's page: the worker confirms who
they talk to by name, sex, age, household and the ID's last four characters, which is what the masked form
shows, and so a phone left unlocked or a screenshot shows no more than a notice would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from canbao.web.deps import Worker
from canbao.web.forms import VisitForm
from models.survey.worker import ListedPerson
from tasks.identity.masking import mask_id, mask_phone, mask_text
from tasks.survey.visits import CORRECTED
from tasks.wording.render import cn_date

CHANNEL = "web"  # the channel of a visit recorded on the page (a returned list's visits have their own)
STATUS_NAMES = {"insured": "已参保", "missing": "未参保", "elsewhere": "外地参保", "other_scheme": "机关事业单位参保"}
INSURANCE_NAMES = {
    "pension": "养老保险", "medical": "医疗保险", "injury": "工伤保险", "maternity": "生育保险",
    "unemployment": "失业保险",
}  # fmt: skip
SEXES = ("男", "女")
SHOWS = ("todo", "done")  # the list's tabs besides "everyone"


def outcome_names(worker: Worker) -> dict[str, str]:
    return {code: o.name for code, o in worker.campaign.survey.outcomes.items()}


def village_name(worker: Worker) -> str:
    return worker.campaign.village_names().get(worker.village_code, worker.village_code)


def township_name(worker: Worker) -> str:
    for township in worker.campaign.townships:
        if any(v.code == worker.village_code for v in township.villages):
            return township.name
    return ""


def saved_message(people: Sequence[ListedPerson], outcomes: Mapping[str, str], saved: str, again: str) -> str:
    """The note after a recorded visit (POST-redirect-GET): what was recorded, or that it had been before."""
    if not saved.isdigit():
        return ""
    done = next((p for p in people if p.entry_id == int(saved)), None)
    if done is None:
        return ""
    outcome = outcomes.get(done.last_outcome, done.last_outcome)
    if again:
        return f"{mask_text(done.name) or '该人员'}的这条走访结果之前已经记录过，没有重复记录。"
    return f"已记录{mask_text(done.name) or '该人员'}的走访结果：{outcome}。"


def shown_people(people: Sequence[ListedPerson], show: str, needle: str) -> list[ListedPerson]:
    """The tab's people matching the search (name or household), not yet visited first, list order kept."""
    shown = [
        p
        for p in people
        if (show != "todo" or not p.last_outcome)
        and (show != "done" or p.last_outcome)
        and (not needle or needle in p.name or needle in p.household)
    ]
    shown.sort(key=lambda p: bool(p.last_outcome))  # stable
    return shown


def list_context(
    worker: Worker, people: Sequence[ListedPerson], *, show: str, needle: str, message: str, base: str
) -> dict[str, Any]:
    outcomes = outcome_names(worker)
    visited = sum(1 for p in people if p.last_outcome)
    return {
        "base": base,
        "village": village_name(worker),
        "township": township_name(worker),
        "worker": worker.worker,
        "total": len(people),
        "visited": visited,
        "remaining": len(people) - visited,
        "show": show if show in SHOWS else "",
        "q": needle,
        "message": message,
        "people": [person_row(p, outcomes) for p in shown_people(people, show, needle)],
    }


def person_row(person: ListedPerson, outcomes: Mapping[str, str]) -> dict[str, Any]:
    return {
        "entry_id": person.entry_id,
        "name": mask_text(person.name) or "（已不在户籍库中）",
        "household": mask_text(person.household),
        "id": mask_id(person.id_number),
        "phone": mask_phone(person.phone) if person.phone else "",
        "reasons": mask_text(person.reasons),
        "visited": bool(person.last_outcome),
        "outcome": outcomes.get(person.last_outcome, person.last_outcome),
        "visited_on": cn_date(person.last_visited_on) if person.last_visited_on else "",  # as a worker reads it
    }


def person_context(
    worker: Worker,
    person: ListedPerson,
    visits: Sequence[Mapping[str, Any]],
    form: VisitForm,
    reasons: list[str],
    today: date,
    base: str,
) -> dict[str, Any]:
    """The person's page: who they are, their insurance statuses and visits, and the visit form as `form` has it."""
    campaign = worker.campaign
    outcomes = outcome_names(worker)
    if CORRECTED not in outcomes:
        outcomes[CORRECTED] = "信息更正"
    return {
        "base": base,
        "village": village_name(worker),
        "person": person_row(person, outcomes),
        "sex": person.sex,
        "age": person.age,
        "household_type": person.household_type,
        "registered_address": mask_text(person.registered_address),
        "address": mask_text(person.address),
        "employer": mask_text(person.employer),
        "statuses": status_rows(worker, person),
        "visits": [visit_row(v, outcomes) for v in visits],
        "outcomes": list(outcomes.items()),
        "intents": [(code, intent.name) for code, intent in worker.campaign.survey.intents.items()],
        "fields": correction_fields(worker, person, form),
        "sexes": SEXES,
        "form": form,
        "reasons": reasons,
        "today": today.isoformat(),
        "start": campaign.survey_window()[0].isoformat(),
    }


def status_rows(worker: Worker, person: ListedPerson) -> list[tuple[str, str, str]]:
    """(insurance, status, status code) of the insurances that apply to the person, named as the campaign names
    them."""
    insurance_names = dict(INSURANCE_NAMES)
    if worker.campaign.comparison is not None:
        insurance_names.update({k: v.name for k, v in worker.campaign.comparison.insurances.items()})
    return [
        (insurance_names.get(k, k), STATUS_NAMES.get(v, v), v)
        for k, v in person.statuses.items()
        if v != "not_applicable"
    ]


def visit_row(visit: Mapping[str, Any], outcomes: Mapping[str, str]) -> dict[str, Any]:
    return {
        "outcome": outcomes.get(visit["outcome"], visit["outcome"]),
        "visited_on": cn_date(visit["visited_on"]),
        "visitor": mask_text(visit["visitor"]),
        "channel": "网页" if visit["channel"] == CHANNEL else "名单",
    }


def correction_fields(worker: Worker, person: ListedPerson, form: VisitForm) -> list[dict[str, Any]]:
    """The correctable fields of the visit form: label, the person's current value (masked) and the form's."""
    current = {
        "name": mask_text(person.name),
        "sex": person.sex,
        "birth_date": f"{person.age}岁" if person.age is not None else "",  # the birth date is the ID's hidden part
        "household_type": person.household_type,
        "registered_address": mask_text(person.registered_address),
        "address": mask_text(person.address),
        "phone": mask_phone(person.phone) if person.phone else "",
        "employer": mask_text(person.employer),
    }
    return [
        {
            "name": name,
            "label": item.label,
            "current": current.get(name, ""),
            "value": form.corrections.get(name, ""),
            "kind": {"sex": "sex", "birth_date": "date", "phone": "tel"}.get(name, "text"),
        }
        for name, item in worker.campaign.survey.corrections.items()
    ]
