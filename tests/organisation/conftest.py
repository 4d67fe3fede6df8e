"""Chat channels pointing at the local fake of Slack and Teams (tests/fake_webhooks.py)."""

import pytest

from organisation.models import ChatChannel, ChatEvent
from tests.fake_webhooks import SLACK_PATH, TEAMS_PATH, fake_webhooks

__all__ = ["fake_webhooks"]


@pytest.fixture
def slack_channel(db, fake_webhooks):
    return ChatChannel.objects.create(
        name="#service-desk",
        kind=ChatChannel.Kind.SLACK,
        webhook_url=fake_webhooks.url(SLACK_PATH),
        events=[ChatEvent.KPI_ALERT, ChatEvent.TEAM_ALERT],
        language="en",
    )


@pytest.fixture
def teams_channel(db, fake_webhooks):
    return ChatChannel.objects.create(
        name="Service desk",
        kind=ChatChannel.Kind.TEAMS,
        webhook_url=fake_webhooks.url(TEAMS_PATH),
        events=[ChatEvent.KPI_ALERT],
        language="de",
    )
