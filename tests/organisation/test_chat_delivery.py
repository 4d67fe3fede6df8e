"""Alerts posted to chat channels against a local fake of Slack and Teams: the exact
JSON, once per (event, channel), in the channel's language; 429 waits for Retry-After;
4xx fails for good and shows as the channel's last error; no answer is not posted again;
the sweep."""

import datetime

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from core import chat, delivery
from kpis import alerting
from kpis.models import KpiSettings, TeamSatisfactionAlert, ThresholdAlert
from organisation import chat as channels
from organisation.models import ChatChannel, ChatEvent, ChatPost, Client
from tests.fake_webhooks import SLACK_PATH, TEAMS_PATH
from tests.helpers import make_user


@pytest.fixture
def alert(db, manager, settings):
    settings.SITE_URL = "https://msp.example"
    KpiSettings.objects.get_or_create(pk=1)
    client = Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )
    client.responsible_staff.add(manager)
    return ThresholdAlert.objects.create(
        client=client,
        period_start=timezone.localdate().replace(day=1),
        state="breach",
        share=0.125,
        tickets=80,
        escalated=10,
        threshold=0.1,
    )


def check_alerts():
    """The alerts' part of the hourly check; the posts go out once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return alerting.email_threshold_alerts()


def posted(fake, path):
    return [
        request for request in fake.requests if request.path.split("?")[0] == path.split("?")[0]
    ]


def test_a_threshold_alert_is_posted_to_slack_as_json(
    fake_webhooks, slack_channel, alert, mailoutbox
):
    check_alerts()
    [request] = posted(fake_webhooks, SLACK_PATH)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    link = f"https://msp.example/kpis/clients/{alert.client_id}/"
    assert request.json == {
        "text": f"Escalations over threshold: Acme <{link}|Open the client's page>",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "Escalations over threshold: Acme"},
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Client*\nAcme"},
                    {"type": "mrkdwn", "text": "*KPI*\nEscalation share"},
                    {"type": "mrkdwn", "text": "*Value*\n12.5 % (threshold 10.0 %)"},
                    {"type": "mrkdwn", "text": "*Escalated tickets*\n10 of 80"},
                    {
                        "type": "mrkdwn",
                        "text": f"*Period*\n{alert.period_start:%B %Y}, month to date",
                    },
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the client's page"},
                        "url": link,
                    }
                ],
            },
        ],
    }
    post = ChatPost.objects.get()
    assert (post.status, post.event, post.event_key, post.attempts) == (
        "sent",
        "kpi_alert",
        alert.pk,
        1,
    )
    slack_channel.refresh_from_db()
    assert slack_channel.last_posted_at and not slack_channel.last_error
    assert len(mailoutbox) == 1  # the e-mail goes out as before


def test_teams_gets_an_adaptive_card_in_the_channels_language(fake_webhooks, teams_channel, alert):
    check_alerts()
    [request] = posted(fake_webhooks, TEAMS_PATH)
    [attachment] = request.json["attachments"]
    assert request.json["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "Eskalationen über dem Schwellenwert: Acme"  # German
    assert "12,5 %" in card["body"][1]["facts"][2]["value"]
    assert ChatPost.objects.get().status == "sent"  # 202 Accepted


def test_each_alert_is_posted_once_per_channel(fake_webhooks, slack_channel, teams_channel, alert):
    check_alerts()
    check_alerts()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert channels.notify(ChatEvent.KPI_ALERT, alert.pk, lambda: chat.ChatMessage("x")) == 0
    channels.post_to_channel.apply(args=[ChatPost.objects.first().pk])  # a task run twice
    assert len(fake_webhooks.requests) == 2
    assert ChatPost.objects.filter(status="sent").count() == 2


def test_only_enabled_channels_that_receive_the_event_and_existed_then(fake_webhooks, alert):
    url = fake_webhooks.url(SLACK_PATH)
    ChatChannel.objects.create(
        name="off", kind="slack", webhook_url=url, events=["kpi_alert"], enabled=False
    )
    ChatChannel.objects.create(
        name="team only", kind="slack", webhook_url=url, events=["team_alert"]
    )
    later = ChatChannel.objects.create(
        name="later", kind="slack", webhook_url=url, events=["kpi_alert"]
    )
    ChatChannel.objects.filter(pk=later.pk).update(
        created_at=alert.created_at + datetime.timedelta(hours=1)
    )
    check_alerts()
    assert not ChatPost.objects.exists() and not fake_webhooks.requests


def test_a_429_is_retried_after_the_time_slack_asked_for(
    fake_webhooks, slack_channel, alert, retries_followed, monkeypatch
):
    fake_webhooks.script(SLACK_PATH, (429, "rate_limited", {"Retry-After": "7"}))
    countdowns = []
    retry = channels.post_to_channel.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    monkeypatch.setattr(channels.post_to_channel, "retry", spy)
    check_alerts()
    assert countdowns == [7]
    assert len(posted(fake_webhooks, SLACK_PATH)) == 2
    post = ChatPost.objects.get()
    assert post.status == "sent" and post.attempts == 2


def test_a_5xx_goes_back_to_the_queue_for_celerys_backoff(fake_webhooks, slack_channel, alert):
    fake_webhooks.script(SLACK_PATH, (503, "", {}))
    post_id = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=alert.pk, payload={"text": "x"}
    ).pk
    with pytest.raises(Retry) as retried:
        channels.post_to_channel.apply(args=[post_id], throw=True)
    assert retried.value.when == settings.EMAIL_RETRY_BASE_SECONDS  # Celery's backoff
    post = ChatPost.objects.get()
    assert post.status == "queued" and post.failure_reason == "HTTP 503: "
    assert post.claimed_at is not None  # the sweep finds a lost retry by it
    slack_channel.refresh_from_db()
    assert not slack_channel.last_error  # not an error yet


def test_the_last_retry_gives_up_visibly(fake_webhooks, slack_channel, alert):
    fake_webhooks.script(SLACK_PATH, (500, "internal", {}))
    post = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=alert.pk, payload={"text": "x"}
    )
    result = channels.send_post(post.pk, last_try=True)
    assert result.verdict == chat.RETRY
    post.refresh_from_db()
    assert (
        post.status == "failed"
        and post.failure_reason == "Gave up after retries: HTTP 500: internal"
    )
    slack_channel.refresh_from_db()
    assert slack_channel.last_error_status == 500


@pytest.mark.parametrize(
    "status,body", [(400, "invalid_payload"), (404, "no_service"), (410, "channel_is_archived")]
)
def test_a_refusal_fails_for_good_and_becomes_the_channels_last_error(
    fake_webhooks, slack_channel, alert, retries_followed, status, body
):
    fake_webhooks.script(SLACK_PATH, (status, body, {}))
    check_alerts()
    assert len(fake_webhooks.requests) == 1  # not retried
    post = ChatPost.objects.get()
    assert post.status == "failed" and post.failure_reason == f"HTTP {status}: {body}"
    slack_channel.refresh_from_db()
    assert slack_channel.last_error == f"HTTP {status}: {body}"
    assert slack_channel.last_error_status == status and slack_channel.last_error_at


def test_no_answer_after_the_request_went_out_is_not_posted_again(
    fake_webhooks, slack_channel, alert, retries_followed
):
    fake_webhooks.script(SLACK_PATH, "drop")
    check_alerts()
    assert len(fake_webhooks.requests) == 1
    post = ChatPost.objects.get()
    assert post.status == "failed" and post.failure_reason.startswith("Delivery uncertain")


def test_no_connection_is_retried(db, settings, alert):
    settings.CHAT_WEBHOOK_ALLOW_LOCAL = True
    channel = ChatChannel.objects.create(
        name="down", kind="slack", webhook_url="http://127.0.0.1:9/services/x", events=["kpi_alert"]
    )
    post = ChatPost.objects.create(channel=channel, event="kpi_alert", event_key=1, payload={})
    result = channels.send_post(post.pk)
    assert result.verdict == chat.RETRY and result.status is None
    post.refresh_from_db()
    assert post.status == "queued" and "Connection" in post.failure_reason


def test_a_redirect_is_not_followed(fake_webhooks, slack_channel, alert):
    fake_webhooks.script(SLACK_PATH, (302, "", {"Location": fake_webhooks.url("/elsewhere")}))
    post = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=1, payload={}
    )
    assert channels.send_post(post.pk).verdict == chat.REFUSED
    assert [request.path for request in fake_webhooks.requests] == [SLACK_PATH]


def test_an_address_no_longer_allowed_is_never_requested(fake_webhooks, slack_channel, settings):
    settings.CHAT_WEBHOOK_ALLOW_LOCAL = False
    post = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=1, payload={}
    )
    assert channels.send_post(post.pk).verdict == chat.REFUSED
    assert not fake_webhooks.requests
    post.refresh_from_db()
    assert post.status == "failed" and post.failure_reason == chat.NOT_ACCEPTED


def test_a_channel_switched_off_after_queueing_gets_nothing(fake_webhooks, slack_channel):
    post = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=1, payload={}
    )
    ChatChannel.objects.update(enabled=False)
    channels.send_post(post.pk)
    post.refresh_from_db()
    assert post.status == "failed" and post.failure_reason == channels.SWITCHED_OFF
    assert not fake_webhooks.requests


def test_the_sweep_fails_stale_claims_and_posts_what_the_broker_lost(fake_webhooks, slack_channel):
    now = timezone.now()
    stale = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=1, payload={}
    )
    lost = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=2, payload={"text": "lost"}
    )
    fresh = ChatPost.objects.create(
        channel=slack_channel, event="kpi_alert", event_key=3, payload={}
    )
    ChatPost.objects.filter(pk=stale.pk).update(
        status="sending",
        claimed_at=now - delivery.SEND_CLAIM_TIMEOUT - datetime.timedelta(minutes=1),
    )
    ChatPost.objects.filter(pk=lost.pk).update(
        created_at=now - delivery.SWEEP_GRACE - datetime.timedelta(minutes=1)
    )
    assert channels.sweep(now) == {"queued": 1, "stale": 1}
    assert ChatPost.objects.get(pk=stale.pk).status == "failed"
    assert ChatPost.objects.get(pk=lost.pk).status == "sent"
    assert ChatPost.objects.get(pk=fresh.pk).status == "queued"  # its own task will post it
    assert [request.json for request in fake_webhooks.requests] == [{"text": "lost"}]


def test_the_team_satisfaction_alert_goes_to_channels_that_receive_it(
    fake_webhooks, slack_channel, teams_channel
):
    make_user("boss", "manager")
    alert = TeamSatisfactionAlert.objects.create(
        period_start=datetime.date(2025, 10, 1), average=8.2, benchmark=9, responses=5
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        alerting.email_team_alerts()
    [request] = fake_webhooks.requests  # Slack only: the Teams channel receives KPI alerts
    assert request.path == SLACK_PATH
    assert request.json["blocks"][0]["text"]["text"] == "Team job satisfaction below the benchmark"
    assert ChatPost.objects.get().event_key == alert.pk


def test_the_url_is_never_logged(fake_webhooks, slack_channel, alert, caplog, retries_followed):
    fake_webhooks.script(SLACK_PATH, (404, "no_service", {}))
    with caplog.at_level("DEBUG"):
        check_alerts()
    assert "XXXXsecretXXXX" not in caplog.text and caplog.text
