"""`canbao web …`: personal links for village workers and the page they open (入户调查网页)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from canbao.cli.common import Json, emit_json, err, fail, keep_prefect_server, load_settings, out, workspace
from canbao.cli.console_log import verbose

if TYPE_CHECKING:
    from models.settings import Settings

web_app: typer.Typer = typer.Typer(help="入户调查网页（村（社区）工作人员用手机登记走访结果）", no_args_is_help=True)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def utc_text(moment: datetime) -> str:
    """A stored time as ISO text in UTC (SQLite gives it back without its offset: it is UTC, see models.tables)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


@web_app.command("token")
def token(
    village: str = typer.Argument(..., help="村（社区）：12位代码、村名或“乡镇名/村名”"),
    worker: str = typer.Option(..., "--worker", help="工作人员姓名"),
    card: str = typer.Option(
        None, "--card", help="其入户调查证号：须是该村（社区）发给本人、未收回的证；经此链接登记的走访记为持此证"
    ),
    base_url: str = typer.Option(
        DEFAULT_BASE_URL, "--base-url", envvar="CANBAO_WEB_BASE_URL", help="网页的外部地址（个人链接以它开头）"
    ),
    as_json: bool = Json,
) -> None:
    """为一名村（社区）工作人员生成个人链接（只显示这一次；数据库只保存其摘要）。"""
    from models.survey.worker import issue_token
    from tasks.survey.places import UnknownVillage, resolve_village

    name = worker.strip()
    if not name:
        fail("--worker 不能为空")
    with workspace() as ws:
        campaign_id, campaign = ws.campaign()
        try:
            code = resolve_village(campaign, village)
        except UnknownVillage as exc:
            fail(str(exc))
        named = linked_card(ws, code, name, card) if card is not None else ""
        with ws.session() as session:
            secret, row = issue_token(
                session, campaign_id=campaign_id, village_code=code, worker=name, card_number=named
            )
            token_id = row.id
        held = named or worker_card(ws, code, name)
    url = f"{base_url.rstrip('/')}/w/{secret}"
    if as_json:
        emit_json({"village": code, "worker": name, "url": url, "token_id": token_id, "card": held})
        return
    if named:
        err.print(f"此链接登记的走访记为持入户调查证{named}。", highlight=False)
    elif held is None:
        err.print(
            f"[yellow]注意：[/]{name} 没有{campaign.village_names()[code]}有效的入户调查证"
            "（canbao survey cards issue 发证）；其走访将列入 canbao survey cards check。",
            highlight=False,
        )
    village_name = campaign.village_names()[code]
    err.print(
        f"已为{village_name}（{code}）的 {name} 生成个人链接（编号 {token_id}）。链接只显示这一次，"
        f"请当面或私下转交本人；遗失或外泄时用 canbao web revoke {token_id} 停用：",
        highlight=False,
    )
    sys.stdout.write(url + "\n")


def linked_card(ws: Any, village: str, worker: str, number: str) -> str:
    """The number of the card --card names, checked against the register; exit 2 with the reason if it cannot be."""
    from tasks.survey.card_register import link_card
    from tasks.survey.cards import CardError

    try:
        return link_card(ws, village=village, worker=worker, number=number).number
    except CardError as exc:
        fail(escape(f"--card：{exc}"))


def worker_card(ws: Any, village: str, worker: str) -> str | None:
    """The number of the worker's card valid today for the village (the link's visits are the worker's), if any."""
    from tasks.survey.card_register import stored_cards
    from tasks.survey.cards import holder_name
    from tasks.workspace import today_in

    today = today_in(ws.campaign()[1])
    name = holder_name(worker)
    valid = [c for c in stored_cards(ws) if c.village_code == village and c.holder == name and c.valid_on(today)]
    return valid[0].number if valid else None


@web_app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., help="链接编号（canbao web tokens 列出）"),
    as_json: bool = Json,
) -> None:
    """停用一个个人链接：之后打开它只会看到“页面不存在”。"""
    from models.survey.worker import revoke_token

    with workspace() as ws:
        campaign_id, campaign = ws.campaign()
        with ws.session() as session:
            found = revoke_token(session, campaign_id=campaign_id, token_id=token_id)
            if found is None:
                fail(f"没有编号为 {token_id} 的个人链接")
            row, now = found
            village, worker, revoked_at = row.village_code, row.worker, row.revoked_at or datetime.now(UTC)
    if as_json:
        emit_json({"token_id": token_id, "village": village, "worker": worker, "revoked_at": utc_text(revoked_at)})
        return
    village_name = campaign.village_names().get(village, village)
    when = "已停用" if now else f"早已于 {utc_text(revoked_at)[:16].replace('T', ' ')}（UTC）停用"
    err.print(f"{village_name} {worker} 的个人链接（编号 {token_id}）{when}。", highlight=False)


@web_app.command("tokens")
def tokens(as_json: bool = Json) -> None:
    """列出已生成的个人链接（编号、村（社区）、工作人员、生成时间、停用时间；不显示链接本身）。"""
    from models.survey.worker import list_tokens

    with workspace() as ws:
        campaign_id, campaign = ws.campaign()
        with ws.session() as session:
            rows = list_tokens(session, campaign_id=campaign_id)
    names = campaign.village_names()
    items: list[dict[str, Any]] = [
        {
            "token_id": r.id,
            "village": r.village_code,
            "village_name": names.get(r.village_code, ""),
            "worker": r.worker,
            "card": r.card_number or None,
            "created_at": utc_text(r.created_at),
            "revoked_at": utc_text(r.revoked_at) if r.revoked_at else None,
        }
        for r in rows
    ]
    if as_json:
        emit_json(items)
        return
    if not items:
        err.print("还没有生成个人链接（canbao web token 村 --worker 姓名）。", highlight=False)
        return
    table = Table("编号", "村（社区）", "代码", "工作人员", "生成时间（UTC）", "停用时间（UTC）")
    for i in items:
        table.add_row(
            str(i["token_id"]),
            i["village_name"],
            i["village"],
            i["worker"],
            i["created_at"][:16].replace("T", " "),
            (i["revoked_at"] or "")[:16].replace("T", " "),
        )
    out.print(table)


@web_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；对外服务请放在 HTTPS 反向代理之后"),
    port: int = typer.Option(8000, "--port", help="端口"),
) -> None:
    """运行控制台（/，用户登录）和入户调查网页（/w/…）（Ctrl-C 停止）。访问日志不记录链接中的令牌。"""
    from flows.runtime import prepare_prefect_environment

    settings = load_settings()
    with workspace() as ws:
        ws.campaign()  # fail now, in Chinese, if `canbao init` has not been run
    with keep_prefect_server(settings):
        # Recording a visit uses the survey flow's module, which imports Prefect: it must see its home first.
        prepare_prefect_environment(settings, verbose=verbose())
        run_pages(settings, host, port)


def run_pages(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from canbao.web.app import create_app

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    page_log = logging.getLogger("canbao.web")
    page_log.addHandler(handler)
    page_log.setLevel(logging.INFO)
    page_log.propagate = False  # Prefect's console handler on the root logger would print every line twice
    err.print(
        f"控制台：http://{host}:{port}/ ；入户调查网页：http://{host}:{port}/w/<个人链接令牌>（Ctrl-C 停止）",
        highlight=False,
    )
    # uvicorn's access log prints each request's path, and the path holds the worker's token: it stays off;
    # canbao.web logs every request with the token replaced by its id.
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_level="info")
