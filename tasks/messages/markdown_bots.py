"""WeCom's group bot and Feishu's custom bot taught the markdown they read.

apprise 2.0 sends both as plain text only, though WeCom's group bot takes `msgtype: markdown` (content up to
4096 bytes) and Feishu's custom bot an interactive card whose element is markdown. The two classes below are
apprise's own plugins with a markdown branch: registered for the schemas `wecombot://` and `feishu://`, so a
configuration file is unchanged, and given the message as markdown only when canbao sends markdown (the
plain-text path is apprise's). They post through the plugin module's `requests`, so the check of an error
code in a 200 reply (tasks.messages.sending) applies to them as to the originals.
"""

from __future__ import annotations

from json import dumps
from typing import Any

import apprise
from apprise import NotifyFormat, NotifyType
from apprise.plugins import feishu as feishu_plugin
from apprise.plugins import wecombot as wecombot_plugin
from apprise.plugins.base import NotifyBase


class WeComBotMarkdown(wecombot_plugin.NotifyWeComBot):
    # apprise declares one format but reads a tuple of them (as its own DingTalk plugin does)
    notify_format = (NotifyFormat.TEXT, NotifyFormat.MARKDOWN)  # type: ignore[assignment]

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        body_format: NotifyFormat | None = None,
        **kwargs: Any,
    ) -> bool:
        if body_format != NotifyFormat.MARKDOWN:
            return bool(super().send(body, title=title, notify_type=notify_type, **kwargs))
        payload = {"msgtype": "markdown", "markdown": {"content": body}}
        return _post(self, wecombot_plugin, self.api_url, payload)


class FeishuMarkdown(feishu_plugin.NotifyFeishu):
    # apprise declares one format but reads a tuple of them (as its own DingTalk plugin does)
    notify_format = (NotifyFormat.TEXT, NotifyFormat.MARKDOWN)  # type: ignore[assignment]

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        body_format: NotifyFormat | None = None,
        **kwargs: Any,
    ) -> bool:
        if body_format != NotifyFormat.MARKDOWN:
            return bool(super().send(body, title=title, notify_type=notify_type, **kwargs))
        heading, content = _heading_apart(body)
        card: dict[str, Any] = {"elements": [{"tag": "markdown", "content": content}]}
        if heading:
            card["header"] = {"title": {"tag": "plain_text", "content": heading}, "template": "blue"}
        payload = {"msg_type": "interactive", "card": card}
        return _post(self, feishu_plugin, self.notify_url.format(token=self.token), payload)


def _heading_apart(body: str) -> tuple[str, str]:
    """apprise puts a title-less service's title on the first line as `# title`: a card shows it as its header."""
    first, _, rest = body.lstrip().partition("\n")
    if first.startswith("#"):
        return first.lstrip("# ").strip(), rest.lstrip("\r\n")
    return "", body


def _post(service: NotifyBase, module: Any, url: str, payload: dict[str, Any]) -> bool:
    service.throttle()
    try:
        reply = module.requests.post(
            url,
            data=dumps(payload).encode("utf-8"),
            headers={"User-Agent": service.app_id, "Content-Type": "application/json; charset=utf-8"},
            verify=service.verify_certificate,
            timeout=service.request_timeout,
            allow_redirects=service.redirects,
        )
    except module.requests.RequestException as exc:
        service.logger.warning("%s 连接失败", service.service_name)
        service.logger.debug("Socket Exception: %s", exc)
        return False
    if reply.status_code != 200:
        service.logger.warning("%s 返回 HTTP %s", service.service_name, reply.status_code)
        return False
    return True


def register_markdown_bots() -> None:
    """Map `wecombot://` and `feishu://` to the classes above (safe to call again)."""
    manager = apprise.NotificationManager()
    for plugin in (WeComBotMarkdown, FeishuMarkdown):
        manager.add(plugin, force=True)


register_markdown_bots()
