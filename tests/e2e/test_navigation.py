"""The one navigation in Chromium, on the demo site: at 1366x900 and 390x844, in German
and English, a manager reaches every KPI page by opening its menu and clicking; on a
phone the menu is collapsed until its button opens it. And the client picker: typing a
name and choosing it filters the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from organisation.models import Client
from tests.e2e.site_walk import DESKTOP, PHONE, new_context

# Not transactional: the module's demo data (tests/e2e/conftest.py) is committed outside
# the tests.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

# (menu, link, address): the attention page, the client list, every KPI page, and where
# each link lives.
KPI_LINKS = [
    (None, "nav-insights-attention", "/kpis/attention/"),
    (None, "nav-insights-client-list", "/kpis/clients/"),
    ("nav-kpis", "nav-insights-dashboard", "/kpis/"),
    ("nav-kpis", "nav-insights-escalations", "/kpis/escalations/"),
    ("nav-kpis", "nav-insights-sla", "/kpis/sla/"),
    ("nav-kpis", "nav-insights-proactive", "/kpis/proactive/"),
    ("nav-kpis", "nav-insights-satisfaction", "/kpis/satisfaction/"),
    ("nav-kpis", "nav-insights-turnover", "/kpis/turnover/"),
    ("nav-kpis", "nav-insights-ticket-list", "/kpis/tickets/"),
    ("nav-kpis", "nav-insights-alerts", "/kpis/alerts/"),
    ("nav-kpis", "nav-ratings-list", "/ratings/"),
    ("nav-kpis", "nav-ratings-figures", "/ratings/figures/"),
    ("nav-kpis", "nav-ratings-case-list", "/ratings/cases/"),
    ("nav-import", "nav-kpis-import", "/kpis/import/"),
]
TOGGLER = "nav .navbar-toggler"


def _open_menu(page, phone: bool) -> None:
    """On a phone the entries are collapsed behind the toggler: it opens them."""
    if not phone:
        expect(page.locator(TOGGLER)).to_be_hidden()
        return
    expect(page.locator("#main-nav")).to_be_hidden()
    page.locator(TOGGLER).click()
    expect(page.locator("#main-nav")).to_be_visible()
    # Opened, not still sliding open: a menu clicked meanwhile may not open.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator(TOGGLER)).to_have_attribute("aria-expanded", "true")


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_a_manager_reaches_every_kpi_page_from_the_navigation(
    browser, demo_site, language, viewport
):
    phone = viewport == PHONE
    context = new_context(browser, demo_site, "manager", language=language, viewport=viewport)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(demo_site.url + "/")
        for menu, link, address in KPI_LINKS:
            _open_menu(page, phone)
            if menu:
                page.get_by_test_id(menu).click()
            target = page.get_by_test_id(link)
            expect(target).to_be_visible()
            target.click()
            page.wait_for_url(f"**{address}")
            expect(page.locator("main h1").first).to_be_visible()
            # The page's own link is marked current, and its menu with it.
            expect(page.get_by_test_id(link)).to_have_attribute("aria-current", "page")
            if menu:
                expect(page.get_by_test_id(menu)).to_have_class(re.compile(r"\bactive\b"))
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll[0] <= scroll[1], f"{address} scrolls sideways: {scroll}"
        if not phone:
            # All entries, the language switch and the account fit on one line.
            assert page.locator("nav.navbar").bounding_box()["height"] < 80
        assert errors == []
    finally:
        context.close()


def test_a_technician_on_a_phone_opens_the_menu_and_sees_only_their_pages(browser, demo_site):
    context = new_context(browser, demo_site, "technician", language="en", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(demo_site.url + "/")
        _open_menu(page, phone=True)
        expect(page.get_by_test_id("nav-surveys-my-surveys")).to_be_visible()
        expect(page.get_by_test_id("nav-ratings-mine")).to_be_visible()
        assert page.get_by_test_id("nav-insights-dashboard").count() == 0
        assert page.get_by_test_id("nav-kpis").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_typing_a_client_and_choosing_it_filters_the_dashboard(browser, demo_site, viewport):
    chosen = Client.objects.order_by("name")[3]
    context = new_context(browser, demo_site, "manager", language="en", viewport=viewport)
    try:
        page = context.new_page()
        page.goto(demo_site.url + "/kpis/")
        box = page.get_by_role("combobox", name="Client")
        box.click()
        box.press_sequentially(chosen.name[:5], delay=30)
        option = page.get_by_role("option", name=chosen.name, exact=True)
        expect(option).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        option.click()
        expect(box).to_have_value(chosen.name)
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(rf"client={chosen.pk}\b"))
        expect(page.get_by_role("combobox", name="Client")).to_have_value(chosen.name)
        expect(page.locator("main p.small").first).to_contain_text(chosen.name)
    finally:
        context.close()
