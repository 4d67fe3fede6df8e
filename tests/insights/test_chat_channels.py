"""The chat channels settings page (insights/views/chat_channels.py): the webhook URL is never shown again after saving
(host and last four characters only), bad addresses are refused in the page's language,
and the test button says what happened, never a 500."""

import pytest
from django.urls import reverse

from organisation.models import ChatChannel
from tests.fake_webhooks import SLACK_PATH, fake_webhooks
from tests.helpers import with_form_token

__all__ = ["fake_webhooks"]  # the fixture

SECRET_URL = "https://hooks.slack.com/services/T000/B000/abcdefghSECRET1234WXYZ"


@pytest.fixture
def channel(db):
    return ChatChannel.objects.create(
        name="#service-desk", kind="slack", webhook_url=SECRET_URL, events=["kpi_alert"]
    )


def test_the_list_shows_the_url_masked(manager_client, channel):
    response = manager_client.get(reverse("insights:chat_channels"))
    page = response.content.decode()
    assert "hooks.slack.com/…WXYZ" in page
    assert "SECRET" not in page and "T000" not in page


def test_the_edit_form_never_sends_the_url_back(manager_client, channel):
    page = manager_client.get(reverse("insights:chat_channel_edit", args=[channel.pk]))
    text = page.content.decode()
    assert "hooks.slack.com/…WXYZ" in text and "SECRET" not in text


def test_a_manager_adds_a_channel(manager_client, db):
    response = manager_client.post(
        reverse("insights:chat_channel_new"),
        with_form_token(
            {
                "name": "#alerts",
                "kind": "teams",
                "webhook_url": "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s1g",
                "events": ["kpi_alert", "feedback_case"],
                "language": "en",
                "enabled": "on",
            }
        ),
    )
    assert response.status_code == 302
    channel = ChatChannel.objects.get()
    assert channel.events == ["kpi_alert", "feedback_case"] and channel.language == "en"
    assert channel.webhook_url.endswith("sig=s1g")


def test_leaving_the_url_empty_keeps_the_stored_one(manager_client, channel):
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_error="HTTP 404: no_service", last_error_status=404
    )
    response = manager_client.post(
        reverse("insights:chat_channel_edit", args=[channel.pk]),
        with_form_token(
            {
                "name": "#renamed",
                "kind": "slack",
                "webhook_url": "",
                "events": ["team_alert"],
                "language": "de",
            }
        ),
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "#renamed" and channel.webhook_url == SECRET_URL
    assert channel.events == ["team_alert"] and not channel.enabled
    assert channel.last_error  # the same address: its last error stays


def test_a_new_url_clears_the_last_error(manager_client, channel):
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_error="HTTP 404: no_service", last_error_status=404
    )
    manager_client.post(
        reverse("insights:chat_channel_edit", args=[channel.pk]),
        with_form_token(
            {
                "name": "#desk",
                "kind": "slack",
                "webhook_url": "https://hooks.slack.com/services/T1/B1/new",
                "language": "de",
                "enabled": "on",
            }
        ),
    )
    channel.refresh_from_db()
    assert channel.webhook_url.endswith("/new") and not channel.last_error


def test_a_bad_url_is_refused_in_german(manager_client, db):
    response = manager_client.post(
        reverse("insights:chat_channel_new"),
        with_form_token(
            {"name": "#x", "kind": "slack", "webhook_url": "not a url", "language": "de"}
        ),
    )
    assert response.status_code == 200
    assert "Bitte eine gültige Adresse eingeben." in response.content.decode()
    assert not ChatChannel.objects.exists()


@pytest.mark.parametrize(
    "kind,url,words",
    [
        ("slack", "http://hooks.slack.com/services/T/B/x", "must start with https://"),
        ("slack", "https://evil.example/services/x", "hooks.slack.com/services/"),
        ("teams", "https://hooks.slack.com/services/T/B/x", "Workflows flow"),
    ],
)
def test_a_url_of_the_wrong_host_is_refused_in_english(manager_client, db, kind, url, words):
    manager_client.cookies["django_language"] = "en"
    response = manager_client.post(
        reverse("insights:chat_channel_new"),
        with_form_token({"name": "#x", "kind": kind, "webhook_url": url, "language": "en"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not ChatChannel.objects.exists()


def test_the_last_error_is_explained_on_the_page(manager_client, channel):
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_error="HTTP 404: no_service", last_error_status=404
    )
    manager_client.cookies["django_language"] = "en"
    page = manager_client.get(reverse("insights:chat_channels"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "HTTP 404: no_service" in text and "The webhook no longer exists" in text


def _test(client, channel):
    return client.post(reverse("insights:chat_channel_test", args=[channel.pk]), follow=True)


def test_the_test_button_posts_in_the_channels_language(manager_client, fake_webhooks, settings):
    channel = ChatChannel.objects.create(
        name="#desk",
        kind="slack",
        webhook_url=fake_webhooks.url(SLACK_PATH),
        events=[],
        language="en",
    )
    ChatChannel.objects.filter(pk=channel.pk).update(
        last_error="HTTP 404: no_service", last_error_status=404
    )
    manager_client.cookies["django_language"] = "en"
    response = _test(manager_client, channel)
    [request] = fake_webhooks.requests
    assert request.json["blocks"][0]["text"]["text"] == "Test message from the KPI alerts"
    assert "The test message was posted to “#desk” (HTTP 200)." in response.content.decode()
    channel.refresh_from_db()
    assert not channel.last_error and channel.last_posted_at


def test_the_test_button_explains_a_refusal(manager_client, fake_webhooks):
    channel = ChatChannel.objects.create(
        name="#desk",
        kind="slack",
        webhook_url=fake_webhooks.url(SLACK_PATH),
        events=[],
        language="en",
    )
    fake_webhooks.script(SLACK_PATH, (404, "no_service", {}))
    manager_client.cookies["django_language"] = "en"
    response = _test(manager_client, channel)
    text = response.content.decode()
    assert response.status_code == 200
    assert "was not posted to “#desk”" in text and "no longer exists" in text
    assert "(HTTP 404 no_service)" in text


def test_the_test_button_never_fails_with_a_500(manager_client, db, settings):
    settings.CHAT_WEBHOOK_ALLOW_LOCAL = True
    channel = ChatChannel.objects.create(
        name="#down", kind="slack", webhook_url="http://127.0.0.1:9/services/x", events=[]
    )
    manager_client.cookies["django_language"] = "en"
    response = _test(manager_client, channel)
    assert response.status_code == 200
    assert "send the test again" in response.content.decode()


def test_the_test_button_refuses_an_address_not_allowed(manager_client, db):
    channel = ChatChannel.objects.create(
        name="#local", kind="slack", webhook_url="http://127.0.0.1:9/services/x", events=[]
    )
    manager_client.cookies["django_language"] = "en"
    response = _test(manager_client, channel)
    assert "must start with https://" in response.content.decode()


def test_removing_a_channel(manager_client, channel):
    manager_client.post(reverse("insights:chat_channel_delete", args=[channel.pk]))
    assert not ChatChannel.objects.exists()


def test_the_list_takes_a_fixed_number_of_queries(
    manager_client, channel, django_assert_max_num_queries
):
    for number in range(5):
        ChatChannel.objects.create(name=f"#{number}", kind="slack", webhook_url=SECRET_URL)
    with django_assert_max_num_queries(8):
        manager_client.get(reverse("insights:chat_channels"))


def test_the_back_office_shows_the_url_masked_and_changes_nothing(client, staff_user, channel):
    client.force_login(staff_user)
    page = client.get(f"/admin/organisation/chatchannel/{channel.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "hooks.slack.com/…WXYZ" in text and "SECRET" not in text
    listing = client.get("/admin/organisation/chatchannel/").content.decode()
    assert "#service-desk" in listing and "SECRET" not in listing


def test_the_test_button_asks_to_try_again_when_the_service_is_busy(manager_client, fake_webhooks):
    channel = ChatChannel.objects.create(
        name="#desk", kind="slack", webhook_url=fake_webhooks.url(SLACK_PATH), events=[]
    )
    fake_webhooks.script(SLACK_PATH, (429, "rate_limited", {"Retry-After": "30"}))
    manager_client.cookies["django_language"] = "en"
    text = _test(manager_client, channel).content.decode()
    assert "send the test again in a few minutes" in text and "(HTTP 429 rate_limited)" in text
    assert len(fake_webhooks.requests) == 1  # the test is not retried


def test_an_address_no_longer_accepted_is_explained_as_such(manager_client, db):
    channel = ChatChannel.objects.create(
        name="#local",
        kind="slack",
        webhook_url="http://127.0.0.1:9/services/x",
        events=[],
        last_error="Webhook address not accepted",
    )
    manager_client.cookies["django_language"] = "en"
    text = manager_client.get(reverse("insights:chat_channels")).content.decode()
    assert "must start with https://" in text and "could not be reached" not in text
    assert channel.last_error in text
