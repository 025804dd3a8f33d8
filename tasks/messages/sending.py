"""Sending messages: hand one rendered message to apprise (a department's data hand-over is tasks.intake's).

Recipients are apprise *tags* (a township's 9-digit code such as "350524100",
a department key such as "police", or "county").  Which endpoint a tag means is
decided only by an apprise configuration file (apprise's own YAML or TEXT
format), so this code never holds a URL, a token or a password.  Swapping the
demo folders for real e-mail / webhook endpoints is a configuration change.

This module deliberately has no Prefect import: it is the thin, synchronous
edge that the dispatch flow wraps, and it must stay usable (and testable) on
its own.  It never retries either -- the outbox resends unsent messages on the
next run, so a retry here would only hide failures and slow the run down.

The ``canbaofile://`` schema
----------------------------
Importing this module registers a custom apprise schema that writes every
message into a local folder, so a demo or a dry run needs no account anywhere.

apprise parses a custom URL as ``schema://host/path`` and drops the empty host
of ``canbaofile:///abs/folder``; ``canbaofile:///var/mailbox/x`` and
``canbaofile://var/mailbox/x`` reach the plugin identically (host ``var``,
path ``/mailbox/x``).  The two forms therefore cannot mean different things,
and both are read as the ABSOLUTE folder ``/var/mailbox/x``.  Relative folders
need an explicit first segment that apprise keeps as the "host":

* ``canbaofile:///abs/folder`` (preferred) or ``canbaofile://abs/folder`` ->
  ``/abs/folder``
* ``canbaofile://./var/mailbox/x`` -> ``var/mailbox/x`` under the current
  working directory of the sending process (``..`` works the same way)
* ``canbaofile://~/mailbox`` -> ``mailbox`` under the home directory

Characters that are special in URLs (space, ``?``, ``#``, ``%``, ``@``, ``:``,
non-ASCII) must be percent-encoded; ``write_folder_config`` does that.  apprise
also collapses repeated slashes, which is harmless for folder paths.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import apprise
import requests
import yaml
from apprise.common import MATCH_ALL_TAG, MATCH_ALWAYS_TAG
from apprise.decorators import notify as apprise_notify
from apprise.utils.cwe312 import cwe312_loggable

from tasks.messages import markdown_bots  # noqa: F401  (registers the markdown-capable WeCom and Feishu bots)
from tasks.messages.channels import FORMATS, Channel, channel_for, fit

__all__ = [
    "FOLDER_SCHEMA",
    "MessageSender",
    "SendResult",
    "SendingConfigError",
    "folder_message_name",
    "register_folder_schema",
    "write_folder_config",
]

logger = logging.getLogger(__name__)

FOLDER_SCHEMA = "canbaofile"

# Failure reasons for the folder plugin go to a child of apprise's own logger:
# apprise attaches its per-service log capture to the "apprise" logger, so only
# records that propagate there end up in the notify() result (and from there in
# SendResult.error).  A record on this module's logger would be lost.
_apprise_side_logger = logging.getLogger(f"{apprise.LOGGER_NAME}.{FOLDER_SCHEMA}")

# The tag grammar apprise itself understands (apprise.tag._RE_TAG without the
# "priority:" / ":retry" decorations).  Anything else is either split by apprise
# (commas, spaces) or re-interpreted (colons), i.e. would silently address the
# wrong recipients.
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# "all" matches every service and "always" is notified on every call, so using
# them as recipients would broadcast a township's reminder to everybody.
_RESERVED_TAGS = frozenset({MATCH_ALL_TAG, MATCH_ALWAYS_TAG})

# URL-looking fragments inside exception texts (requests, for example, puts the
# full URL with its query string into its messages).
_URL_IN_TEXT_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")

# Content-addressed file names: "<YYYYmmddTHHMMSS>-<12 hex>.txt".
_STAMP_FORMAT = "%Y%m%dT%H%M%S"
_HASH_LENGTH = 12

# Serialises "is it already there?" + "write it" for the folder plugin.  apprise
# notifies several matched services from a thread pool, and two tags may share
# a folder; without the lock the same message could be written twice.
_folder_lock = threading.Lock()


class SendingConfigError(RuntimeError):
    """The apprise configuration file is missing, unreadable or unusable."""


@dataclass(frozen=True)
class SendResult:
    """Outcome of one send: ``ok`` or a user-facing (Chinese) ``error``; ``formats``: those the message was
    sent in (one per kind of service reached)."""

    ok: bool
    error: str | None = None
    formats: tuple[str, ...] = field(default=(), compare=False)  # what was sent, not whether


# --------------------------------------------------------------------------
# canbaofile:// -- the local folder "mailbox"
# --------------------------------------------------------------------------


def folder_message_name(title: str, body: str, when: datetime | None = None) -> str:
    """File name the folder plugin uses for a message.

    The hash covers title+body only (not the time), so a resend of the same
    message can be recognised whatever second it happens in.
    """
    stamp = (when or datetime.now()).strftime(_STAMP_FORMAT)
    return f"{stamp}-{_content_hash(title, body)}.txt"


def _content_hash(title: str, body: str) -> str:
    return hashlib.sha256((title + body).encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def _folder_from_meta(meta: Mapping[str, Any]) -> Path | None:
    """Rebuild the folder from the pieces apprise parsed out of the URL."""
    host = unquote(str(meta.get("host") or ""))
    rest = unquote(str(meta.get("fullpath") or ""))
    if not host:
        # "canbaofile://" names no folder at all.
        return None
    if host in {".", ".."}:
        return Path(host + rest)
    if host == "~":
        return Path.home() / rest.lstrip("/")
    # apprise cannot tell "///abs" from "//abs" (see the module docstring), so
    # everything else is absolute.
    return Path("/" + host + rest)


def _write_message(folder: Path, title: str, body: str, attachments: Iterable[Any]) -> Path:
    """Write the message file (and attachments) unless it is already there."""
    digest = _content_hash(title, body)
    with _folder_lock:
        folder.mkdir(parents=True, exist_ok=True)
        existing = sorted(folder.glob(f"*-{digest}.txt"))
        if existing:
            # Already delivered (a retried send): idempotent by content.
            return existing[0]

        target = folder / folder_message_name(title, body)
        # Attachments first and the message last: the message file is what
        # marks the delivery as done, so a crash in between leaves no marker
        # and the next run writes everything again.
        for attachment in attachments:
            source = getattr(attachment, "path", None)
            if not source:
                continue
            name = Path(str(getattr(attachment, "name", None) or Path(source).name)).name
            shutil.copyfile(source, folder / f"{target.stem}-{name}")

        # Write to a temporary name and rename, so that a half-written file can
        # never be mistaken for a delivered message by the check above.
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".canbao-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(f"{title}\n\n{body}")
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target


def _send_to_folder(
    body: str,
    title: str,
    notify_type: str,
    *args: Any,
    meta: Mapping[str, Any],
    attach: Iterable[Any] | None = None,
    **kwargs: Any,
) -> bool:
    """apprise hook for ``canbaofile://``: one message -> one file."""
    folder = _folder_from_meta(meta)
    if folder is None:
        _apprise_side_logger.warning("canbaofile:// 地址没有给出文件夹路径")
        return False
    try:
        _write_message(folder, title or "", body or "", attach or ())
    except OSError as exc:
        # apprise only logs a hook's exception at DEBUG level, which its result
        # capture drops; log the reason ourselves and report a plain failure.
        _apprise_side_logger.warning("写入文件夹 %s 失败：%s", folder, exc.strerror or exc)
        return False
    return True


def register_folder_schema() -> None:
    """Register ``canbaofile://`` with apprise; safe to call repeatedly.

    apprise refuses (with a warning) to register a schema twice, which would
    leave a stale function in place after a module reload.  Unmapping our own
    previous registration first makes the latest code win, quietly.
    """
    manager = apprise.NotificationManager()
    if FOLDER_SCHEMA in manager:
        manager.remove(FOLDER_SCHEMA, unload=False)
    apprise_notify(on=FOLDER_SCHEMA, name="canbao 本地文件夹")(_send_to_folder)


register_folder_schema()


def write_folder_config(path: Path, recipients: Mapping[str, Path]) -> None:
    """Write an apprise YAML config that delivers each tag into its own folder.

    ``recipients`` maps tag -> folder.  Folders are made absolute so the
    config means the same thing whatever directory the run starts in.
    """
    for tag in recipients:
        problem = _tag_problem(tag)
        if problem:
            raise ValueError(problem)
    urls = [
        {f"{FOLDER_SCHEMA}://{quote(str(Path(folder).resolve()), safe='/')}": [{"tag": tag}]}
        for tag, folder in recipients.items()
    ]
    document = {"version": 1, "urls": urls}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # safe_dump quotes numeric-looking tags ('350524100'); unquoted, YAML would
    # hand apprise an int instead of the tag string.
    path.write_text(
        "# canbao 通知配置（apprise YAML 格式）：每个标签投递到各自的本地文件夹\n"
        + yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


# --------------------------------------------------------------------------
# WeCom / DingTalk / Feishu / Lark: HTTP 200 with an error code is a failure
# --------------------------------------------------------------------------
#
# These services answer a refused message (bad key, too many messages, keyword
# or IP not allowed, ...) with HTTP 200 and an error code in the JSON body:
# {"errcode": 93000, "errmsg": "..."} (WeCom bot, DingTalk), {"code": 19001,
# "msg": "..."} or {"StatusCode": 9499, "StatusMessage": "..."} (Feishu, Lark).
# apprise 2.0 checks only the status code, so it reports these as sent.
#
# The plugin modules post with the module-level ``requests.post``.  Their
# ``requests`` name is replaced by a stand-in that records the last response
# per thread (apprise notifies services from a thread pool), and the services
# of these schemas get a ``send`` that reads the recorded reply and turns an
# error code into a failure with the service's own message.  Everything else
# about the plugins (payloads, signatures, throttling) stays apprise's.

_ERROR_REPLY_PLUGINS = ("wecombot", "dingtalk", "feishu", "lark")
# (code key, message key) pairs, in the order they are looked for.
_ERROR_FIELDS = (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage"))
# Attributes of these plugins that hold a webhook key, token or signing secret.
_SECRET_ATTRIBUTES = ("key", "token", "secret", "access_token")
_last_reply = threading.local()


class _RecordingRequests:
    """Stands in for ``requests`` inside the checked plugin modules: the same API, and ``post`` keeps the
    response where this thread's send can read it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        response = requests.post(*args, **kwargs)
        _last_reply.response = response
        return response


def _install_reply_recorder() -> None:
    import importlib

    for name in _ERROR_REPLY_PLUGINS:
        module = importlib.import_module(f"apprise.plugins.{name}")
        if not isinstance(getattr(module, "requests", None), _RecordingRequests):
            module.requests = _RecordingRequests()  # type: ignore[attr-defined]


_install_reply_recorder()


def reply_error(response: Any) -> tuple[str, str] | None:
    """The (code, message) of a JSON reply that reports an error, or None for success or a non-JSON body."""
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for code_key, message_key in _ERROR_FIELDS:
        if code_key in data:
            code = data[code_key]
            if code in (0, "0", None):
                return None
            return str(code), str(data.get(message_key) or "")
    return None


def _checks_replies(service: Any) -> bool:
    # Along the class's ancestry: canbao's markdown-capable WeCom and Feishu bots subclass apprise's plugins.
    for cls in type(service).__mro__:
        module = cls.__module__
        if module.startswith("apprise.plugins.") and module.rsplit(".", 1)[-1] in _ERROR_REPLY_PLUGINS:
            return True
    return False


def _check_replies(service: Any) -> None:
    """Give a WeCom/DingTalk/Feishu/Lark service a ``send`` that fails on an error code in a 200 reply."""
    original = service.send
    secrets = [str(v) for a in _SECRET_ATTRIBUTES if isinstance(v := getattr(service, a, None), str) and len(v) > 3]

    def send(*args: Any, **kwargs: Any) -> bool:
        _last_reply.response = None
        ok = bool(original(*args, **kwargs))
        response, _last_reply.response = getattr(_last_reply, "response", None), None
        if not ok or response is None:
            return ok
        error = reply_error(response)
        if error is None:
            return True
        code, message = error
        for secret in secrets:
            message = message.replace(secret, "****")
        # On the "apprise" logger: apprise's per-call capture puts it into the result, and so into the outbox.
        service.logger.warning("%s 返回错误码 %s：%s", service.service_name, code, message or "（无说明）")
        return False

    service.send = send


# --------------------------------------------------------------------------
# MessageSender
# --------------------------------------------------------------------------


def _tag_problem(tag: object) -> str | None:
    if not isinstance(tag, str) or not _TAG_RE.match(tag):
        return f"接收方标签 {tag!r} 无效（只能由字母、数字、下划线和连字符组成）"
    if tag.lower() in _RESERVED_TAGS:
        return f"接收方标签 {tag!r} 是 apprise 的保留字，不能用作接收方"
    return None


def _redact(text: str) -> str:
    """Mask secrets in any URL that found its way into a message."""
    return _URL_IN_TEXT_RE.sub(lambda match: str(cwe312_loggable(match.group(0))), text)


class MessageSender:
    """Sends rendered messages to apprise tags; build one per dispatch run.

    The configuration is read and parsed once, here, so a run with thousands
    of messages does not re-read the file (and a file edited mid-run cannot
    change the recipients half way through).
    """

    def __init__(self, config_path: Path, *, throttle_seconds: float | None = None) -> None:
        """Load ``config_path`` (apprise YAML or TEXT).

        ``throttle_seconds`` overrides apprise's per-service pacing.  ``None``
        keeps apprise's defaults, which matter for bulk runs: apprise waits
        5.5 s between two sends through the same ``mailto://`` entry, while
        ``json://`` and ``canbaofile://`` do not wait.  Use ``0`` for a mail
        relay of your own.

        Raises ``SendingConfigError`` if the file is missing, unreadable or
        defines no usable recipient.
        """
        self.config_path = Path(config_path)
        text = self._read_config(self.config_path)

        config = apprise.AppriseConfig()
        # apprise detects TEXT vs YAML from the content; a .yml/.yaml suffix
        # removes any doubt, as apprise's own file:// loader does.
        fmt = "yaml" if self.config_path.suffix.lower() in {".yml", ".yaml"} else None
        if not config.add_config(text, format=fmt):
            raise SendingConfigError(
                f"通知配置文件 {self.config_path} 的格式无法识别（应为 apprise 的 YAML 或 TEXT 格式）"
            )
        services = config.services()
        if not services:
            # apprise only logs what was wrong (and may echo the offending
            # line, secrets included), so the message just points at the file.
            raise SendingConfigError(
                f"通知配置文件 {self.config_path} 中没有可用的接收方（文件为空或格式有误，请检查）"
            )
        if throttle_seconds is not None:
            for service in services:
                service.request_rate_per_sec = float(throttle_seconds)
        for service in services:
            if _checks_replies(service):
                _check_replies(service)

        # Services are added as ready objects, not the config, so no notify()
        # call ever goes back to the configuration source.
        self._apprise = apprise.Apprise()
        self._apprise.add(list(services))
        self.tags: frozenset[str] = frozenset(str(tag) for service in services for tag in service.tags)

    @staticmethod
    def _read_config(path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SendingConfigError(f"找不到通知配置文件 {path}") from None
        except UnicodeDecodeError:
            raise SendingConfigError(f"通知配置文件 {path} 不是 UTF-8 编码的文本") from None
        except OSError as exc:
            raise SendingConfigError(f"无法读取通知配置文件 {path}：{exc.strerror or exc}") from None

    def send(
        self,
        tags: Sequence[str],
        title: str,
        body: str,
        attachments: Sequence[Path] = (),
        *,
        variants: Mapping[str, str] | None = None,
    ) -> SendResult:
        """Deliver one message to every service carrying any of ``tags``, each in the format it reads
        (``variants``: the message as markdown and HTML; ``body`` is the text), split or shortened to the
        service's limit (tasks.messages.channels).

        Never raises for a delivery problem: one broken endpoint must not stop
        the run, so every failure becomes ``ok=False`` with a Chinese reason.
        """
        # A bare str is a Sequence[str] too; iterating it would address one
        # recipient per character.
        tag_list = [tags] if isinstance(tags, str) else list(tags)
        if not tag_list:
            return SendResult(False, "没有指定接收方标签")
        for tag in tag_list:
            problem = _tag_problem(tag)
            if problem:
                return SendResult(False, problem)
        for attachment in attachments:
            if not Path(attachment).is_file():
                return SendResult(False, f"附件不存在：{attachment}")

        missing = [tag for tag in tag_list if tag.lower() not in self.tags]
        if len(missing) == len(tag_list):
            return self._no_recipient(tag_list)
        if missing:
            # apprise ORs the tags, so the others still get the message; the
            # gap is a configuration problem worth seeing in the run log.
            logger.warning("通知配置文件 %s 中没有标签 %s 的接收方", self.config_path, "、".join(missing))

        bodies: dict[str, str] = {"text": body, **(variants or {})}
        groups = self._by_channel(tag_list, bodies)
        if not groups:
            return self._no_recipient(tag_list)
        names = [Path(p).name for p in attachments]
        failures: list[str] = []
        for channel, services in groups.items():
            group = apprise.Apprise()
            group.add(services)
            for part in fit(title, bodies[channel.format], channel.format, channel.limit, names):
                failure = self._notify(group, tag_list, part.title, part.body, channel.format, attachments)
                if failure == "nomatch":
                    return self._no_recipient(tag_list)
                if failure:
                    failures.append(failure)
                    break  # the rest of this message would arrive without its beginning
        formats = tuple(sorted({channel.format for channel in groups}, key=FORMATS.index))
        if failures:
            return SendResult(False, "；".join(failures), formats)
        return SendResult(True, None, formats)

    def _by_channel(self, tags: Sequence[str], bodies: Mapping[str, str]) -> dict[Channel, list[Any]]:
        """The services the tags reach, grouped by the format and limit each reads; a format the message was
        not rendered in falls back to the text."""
        groups: dict[Channel, list[Any]] = {}
        for service in self._apprise.find(tag=list(tags), match_always=False):
            channel = channel_of(service)
            if channel.format not in bodies:
                channel = Channel("text", channel.limit if channel.format != "html" else None)
            groups.setdefault(channel, []).append(service)
        return groups

    def _notify(
        self, group: apprise.Apprise, tags: Sequence[str], title: str, body: str, fmt: str, attachments: Sequence[Path]
    ) -> str | None:
        """None when sent; "nomatch"; or the Chinese reason of a failure."""
        try:
            result = group.notify(
                body=body,
                title=title,
                # The body is already in the format the service reads: apprise converts nothing (plain text to
                # an HTML-only service is escaped).
                body_format=apprise.NotifyFormat(fmt),
                tag=list(tags),
                # A service tagged "always" would otherwise get every message.
                match_always=False,
                attach=[str(path) for path in attachments] or None,
            )
        except Exception as exc:
            text = _redact(f"{type(exc).__name__}: {exc}")
            logger.warning("apprise 发送时出现异常：%s", text)
            return f"发送失败：调用 apprise 时出现异常（{text}）"

        with result:
            status = result.status
            if status == apprise.AppriseResultStatus.SUCCESS:
                return None
            if status == apprise.AppriseResultStatus.NOMATCH:
                return "nomatch"
            reason = self._failure_reason(result)
        prefix = "发送超时：" if status == apprise.AppriseResultStatus.TIMEOUT else "发送失败："
        return prefix + reason

    def _no_recipient(self, tags: Sequence[str]) -> SendResult:
        return SendResult(False, f"没有找到标签 {'、'.join(tags)} 的接收方（请检查通知配置文件 {self.config_path}）")

    @staticmethod
    def _failure_reason(result: apprise.AppriseResult) -> str:
        """apprise's own reasons, per failed service, from the result's logs.

        apprise 2.0 captures WARNING+ records for each service attempt inside
        the notify() result, scoped to that call and thread-safe, so no global
        log handler is needed.  Its messages are already masked for secrets.
        """
        parts: list[str] = []
        for service in result:
            if service:
                continue
            messages = _dedupe(entry.message for entry in service.logs())
            where = f"{service.name}（标签 {'、'.join(service.tag)}）" if service.tag else service.name
            parts.append(f"{where}：{'；'.join(messages) if messages else service.status.name}")
        # Call-level problems (e.g. an empty message) carry no service result.
        parts.extend(_dedupe(entry.message for entry in result.call_logs()))
        return _redact("；".join(parts)) if parts else f"apprise 返回 {result.status.name}，未给出原因"


def channel_of(service: Any) -> Channel:
    """The format and limit of one configured service, from its URL's schema and what apprise declares of it."""
    schema = str(service.url(privacy=True)).split("://", 1)[0]
    declared = service.notify_format if isinstance(service.notify_format, (tuple, list)) else (service.notify_format,)
    # apprise keeps a multi-format service's ?format= apart (a single-format one has it as its notify_format).
    override = getattr(service, "_format_override", None)
    return channel_for(
        schema,
        [str(getattr(f, "value", f)) for f in declared],
        str(override.value) if override is not None else None,
        getattr(service, "body_maxlen", None),
    )


def _dedupe(messages: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message.strip(), None)
    return [message for message in seen if message]
