"""axe-core on every page of the product: no serious or critical violation of the WCAG 2.0
and 2.1 A/AA rules on any page a role may open (tests/e2e/site_walk.py walks them), at
1366x900 in German, and on a sample of pages at 390x844 in English.

Staff are superusers and see the managers' pages with the managers' data; what differs is
the top bar (a "Back office" link). Staff are checked on the pages only they may open and
on a few with the full top bar, not on every manager page again: that keeps the test near
a minute and a half.

axe-core comes from npm (tests/axe/package.json, pinned by its lock file): `make test`
installs it with `npm ci --prefix tests/axe`; in CI a missing axe fails the test.
"""

import json

import pytest

from tests.conftest import IN_CI, ROOT
from tests.e2e.site_walk import DESKTOP, PHONE, ROLES, new_context, visit

# Not transactional: the module's demo data (tests/e2e/conftest.py) is committed outside
# the tests, and a transactional test would flush it after the first test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

AXE_JS = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")
STAFF_ALSO_ON = ("home", "insights:dashboard", "surveys:campaign_list", "assessments:start")

# Checked on a phone in English as well: the public pages a client or a technician opens
# from an e-mail, and the busiest pages of technicians and managers.
PHONE_SAMPLE = {
    "anonymous": [
        "login",
        "surveys:respond",
        "surveys:respond-pulse-face",
        "assessments:visitor_result",
    ],
    "technician": ["home", "surveys:my_surveys", "assessments:round_answer"],
    "manager": [
        "insights:attention",
        "insights:dashboard",
        "insights:client_detail",
        "surveys:campaign_detail",
    ],
}

# A table that scrolls sideways must be reachable and named for keyboard and screen reader
# users (axe's scrollable-region-focusable sees only the regions that overflow now): every
# .table-responsive is a focusable, labelled region.
UNNAMED_SCROLL_REGIONS = """() => [...document.querySelectorAll('.table-responsive')]
    .filter((el) => el.getAttribute('tabindex') !== '0' || el.getAttribute('role') !== 'region'
        || !(el.getAttribute('aria-label') || '').trim())
    .map((el) => el.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE_JS.exists():
        message = f"axe-core missing at {AXE_JS}: run `npm ci --prefix tests/axe`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS.read_text()


def problems_on_page(page, axe_source: str) -> list[str]:
    """Runs axe on the open page: one line per serious or critical violation with its
    rule and the elements (CSS selectors) it found, and one per unnamed scroll region."""
    page.add_script_tag(content=axe_source)
    results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    lines = [
        f"{violation['id']} ({violation['impact']}): "
        + json.dumps([node["target"] for node in violation["nodes"]][:8])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]
    lines += [
        f"scroll region without tabindex, role or name: {html}"
        for html in page.evaluate(UNNAMED_SCROLL_REGIONS)
    ]
    return lines


def check(browser, site, role, pages, axe_source, *, language, viewport) -> list[str]:
    problems = []
    context = new_context(browser, site, role, language=language, viewport=viewport)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        for target in pages:
            outcome = visit(page, site, target)
            if outcome == "skip":
                continue
            if outcome != "ok":
                problems.append(f"{role} {target.name}: {outcome}")
                continue
            problems += [
                f"{role} {target.name} {target.url}: {line}"
                for line in problems_on_page(page, axe_source)
            ]
    finally:
        context.close()
    return problems


def pages_for(site, role):
    pages = site.pages[role]
    if role != "staff":
        return pages
    managers = {page.name for page in site.pages["manager"]}
    return [page for page in pages if page.name not in managers or page.name in STAFF_ALSO_ON]


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_violation_on_any_page_in_german_at_1366(browser, demo_site, axe_source, role):
    pages = pages_for(demo_site, role)
    assert len(pages) >= 4  # the walk found the role's pages
    problems = check(browser, demo_site, role, pages, axe_source, language="de", viewport=DESKTOP)
    assert not problems, "accessibility problems (axe, scroll regions):\n" + "\n".join(problems)


def test_no_serious_violation_on_a_phone_in_english(browser, demo_site, axe_source):
    problems = []
    for role, names in PHONE_SAMPLE.items():
        by_name = {page.name: page for page in demo_site.pages[role]}
        pages = [by_name[name] for name in names]
        problems += check(
            browser, demo_site, role, pages, axe_source, language="en", viewport=PHONE
        )
    assert not problems, "accessibility problems (axe, scroll regions):\n" + "\n".join(problems)


def test_the_first_tab_shows_a_link_that_skips_the_navigation(browser, demo_site):
    context = new_context(browser, demo_site, "manager", language="en", viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(demo_site.url + "/kpis/")
        skip = page.get_by_test_id("skip-link")
        assert skip.bounding_box()["width"] <= 1  # hidden until it has the focus
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.dataset.testid") == "skip-link"
        assert skip.inner_text() == "Skip to the content"
        assert skip.bounding_box()["width"] > 50  # shown
        page.keyboard.press("Enter")
        assert page.url.endswith("/kpis/#main")
        # The next Tab goes on inside the content, past the navigation.
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('main')")
    finally:
        context.close()
