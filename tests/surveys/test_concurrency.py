"""Two submits at the same moment still leave one response (PostgreSQL, real rows)."""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from surveys.models import Answer, Response, Survey
from surveys.services import create_campaign, save_response
from tests.surveys.helpers import make_technician

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]


def test_simultaneous_submits_record_one_response():
    campaign = create_campaign(
        survey=Survey.objects.get(kind="pulse"),
        name="Race",
        recipients=[make_technician()],
        closes_at=timezone.now() + datetime.timedelta(days=1),
    )
    invitation = campaign.invitations.get()
    barrier = threading.Barrier(4)
    errors = []

    def submit(value):
        try:
            barrier.wait()
            save_response(invitation, {"week": value})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(v,)) for v in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 1
