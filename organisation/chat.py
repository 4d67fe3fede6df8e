"""Posting the organisation's events to its chat channels (Slack, Microsoft Teams).

One call for any event: ``notify(event, key, build)`` stores one ChatPost per enabled
channel that receives ``event``, with the JSON built by ``build()`` in that channel's
language, and queues each after the transaction commits. Each (event, channel) is posted
at most once, as an e-mail is in ``core.delivery``, whose states, retry limits and sweep
timings are used here:

1. Claim: one UPDATE moves the row from "queued" to "sending"; a second task finds
   nothing to claim.
2. POST once (``core.chat.post``).
3. Settle: 2xx -> sent; refused for good (4xx other than 429, a redirect) -> failed with
   the service's answer, which the settings page shows with an explanation as the
   channel's last error; 429, 5xx or no connection -> back to "queued" and the task
   retries (a 429's Retry-After is waited for; otherwise Celery's backoff, as for
   e-mail); on the last retry -> failed; the request went out but no answer came ->
   failed ("uncertain"), not posted again.

``sweep`` (Celery beat) fails rows a dead worker left "sending" and queues rows the
broker lost. The webhook URL is never logged: log lines carry ids only.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable

from celery import shared_task
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from core import chat
from core.delivery import (
    RETRY_BACKOFF_MAX,
    RETRY_LOST_AFTER,
    RETRY_POLICY,
    SEND_CLAIM_TIMEOUT,
    SWEEP_GRACE,
    Status,
)

from .models import ChatChannel, ChatPost

logger = logging.getLogger("organisation.chat")

UNCERTAIN = "Delivery uncertain: the request went out but no answer came. Not posted again."
STOPPED = "Delivery uncertain: the sending worker stopped. Not posted again."
SWITCHED_OFF = "Not sent: the channel was switched off."


class TransientPostError(Exception):
    """The service did not take the message now; try again later."""


def notify(
    event: str,
    key: int,
    build: Callable[[], chat.ChatMessage],
    *,
    raised_at: datetime.datetime | None = None,
) -> int:
    """Post event ``key`` (e.g. an alert's id) to every enabled channel that receives
    ``event``, once per channel: ``build`` runs in each channel's language. Channels set up
    after the event was raised (``raised_at``) are left out. Call it inside the
    transaction that stores the event; returns how many posts were queued."""
    queued = 0
    channels = ChatChannel.objects.filter(enabled=True)
    if raised_at is not None:
        channels = channels.filter(created_at__lte=raised_at)
    for channel in channels:
        if not channel.receives(event):
            continue
        with translation.override(channel.language):
            data = chat.payload(channel.kind, build())
        post, created = ChatPost.objects.get_or_create(
            channel=channel, event=event, event_key=key, defaults={"payload": data}
        )
        if created:
            queue(post.pk)
            queued += 1
    return queued


def queue(post_id: int) -> None:
    """Send the post once the transaction commits; a broker that is down never breaks the
    caller (``robust``): the row stays queued and the sweep sends it."""
    transaction.on_commit(functools.partial(post_to_channel.delay, post_id), robust=True)


def _record_success(channel: ChatChannel, now) -> None:
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_posted_at=now, last_error="", last_error_status=None, last_error_at=None
    )


def _record_error(channel: ChatChannel, result: chat.Result, reason: str, now) -> None:
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_error=reason[:300], last_error_status=result.status, last_error_at=now
    )


def _claim(post_id: int) -> ChatPost | None:
    now = timezone.now()
    claimed = ChatPost.objects.filter(pk=post_id, status=Status.QUEUED).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return ChatPost.objects.select_related("channel").get(pk=post_id)


def send_post(post_id: int, *, last_try: bool = False) -> chat.Result | None:
    """Post one queued row (see the module docstring); returns the result, or None when
    there was nothing to claim. Rows that go back to the queue return a RETRY result,
    unless ``last_try``: then they fail."""
    post = _claim(post_id)
    if post is None:
        return None
    channel = post.channel
    rows = ChatPost.objects.filter(pk=post.pk, status=Status.SENDING)
    if not channel.enabled:
        rows.update(status=Status.FAILED, failure_reason=SWITCHED_OFF)
        return chat.Result(chat.REFUSED, None, SWITCHED_OFF)
    result = chat.post(channel.kind, channel.webhook_url, post.payload, max_wait=RETRY_BACKOFF_MAX)
    now = timezone.now()
    logger.info(
        "chat.post post=%s channel=%s event=%s verdict=%s status=%s",
        post.pk,
        channel.pk,
        post.event,
        result.verdict,
        result.status,
    )
    if result.verdict == chat.SENT:
        rows.update(status=Status.SENT, sent_at=now, failure_reason="")
        _record_success(channel, now)
    elif result.verdict == chat.RETRY and not last_try:
        # claimed_at stays: the time of this attempt (the sweep finds a lost retry by it).
        rows.update(status=Status.QUEUED, failure_reason=result.reason)
    else:
        reason = {
            chat.UNCERTAIN: f"{UNCERTAIN} ({result.reason})",
            chat.RETRY: f"Gave up after retries: {result.reason}",
        }.get(result.verdict, result.reason)[:300]
        rows.update(status=Status.FAILED, failure_reason=reason)
        _record_error(channel, result, reason, now)
    return result


@shared_task(
    bind=True,
    name="organisation.chat.post_to_channel",
    autoretry_for=(TransientPostError,),
    **RETRY_POLICY,
)
def post_to_channel(self, post_id: int) -> str | None:
    """Post one event to one channel; retried like e-mail (Celery's backoff, about 30 s,
    1 min, 2 min, ... at most an hour apart), or after the Retry-After a 429 asked for.
    Returns the verdict, or None when there was nothing to post."""
    result = send_post(post_id, last_try=self.request.retries >= self.max_retries)
    if result is None:
        return None
    if result.verdict == chat.RETRY and self.request.retries < self.max_retries:
        if result.retry_after:
            raise self.retry(countdown=result.retry_after, exc=TransientPostError(result.reason))
        raise TransientPostError(result.reason)
    return result.verdict


def send_test(channel: ChatChannel, message: chat.ChatMessage) -> chat.Result:
    """Post ``message`` to ``channel`` now, once, without a stored row (the settings
    page's "send a test message"). A success clears the channel's last error."""
    result = chat.post(channel.kind, channel.webhook_url, chat.payload(channel.kind, message))
    logger.info(
        "chat.test channel=%s verdict=%s status=%s", channel.pk, result.verdict, result.status
    )
    if result.verdict == chat.SENT:
        _record_success(channel, timezone.now())
    return result


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Fail the posts a dead worker left "sending" (not posted again: they may have gone
    out) and queue the posts no task is going to send (stored while the broker was down,
    or whose retry was lost); timings as ``core.delivery.sweep``."""
    now = now or timezone.now()
    stale = ChatPost.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - SEND_CLAIM_TIMEOUT
    ).update(status=Status.FAILED, failure_reason=STOPPED)
    waiting = list(
        ChatPost.objects.filter(status=Status.QUEUED)
        .filter(
            Q(claimed_at__isnull=True, created_at__lte=now - SWEEP_GRACE)
            | Q(claimed_at__lte=now - RETRY_LOST_AFTER)
        )
        .values_list("pk", flat=True)
    )
    for post_id in waiting:
        post_to_channel.delay(post_id)
    logger.info("chat.sweep queued=%s stale_claims_failed=%s", len(waiting), stale)
    return {"queued": len(waiting), "stale": stale}


@shared_task(name="organisation.chat.sweep")
def sweep_posts() -> dict:
    return sweep()
