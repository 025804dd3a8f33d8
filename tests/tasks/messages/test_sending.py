"""Tests for tasks.messages.sending against real receivers: folders, HTTP and SMTP.

Everything listens on 127.0.0.1 only and is torn down by its fixture, so the
tests need no network and leave nothing running.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import apprise
import pytest

from tasks.messages import sending as delivery
from tasks.messages.sending import MessageSender, SendingConfigError, SendResult, write_folder_config
from tests.receivers import HttpReceiver, SmtpServer, refused_port

TITLE = "关于催办全民参保登记工作的提醒"
BODY = "请你镇（乡）于本周五前完成未参保人员的入户登记，并将进度报县社保中心。"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
FILE_NAME_RE = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{12}\.txt$")


def message_files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if FILE_NAME_RE.match(p.name))


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {
        "350524100": tmp_path / "mail" / "350524100",
        "350524101": tmp_path / "mail" / "350524101",
        "police": tmp_path / "mail" / "police",
        "county": tmp_path / "mail" / "county",
    }


@pytest.fixture
def folder_config(tmp_path: Path, folders: dict[str, Path]) -> Path:
    path = tmp_path / "notify.yml"
    write_folder_config(path, folders)
    return path


# --------------------------------------------------------------------------
# folder delivery (canbaofile://)
# --------------------------------------------------------------------------


def test_folder_delivery_writes_one_file_into_the_tag_folder_only(
    folder_config: Path, folders: dict[str, Path]
) -> None:
    sender = MessageSender(folder_config)

    assert sender.send(["350524100"], TITLE, BODY) == SendResult(ok=True, error=None)

    files = message_files(folders["350524100"])
    assert len(files) == 1
    assert files[0].read_text(encoding="utf-8") == f"{TITLE}\n\n{BODY}"
    for tag in ("350524101", "police", "county"):
        assert message_files(folders[tag]) == []


def test_resending_the_same_message_creates_no_second_file(folder_config: Path, folders: dict[str, Path]) -> None:
    sender = MessageSender(folder_config)
    assert sender.send(["police"], TITLE, BODY).ok
    first = message_files(folders["police"])

    # A retry from the outbox, and a retry by a fresh run: still one file.
    assert sender.send(["police"], TITLE, BODY).ok
    assert MessageSender(folder_config).send(["police"], TITLE, BODY).ok
    assert message_files(folders["police"]) == first

    # A different message is a different file.
    assert sender.send(["police"], TITLE, BODY + "（第二次提醒）").ok
    assert len(message_files(folders["police"])) == 2


def test_file_name_is_timestamp_plus_content_hash(folder_config: Path, folders: dict[str, Path]) -> None:
    import hashlib

    assert MessageSender(folder_config).send(["county"], TITLE, BODY).ok
    [written] = message_files(folders["county"])
    digest = hashlib.sha256((TITLE + BODY).encode("utf-8")).hexdigest()[:12]
    assert written.name.endswith(f"-{digest}.txt")
    assert written.name[9:15].isdigit()


def test_folder_config_is_apprise_yaml_with_absolute_folders(folder_config: Path, folders: dict[str, Path]) -> None:
    import yaml

    document = yaml.safe_load(folder_config.read_text(encoding="utf-8"))
    assert document["version"] == 1
    entries = {next(iter(entry.values()))[0]["tag"]: next(iter(entry)) for entry in document["urls"]}
    # Tags must stay strings ("350524100", not an int) for apprise to match them.
    assert set(entries) == set(folders)
    assert entries["police"] == f"canbaofile://{folders['police']}"


def test_folder_path_with_special_characters_round_trips(tmp_path: Path) -> None:
    folder = tmp_path / "县社保中心 收件箱" / "a@b:c%d#e?f"
    config = tmp_path / "notify.yml"
    write_folder_config(config, {"county": folder})

    assert MessageSender(config).send(["county"], TITLE, BODY).ok
    assert len(message_files(folder)) == 1


def test_relative_folder_form_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apprise cannot tell canbaofile:///x from canbaofile://x, so a relative
    # folder is spelled with a leading "./" segment.
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "notify.txt"
    config.write_text("county=canbaofile://./var/mailbox/county\n", encoding="utf-8")

    assert MessageSender(config).send(["county"], TITLE, BODY).ok
    assert len(message_files(tmp_path / "var" / "mailbox" / "county")) == 1


def test_attachments_are_copied_next_to_the_message(folder_config: Path, folders: dict[str, Path]) -> None:
    attachment = folder_config.parent / "进度表.csv"
    attachment.write_text("乡镇,完成率\n城关镇,87%\n", encoding="utf-8")

    assert MessageSender(folder_config).send(["county"], TITLE, BODY, [attachment]).ok
    [message] = message_files(folders["county"])
    copied = folders["county"] / f"{message.stem}-进度表.csv"
    assert copied.read_text(encoding="utf-8") == attachment.read_text(encoding="utf-8")


def test_unwritable_folder_is_a_failed_result_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    config = tmp_path / "notify.yml"
    write_folder_config(config, {"county": blocker / "inbox"})

    result = MessageSender(config).send(["county"], TITLE, BODY)

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("发送失败：")
    assert "写入文件夹" in result.error


def test_registering_the_schema_twice_is_harmless(folder_config: Path, folders: dict[str, Path]) -> None:
    delivery.register_folder_schema()
    delivery.register_folder_schema()
    assert MessageSender(folder_config).send(["county"], TITLE, BODY).ok
    assert len(message_files(folders["county"])) == 1


def test_module_reload_keeps_the_schema_working(folder_config: Path, folders: dict[str, Path]) -> None:
    # Reloading in a child process keeps this test session's classes intact.
    script = (
        "import importlib, sys\n"
        "from pathlib import Path\n"
        "import tasks.messages.sending as d\n"
        "d = importlib.reload(d)\n"
        "r = d.MessageSender(Path(sys.argv[1])).send(['police'], 'reload', 'ok')\n"
        "sys.exit(0 if r.ok else 1)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(folder_config)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(message_files(folders["police"])) == 1


# --------------------------------------------------------------------------
# tag matching
# --------------------------------------------------------------------------


def test_one_tag_reaches_only_its_service(folder_config: Path, folders: dict[str, Path]) -> None:
    assert MessageSender(folder_config).send(["350524100"], TITLE, BODY).ok
    assert [tag for tag, folder in folders.items() if message_files(folder)] == ["350524100"]


def test_a_tag_list_reaches_each_matching_service(folder_config: Path, folders: dict[str, Path]) -> None:
    assert MessageSender(folder_config).send(["350524100", "police", "county"], TITLE, BODY).ok
    reached = sorted(tag for tag, folder in folders.items() if message_files(folder))
    assert reached == ["350524100", "county", "police"]


def test_a_plain_string_tag_is_one_recipient(folder_config: Path, folders: dict[str, Path]) -> None:
    assert MessageSender(folder_config).send("350524100", TITLE, BODY).ok
    assert len(message_files(folders["350524100"])) == 1


def test_unknown_tag_fails_with_a_chinese_error(folder_config: Path, folders: dict[str, Path]) -> None:
    result = MessageSender(folder_config).send(["350524999"], TITLE, BODY)

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("没有找到标签 350524999 的接收方")
    assert all(message_files(folder) == [] for folder in folders.values())


def test_known_and_unknown_tags_deliver_to_the_known_one(folder_config: Path, folders: dict[str, Path]) -> None:
    assert MessageSender(folder_config).send(["350524999", "police"], TITLE, BODY).ok
    assert len(message_files(folders["police"])) == 1


@pytest.mark.parametrize("tags", [[], ["all"], ["always"], ["350524100,police"], ["1:police"], [""]])
def test_empty_reserved_or_malformed_tags_are_rejected(
    folder_config: Path, folders: dict[str, Path], tags: list[str]
) -> None:
    # "all" would broadcast to every recipient; commas and colons are apprise
    # syntax, not recipient names.
    result = MessageSender(folder_config).send(tags, TITLE, BODY)

    assert not result.ok
    assert result.error
    assert all(message_files(folder) == [] for folder in folders.values())


def test_a_service_tagged_always_does_not_receive_everything(tmp_path: Path) -> None:
    config = tmp_path / "notify.txt"
    config.write_text(
        f"always=canbaofile://{tmp_path}/always\ncounty=canbaofile://{tmp_path}/county\n", encoding="utf-8"
    )
    assert MessageSender(config).send(["county"], TITLE, BODY).ok
    assert message_files(tmp_path / "always") == []


# --------------------------------------------------------------------------
# a real HTTP receiver (json://)
# --------------------------------------------------------------------------


def test_json_receiver_gets_the_chinese_title_and_body_then_failures_are_reported(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = tmp_path / "notify.txt"
    config.write_text(
        "# 县社保中心的 webhook\n"
        f"350524100=json://canbao:s3cr3t-password@127.0.0.1:{http_receiver.port}/hooks/canbao\n",
        encoding="utf-8",
    )
    sender = MessageSender(config)

    # 1. delivered
    assert sender.send(["350524100"], TITLE, BODY) == SendResult(ok=True, error=None)
    [request] = http_receiver.requests
    assert request["path"] == "/hooks/canbao"
    assert request["content_type"] == "application/json"
    assert request["json"]["title"] == TITLE
    assert request["json"]["message"] == BODY

    # 2. the receiver answers 500: failed, with apprise's own reason
    http_receiver.status = 500
    result = sender.send(["350524100"], TITLE, BODY)
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("发送失败：")
    assert "500" in result.error
    assert "s3cr3t-password" not in result.error

    # 3. the receiver is gone (port closed): failed (how fast: bench/delivery_bench.py)
    http_receiver.stop()
    result = sender.send(["350524100"], TITLE, BODY)
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("发送失败：")
    assert "s3cr3t-password" not in result.error


def test_one_broken_endpoint_fails_the_message_but_not_the_others(tmp_path: Path, http_receiver: HttpReceiver) -> None:
    config = tmp_path / "notify.yml"
    config.write_text(
        "version: 1\n"
        "urls:\n"
        f"  - json://127.0.0.1:{http_receiver.port}/hook:\n"
        "      - tag: police\n"
        f"  - canbaofile://{tmp_path}/county:\n"
        "      - tag: county\n",
        encoding="utf-8",
    )
    http_receiver.status = 503
    sender = MessageSender(config)

    result = sender.send(["police", "county"], TITLE, BODY)

    # The county folder got it; the failed webhook makes the message count as
    # not sent, so the outbox retries it (the folder side is idempotent).
    assert not result.ok
    assert len(message_files(tmp_path / "county")) == 1
    assert sender.send(["county"], TITLE, BODY).ok


def test_unexpected_exceptions_become_failed_results_without_secrets(
    folder_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = MessageSender(folder_config)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom at https://hooks.example.org/send?access_token=abcdef0123456789")

    monkeypatch.setattr(apprise.Apprise, "notify", explode)  # every group of services notifies through it
    result = sender.send(["county"], TITLE, BODY)

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("发送失败：")
    assert "RuntimeError" in result.error
    assert "abcdef0123456789" not in result.error


# --------------------------------------------------------------------------
# a real SMTP server (mailto://)
# --------------------------------------------------------------------------


def test_smtp_delivery_carries_the_chinese_subject_and_body(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = tmp_path / "notify.yml"
    config.write_text(
        "version: 1\n"
        "urls:\n"
        # Plain SMTP on a local port: mode=insecure (no STARTTLS), no login.
        f"  - mailto://127.0.0.1:{smtp_server.port}"
        "?from=canbao@example.org&to=shebao-350524100@example.org&mode=insecure:\n"
        "      - tag: '350524100'\n",
        encoding="utf-8",
    )

    result = MessageSender(config).send(["350524100"], TITLE, BODY)

    assert result == SendResult(ok=True, error=None)
    [envelope] = smtp_server.sink.envelopes
    assert envelope.mail_from == "canbao@example.org"
    assert envelope.rcpt_tos == ["shebao-350524100@example.org"]
    [message] = smtp_server.messages()
    assert message["Subject"] == TITLE
    assert message.get_content_type() == "text/plain"
    assert BODY in message.get_content()


def _recorded_pacing(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits apprise's pacing asks for (apprise.url's throttle), recorded instead of slept."""
    import apprise.url

    waits: list[float] = []
    sleep = time.sleep

    def record(seconds: float) -> None:
        if seconds >= 1:
            waits.append(seconds)
        else:
            sleep(seconds)

    monkeypatch.setattr(apprise.url.time, "sleep", record)
    return waits


def test_throttle_override_lets_bulk_mail_through_without_apprise_pacing(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apprise waits 5.5 s between two sends through one mailto:// entry;
    # throttle_seconds=0 is for a relay of our own.
    config = tmp_path / "notify.txt"
    config.write_text(
        f"county=mailto://127.0.0.1:{smtp_server.port}?from=canbao@example.org&to=x@example.org&mode=insecure\n",
        encoding="utf-8",
    )
    waits = _recorded_pacing(monkeypatch)

    sender = MessageSender(config, throttle_seconds=0)
    assert sender.send(["county"], TITLE, BODY).ok
    assert sender.send(["county"], TITLE, BODY + "（二）").ok
    assert waits == []
    assert len(smtp_server.sink.envelopes) == 2

    # Without the override the second send waits apprise's pacing (recorded here, not slept).
    paced = MessageSender(config)
    assert paced.send(["county"], TITLE, BODY + "（三）").ok
    assert paced.send(["county"], TITLE, BODY + "（四）").ok
    assert len(waits) == 1 and waits[0] > 5
    assert len(smtp_server.sink.envelopes) == 4


def test_smtp_server_down_fails(tmp_path: Path) -> None:
    # How fast it fails is measured by bench/delivery_bench.py.
    config = tmp_path / "notify.txt"
    with refused_port() as port:
        config.write_text(
            f"county=mailto://127.0.0.1:{port}?from=canbao@example.org&to=x@example.org&mode=insecure\n",
            encoding="utf-8",
        )
        result = MessageSender(config).send(["county"], TITLE, BODY)

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("发送失败：")


# --------------------------------------------------------------------------
# configuration errors
# --------------------------------------------------------------------------


def test_missing_config_raises_delivery_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "没有这个文件.yml"
    with pytest.raises(SendingConfigError, match=re.escape(str(missing))):
        MessageSender(missing)


@pytest.mark.parametrize("content", ["", "# 只有注释\n", "this is not a config\n"])
def test_config_without_usable_recipients_raises(tmp_path: Path, content: str) -> None:
    config = tmp_path / "notify.txt"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(SendingConfigError, match=re.escape(str(config))):
        MessageSender(config)


def test_config_is_read_once_per_deliverer(folder_config: Path, folders: dict[str, Path]) -> None:
    sender = MessageSender(folder_config)
    folder_config.unlink()
    assert sender.send(["county"], TITLE, BODY).ok
    assert len(message_files(folders["county"])) == 1


def test_write_folder_config_rejects_tags_apprise_would_misread(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="无效"):
        write_folder_config(tmp_path / "notify.yml", {"police,county": tmp_path / "x"})
