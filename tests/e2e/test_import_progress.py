"""An import's page while the file waits: its status box follows the job without a timed
reload of the page (axe meta-refresh, WCAG 2.2.1), and the result appears by itself once
the import has run."""

import datetime
import io

import pytest
from playwright.sync_api import expect

from kpis import import_jobs
from organisation.models import Client
from tests.helpers import login_in_browser, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "external_id,client,priority,opened_at,source,escalated\n"
    "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,false\n"
)


def test_a_queued_import_shows_its_result_by_itself_without_a_timed_reload(page, live_server):
    Client.objects.create(external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1))
    manager = make_user("imports", "manager")
    job = import_jobs.create("tickets", io.BytesIO(CSV.encode()), "tickets.csv", manager, "en")
    assert import_jobs.confirm(job)  # queued; no worker picks it up in this test
    login_in_browser(page, live_server, manager.username)
    page.goto(live_server.url + job.get_absolute_url())

    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    status = page.locator("[data-refresh-seconds]")
    expect(status).to_have_attribute("role", "status")
    # A marker on the window survives the in-place updates while the job waits.
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_timeout(2500)  # one poll (every 2 s) has come back: still queued
    assert page.evaluate("window.stillTheSamePage === true")
    expect(status).to_be_visible()

    assert import_jobs.run(job.pk) == "done"
    expect(page.get_by_test_id("import-result")).to_be_visible(timeout=10000)
    assert page.locator("[data-refresh-seconds]").count() == 0
    assert page.js_errors == []
