"""`canbao audit exports`: where personal data went in full (models.exports); `canbao audit actions`: every change
a user made (tasks.access.audit)."""

from __future__ import annotations

import typer
from rich.table import Table

from canbao.cli.common import Json, emit_json, out, workspace

audit_app: typer.Typer = typer.Typer(help="审计", no_args_is_help=True)


@audit_app.command("exports")
def audit_exports(as_json: bool = Json) -> None:
    """列出每一个写出了完整身份证号、电话等个人信息的文件（名单、反馈清单、退回表、抽查样本）。"""
    from models.exports import KIND_NAMES, exports

    with workspace() as ws:
        campaign_id, _campaign = ws.campaign()
        with ws.session() as session:
            rows = exports(session, campaign_id=campaign_id)
    if as_json:
        emit_json([{"kind": r.kind, "file": r.file, "persons": r.persons, "exported_by": r.exported_by,
                    "exported_at": r.exported_at.isoformat()} for r in rows])  # fmt: skip
        return
    table = Table("时间（UTC）", "类别", "人数", "操作人", "文件", title=f"含完整个人信息的导出文件（共{len(rows)}个）")
    for r in rows:
        table.add_row(r.exported_at.strftime("%Y-%m-%d %H:%M"), KIND_NAMES.get(r.kind, r.kind), str(r.persons),
                      r.exported_by, r.file)  # fmt: skip
    out.print(table)


@audit_app.command("actions")
def audit_actions(as_json: bool = Json) -> None:
    """列出用户所做的每一项更改（时间、用户、操作、对象、渠道），包括控制台、接口和命令行上的。"""
    from tasks.access.audit import ACTION_NAMES, CHANNEL_NAMES, action_log

    with workspace() as ws:
        rows = action_log(ws)
    if as_json:
        emit_json(rows)
        return
    table = Table("时间（UTC）", "用户", "操作", "对象", "渠道", "详情", title=f"用户操作记录（共{len(rows)}条）")
    for r in rows:
        detail = "；".join(f"{k}：{v}" for k, v in r["detail"].items() if v not in (None, ""))
        table.add_row(r["at"][:16].replace("T", " "), r["username"], ACTION_NAMES.get(r["action"], r["action"]),
                      r["target"], CHANNEL_NAMES.get(r["channel"], r["channel"]), detail)  # fmt: skip
    out.print(table)
