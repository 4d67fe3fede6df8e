"""The client page and the filter bar at 1366 px in Chromium: nothing scrolls sideways,
the filter's button sits inside its card, German choices are not cut off, and the ticket
tables' scroll regions are reachable by keyboard. The campaign form's recipient search."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kpis import rollups
from tests.helpers import login_in_browser, make_user
from tests.kpis.conftest import make_client, tickets

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(transactional_db):
    from django.contrib.auth.models import Group

    from accounts.roles import MANAGER, TECHNICIAN

    for name in (MANAGER, TECHNICIAN):
        Group.objects.get_or_create(name=name)
    make_user("boss", "manager")
    today = timezone.localdate()
    hot = make_client("Bäckerei Sommer KG", start=today - datetime.timedelta(days=400))
    tickets(hot, today - datetime.timedelta(days=3), 30, escalated=6, source="monitoring")
    rollups.rebuild_all()
    return hot


def _no_sideways_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _button_inside_its_card(page) -> None:
    card = page.locator("form .filter-bar").first.locator(
        "xpath=ancestor::div[contains(@class,'card')][1]"
    )
    button = page.locator(".filter-submit input[type=submit], .filter-submit button").first
    outer, inner = card.bounding_box(), button.bounding_box()
    assert inner["x"] >= outer["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    assert inner["y"] >= outer["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]


def _selects_not_cut_off(page) -> None:
    # The shown option's text fits its select (padding and the arrow included).
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('.filter-bar select')).filter(s => {
            const probe = document.createElement('span');
            const style = getComputedStyle(s);
            probe.style.font = style.font;
            probe.style.whiteSpace = 'nowrap';
            probe.style.position = 'absolute';
            probe.textContent = s.options[s.selectedIndex].text;
            document.body.appendChild(probe);
            const needed = probe.getBoundingClientRect().width
                + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
            probe.remove();
            return needed > s.clientWidth + 1;
        }).map(s => s.name)"""
    )
    assert cut == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_client_page_fits_and_its_filter_keeps_the_button_inside(
    page, live_server, data, width
):
    page.set_viewport_size({"width": width, "height": 900})
    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/kpis/clients/{data.pk}/?period=year")
    expect(page.get_by_test_id("ticket-table").first).to_be_visible()
    _no_sideways_scroll(page)
    _button_inside_its_card(page)
    _selects_not_cut_off(page)
    if width == 1366:
        # At 1366 px the tables fit their column: nothing to scroll even inside them.
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('[data-testid=ticket-table]'))"
            ".map(e => e.scrollWidth - e.clientWidth)"
        )
        assert widths and all(extra <= 1 for extra in widths)
    # A scroll region is a stop on the keyboard's way through the page.
    region = page.get_by_test_id("ticket-table").first
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    assert page.evaluate("document.activeElement.dataset.testid") == "ticket-table"


@pytest.mark.parametrize("width", [1366, 390])
def test_the_dashboard_filter_fits_in_german(page, live_server, data, width):
    page.set_viewport_size({"width": width, "height": 900})
    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/kpis/?period=year")
    _no_sideways_scroll(page)
    _button_inside_its_card(page)
    _selects_not_cut_off(page)
    if width == 1366:  # one line: the button beside the last field, on its baseline
        tops = page.evaluate(
            "Array.from(document.querySelectorAll("
            "'.filter-bar select, .filter-bar input:not([type=hidden])'))"
            ".map(e => Math.round(e.getBoundingClientRect().bottom))"
        )
        assert max(tops) - min(tops) <= 2


def test_the_recipient_search_narrows_the_lists(page, live_server, data):
    from organisation.models import Contact

    Contact.objects.create(client=data, name="Zora Zentral", email="zora@sommer.example")
    other = make_client("Metallbau Fischer AG", start=timezone.localdate())
    Contact.objects.create(client=other, name="Frank Fischer", email="frank@fischer.example")
    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/surveys/campaigns/new/")
    search = page.locator("[data-recipient-search]")
    expect(search).to_be_visible()
    search.fill("zora")
    expect(page.get_by_text("Zora Zentral")).to_be_visible()  # its client opened
    expect(page.locator("details.recipient-group", has_text="Metallbau")).to_be_hidden()
    search.fill("")
    expect(page.locator("details.recipient-group", has_text="Metallbau")).to_be_visible()
    assert page.js_errors == []
