"""The `canbao` command: the root app, with every command and group registered here, in the order `canbao --help`
lists them. Each command lives in the module of its area (canbao.cli.campaign, .intake, .survey, …) and shares
the options and helpers of canbao.cli.common; none imports this module.

Quick records and queries answer without Prefect; campaign work runs flows. With --json, stdout holds only the
JSON; messages and logs go to stderr.
"""

from __future__ import annotations

import typer

from canbao.cli import (
    analysis,
    audit,
    campaign,
    cards,
    cutoff,
    exchange,
    inspection,
    intake,
    messages,
    progress,
    replay,
    report,
    scores,
    summary,
    survey,
    training,
    web,
)

__all__ = ["app"]

app = typer.Typer(
    help="全民参保登记工作调度（canbao）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

app.command("init")(campaign.init)
app.command("orgs")(campaign.orgs)
app.command("status")(campaign.status)
app.command("remind")(messages.remind)
app.command("replay")(replay.replay)
app.command("ingest")(intake.ingest)
app.command("collect")(intake.collect)
app.command("compare")(intake.compare_command)
app.command("worklists")(intake.worklists)
app.command("synth")(intake.synth)
app.command("serve")(campaign.serve)
app.command("progress")(progress.progress)
app.command("cutoff")(cutoff.cutoff)
app.command("scores")(scores.scores)
app.command("summary")(summary.summary)
app.command("exchange")(exchange.exchange)
app.command("report")(report.report)

app.add_typer(campaign.milestone_app, name="milestone")
app.add_typer(messages.notice_app, name="notice")
app.add_typer(training.training_app, name="training")
survey.survey_app.add_typer(cards.cards_app, name="cards")
app.add_typer(survey.survey_app, name="survey")
app.add_typer(inspection.inspect_app, name="inspect")
app.add_typer(web.web_app, name="web")
app.add_typer(analysis.analysis_app, name="analysis")
app.add_typer(audit.audit_app, name="audit")
