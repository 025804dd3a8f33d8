"""One planned message of every kind the code sends, built by the planners themselves from small made-up
figures (no workspace): what the format tests render in text, markdown and HTML."""

from __future__ import annotations

from datetime import date

import pandas as pd

from models.campaign.spec import Campaign
from tasks.inspection.ledger import Entry
from tasks.messages.notices import plan_final_notice, plan_ranking_notice
from tasks.messages.planned import PlannedMessage
from tasks.messages.rectification_reminders import plan_rectification_reminders
from tasks.messages.reminders import plan_reminders
from tasks.messages.survey_reminders import _warning, plan_refused_reminders, plan_survey_reminders, survey_standings
from tasks.messages.training_reminders import plan_training_reminders
from tasks.plan.status import milestone_statuses
from tasks.plan.workdays import WorkCalendar
from tasks.scoring.ranking import rank_townships
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.survey.progress import ProgressRules, township_progress, village_progress
from tasks.training.standings import training_standings

RULES = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30), behind_margin=0.10, pace_days=7)
SURVEY_DAY = date(2017, 5, 31)
ATTACHMENTS = ("/srv/notices/安参保办〔2017〕5号-通报.docx", "/srv/notices/安参保办〔2017〕5号-通报.html")


def survey_frames(campaign: Campaign, as_of: date = SURVEY_DAY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every village of every township with four persons to visit; the first township's villages untouched
    (behind), the others' with three of four visited."""
    rows, visits = [], []
    for t_index, township in enumerate(campaign.townships):
        for village in township.villages:
            for n in range(4):
                person = f"{village.code}-{n}"
                rows.append({"village_code": village.code, "township_code": township.code, "id_number": person})
                if t_index > 0 and n < 3:
                    visits.append({"id_number": person, "visited_on": pd.Timestamp("2017-05-10"),
                                   "outcome": "registered"})  # fmt: skip
    villages = village_progress(pd.DataFrame(rows), pd.DataFrame(visits), RULES, as_of)
    return township_progress(villages, RULES, as_of), villages


def sample_messages(campaign: Campaign) -> dict[str, PlannedMessage]:
    """kind -> one message of it (the first planned), every kind the code sends."""
    found: dict[str, PlannedMessage] = {}

    def keep(planned: list[PlannedMessage]) -> None:
        for message in planned:
            found.setdefault(message.kind, message)

    as_of = date(2017, 4, 25)
    keep(plan_reminders(campaign, milestone_statuses(campaign, [], as_of), as_of))
    townships, villages = survey_frames(campaign)
    first = campaign.townships[0].code
    keep(plan_survey_reminders(campaign, townships, villages, {first: 5}, SURVEY_DAY, WorkCalendar()))
    row = townships.to_dict("records")[1]
    _start, deadline = campaign.survey_window()
    keep([_warning(campaign, row, villages, campaign.village_names(), SURVEY_DAY, deadline, 20)])
    village = campaign.townships[0].villages[0].code
    refused = pd.DataFrame({"township_code": [first], "village_code": [village], "refused": [3]})
    keep(plan_refused_reminders(campaign, refused, SURVEY_DAY))
    keep(plan_training_reminders(campaign, training_standings(campaign, [], [], date(2017, 4, 16)), date(2017, 4, 16)))
    standings = rank_townships(campaign, milestone_statuses(campaign, [], SURVEY_DAY), SURVEY_DAY)
    survey = survey_standings(campaign, townships)
    keep(plan_ranking_notice(campaign, standings, SURVEY_DAY, survey, attachments=ATTACHMENTS))
    towns = campaign.townships
    facts = [TownshipFacts(t.code, t.name, 100, 100, 1.0, 0.1, 10, 20.0) for t in towns[:-1]]
    facts.append(TownshipFacts(towns[-1].code, towns[-1].name, 100, 80, 0.5, 0.0))
    scores = score_townships(facts, campaign.scoring, final=True, survey_days=60)
    keep(plan_final_notice(campaign, facts, scores, date(2017, 7, 1), attachments=ATTACHMENTS))
    keep(plan_rectification_reminders(campaign, rectification_entries(campaign), date(2017, 6, 4)))
    keep(plan_rectification_reminders(campaign, rectification_entries(campaign), date(2017, 5, 29)))
    return found


def rectification_entries(campaign: Campaign) -> list[Entry]:
    """Two findings of one inspection, still open, due 2017-05-31: reminded before, overdue and escalated after."""
    township = campaign.townships[0]
    return [
        Entry(finding_id=n, visit_id=1, visited_on=date(2017, 5, 24), township_code=township.code,
              township=township.name, villages=(township.villages[0].name,), village=township.villages[0].name,
              inspectors="县效能办、县人社局", problem=problem, requirement=requirement, deadline=date(2017, 5, 31),
              state="open", reported_on=None, note="", days_overdue=0, rectified_late=False)
        for n, (problem, requirement) in enumerate([
            ("入户调查登记表未经户主签字", "补齐签字"), ("走访结果未按时录入", "三日内录入"),
        ], start=1)
    ]  # fmt: skip
