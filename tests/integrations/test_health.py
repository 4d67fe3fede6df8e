"""Alerts of silent and failing PSA connections (integrations.health): one alert and one
e-mail per incident, nothing more while it lasts, closed when the connection recovers,
the PSA's own message in the e-mail and on the alerts page."""

import datetime

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from integrations import health, tasks
from integrations.models import AlertReason, IntegrationAlert
from organisation.models import ChatChannel, ChatEvent, ChatPost

from .test_pull import connect, run

START = datetime.datetime(2026, 10, 6, 8, 0, tzinfo=datetime.UTC)
PSA_MESSAGE = "The member does not have security to access this resource"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def check():
    """The beat task as it runs: its e-mails and chat posts are sent once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return tasks.check_health.apply().get()


def test_a_connection_silent_for_its_time_is_alerted_once_and_closed_when_it_recovers(
    db, manager, cw_server, clock, mailoutbox
):
    integration = connect(cw_server)
    assert check() == {"raised": 0, "closed": 0}
    clock.shift(datetime.timedelta(hours=1, minutes=59))
    assert check() == {"raised": 0, "closed": 0}
    clock.shift(datetime.timedelta(minutes=1))
    with translation.override("en"):
        assert check() == {"raised": 1, "closed": 0}
    alert = IntegrationAlert.objects.get()
    assert (alert.reason, alert.since, alert.closed_at) == (AlertReason.SILENT, START, None)
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert integration.name in mailoutbox[0].subject
    status_url = reverse("integrations:status", args=[integration.pk])
    assert status_url in mailoutbox[0].body
    assert status_url in mailoutbox[0].alternatives[0][0]

    # Still silent a quarter of an hour later: the same incident, no second e-mail.
    clock.shift(datetime.timedelta(minutes=15))
    assert check() == {"raised": 0, "closed": 0}
    assert len(mailoutbox) == 1
    assert IntegrationAlert.objects.count() == 1

    # A successful pull: the alert closes; silent again later is a new incident.
    assert run(integration).written
    assert check() == {"raised": 0, "closed": 1}
    alert.refresh_from_db()
    assert alert.closed_at == START + datetime.timedelta(hours=2, minutes=15)
    clock.shift(datetime.timedelta(hours=2))
    assert check() == {"raised": 1, "closed": 0}
    assert IntegrationAlert.objects.open().count() == 1
    assert len(mailoutbox) == 2


def test_an_event_keeps_a_connection_from_being_silent(db, manager, cw_server, clock, mailoutbox):
    integration = connect(cw_server)
    clock.shift(datetime.timedelta(hours=1, minutes=30))
    type(integration).objects.filter(pk=integration.pk).update(last_event_at=START.replace(hour=9))
    clock.shift(datetime.timedelta(minutes=45))
    assert check() == {"raised": 0, "closed": 0}
    assert mailoutbox == []


def test_failing_pulls_raise_one_alert_with_the_psas_message(
    db, manager, staff_user, cw_server, clock, mailoutbox, client
):
    integration = connect(cw_server, alert_after_minutes=60)
    assert run(integration).written
    cw_server.fail(403, times=100, body={"code": "Forbidden", "message": PSA_MESSAGE})
    clock.shift(datetime.timedelta(minutes=15))
    run(integration)
    integration.refresh_from_db()
    assert integration.failing_since == START + datetime.timedelta(minutes=15)
    # An event arrived meanwhile: not silent, but the pulls have failed for an hour.
    type(integration).objects.filter(pk=integration.pk).update(
        last_event_at=START + datetime.timedelta(minutes=50)
    )
    for _ in range(4):
        clock.shift(datetime.timedelta(minutes=15))
        run(integration)
        check()
    integration.refresh_from_db()
    assert integration.failing_since == START + datetime.timedelta(minutes=15)
    alert = IntegrationAlert.objects.get()
    assert alert.reason == AlertReason.FAILING
    assert PSA_MESSAGE in alert.message
    # The managers (and staff, who are superusers) are e-mailed once, with the message.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, staff_user.email])
    assert all(PSA_MESSAGE in m.body for m in mailoutbox)

    client.force_login(manager)
    page = client.get(reverse("insights:alerts")).content.decode()
    assert PSA_MESSAGE in page
    assert reverse("integrations:status", args=[integration.pk]) in page

    cw_server.faults.clear()
    run(integration)
    assert check() == {"raised": 0, "closed": 1}
    assert len(mailoutbox) == 2
    page = client.get(reverse("insights:alerts")).content.decode()
    assert PSA_MESSAGE not in page  # only open alerts by default
    assert PSA_MESSAGE in client.get(reverse("insights:alerts") + "?show=all").content.decode()


def test_the_alert_is_posted_once_to_the_channels_that_receive_it(
    db, manager, cw_server, clock, mailoutbox
):
    ChatChannel.objects.create(
        name="#ops", kind="slack", webhook_url="https://hooks.slack.com/services/T/B/x", events=[]
    )
    wanted = ChatChannel.objects.create(
        name="#psa",
        kind="slack",
        webhook_url="https://hooks.slack.com/services/T/B/y",
        events=[ChatEvent.INTEGRATION_ALERT],
    )
    connect(cw_server)
    clock.shift(datetime.timedelta(hours=3))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("organisation.chat.post_to_channel.delay", lambda post_id: None)
        check()
        check()
    assert list(ChatPost.objects.values_list("channel_id", "event")) == [
        (wanted.pk, ChatEvent.INTEGRATION_ALERT)
    ]


def test_a_silent_connection_is_the_problem_the_status_page_names(db, cw_server, clock):
    integration = connect(cw_server)
    now = START + datetime.timedelta(hours=2)
    assert health.problem(integration, now) == (AlertReason.SILENT, START)
    integration.alert_after_minutes = 180
    assert health.problem(integration, now) is None
