"""Messages to a chat channel through its incoming webhook: Slack, or Microsoft Teams.

What every chat message of the product shares, as ``core.mail`` is for e-mail: how a
message (a title, a few facts, a link into the product) becomes the JSON each service
takes, which webhook addresses are accepted, the one HTTP POST, and what its answer
means. No app is imported; the channels and the sending live in ``organisation.chat``.

- Slack incoming webhooks take ``{"text": ..., "blocks": [...]}`` and answer 200 "ok";
  a refusal is a 4xx with a plain-text reason ("invalid_payload", "no_text", 404
  "no_service", 410 "channel_is_archived"), too many messages a 429 with Retry-After.
- Microsoft Teams: a Workflows (Power Automate) webhook takes a message with one
  Adaptive Card attachment and answers 202 Accepted. The legacy Office 365 connector
  webhooks (``*.webhook.office.com``) were retired by Microsoft; those still answering
  took the same message envelope and answered 200 "1".

The webhook URL is a credential (whoever has it can post to the channel): it is never
logged, and pages show ``masked(url)`` only. The POST follows no redirect, so a webhook
address cannot send the product's request anywhere else.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger("core.chat")

SLACK = "slack"
TEAMS = "teams"

# Known hosts of incoming webhooks: exact names, and suffixes (a subdomain of them).
SLACK_HOSTS = ("hooks.slack.com",)
TEAMS_HOST_SUFFIXES = (
    ".logic.azure.com",  # Workflows (Power Automate), e.g. prod-12.westeurope.logic.azure.com
    ".environment.api.powerplatform.com",  # Workflows, newer addresses
    ".webhook.office.com",  # Office 365 connectors (retired by Microsoft)
)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_URL_LENGTH = 2000
TIMEOUT_SECONDS = 10
# Slack's limits: a header's text 150 characters, a section 10 fields of 2000.
SLACK_HEADER_MAX = 150
SLACK_FIELDS_MAX = 10


@dataclass(frozen=True)
class ChatMessage:
    """One message: a short title, facts as (label, value) pairs, and a link into the
    product with its button text. Built in the channel's language by the caller."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    link_text: str = ""


# --- Payloads ----------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads <...> as links and mentions (<!channel>); the three characters
    # are escaped as its documentation asks.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: ChatMessage) -> dict:
    """The JSON for a Slack incoming webhook: ``text`` (the notification and the fallback)
    and Block Kit blocks (a header, the facts as fields, a button to the product)."""
    text = message.title
    if message.link:
        text = f"{_slack_escape(message.title)} <{message.link}|{_slack_escape(message.link_text)}>"
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": message.title[:SLACK_HEADER_MAX]},
        }
    ]
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(label)}*\n{_slack_escape(value)}"}
                    for label, value in message.facts[:SLACK_FIELDS_MAX]
                ],
            }
        )
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": message.link_text},
                        "url": message.link,
                    }
                ],
            }
        )
    return {"text": text, "blocks": blocks}


def teams_payload(message: ChatMessage) -> dict:
    """The JSON for a Microsoft Teams Workflows webhook: a message with one Adaptive Card
    (version 1.4) holding the title, the facts as a FactSet and a button to the product."""
    body: list[dict] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    if message.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in message.facts],
            }
        )
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": message.link_text, "url": message.link}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def payload(kind: str, message: ChatMessage) -> dict:
    """The JSON for a channel of ``kind`` (SLACK or TEAMS)."""
    return {SLACK: slack_payload, TEAMS: teams_payload}[kind](message)


# --- Webhook addresses -------------------------------------------------------------------


def _host_known(kind: str, host: str) -> bool:
    if kind == SLACK:
        return host in SLACK_HOSTS
    return any(host.endswith(suffix) for suffix in TEAMS_HOST_SUFFIXES)


def local_allowed() -> bool:
    """Whether http://127.0.0.1 (and localhost) webhooks are accepted: only where the
    setting says so (tests and a local fake endpoint), never in production."""
    return bool(getattr(settings, "CHAT_WEBHOOK_ALLOW_LOCAL", False))


def url_problem(kind: str, url: str) -> str | None:
    """Why ``url`` is not an incoming webhook of ``kind`` the product posts to (a sentence
    in the active language), or None when it is: https, no user name or password, the
    service's own host (hooks.slack.com; a Teams Workflows or connector host), port 443."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        return _("This address is too long for a webhook URL.")
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return _("This is not a valid web address.")
    if local_allowed() and parts.scheme in ("http", "https") and host in LOCAL_HOSTS:
        return None
    if parts.scheme != "https":
        return _("The webhook URL must start with https://.")
    if parts.username or parts.password or port not in (None, 443):
        return _("This is not the address of an incoming webhook.")
    if not _host_known(kind, host):
        if kind == SLACK:
            return _(
                "A Slack incoming webhook URL starts with https://hooks.slack.com/services/. "
                "Copy it from the Slack app's “Incoming Webhooks” page."
            )
        return _(
            "A Microsoft Teams webhook URL is the address of a Workflows flow (on "
            "logic.azure.com or environment.api.powerplatform.com). Copy it from the "
            "workflow's trigger “When a Teams webhook request is received”."
        )
    if kind == SLACK and not parts.path.startswith("/services/"):
        return _(
            "A Slack incoming webhook URL starts with https://hooks.slack.com/services/. "
            "Copy it from the Slack app's “Incoming Webhooks” page."
        )
    return None


def masked(url: str) -> str:
    """What a page may show of a webhook URL: its host and last four characters."""
    try:
        host = urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return f"{host}/…{url.strip()[-4:]}" if url else ""


# --- Posting -----------------------------------------------------------------------------

SENT = "sent"
RETRY = "retry"  # not taken now (429, 5xx, no connection): try again later
REFUSED = "refused"  # refused for good (4xx other than 429, a redirect, a bad address)
# The request went out but its answer did not come (time-out, connection dropped): the
# service may have posted it. Not sent again, so nobody sees it twice (as for e-mail).
UNCERTAIN = "uncertain"
# Stored as the reason when a stored address is no longer accepted (url_problem says why).
NOT_ACCEPTED = "Webhook address not accepted"


@dataclass(frozen=True)
class Result:
    """What became of one POST: the verdict, the HTTP status (None: no answer), the
    start of the answer's body (the service's reason), and for RETRY the seconds the
    service asked to wait (Retry-After), if it did."""

    verdict: str
    status: int | None = None
    body: str = ""
    retry_after: int | None = None

    @property
    def reason(self) -> str:
        """A short record of the answer to store (never the URL)."""
        if self.status is None:
            return self.body[:300]
        return f"HTTP {self.status}: {self.body}"[:300]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None  # urllib then raises HTTPError with the 3xx status


_opener = urllib.request.build_opener(_NoRedirects)


def retry_after_seconds(value: str | None, *, maximum: int) -> int | None:
    """Retry-After as seconds from now (it is either seconds or an HTTP date), at least
    1 and at most ``maximum``; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = int(when.timestamp() - time.time())
    return max(1, min(seconds, maximum))


def _verdict(status: int, body: str, retry_after: str | None, maximum: int) -> Result:
    if 200 <= status < 300:
        return Result(SENT, status, body)
    if status == 429 or status == 408 or status >= 500:
        return Result(RETRY, status, body, retry_after_seconds(retry_after, maximum=maximum))
    return Result(REFUSED, status, body)


def post(kind: str, url: str, data: dict, *, max_wait: int = 3600) -> Result:
    """POST ``data`` as JSON to the webhook ``url`` once and judge the answer: 2xx SENT;
    429, 408 and 5xx RETRY (with the Retry-After seconds, at most ``max_wait``); other
    answers REFUSED; no connection RETRY; an answer lost after the request went out
    UNCERTAIN. An address that is not a webhook of ``kind`` is REFUSED (NOT_ACCEPTED)
    without a request.
    Never raises for a network failure."""
    if url_problem(kind, url):
        return Result(REFUSED, None, NOT_ACCEPTED)
    # The scheme and host were checked by url_problem: https (http only to 127.0.0.1 where
    # the setting allows it), never file: or another scheme.
    request = urllib.request.Request(  # noqa: S310
        url.strip(),
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(300).decode("utf-8", "replace").strip()
            return _verdict(response.status, body, response.headers.get("Retry-After"), max_wait)
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(300).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException):
            body = ""
        return _verdict(exc.code, body, exc.headers.get("Retry-After"), max_wait)
    except urllib.error.URLError as exc:
        # Raised while connecting or sending the request: the service took nothing.
        return Result(RETRY, None, f"{type(exc.reason).__name__}: {exc.reason}")
    except (OSError, http.client.HTTPException) as exc:
        # The request went out; the answer did not come (time-out, connection reset).
        return Result(UNCERTAIN, None, f"{type(exc).__name__}: {exc}")


# --- What an answer means for a manager --------------------------------------------------


def explain(status: int | None, body: str, *, retried: bool = True) -> str:
    """A plain sentence for an answer: what happened and what to do. ``retried``: whether
    the product tries again by itself (an alert's post), or the person does (the test)."""
    reason = body.strip().lower()
    if not retried and (status is None or status in (408, 429) or status >= 500):
        return _(
            "The service could not be reached, did not answer, or asked to wait (HTTP 429 "
            "or 5xx). Check that the server can reach it, then send the test again in a "
            "few minutes."
        )
    if status is None:
        return _(
            "The service could not be reached or did not answer. Check that the server can "
            "reach it; the product tries again by itself."
        )
    if 300 <= status < 400:
        return _(
            "The address answered with a redirect, which the product does not follow. "
            "Copy the webhook URL again from the service."
        )
    if status == 429:
        return _(
            "The service asked for fewer messages (rate limit). Nothing to do: the product "
            "tries again after the time the service asked for."
        )
    if status >= 500 or status == 408:
        return _(
            "The service had a temporary problem. Nothing to do: the product tries again by itself."
        )
    if reason in ("no_service", "no_team", "team_disabled") or status == 404:
        return _(
            "The webhook no longer exists (it was removed, or the app or workflow was "
            "deleted). Create a new webhook and paste its URL here."
        )
    if reason == "channel_is_archived" or status == 410:
        return _(
            "The channel is archived. Unarchive it, or create a webhook for another channel "
            "and paste its URL here."
        )
    if reason in ("action_prohibited", "posting_to_general_channel_denied") or status in (401, 403):
        return _(
            "The service does not allow this webhook to post (an administrator restricted "
            "it, or the workflow may only be started by signed-in users). Ask the "
            "workspace's administrator, or create a new webhook."
        )
    if reason in ("invalid_payload", "no_text", "invalid_blocks", "invalid_blocks_format"):
        return _(
            "The service refused the message's format. Check that the channel's kind "
            "(Slack or Microsoft Teams) matches the webhook URL."
        )
    return _(
        "The service refused the message. The technical detail says why; check the webhook "
        "URL and the channel's kind."
    )
