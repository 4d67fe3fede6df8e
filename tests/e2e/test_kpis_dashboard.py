"""A manager signs in, sees the KPI tiles filled, and drills down from the escalation
tile to a client and its tickets, in a real Chromium."""

import datetime
import os
import pathlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kpis import rollups
from tests.helpers import login_in_browser, make_user
from tests.kpis.conftest import make_client, tickets

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def data(transactional_db):
    from django.contrib.auth.models import Group

    from accounts.roles import MANAGER, TECHNICIAN

    for name in (MANAGER, TECHNICIAN):
        Group.objects.get_or_create(name=name)
    from kpis.models import SLATarget

    make_user("boss", "manager")
    for priority, minutes in (("critical", 15), ("high", 60), ("medium", 240), ("low", 480)):
        SLATarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": minutes, "resolution_minutes": minutes * 6},
        )
    today = timezone.localdate()
    hot = make_client("Heiß GmbH", start=today - datetime.timedelta(days=400))
    calm = make_client("Ruhig KG", start=today - datetime.timedelta(days=30))
    tickets(
        hot,
        today - datetime.timedelta(days=3),
        60,
        escalated=9,
        source="monitoring",
        proactive=True,
    )
    tickets(calm, today - datetime.timedelta(days=2), 20, escalated=1)
    rollups.rebuild_all()
    return hot


def test_a_manager_drills_from_the_escalation_tile_to_a_clients_tickets(page, live_server, data):
    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/kpis/")
    tile = page.get_by_test_id("tile-escalation")
    expect(tile).to_contain_text("12,5 %")  # 10 of 80 tickets
    expect(page.get_by_test_id("tile-proactive")).to_contain_text("75,0 %")
    expect(page.get_by_test_id("tile-sla")).not_to_contain_text("—")
    # all tickets in the last days: one or two weeks with data read as a sentence
    expect(page.locator("#chart-escalation-weekly")).to_have_attribute(
        "data-testid", "chart-sentence"
    )

    tile.click()  # the whole tile is a link (stretched-link)
    expect(page.get_by_role("heading", name="Eskalationen", exact=True)).to_be_visible()
    expect(page.get_by_test_id("escalation-clients")).to_contain_text("15,0 %")
    page.get_by_role("link", name="Heiß GmbH").click()

    expect(page.get_by_role("heading", name="Heiß GmbH")).to_be_visible()
    expect(page.get_by_test_id("onboarding-status")).to_be_visible()
    page.get_by_test_id("all-tickets").click()
    expect(page.get_by_test_id("ticket-row")).to_have_count(50)
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("ticket-row")).to_have_count(10)
    assert page.js_errors == []


# axe-core from npm, where installed (the default: the checker's scratch install)
AXE = pathlib.Path(
    os.environ.get("AXE_CORE_JS", "/tmp/axe/node_modules/axe-core/axe.min.js")  # noqa: S108
)


@pytest.mark.parametrize("width", [1366, 390])
def test_charts_are_labelled_images_with_nothing_focusable_inside(page, live_server, data, width):
    """Weeks of tickets draw the escalation chart: one image with a label, no mode bar,
    no keyboard stop inside, and axe finds no chart-related violation."""
    today = timezone.localdate()
    hot = data
    for weeks in range(1, 8):
        tickets(hot, today - datetime.timedelta(weeks=weeks), 10, escalated=weeks % 3)
    rollups.rebuild_all()
    page.set_viewport_size({"width": width, "height": 900})
    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/kpis/")
    chart = page.locator("#chart-escalation-weekly[data-chart-ready='1']")
    expect(chart).to_have_attribute("role", "img")
    assert len(chart.get_attribute("aria-label")) > 20
    assert page.locator(".modebar").count() == 0
    focusable = chart.locator("a[href], button, input, [tabindex]:not([tabindex='-1'])")
    assert focusable.count() == 0
    assert page.locator("[data-testid='spark-escalation'] polyline").count() == 1
    if AXE.exists():
        page.evaluate(AXE.read_text())
        rules = ["role-img-alt", "nested-interactive", "scrollable-region-focusable"]
        found = page.evaluate(
            "async (rules) => (await axe.run({runOnly: rules})).violations.map(v => v.id)",
            rules,
        )
        assert found == []
