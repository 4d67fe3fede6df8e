"""Two submits at the same moment still leave one response (PostgreSQL, real rows)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from surveys.models import Answer, Response, Survey
from surveys.services import create_campaign, save_response
from tests.surveys.helpers import make_technician
from tests.surveys.seeding import migration_data  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.usefixtures("migration_data"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_simultaneous_submits_record_one_response():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
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
