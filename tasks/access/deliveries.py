"""A department's delivery uploaded through the console or the API: who may deliver which source, where the
uploaded files are kept, and the audit entry of every upload (accepted or refused).

* county: any source; department: only the sources the campaign file gives it (another's is OutOfScope, 404,
  as a source that does not exist); township and supervisor: Forbidden (403).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.campaign.spec import Campaign
from models.exports import log_exports
from tasks.access.audit import log_change
from tasks.access.roles import Principal
from tasks.access.scope import Forbidden, OutOfScope
from tasks.intake.snapshots import active_snapshot
from tasks.workspace import Workspace

UPLOAD_SUFFIXES = (".xlsx", ".xls", ".csv")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
MAX_NAME = 120


@dataclass(frozen=True)
class DeliverableSource:
    key: str
    name: str
    department: str


def deliverable_sources(campaign: Campaign, principal: Principal) -> list[DeliverableSource]:
    """The sources the principal may upload, in the campaign file's order (none for a township or supervisor)."""
    if principal.role not in ("county", "department"):
        return []
    departments = {d.key: d.name for d in campaign.departments}
    return [
        DeliverableSource(key, spec.name, departments.get(spec.department, spec.department))
        for key, spec in campaign.sources.items()
        if principal.role == "county" or spec.department == principal.scope
    ]


def require_deliver(campaign: Campaign, principal: Principal, source: str) -> None:
    """May the principal upload this source? Forbidden for a role that delivers nothing; OutOfScope for another
    department's source or one that does not exist."""
    if principal.role not in ("county", "department"):
        raise Forbidden("只有部门用户和县级用户可以报送数据")
    spec = campaign.sources.get(source)
    if spec is None or (principal.role == "department" and spec.department != principal.scope):
        raise OutOfScope(source)


def safe_file_name(name: str) -> str:
    """An uploaded file's name as it may be kept: no folder, no control or reserved characters, not too long."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    stem, suffix = Path(base).stem[:MAX_NAME], Path(base).suffix.lower()
    return f"{stem or '数据'}{suffix}"


def upload_folder(ws: Workspace, source: str, now: datetime) -> Path:
    """A new folder for one upload under the data folder: uploads/<source>/<UTC time>-<random>/."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    folder = ws.settings.data_path / "uploads" / source / f"{stamp}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def log_upload(
    ws: Workspace, principal: Principal, *, source: str, files: list[str], channel: str, result: dict[str, Any]
) -> None:
    """The audit entry of an upload: its files by their names and what the import said (or the error)."""
    with ws.session() as session:
        log_change(session, who=principal.username, action="delivery_upload", target=source, channel=channel,
                   detail={"files": files, **result})  # fmt: skip


def rejects_for(ws: Workspace, principal: Principal, source: str, *, channel: str) -> Path:
    """The rejects workbook of the source's current delivery, for one who may deliver it (or a supervisor); its
    rows hold IDs in full, so handing it out is logged as a personal-data export by that user. OutOfScope
    without one."""
    campaign_id, campaign = ws.campaign()
    if principal.role != "supervisor":
        require_deliver(campaign, principal, source)
    with ws.session() as session:
        snapshot = active_snapshot(session, campaign_id=campaign_id, source=source)
        if snapshot is None or not snapshot.rejects_path or not Path(snapshot.rejects_path).is_file():
            raise OutOfScope(source)
        path = Path(snapshot.rejects_path)
        log_exports(session, campaign_id=campaign_id, kind="rejects", files=[(path, snapshot.rejected)],
                    who=f"{channel}:{principal.username}")  # fmt: skip
    return path
