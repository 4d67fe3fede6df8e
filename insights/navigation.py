"""The one navigation of every staff page: its entries, who sees each, and which is current.

``ENTRIES`` is the only list of the menu; ``templates/partials/_nav.html`` draws it and
the context processor ``navigation`` hands it to every page. A link shows only to the
roles that may open its page (tests/access.py holds those decisions; tests/insights/
test_navigation.py checks the two agree). It lives on the top floor because it names
every app's pages; it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import is_manager, is_technician

# Who sees a link: anyone, a signed-in user, a manager (superusers count), a technician,
# back-office staff, superusers (the back office's settings pages need the permission).
ANYONE, SIGNED_IN, MANAGER, TECHNICIAN, STAFF, SUPERUSER = (
    "anyone",
    "signed_in",
    "manager",
    "technician",
    "staff",
    "superuser",
)


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    roles: frozenset[str]
    testid: str


@dataclass(frozen=True)
class Menu:
    label: str
    testid: str
    links: tuple[Link, ...]


def _link(label, url_name, *roles) -> Link:
    """A link; its test id is the URL name's ("insights:sla" is "nav-insights-sla")."""
    testid = "nav-" + url_name.replace(":", "-").replace("_", "-")
    return Link(label, url_name, frozenset(roles), testid)


ENTRIES: tuple[Link | Menu, ...] = (
    _link(_("Overview"), "insights:attention", MANAGER),
    _link(_("Clients"), "insights:client_list", MANAGER),
    Menu(
        _("KPIs"),
        "nav-kpis",
        (
            _link(_("Dashboard"), "insights:dashboard", MANAGER),
            _link(_("Escalations"), "insights:escalations", MANAGER),
            _link(_("SLA attainment"), "insights:sla", MANAGER),
            _link(_("Proactive IT"), "insights:proactive", MANAGER),
            _link(_("Satisfaction"), "insights:satisfaction", MANAGER),
            _link(_("Turnover"), "insights:turnover", MANAGER),
            _link(_("Tickets"), "insights:ticket_list", MANAGER),
            _link(_("Alerts"), "insights:alerts", MANAGER),
            _link(_("All ticket ratings"), "ratings:list", MANAGER),
            _link(_("Ticket CSAT figures"), "ratings:figures", MANAGER),
            _link(_("Feedback cases"), "ratings:case_list", MANAGER),
        ),
    ),
    Menu(
        _("Team"),
        "nav-team",
        (
            _link(_("Weekly pulse"), "surveys:results_pulse", MANAGER),
            _link(_("Team rounds"), "assessments:round_list", MANAGER),
        ),
    ),
    Menu(
        _("Surveys"),
        "nav-surveys",
        (
            _link(_("Campaigns"), "surveys:campaign_list", MANAGER),
            _link(_("Survey results"), "surveys:results", MANAGER),
        ),
    ),
    _link(_("My surveys & pulse"), "surveys:my_surveys", TECHNICIAN),
    _link(pgettext_lazy("technician", "My ticket ratings"), "ratings:mine", TECHNICIAN),
    Menu(
        _("Self-assessment"),
        "nav-assessment",
        (
            _link(_("Take the self-assessment"), "assessments:start", ANYONE),
            _link(_("My results"), "assessments:history", SIGNED_IN),
            # Managers find the rounds under "Team".
            _link(_("Team rounds"), "assessments:round_list", TECHNICIAN),
        ),
    ),
    Menu(
        _("Import"),
        "nav-import",
        (
            _link(_("Import files"), "kpis:import", MANAGER),
            _link(_("Column mappings"), "kpis:mappings", MANAGER),
        ),
    ),
    Menu(
        _("Settings"),
        "nav-settings",
        (
            _link(_("PSA connections"), "integrations:list", MANAGER),
            _link(_("Brand and sender for clients"), "surveys:brand_settings", MANAGER),
            _link(_("Opt-outs and suppression list"), "surveys:suppression_list", MANAGER),
            _link(_("Chat channels"), "insights:chat_channels", MANAGER),
            # The thresholds and other KPI settings are edited in the back office.
            _link(_("KPI settings"), "admin:kpis_kpisettings_changelist", SUPERUSER),
            _link(_("Back office"), "admin:index", STAFF),
        ),
    ),
)


def roles_of(user) -> frozenset[str]:
    """The roles a link may be shown to that ``user`` has; no query beyond the one
    that reads the user's groups (cached on the user)."""
    if user is None or not user.is_authenticated:
        return frozenset({ANYONE})
    roles = {ANYONE, SIGNED_IN}
    if is_manager(user):
        roles.add(MANAGER)
    if is_technician(user):
        roles.add(TECHNICIAN)
    if user.is_staff:
        roles.add(STAFF)
    if user.is_superuser:
        roles.add(SUPERUSER)
    return frozenset(roles)


@cache
def _reversed(url_name: str, prefix: str, urlconf) -> str:
    return reverse(url_name, urlconf=urlconf)


def _url(url_name: str) -> str:
    """The link's address, reversed once per process (the product's URLs carry no
    language; the script prefix and URL configuration a request may set are part of
    the key)."""
    return _reversed(url_name, get_script_prefix(), get_urlconf())


def _visible_links(links, roles) -> list[dict]:
    shown = []
    for link in links:
        if not link.roles & roles:
            continue
        shown.append({"label": link.label, "url": _url(link.url_name), "testid": link.testid})
    return shown


def _mark_current(entries: list[dict], path: str) -> None:
    """The link whose address is the longest start of ``path`` is current (a round's
    page belongs to "Team rounds", a client's page to the list it came from), and so
    is its menu."""
    links = [link for entry in entries for link in entry.get("links", [entry])]
    matches = [link["url"] for link in links if path.startswith(link["url"])]
    if not matches:
        return
    best = max(matches, key=len)
    for entry in entries:
        for link in entry.get("links", [entry]):
            if link["url"] == best:
                link["current"] = "page" if link["url"] == path else "true"
                entry["active"] = True


def build(user, path: str) -> list[dict]:
    """The entries ``user`` may open, as the template draws them: a link
    ({"label", "url", "testid", "current"}) or a menu ({"label", "testid", "links"}).
    A menu with one visible link is drawn as that link under the menu's name."""
    roles = roles_of(user)
    entries = []
    for entry in ENTRIES:
        if isinstance(entry, Link):
            entries.extend(_visible_links([entry], roles))
            continue
        links = _visible_links(entry.links, roles)
        if len(links) == 1:
            entries.append({**links[0], "label": entry.label, "testid": entry.testid})
        elif links:
            entries.append({"label": entry.label, "testid": entry.testid, "links": links})
    _mark_current(entries, path)
    return entries


def _current(link: dict) -> SafeString:
    return format_html(' aria-current="{}"', link["current"]) if link.get("current") else ""


def render(entries: list[dict]) -> SafeString:
    """The ``<li>`` of the navigation bar for ``build``'s entries, written in Python
    (a template loop over thirty links cost about 1 ms of every page): a menu as a
    Bootstrap dropdown, the current link marked ``active`` with ``aria-current``."""
    items = []
    for entry in entries:
        if entry.get("links"):
            links = format_html_join(
                "\n",
                '<li><a class="dropdown-item{}" href="{}" data-testid="{}"{}>{}</a></li>',
                (
                    (
                        " active" if link.get("current") else "",
                        link["url"],
                        link["testid"],
                        _current(link),
                        link["label"],
                    )
                    for link in entry["links"]
                ),
            )
            items.append(
                format_html(
                    '<li class="nav-item dropdown">\n<a class="nav-link dropdown-toggle{}" '
                    'href="#" role="button" data-bs-toggle="dropdown" aria-expanded="false" '
                    'data-testid="{}">{}</a>\n<ul class="dropdown-menu">\n{}\n</ul>\n</li>',
                    " active" if entry.get("active") else "",
                    entry["testid"],
                    entry["label"],
                    links,
                )
            )
        else:
            items.append(
                format_html(
                    '<li class="nav-item"><a class="nav-link{}" href="{}" data-testid="{}"{}>'
                    "{}</a></li>",
                    " active" if entry.get("current") else "",
                    entry["url"],
                    entry["testid"],
                    _current(entry),
                    entry["label"],
                )
            )
    return format_html_join("\n", "{}", ((item,) for item in items))


def navigation(request) -> dict:
    """Context processor: ``navigation``, built only when a template draws it."""
    return {"navigation": lambda: build(getattr(request, "user", None), request.path)}
