"""Many responders at once against the live (threaded) server on PostgreSQL: the same link
submitted 50 times at the same moment records one answer, and 500 responders with their
own links are all recorded.

The live server starts a thread per request; 500 simultaneous connections would exceed
its listen backlog and PostgreSQL's connection limit, so 500 requests go through a pool
of 50 client threads (50 requests in flight at any time)."""

import datetime
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from organisation.models import Client, Contact
from surveys.models import Answer, Campaign, Invitation, Response, Survey
from tests.surveys.links import link_token

pytestmark = [
    # Row locks and parallel writers: SQLite serialises writers anyway.
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]

ANSWER = {
    "q_overall_satisfaction": "4",
    "q_recommend": "9",
    "q_support_effort": "5",
    "q_contract_closing": "4",
    "q_finalising_responsiveness": "4",
    "q_asset_discovery": "4",
    "q_comment": "parallel",
}


def _links(n: int) -> list[str]:
    survey = Survey.objects.get(kind="client_onboarding")
    now = timezone.now()
    campaign = Campaign.objects.create(
        survey=survey,
        name="Load",
        status=Campaign.Status.OPEN,
        send_at=now,
        started_at=now,
        closes_at=now + datetime.timedelta(days=7),
    )
    company = Client.objects.create(
        external_id="L-1", name="Load GmbH", contract_start=datetime.date(2026, 9, 1)
    )
    contacts = Contact.objects.bulk_create(
        Contact(client=company, name=f"L{i}", email=f"l{i}@load.example") for i in range(n)
    )
    invitations = Invitation.objects.bulk_create(
        Invitation(campaign=campaign, contact=c, email=c.email, status="sent") for c in contacts
    )
    return [f"/surveys/r/{link_token(invitation)}/" for invitation in invitations]


def _post(url: str, data: dict) -> int:
    body = urllib.parse.urlencode(data).encode()
    # Don't follow the redirect to the thank-you page: the status of the POST counts.
    opener = urllib.request.build_opener(NoRedirect)
    for attempt in range(20):
        request = urllib.request.Request(url, data=body, method="POST")
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (ConnectionError, urllib.error.URLError):
            # The live server's listen backlog is small (10): a burst of connections is
            # partly reset before any request is read, and a browser would connect again.
            time.sleep(0.05 * (attempt + 1) + random.random() / 10)  # noqa: S311
    raise AssertionError(f"no answer from {url}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_fifty_simultaneous_submissions_of_one_link_record_one_answer(live_server):
    url = live_server.url + _links(1)[0]
    barrier = threading.Barrier(50)

    def submit(i):
        barrier.wait(timeout=30)
        return _post(url, {**ANSWER, "q_recommend": str(i % 11)})

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(submit, range(50)))
    assert statuses == [302] * 50
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 7
    assert Invitation.objects.get().status == "answered"


def test_five_hundred_responders_are_all_recorded(live_server):
    links = [live_server.url + path for path in _links(500)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda url: _post(url, ANSWER), links))
    elapsed = time.monotonic() - started
    assert statuses.count(302) == 500, {s: statuses.count(s) for s in set(statuses)}
    assert Response.objects.count() == 500
    assert Answer.objects.count() == 500 * 7
    assert Invitation.objects.filter(status="answered").count() == 500
    assert elapsed < 120
