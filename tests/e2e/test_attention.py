"""A manager signs in and lands on the attention page, finds the worst client first and
drills down from its cells to the client and its tickets, in German and English, on a
desktop and on a phone, in a real Chromium."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from kpis import rollups
from tests.e2e.site_walk import DESKTOP, PHONE
from tests.helpers import PASSWORD, make_user
from tests.kpis.conftest import make_client, tickets

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worst(transactional_db):
    """Three clients this month: one over its escalation threshold with a slow SLA (red),
    one calm (green), one without tickets (not judged). Returns the red one."""
    from django.contrib.auth.models import Group

    from accounts.roles import MANAGER, TECHNICIAN
    from kpis.models import SLATarget

    for name in (MANAGER, TECHNICIAN):
        Group.objects.get_or_create(name=name)
    make_user("boss", "manager")
    for priority in ("critical", "high", "medium", "low"):
        SLATarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": 30, "resolution_minutes": 240},
        )
    today = timezone.localdate()
    start = today - datetime.timedelta(days=400)
    # Ticket days inside this month: today's tickets are opened at 10:00, maybe later.
    day = today.replace(day=1) if today.day > 1 else today
    hot = make_client("Alarm GmbH", start=start)
    tickets(hot, day, 30, escalated=9, hour=0, first_minutes=90, resolve_minutes=600)
    calm = make_client("Bestens KG", start=start)
    tickets(calm, day, 30, escalated=0, hour=0)
    make_client("Clara Neu AG", start=start)
    rollups.rebuild_all()
    return hot


def _sign_in(browser, url, language, viewport):
    context = browser.new_context(
        viewport=viewport, locale="de-DE" if language == "de" else "en-GB"
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return context, page, errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_manager_lands_on_the_attention_page_and_drills_down_from_the_worst_client(
    browser, live_server, worst, language, viewport
):
    context, page, errors = _sign_in(browser, live_server.url, language, viewport)
    try:
        assert page.url == f"{live_server.url}/kpis/attention/"
        expect(page.locator("html")).to_have_attribute("lang", language)
        rows = page.get_by_test_id("client-row")
        expect(rows).to_have_count(3)
        first = rows.first
        expect(first).to_have_attribute("data-client", str(worst.pk))
        if viewport is PHONE:
            # The table scrolls sideways; the client's name stays in view beside its figures.
            table = page.get_by_test_id("client-table")
            first.scroll_into_view_if_needed()
            table.locator("xpath=..").evaluate("region => { region.scrollLeft = 300; }")
            assert table.locator("xpath=..").evaluate("region => region.scrollLeft") > 0
            name = first.locator("[data-cell=client]")
            expect(name).to_be_in_viewport()
            box = name.bounding_box()
            assert box["x"] < 40, box
        expect(first).to_have_attribute("data-state", "red")
        expect(rows.nth(1)).to_have_attribute("data-state", "green")
        # The escalation cell: the client's escalated tickets of the month.
        first.locator("[data-cell=escalation]").click()
        expect(page).to_have_url(re.compile(rf"/kpis/tickets/\?client={worst.pk}&escalated=yes"))
        expect(page.get_by_test_id("ticket-row")).to_have_count(9)
        page.go_back()
        # The client's name: its page, and from there all its tickets.
        page.get_by_test_id("client-row").first.locator("[data-cell=client]").click()
        expect(page.get_by_role("heading", name="Alarm GmbH", level=1)).to_be_visible()
        page.get_by_test_id("all-tickets").click()
        expect(page.get_by_test_id("ticket-row")).to_have_count(30)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], "the page scrolls sideways"
        assert errors == []
    finally:
        context.close()
