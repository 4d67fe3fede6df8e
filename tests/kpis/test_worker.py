"""A real Celery worker on Redis: an import that breaches a client's threshold makes the
worker e-mail the responsible staff once; an upload is imported once (CI; skipped without
services)."""

import time

import pytest
from django.utils import timezone

from kpis import importing
from kpis.models import KpiSettings, ThresholdAlert
from tests.helpers import make_user
from tests.kpis.conftest import make_client, tickets_csv

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def test_an_import_that_breaches_a_threshold_emails_the_responsible_staff_once(
    celery_worker_process,
):
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="manager")
    owner = make_user("owner", "manager")
    KpiSettings.objects.get_or_create(pk=1)
    acme = make_client("Acme", start=timezone.localdate() - timezone.timedelta(days=400))
    acme.responsible_staff.add(owner)

    importing.import_csv("tickets", tickets_csv(acme, 30, escalated=6))  # 20 %
    messages = celery_worker_process.sink.wait_for(1)
    assert len(messages) == 1
    assert messages[0].rcpt_tos == [owner.email]
    alert = ThresholdAlert.objects.get()
    assert alert.state == "breach"

    importing.import_csv("tickets", tickets_csv(acme, 30, escalated=6))  # the same again
    time.sleep(3)
    assert len(celery_worker_process.sink.messages) == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and ThresholdAlert.objects.get().emailed_at is None:
        time.sleep(0.2)
    assert ThresholdAlert.objects.get().emailed_at is not None


def test_an_upload_is_imported_by_the_worker_once(celery_worker_process):
    from kpis import import_jobs, tasks
    from kpis.models import ImportChunk, ImportJob, Ticket

    KpiSettings.objects.get_or_create(pk=1)
    acme = make_client("Acme", start=timezone.localdate() - timezone.timedelta(days=400))
    job = import_jobs.create("tickets", tickets_csv(acme, 30, escalated=0), "t.csv", None, "de")
    assert import_jobs.confirm(job)
    tasks.run_import.delay(job.pk)
    tasks.run_import.delay(job.pk)  # delivered twice
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and ImportJob.objects.get().state != "done":
        time.sleep(0.2)
    job.refresh_from_db()
    assert job.state == "done" and job.result["created"] == 30
    time.sleep(1)  # the second delivery has run too
    assert Ticket.objects.count() == 30
    assert not ImportChunk.objects.exists()
