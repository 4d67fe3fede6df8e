"""The chat messages as Slack and Microsoft Teams take them, the accepted webhook
addresses, and what an answer means; the alerts' messages in German and English."""

import datetime

import pytest
from django.utils import translation

from core import chat
from core.chat import ChatMessage
from kpis.alerting import TEAM_ALERT_EMAILS, THRESHOLD_ALERT_EMAILS
from kpis.models import TeamSatisfactionAlert, ThresholdAlert
from organisation.models import Client

MESSAGE = ChatMessage(
    title="Escalations over threshold: Beta <AG> & Co",
    facts=[("Client", "Beta <AG> & Co"), ("Value", "12.5 %")],
    link="https://msp.example/kpis/clients/7/",
    link_text="Open the client's page",
)


def test_slack_payload_has_text_blocks_and_a_button():
    assert chat.slack_payload(MESSAGE) == {
        "text": "Escalations over threshold: Beta &lt;AG&gt; &amp; Co "
        "<https://msp.example/kpis/clients/7/|Open the client's page>",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "Escalations over threshold: Beta <AG> & Co",
                },
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Client*\nBeta &lt;AG&gt; &amp; Co"},
                    {"type": "mrkdwn", "text": "*Value*\n12.5 %"},
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the client's page"},
                        "url": "https://msp.example/kpis/clients/7/",
                    }
                ],
            },
        ],
    }


def test_slack_payload_keeps_within_slacks_limits():
    long = ChatMessage(title="x" * 400, facts=[(f"f{i}", "v") for i in range(14)])
    data = chat.slack_payload(long)
    assert len(data["blocks"][0]["text"]["text"]) == 150
    assert len(data["blocks"][1]["fields"]) == 10
    assert [block["type"] for block in data["blocks"]] == ["header", "section"]  # no link


def test_teams_payload_is_a_message_with_one_adaptive_card():
    assert chat.teams_payload(MESSAGE) == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "Escalations over threshold: Beta <AG> & Co",
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "Client", "value": "Beta <AG> & Co"},
                                {"title": "Value", "value": "12.5 %"},
                            ],
                        },
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open the client's page",
                            "url": "https://msp.example/kpis/clients/7/",
                        }
                    ],
                },
            }
        ],
    }


@pytest.fixture
def threshold_alert(db):
    client = Client.objects.create(
        external_id="C-1", name="Beta AG", contract_start=datetime.date(2026, 1, 1)
    )
    return ThresholdAlert.objects.create(
        client=client,
        period_start=datetime.date(2026, 3, 1),
        state="breach",
        share=0.125,
        tickets=1200,
        escalated=150,
        threshold=0.1,
    )


def test_threshold_alert_message_in_english(threshold_alert, settings):
    settings.SITE_URL = "https://msp.example"
    with translation.override("en"):
        message = THRESHOLD_ALERT_EMAILS.chat_message(threshold_alert)
    assert message.title == "Escalations over threshold: Beta AG"
    assert message.facts == [
        ("Client", "Beta AG"),
        ("KPI", "Escalation share"),
        ("Value", "12.5 % (threshold 10.0 %)"),
        ("Escalated tickets", "150 of 1,200"),
        ("Period", "March 2026, month to date"),
    ]
    assert message.link == f"https://msp.example/kpis/clients/{threshold_alert.client_id}/"
    assert message.link_text == "Open the client's page"


def test_threshold_alert_message_in_german(threshold_alert):
    with translation.override("de"):
        message = THRESHOLD_ALERT_EMAILS.chat_message(threshold_alert)
    assert message.title == "Eskalationen über dem Schwellenwert: Beta AG"
    facts = dict(message.facts)
    # German numbers and month names (the labels come from the German catalogue).
    assert "12,5 %" in message.facts[2][1] and "10,0 %" in message.facts[2][1]
    assert "1.200" in message.facts[3][1]
    assert "März 2026" in message.facts[4][1]
    assert facts[message.facts[0][0]] == "Beta AG"


def test_a_warning_says_approaching(threshold_alert):
    threshold_alert.state = "warning"
    with translation.override("en"):
        message = THRESHOLD_ALERT_EMAILS.chat_message(threshold_alert)
    assert message.title == "Escalations approaching threshold: Beta AG"


def test_team_alert_message_holds_only_the_quarters_figures(db):
    alert = TeamSatisfactionAlert.objects.create(
        period_start=datetime.date(2026, 7, 1), average=6.24, benchmark=7, responses=8
    )
    with translation.override("en"):
        message = TEAM_ALERT_EMAILS.chat_message(alert)
    assert message.title == "Team job satisfaction below the benchmark"
    assert message.facts == [
        ("Quarter", "2026 Q3"),
        ("Average job satisfaction", "6.2 of 10 (benchmark 7.0)"),
        ("People who answered", "8"),
    ]
    assert message.link.endswith("/kpis/turnover/")
    with translation.override("de"):
        german = TEAM_ALERT_EMAILS.chat_message(alert)
    assert german.title == "Arbeitszufriedenheit im Team unter dem Richtwert"
    assert "6,2" in german.facts[1][1]


@pytest.mark.parametrize(
    "kind,url",
    [
        ("slack", "https://hooks.slack.com/services/T0/B0/abcd"),
        ("teams", "https://prod-12.westeurope.logic.azure.com:443/workflows/1/triggers/manual"),
        ("teams", "https://default1.12.environment.api.powerplatform.com/powerautomate/x"),
        ("teams", "https://contoso.webhook.office.com/webhookb2/x"),
    ],
)
def test_it_accepts_the_services_webhook_addresses(kind, url):
    assert chat.url_problem(kind, url) is None


@pytest.mark.parametrize(
    "kind,url",
    [
        ("slack", "http://hooks.slack.com/services/T0/B0/abcd"),  # not https
        ("slack", "https://hooks.slack.com.evil.example/services/x"),
        ("slack", "https://hooks.slack.com/api/x"),  # not a webhook path
        ("slack", "https://user:pw@hooks.slack.com/services/x"),
        ("slack", "https://hooks.slack.com:8443/services/x"),
        ("teams", "https://hooks.slack.com/services/x"),  # the other service
        ("teams", "https://logic.azure.com.evil.example/workflows/x"),
        ("teams", "https://169.254.169.254/latest/meta-data"),
        ("slack", "http://127.0.0.1:8000/services/x"),  # local only where allowed
        ("slack", "https://[::1/"),
    ],
)
def test_it_refuses_other_addresses(kind, url):
    with translation.override("en"):
        assert chat.url_problem(kind, url)


def test_local_addresses_only_where_the_setting_allows_them(settings):
    settings.CHAT_WEBHOOK_ALLOW_LOCAL = True
    assert chat.url_problem("slack", "http://127.0.0.1:8000/services/x") is None
    assert chat.url_problem("slack", "http://10.0.0.1/services/x")


def test_a_url_is_shown_as_its_host_and_last_four_characters():
    assert chat.masked("https://hooks.slack.com/services/T0/B0/abcdWXYZ") == "hooks.slack.com/…WXYZ"


@pytest.mark.parametrize(
    "value,expected",
    [("7", 7), ("0", 1), ("100000", 3600), (None, None), ("soon", None)],
)
def test_retry_after_is_read_in_seconds_and_capped(value, expected):
    assert chat.retry_after_seconds(value, maximum=3600) == expected


def test_retry_after_as_an_http_date():
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=120)
    seconds = chat.retry_after_seconds(when.strftime("%a, %d %b %Y %H:%M:%S GMT"), maximum=3600)
    assert 100 <= seconds <= 120


@pytest.mark.parametrize(
    "status,body,words",
    [
        (404, "no_service", "no longer exists"),
        (410, "channel_is_archived", "archived"),
        (400, "invalid_payload", "format"),
        (403, "action_prohibited", "does not allow"),
        (429, "rate_limited", "tries again after"),
        (503, "", "temporary"),
        (None, "ConnectionRefusedError", "could not be reached"),
        (302, "", "redirect"),
    ],
)
def test_each_answer_is_explained(status, body, words):
    with translation.override("en"):
        assert words in chat.explain(status, body)
