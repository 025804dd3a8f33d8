"""The notices the county sends to every township: the weekly ranking notice and the final notice after the
survey's cut-off, each planned as one message per township and the county with its documents attached
(tasks.documents builds the documents), and the final notice queued once from the scores at the cut-off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from models import crud
from models.campaign.spec import COUNTY_TAG, Campaign
from tasks.documents.final_notice import KIND, final_document, final_notice_context
from tasks.documents.official import notice_folder_name, write_notice_files
from tasks.documents.ranking_notice import ranking_context
from tasks.inspection.ledger_records import Ledger, load_ledger
from tasks.messages import outbox
from tasks.messages.planned import PlannedMessage, for_townships_and_county, message_key
from tasks.scoring.ranking import TownshipStanding
from tasks.scoring.scores import TownshipFacts, TownshipScore
from tasks.scoring.sheet import score_sheet
from tasks.workspace import Workspace

if TYPE_CHECKING:
    from tasks.messages.survey_reminders import SurveyStanding


def plan_ranking_notice(
    campaign: Campaign,
    standings: list[TownshipStanding],
    as_of: date,
    survey: Sequence[SurveyStanding] | None = None,
    attachments: Sequence[str | Path] = (),
) -> list[PlannedMessage]:
    """The weekly ranking notice, one message per township and one to the county. With `survey` standings
    (the household survey is under way) the townships are ranked on survey completion, milestones second.
    `attachments`: the notice's files (see `ranking_document`), attached to every message and named in it."""
    context = {
        **ranking_context(campaign, standings, as_of, survey),
        "attachments": [Path(p).name for p in attachments],
    }
    return for_townships_and_county(
        campaign, "weekly_ranking", key=[as_of.isoformat()], as_of=as_of, context=context, attachments=attachments
    )


def plan_final_notice(
    campaign: Campaign,
    facts: Sequence[TownshipFacts],
    scores: Sequence[TownshipScore],
    as_of: date,
    attachments: Sequence[str | Path] = (),
    ledger: Ledger | None = None,
) -> list[PlannedMessage]:
    """One message per township and one to the county; the key makes it go out once per campaign."""
    context = final_notice_context(campaign, facts, scores, as_of, ledger)
    context["attachments"] = [Path(p).name for p in attachments]
    deadline: date = context["deadline"]
    return for_townships_and_county(
        campaign, KIND, key=[deadline.isoformat()], as_of=as_of, context=context, attachments=attachments
    )


def final_notice_key(campaign: Campaign, deadline: date, tag: str) -> str:
    return message_key(campaign, KIND, deadline.isoformat(), tag)


def queue_final_notice(ws: Workspace, as_of: date) -> list[outbox.Handled]:
    """The final notice from the scores at the cut-off, to every township and the county (once: keyed)."""
    campaign_id, campaign = ws.campaign()
    _start, deadline = campaign.survey_window()
    with ws.session() as session:
        if crud.existing_messages(session, keys=[final_notice_key(campaign, deadline, COUNTY_TAG)]):
            return []  # issued by an earlier run (its documents were written then, dated that day)
    sheet = score_sheet(ws, as_of)
    ledger = load_ledger(ws, as_of)
    document = final_document(campaign, sheet.facts, sheet.scores, as_of, ledger)
    files = write_notice_files(document, ws.settings.notices_dir / notice_folder_name(document))
    planned = plan_final_notice(campaign, sheet.facts, sheet.scores, as_of, attachments=files, ledger=ledger)
    with ws.session() as session:
        return outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=planned)
