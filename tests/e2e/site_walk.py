"""Every page of the product as each role sees it, on demo data: the walk behind the axe
checks (tests/e2e/test_axe.py) and `make screenshots` (tests/e2e/screenshots.py).

The URLs come from the access matrix (tests/access.py): every URL pattern with a GET rule,
opened by each role whose rule says 200, with the matrix's own kwargs builders. Added to
those: the pages only a link or a form leads to (a survey answered from its e-mailed link,
the pulse opened from a face in the e-mail, a visitor's self-assessment result).
"""

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.access import rules, url_names

ROLES = ("anonymous", "technician", "manager", "staff")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Page:
    name: str  # the URL name, or a name for a page that has none of its own
    url: str  # path and query
    status: int = 200  # an error page is checked too
    # Where the page's own script takes the browser (a face link records its face at once
    # and lands on the page with the comment, surveys.one_click); empty: it stays.
    lands_on: str = ""


# A visitor's self-assessment result has no address of its own to open: the walk submits
# the questionnaire to reach it.
VISITOR_RESULT = Page("assessments:visitor_result", "(submitted self-assessment)")


@dataclass
class DemoSite:
    url: str
    cast: dict
    pages: dict[str, list[Page]] = field(default_factory=dict)  # by role
    sessions: dict[str, str] = field(default_factory=dict)  # session key by role


def seed_demo_site() -> dict:
    """Loads the demo data (`manage.py seed_demo`) and returns the access matrix's cast
    drawn from it: the demo manager, the first technician with a login, the staff user and
    the first client (which has a contact)."""
    from django.contrib.auth.models import User

    from organisation.models import Client as Company
    from organisation.models import Technician

    call_command("seed_demo", stdout=io.StringIO())
    technician = Technician.objects.filter(user__isnull=False).order_by("external_id").first()
    return {
        "manager": User.objects.get(username="manager"),
        "technician_user": technician.user,
        "technician": technician,
        "staff": User.objects.get(username="admin"),
        "client_company": Company.objects.order_by("external_id").first(),
    }


def _extra_public_pages(cast) -> list[Page]:
    """Pages reached by an e-mailed link: a client's survey and the pulse opened from the
    fourth face."""
    from surveys.models import Invitation
    from tests.surveys.access_matrix import _campaign
    from tests.surveys.links import link_token

    technician = cast["technician"]
    pulse = Invitation.objects.create(
        campaign=_campaign(cast, "pulse"),
        technician=technician,
        email=technician.email,
        status="sent",
    )
    face_url = reverse("surveys:respond", kwargs={"token": link_token(pulse)}) + "?face=4"
    return [Page("surveys:respond-pulse-face", face_url, lands_on="recorded=1")]


def walk(cast) -> dict[str, list[Page]]:
    """The pages each role gets with 200 on GET, by role. Kwargs are built once per URL
    name, so every role sees the same object."""
    by_role: dict[str, list[Page]] = {role: [] for role in ROLES}
    all_rules = rules()
    for name in url_names():
        rule = all_rules[name]
        if rule.method != "get":
            continue
        allowed = [role for role in ROLES if getattr(rule, role) == 200]
        if not allowed:
            continue
        url = reverse(name, kwargs=rule.kwargs(cast) if rule.kwargs else {})
        for role in allowed:
            by_role[role].append(Page(name, url))
    by_role["anonymous"].extend(_extra_public_pages(cast))
    by_role["anonymous"].append(VISITOR_RESULT)
    # The styled error pages (templates/errors/): a technician on a manager's page, anyone
    # at an address that does not exist.
    by_role["technician"].append(Page("403", reverse("insights:dashboard"), status=403))
    by_role["anonymous"].append(Page("404", "/no-such-page/", status=404))
    return by_role


def session_keys(cast) -> dict[str, str]:
    """A signed-in session per role (no login form: Django's test client signs in)."""
    keys = {}
    for role in ROLES[1:]:
        client = Client()
        client.force_login(cast["technician_user" if role == "technician" else role])
        keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def new_context(browser, site: DemoSite, role: str, *, language: str, viewport: dict):
    """A browser context signed in as ``role`` with the language cookie set. The product's
    CSP allows no inline or injected script; axe is injected, so the context bypasses it."""
    context = browser.new_context(
        viewport=viewport,
        locale="de-DE" if language == "de" else "en-GB",
        bypass_csp=True,
    )
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site.url}]
    if role != "anonymous":
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": site.sessions[role], "url": site.url}
        )
    context.add_cookies(cookies)
    return context


def visit(page, site: DemoSite, target: Page) -> str:
    """Opens ``target`` and waits until its charts are drawn. Returns "ok", "skip" for a
    download or an answer that is no HTML page (a CSV export, the health check), or what
    went wrong (another status than expected, a redirect)."""
    if target == VISITOR_RESULT:
        fill_in_self_assessment(page, site)
    else:
        try:
            response = page.goto(site.url + target.url, wait_until="load")
        except Exception as exc:  # Playwright raises for a download instead of a response
            if "Download is starting" in str(exc):
                return "skip"
            raise
        if "text/html" not in (response.headers.get("content-type") or ""):
            return "skip"
        if target.lands_on:
            page.wait_for_url(f"**{target.lands_on}**")
        elif response.status != target.status or not page.url.endswith(target.url):
            return f"expected {target.status} at {target.url}, got {response.status} at {page.url}"
    page.wait_for_function(
        "[...document.querySelectorAll('[data-chart-spec]')]"
        ".every((el) => el.dataset.chartReady === '1')",
        timeout=15000,
    )
    return "ok"


def fill_in_self_assessment(page, site: DemoSite) -> None:
    """Answers the public self-assessment (the first choice of every statement) and
    submits it: the browser lands on the visitor's result."""
    page.goto(site.url + reverse("assessments:start"))
    for group in page.eval_on_selector_all(
        "input[type=radio]", "(els) => [...new Set(els.map((el) => el.name))]"
    ):
        page.locator(f'input[type=radio][name="{group}"]').first.check(force=True)
    page.click("[data-testid=submit-assessment]")
    page.wait_for_url("**/assessment/results/visitor/**")
