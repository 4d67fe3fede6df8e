"""A real Celery worker on Redis: an import that breaches a client's threshold makes the
worker post the alert to the chat channel once, retrying after a 429's Retry-After (CI;
skipped without services)."""

import time

import pytest
from django.utils import timezone

from kpis import importing
from kpis.models import KpiSettings
from organisation.models import ChatChannel, ChatPost
from tests.fake_webhooks import SLACK_PATH
from tests.kpis.conftest import make_client, tickets_csv

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def local_webhooks_for_the_worker(monkeypatch):
    # Set before the worker starts: it reads the setting from its environment.
    monkeypatch.setenv("CHAT_WEBHOOK_ALLOW_LOCAL", "1")


def test_the_worker_posts_a_breach_once_after_the_rate_limit(
    local_webhooks_for_the_worker, fake_webhooks, celery_worker_process
):
    KpiSettings.objects.get_or_create(pk=1)
    ChatChannel.objects.create(
        name="#desk",
        kind="slack",
        webhook_url=fake_webhooks.url(SLACK_PATH),
        events=["kpi_alert"],
        language="en",
    )
    acme = make_client("Acme", start=timezone.localdate() - timezone.timedelta(days=400))
    fake_webhooks.script(SLACK_PATH, (429, "rate_limited", {"Retry-After": "2"}))

    importing.import_csv("tickets", tickets_csv(acme, 30, escalated=6))  # 20 %
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and ChatPost.objects.filter(status="sent").count() < 1:
        time.sleep(0.2)
    post = ChatPost.objects.get()
    assert post.status == "sent" and post.attempts == 2
    first, second = fake_webhooks.requests
    assert first.json == second.json
    assert second.json["blocks"][0]["text"]["text"] == "Escalations over threshold: Acme"

    importing.import_csv("tickets", tickets_csv(acme, 30, escalated=6))  # the same again
    time.sleep(3)
    assert len(fake_webhooks.requests) == 2
