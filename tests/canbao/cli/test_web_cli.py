"""`canbao web token / tokens / revoke`: a link printed once, only its hash kept, revoked links open nothing."""

from __future__ import annotations

import json
from collections import Counter

from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.campaign.spec import Campaign
from models.settings import Settings
from models.survey.worker import hash_token
from models.tables import WorkerToken
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.web_helpers import TODAY, VILLAGE_A


def stored_tokens(env: dict[str, str]) -> list[WorkerToken]:
    ws = Workspace.open(Settings(data_dir=env["CANBAO_DATA_DIR"], database_url=env["CANBAO_DATABASE_URL"]))
    try:
        with ws.session() as session:
            return list(session.exec(select(WorkerToken)).all())
    finally:
        ws.close()


def test_a_link_is_printed_once_and_only_its_hash_is_stored(env: dict[str, str]) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "web", "token", VILLAGE_A, "--worker", "张晓红", "--base-url", "https://rsj.example/")
    assert code == 0
    url = out.strip()
    assert url.startswith("https://rsj.example/w/") and "\n" not in url
    token = url.rsplit("/", 1)[1]
    assert len(token) == 32  # secrets.token_urlsafe(24)
    assert "新安社区" in err and token not in err

    code, out, _ = invoke(env, "web", "token", "凤城镇/大同社区", "--worker", "林晓", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"village", "worker", "url", "token_id", "card"}
    assert (data["village"], data["worker"], data["token_id"], data["card"]) == ("350524100002", "林晓", 2, None)
    assert data["url"].startswith("http://127.0.0.1:8000/w/")

    [first, second] = stored_tokens(env)
    assert (first.village_code, first.worker, first.token_hash) == (VILLAGE_A, "张晓红", hash_token(token))
    assert second.token_hash == hash_token(data["url"].rsplit("/", 1)[1])

    code, out, _ = invoke(env, "web", "tokens", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [(t["token_id"], t["village"], t["village_name"], t["worker"], t["revoked_at"]) for t in listed] == [
        (1, VILLAGE_A, "新安社区", "张晓红", None),
        (2, "350524100002", "大同社区", "林晓", None),
    ]
    assert all(
        set(t) == {"token_id", "village", "village_name", "worker", "card", "created_at", "revoked_at"} for t in listed
    )
    assert token not in out and first.token_hash not in out
    code, out, _ = invoke(env, "web", "tokens")
    assert code == 0 and "张晓红" in out and token not in out


def test_a_revoked_link_opens_nothing(env: dict[str, str]) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "web", "token", "凤城镇新安社区", "--worker", "张晓红", "--json")
    assert code == 0, err
    data = json.loads(out)
    path = "/w/" + data["url"].rsplit("/", 1)[1]
    settings = Settings(data_dir=env["CANBAO_DATA_DIR"], database_url=env["CANBAO_DATABASE_URL"])
    with TestClient(create_app(settings, clock=lambda _c: TODAY)) as client:
        assert client.get(path).status_code == 200
        code, out, _ = invoke(env, "web", "revoke", str(data["token_id"]), "--json")
        assert code == 0
        revoked = json.loads(out)
        assert (revoked["token_id"], revoked["village"], revoked["worker"]) == (data["token_id"], VILLAGE_A, "张晓红")
        assert revoked["revoked_at"].endswith("+00:00")
        assert client.get(path).status_code == 404
    code, _, err = invoke(env, "web", "revoke", str(data["token_id"]))
    assert code == 0 and "早已于" in err
    code, out, _ = invoke(env, "web", "tokens", "--json")
    assert code == 0 and json.loads(out)[0]["revoked_at"] == revoked["revoked_at"]
    code, _, err = invoke(env, "web", "revoke", "99")
    assert code == 2 and "没有编号为 99 的个人链接" in err


def test_a_village_must_be_named_unambiguously(env: dict[str, str], campaign: Campaign) -> None:
    assert invoke(env, "init")[0] == 0
    names = Counter(v.name for t in campaign.townships for v in t.villages)
    shared = next(name for name, n in names.items() if n > 1)
    code, out, err = invoke(env, "web", "token", shared, "--worker", "张晓红")
    assert code == 2 and out == ""
    assert "有多个村（社区）" in err and "请用村代码" in err
    for wrong in ("不存在村", "350524999999"):
        code, out, err = invoke(env, "web", "token", wrong, "--worker", "张晓红")
        assert code == 2 and out == "" and ("找不到" in err or "没有代码为" in err)
    township, village = next((t, v) for t in campaign.townships for v in t.villages if v.name == shared)
    code, out, _ = invoke(env, "web", "token", f"{township.name}{village.name}", "--worker", "张晓红", "--json")
    assert code == 0 and json.loads(out)["village"] == village.code
    assert stored_tokens(env)[0].village_code == village.code
