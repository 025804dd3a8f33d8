"""Known failures as one Chinese line and exit code 2, whichever command meets them; anything else as one line
too, its traceback in the log file (on the console with `--verbose`), exit code 1.

The root command's group (CanbaoGroup) wraps every command. A failure a command already reports itself
(canbao.cli.common.fail) passes through untouched.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from canbao.cli.console_log import verbose

VERBOSE_FLAG = "--verbose"

# The failures whose message is the sentence the user reads (Chinese, naming the file, row or object), by
# module and class: an exception can only be raised once its module is imported, so the commands that never
# import Prefect do not import it here either.
KNOWN_FAILURES = (
    ("models.crud", "NoCampaignError"),
    ("models.campaign.spec", "CampaignFileError"),
    ("models.runlock", "LockHeld"),
    ("models.schema", "SchemaUpgradeError"),
    ("tasks.intake.checks", "IngestError"),
    ("tasks.comparison.registry", "NoComparison"),
    ("tasks.survey.cutoff", "TooEarly"),
    ("tasks.survey.places", "UnknownVillage"),
    ("tasks.plan.milestones", "AssignmentError"),
    ("tasks.inspection.checking", "InspectionError"),
    ("tasks.training.imports", "NoTrainingPlan"),
    ("tasks.messages.sending", "SendingConfigError"),
    ("flows.comparison", "NothingToCompare"),
    ("flows.survey", "NoWorklists"),
    ("flows.shared_server", "ServerStartError"),
)

# The database cannot be reached or its address is wrong: SQLAlchemy's errors, by name.
DATABASE_FAILURES = ("OperationalError", "InterfaceError", "ArgumentError", "NoSuchModuleError")


def known_failure_message(exc: BaseException) -> str | None:
    """The Chinese line for a known failure, or None."""
    for module_name, class_name in KNOWN_FAILURES:
        module = sys.modules.get(module_name)
        known = getattr(module, class_name, None) if module else None
        if isinstance(known, type) and isinstance(exc, known):
            return str(exc)
    if type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ in DATABASE_FAILURES:
        return f"无法访问数据库 {_database_url()}：{_first_line(getattr(exc, 'orig', None) or exc)}"
    return _settings_message(exc) if "pydantic" in sys.modules else None  # the settings are what load pydantic


def _settings_message(exc: BaseException) -> str | None:
    from pydantic import ValidationError

    if not (isinstance(exc, ValidationError) and exc.title == "Settings"):
        return None
    wrong = "；".join(
        f"CANBAO_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!s}（{e['msg']}）" for e in exc.errors()
    )
    return f"环境变量的设置无效：{wrong}"


def _database_url() -> str:
    """The configured database address, its password hidden."""
    try:
        from sqlalchemy.engine import make_url

        from models.settings import Settings

        return make_url(Settings().db_url).render_as_string(hide_password=True)
    except Exception:  # the address itself is what could not be read
        return "（CANBAO_DATABASE_URL）"


def _log_path() -> str:
    try:
        from models.settings import Settings

        return str(Settings().log_path)
    except Exception:  # the settings themselves may be what failed
        return "日志文件"


def _first_line(reason: object) -> str:
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__


def _print_error(message: str) -> None:
    from canbao.cli.common import err

    err.print(f"[bold red]错误：[/]{message}", highlight=False)


class CanbaoGroup(TyperGroup):
    """The root command: `--verbose` is accepted anywhere on the line, and failures end as one line."""

    # The contexts are typer's own (its vendored click): typed loosely so as not to name a private module.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `canbao ingest … --verbose` as well as `canbao --verbose ingest …`: the flag is the root's.
        end = args.index("--") if "--" in args else len(args)
        if VERBOSE_FLAG in args[:end]:
            args = [VERBOSE_FLAG] + [a for i, a in enumerate(args) if not (a == VERBOSE_FLAG and i < end)]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if type(exc).__module__.startswith("typer"):
                raise  # an exit code chosen by the command, a usage error, an abort: typer reports them
            message = known_failure_message(exc)
            if message is not None:
                logging.getLogger("canbao").warning("已报告的错误：%s", message, exc_info=exc)
                _print_error(message)
                raise typer.Exit(2) from None
            logging.getLogger("canbao").error("意外错误", exc_info=exc)
            if verbose():
                raise
            _print_error(
                f"意外错误（{type(exc).__name__}：{_first_line(exc)}），详情已写入 {_log_path()}；"
                "加 --verbose 可在屏幕上查看"
            )
            raise typer.Exit(1) from None
