"""In Chromium: a client clicks a face in the ticket rating e-mail and the manager sees
it; a plain fetch of every face link records nothing."""

import datetime
import io
import re
import urllib.error
import urllib.request

import pytest
from django.core import mail
from django.utils import timezone

from kpis import importing
from organisation.models import Client, Contact
from ratings.services import invite_due
from surveys.models import Answer
from tests.helpers import login_in_browser

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"(https?://[^\s]+/surveys/r/[^\s/]+/\?face=\d)")
HEADER = "external_id,client,priority,opened_at,source,title,requester_external_id,resolved_at"


def _rating_e_mails(settings, live_server):
    settings.SITE_URL = live_server.url
    client = Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )
    for n in (1, 2):
        Contact.objects.create(
            client=client, name=f"Ada {n}", email=f"ada{n}@acme.example", external_id=f"P-{n}"
        )
    opened = (timezone.now() - datetime.timedelta(hours=5)).isoformat()
    resolved = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
    for value in ("", resolved):
        rows = [f"T-{n},C-1,high,{opened},client,Drucker {n},P-{n},{value}" for n in (1, 2)]
        importing.import_csv("tickets", io.BytesIO("\n".join([HEADER, *rows]).encode()))
    invite_due()
    return {m.to[0]: LINK.findall(m.body) for m in mail.outbox}


def test_a_client_clicks_a_face_and_the_manager_sees_it(
    page, settings, live_server, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        links = _rating_e_mails(settings, live_server)
    negative = links["ada1@acme.example"][0]
    page.goto(negative)
    page.wait_for_selector('[data-testid="recorded"]')
    assert Answer.objects.get(question__key="rating").value == 1
    page.fill("textarea[name=q_comment]", "Zu langsam")
    page.check('input[name="q_may_contact"][value="1"]', force=True)
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_selector('[data-testid="thanks"]')
    login_in_browser(page, live_server, manager.username)
    page.goto(f"{live_server.url}/ratings/")
    assert "Zu langsam" in page.inner_text("main")
    assert page.js_errors == []


def test_a_plain_fetch_of_every_face_link_records_nothing(
    settings, live_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        links = _rating_e_mails(settings, live_server)
    statuses = []
    for link in links["ada2@acme.example"]:
        for request in (link, urllib.request.Request(link, method="HEAD")):
            try:
                with urllib.request.urlopen(request) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as error:  # the second face: "please choose"
                statuses.append(error.code)
    assert set(statuses) <= {200, 409} and statuses[0] == 200
    assert not Answer.objects.exists()


def test_a_negative_rating_reaches_the_managers_inbox_and_is_closed_with_a_note(
    page, settings, live_server, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        links = _rating_e_mails(settings, live_server)
    mail.outbox.clear()
    page.goto(links["ada1@acme.example"][0])  # the bad face
    page.wait_for_selector('[data-testid="recorded"]')
    # Nobody is responsible for Acme: the managers hear of the case.
    (case_mail,) = [m for m in mail.outbox if m.to == [manager.email]]
    case_link = re.search(r"(https?://\S+/ratings/cases/\d+/)", case_mail.body).group(1)
    assert "Acme" in case_mail.body and "T-1" in case_mail.body
    login_in_browser(page, live_server, manager.username)
    page.goto(case_link)
    page.fill("textarea[name=note]", "Ada angerufen, Drucker getauscht")
    page.select_option("select[name=contacted]", "yes")
    page.click("button[name=action][value=close]")
    page.wait_for_url(f"{live_server.url}/ratings/cases/")  # back on the open cases
    assert "T-1" not in page.inner_text("main table")
    page.goto(case_link)
    assert "text-bg-secondary" in page.get_attribute('[data-testid="case-status"]', "class")
    assert page.input_value("textarea[name=note]") == "Ada angerufen, Drucker getauscht"
    page.goto(f"{live_server.url}/ratings/cases/?status=closed")
    assert "T-1" in page.inner_text("main")
    assert page.js_errors == []
