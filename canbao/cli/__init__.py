"""The `canbao` command: the root app, with every command and group registered here, in the order `canbao --help`
lists them. Each command lives in the module of its area (canbao.cli.campaign, .intake, .survey, …) and shares
the options and helpers of canbao.cli.common; none imports this module.

Only typer and rich load when `canbao` starts (`canbao --help` answers at once); each command imports the storage,
the use cases it calls and, for campaign work, Prefect. Quick records and queries answer without Prefect;
campaign work runs flows, on the Prefect server `canbao web serve` or `canbao serve` keeps when one runs. With
--json, stdout holds only the JSON; canbao's messages go to stderr, Prefect's and the libraries' log lines to the
log file under the data folder (also to stderr with --verbose). A known failure is one Chinese line and exit
code 2 (canbao.cli.failures).
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
    runs,
    scores,
    summary,
    survey,
    training,
    users,
    web,
)
from canbao.cli.console_log import set_up
from canbao.cli.failures import CanbaoGroup

__all__ = ["app"]

app = typer.Typer(
    help="全民参保登记工作调度（canbao）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    cls=CanbaoGroup,
)


@app.callback()
def root(
    verbose: bool = typer.Option(
        False, "--verbose", envvar="CANBAO_VERBOSE", help="同时在屏幕（标准错误）上显示 Prefect 和各程序库的日志"
    ),
) -> None:
    from flows.runtime import prepare_prefect_environment
    from models.settings import Settings

    try:
        settings = Settings()
    except ValueError:
        set_up(None, verbose)  # the command that reads the settings reports what is wrong with them
        return
    set_up(settings.log_path, verbose)
    # Before any command imports a flow module: Prefect reads its settings (the server found) on import.
    prepare_prefect_environment(settings, verbose=verbose)


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
app.command("runs")(runs.runs)

app.add_typer(campaign.milestone_app, name="milestone")
app.add_typer(messages.notice_app, name="notice")
app.add_typer(messages.messages_app, name="messages")
app.add_typer(training.training_app, name="training")
survey.survey_app.add_typer(cards.cards_app, name="cards")
app.add_typer(survey.survey_app, name="survey")
app.add_typer(inspection.inspect_app, name="inspect")
app.add_typer(web.web_app, name="web")
app.add_typer(analysis.analysis_app, name="analysis")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(users.users_app, name="users")
