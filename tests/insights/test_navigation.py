"""The one navigation (insights.navigation): every role sees exactly the links it may open,
every KPI page is in it, and the current page is marked."""

import re

import pytest
from django.urls import resolve, reverse

from insights import navigation
from tests.access import rules

RULES = rules()
KPI_PAGES = [
    "insights:dashboard",
    "insights:escalations",
    "insights:sla",
    "insights:proactive",
    "insights:satisfaction",
    "insights:turnover",
    "insights:ticket_list",
    "insights:alerts",
    "ratings:list",
    "ratings:figures",
    "ratings:case_list",
    "kpis:import",
]


def _nav_links(html: str) -> list[str]:
    menu = html[html.index('id="main-nav"') : html.index("</ul>\n      <div")]
    return re.findall(r'href="([^"#]+)"', menu)


@pytest.fixture
def cast(manager, technician_user, technician, staff_user):
    return {"manager": manager, "technician": technician_user, "staff": staff_user}


@pytest.mark.parametrize("role", ["anonymous", "technician", "manager", "staff"])
def test_each_role_sees_only_links_it_may_open(client, cast, role):
    if role != "anonymous":
        client.force_login(cast[role])
    links = _nav_links(client.get(reverse("home")).content.decode())
    assert links
    for href in links:
        name = resolve(href).view_name
        if name.startswith("admin:"):
            assert role == "staff", href
            continue
        assert getattr(RULES[name], role) == 200, f"{role} sees {name}"


def test_a_manager_reaches_every_kpi_page_from_the_navigation(manager_client):
    links = _nav_links(manager_client.get(reverse("home")).content.decode())
    names = {resolve(href).view_name for href in links}
    assert set(KPI_PAGES) <= names


def test_a_technician_sees_their_own_pages_and_no_manager_page(technician_client):
    links = _nav_links(technician_client.get(reverse("home")).content.decode())
    names = {resolve(href).view_name for href in links}
    assert {"surveys:my_surveys", "ratings:mine", "assessments:round_list"} <= names
    assert "insights:dashboard" not in names


def test_the_current_page_and_its_menu_are_marked(manager_client):
    html = manager_client.get(reverse("insights:sla")).content.decode()
    menu = html[html.index('id="main-nav"') : html.index("</ul>\n      <div")]
    assert menu.count("aria-current=") == 1
    assert re.search(r'href="/kpis/sla/" data-testid="nav-insights-sla" aria-current="page"', html)
    assert re.search(r'dropdown-toggle active"[^>]*data-testid="nav-kpis"', html)


def test_a_page_below_a_link_marks_that_link(manager, technician_user):
    from assessments.services import open_round

    team_round = open_round(name="Q1", opened_by=manager, members=[technician_user])
    path = reverse("assessments:round_detail", args=[team_round.pk])
    entries = navigation.build(manager, path)
    team = next(entry for entry in entries if entry["testid"] == "nav-team")
    assert team["active"]
    rounds = next(link for link in team["links"] if link["testid"] == "nav-assessments-round-list")
    assert rounds["current"] == "true"  # below the list, not the list itself


def test_a_menu_with_one_link_for_this_user_is_that_link(db):
    from django.contrib.auth.models import AnonymousUser

    entries = navigation.build(AnonymousUser(), "/")
    assert entries == [
        {
            "label": navigation.ENTRIES[-3].label,
            "url": reverse("assessments:start"),
            "testid": "nav-assessment",
        }
    ]


# The entries as templates/partials/_nav.html drew them with the template engine.
TEMPLATE_NAV = """{% for entry in navigation %}{% if entry.links %}
<li class="nav-item dropdown">
  <a class="nav-link dropdown-toggle{% if entry.active %} active{% endif %}" href="#" role="button" data-bs-toggle="dropdown" aria-expanded="false" data-testid="{{ entry.testid }}">{{ entry.label }}</a>
  <ul class="dropdown-menu">
    {% for link in entry.links %}<li><a class="dropdown-item{% if link.current %} active{% endif %}" href="{{ link.url }}" data-testid="{{ link.testid }}"{% if link.current %} aria-current="{{ link.current }}"{% endif %}>{{ link.label }}</a></li>
    {% endfor %}
  </ul>
</li>{% else %}
<li class="nav-item"><a class="nav-link{% if entry.current %} active{% endif %}" href="{{ entry.url }}" data-testid="{{ entry.testid }}"{% if entry.current %} aria-current="{{ entry.current }}"{% endif %}>{{ entry.label }}</a></li>{% endif %}
{% endfor %}"""


@pytest.mark.parametrize("role", ["anonymous", "technician", "manager", "staff"])
@pytest.mark.parametrize(
    "path", ["/", "/kpis/sla/", "/kpis/clients/7/", "/assessments/", "/nowhere/"]
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_bar_is_written_as_the_template_wrote_it(cast, role, path, language):
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines
    from django.test.html import parse_html
    from django.utils import translation

    user = AnonymousUser() if role == "anonymous" else cast[role]
    with translation.override(language):
        entries = navigation.build(user, path)
        expected = engines["django"].from_string(TEMPLATE_NAV).render({"navigation": entries})
        drawn = navigation.render(entries)
    assert parse_html(drawn) == parse_html(expected)


def test_links_are_reversed_once_per_script_prefix(manager):
    from django.urls import clear_script_prefix, set_script_prefix

    navigation._reversed.cache_clear()
    navigation.build(manager, "/")
    first = navigation._reversed.cache_info()
    navigation.build(manager, "/kpis/")
    assert navigation._reversed.cache_info().misses == first.misses
    try:
        set_script_prefix("/msp/")
        urls = [link["url"] for e in navigation.build(manager, "/") for link in e.get("links", [e])]
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert urls and all(url.startswith("/msp/") for url in urls)
