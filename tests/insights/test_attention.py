"""The attention page and the client list: colours at their lines, worst clients first,
hand-computed figures, what changed since the last visit, filters, drill-downs, access
and a query count that does not grow with the clients."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from insights import attention
from insights.attention import AMBER, GREEN, NOT_JUDGED, RED, colour, worst
from insights.models import AttentionVisit
from insights.views.attention import COLUMNS
from kpis import thresholds
from kpis.models import ThresholdAlert, TicketDailyRollup
from tests.helpers import make_user
from tests.kpis.conftest import make_client
from tests.ratings.conftest import make_rating

NOW = datetime.datetime(2026, 3, 20, 11, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 20)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def rollup(client, day, tickets=0, escalated=0, measured=0, met=0):
    """One client-day of counts: ``measured`` first responses and as many resolutions,
    ``met`` of each within target."""
    TicketDailyRollup.objects.create(
        client=client,
        day=day,
        tickets=tickets,
        escalated=escalated,
        first_response_measured=measured,
        first_response_met=met,
        resolution_measured=measured,
        resolution_met=met,
    )


def alert(client, state="breach"):
    return ThresholdAlert.objects.create(
        client=client,
        period_start=datetime.date(2026, 3, 1),
        state=state,
        share=0.2,
        tickets=20,
        escalated=4,
        threshold=0.1,
    )


def rows_by_name(today=TODAY):
    return {row.name: row for row in attention.client_rows(today)}


# --- Rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [(0.8999, RED), (0.9, AMBER), (0.9499, AMBER), (0.95, GREEN), (1.0, GREEN), (None, "")],
)
def test_a_share_is_red_below_the_red_line_and_amber_below_the_amber_line(value, expected):
    assert colour(value, 0.9, 0.95) == expected


@pytest.mark.parametrize("nps,expected", [(-1, RED), (0, AMBER), (29.9, AMBER), (30, GREEN)])
def test_the_nps_lines_are_points(nps, expected):
    assert colour(nps, 0, 30) == expected


def test_the_state_is_the_worst_colour_judged():
    assert worst([GREEN, AMBER, NOT_JUDGED]) == AMBER
    assert worst([GREEN, RED, AMBER]) == RED
    assert worst([NOT_JUDGED, NOT_JUDGED]) == NOT_JUDGED


def test_nine_of_ten_sla_is_amber_and_nineteen_of_twenty_green_at_the_default_lines(db):
    on_line = make_client("On the red line")
    rollup(on_line, TODAY, tickets=10, measured=10, met=9)  # 18 of 20: 90 %
    green = make_client("On the amber line")
    rollup(green, TODAY, tickets=20, measured=20, met=19)  # 38 of 40: 95 %
    red = make_client("Below")
    rollup(red, TODAY, tickets=100, measured=100, met=89)  # 89 %
    rows = rows_by_name()
    assert (rows["On the red line"].sla, rows["On the red line"].colours["sla"]) == (0.9, AMBER)
    assert (rows["On the amber line"].sla, rows["On the amber line"].colours["sla"]) == (
        0.95,
        GREEN,
    )
    assert rows["Below"].colours["sla"] == RED


def test_the_figures_are_computed_by_hand(db, monkeypatch):
    acme = make_client("Acme", start=datetime.date(2026, 3, 1), segment="Kanzlei")
    # Month to date: 25 tickets, 3 escalated (12 % against the default 10 %: breach).
    rollup(acme, datetime.date(2026, 3, 2), tickets=15, escalated=2, measured=10, met=10)
    rollup(acme, datetime.date(2026, 3, 19), tickets=10, escalated=1, measured=10, met=8)
    # February: in the SLA's 30 days (from 19 February), not in the escalation month.
    rollup(acme, datetime.date(2026, 2, 19), tickets=50, escalated=40, measured=5, met=0)
    # Before the 30 days: counted nowhere.
    rollup(acme, datetime.date(2026, 2, 18), tickets=50, escalated=40, measured=50, met=0)
    # Ticket CSAT over 90 days: 3 of 4 positive (75 %: red below 80 %); one too old.
    for number, face in (("A1", 5), ("A2", 4), ("A3", 5), ("A4", 2)):
        make_rating(number, acme, face=face, resolved_at=NOW - datetime.timedelta(days=3))
    make_rating("A5", acme, face=1, resolved_at=NOW - datetime.timedelta(days=95))
    monkeypatch.setattr(
        attention.survey_metrics,
        "client_onboarding_by_client",
        lambda period, client_ids=None: {acme.pk: {"nps": 20.0, "csat": 0.5, "responses": 2}},
    )
    alert(acme)
    row = rows_by_name()["Acme"]
    assert (row.escalation.tickets, row.escalation.escalated) == (25, 3)
    assert row.escalation.share == pytest.approx(0.12)
    assert row.colours["escalation"] == RED
    # SLA: (10 + 8 + 0) met of (10 + 10 + 5) measured, twice (response and resolution).
    assert row.sla == pytest.approx(36 / 50)
    assert row.colours["sla"] == RED
    assert (row.csat, row.rated, row.colours["csat"]) == (0.75, 4, RED)
    assert (row.nps, row.onboarding_csat, row.colours["nps"]) == (20.0, 0.5, AMBER)
    assert row.onboarding_day == 20  # 1 March is day 1
    assert (row.open_alerts, row.open_cases) == (1, 2)  # the 2 and the old 1 opened cases
    assert row.state == RED


def test_the_worst_client_comes_first(db, kpi_settings):
    calm = make_client("Calm")
    rollup(calm, TODAY, tickets=30, escalated=0, measured=30, met=30)
    warned = make_client("Warned")
    rollup(warned, TODAY, tickets=30, escalated=0, measured=30, met=28)  # 93 %: amber
    one_red = make_client("One red")
    rollup(one_red, TODAY, tickets=30, escalated=0, measured=30, met=20)  # red SLA
    two_red = make_client("Two red")
    rollup(two_red, TODAY, tickets=30, escalated=9, measured=30, met=20)  # breach + red SLA
    red_with_alerts = make_client("Red with alerts")
    rollup(red_with_alerts, TODAY, tickets=30, escalated=0, measured=30, met=20)
    alert(red_with_alerts, "warning")
    make_client("No data")
    names = [row.name for row in attention.client_rows(TODAY)]
    assert names == ["Two red", "Red with alerts", "One red", "Warned", "Calm", "No data"]


def test_the_lines_come_from_the_kpi_settings(db, kpi_settings):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=10, measured=10, met=9)
    kpi_settings.sla_red_percent = Decimal("91")
    kpi_settings.save()
    assert rows_by_name()["Acme"].colours["sla"] == RED


def test_the_lines_are_edited_with_the_kpi_settings_in_the_back_office(client, staff_user):
    from django.forms.models import model_to_dict

    from kpis.models import KpiSettings

    client.force_login(staff_user)
    url = reverse("admin:kpis_kpisettings_change", args=[1])
    client.get(reverse("admin:kpis_kpisettings_changelist"))  # stores the row
    data = {k: v for k, v in model_to_dict(KpiSettings.load()).items() if k != "id"}
    response = client.post(url, {**data, "nps_red": "-10", "nps_amber": "-20"})
    assert response.status_code == 200  # refused: amber below red
    assert KpiSettings.load().nps_red == 0
    client.post(url, {**data, "nps_red": "-10", "nps_amber": "20"})
    assert (KpiSettings.load().nps_red, KpiSettings.load().nps_amber) == (-10, 20)


def test_an_amber_line_below_the_red_one_is_refused(kpi_settings):
    from django.core.exceptions import ValidationError

    kpi_settings.csat_amber_percent = Decimal("70")
    with pytest.raises(ValidationError) as refused:
        kpi_settings.full_clean()
    assert "csat_amber_percent" in refused.value.message_dict


def test_a_client_without_figures_is_not_judged(db):
    make_client("Quiet")
    row = rows_by_name()["Quiet"]
    assert row.state == NOT_JUDGED
    assert set(row.colours.values()) == {NOT_JUDGED}


def test_sorting_puts_missing_figures_last_both_ways(db):
    for name, met in (("B", 9), ("A", 10)):
        rollup(make_client(name), TODAY, tickets=10, measured=10, met=met)
    make_client("C")
    rows = attention.client_rows(TODAY)
    assert [r.name for r in attention.sorted_rows(rows, "sla")] == ["B", "A", "C"]
    assert [r.name for r in attention.sorted_rows(rows, "-sla")] == ["A", "B", "C"]
    assert [r.name for r in attention.sorted_rows(rows, "-name")] == ["C", "B", "A"]


# --- Since the last visit ---------------------------------------------------------------


def test_the_first_visit_stores_the_states_and_says_so(manager_client, manager):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=10, measured=10, met=5)
    response = manager_client.get(reverse("insights:attention"))
    assert response.context["news"].at is None
    visit = AttentionVisit.objects.get(user=manager)
    assert visit.states == {str(acme.pk): RED}


def test_the_next_visit_lists_changed_clients_and_new_alerts_and_cases(manager_client, manager):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=30, measured=30, met=30)
    steady = make_client("Steady")
    rollup(steady, TODAY, tickets=30, measured=30, met=30)
    old_alert = alert(steady, "warning")
    manager_client.get(reverse("insights:attention"))
    later = NOW + datetime.timedelta(hours=20)
    with time_machine.travel(later, tick=False):
        TicketDailyRollup.objects.filter(client=acme).update(first_response_met=10)
        new_alert = alert(acme)
        make_rating("N1", acme, face=1, resolved_at=later - datetime.timedelta(hours=2))
        response = manager_client.get(reverse("insights:attention"))
    news = response.context["news"]
    assert news.at == NOW
    assert [(c["row"].name, c["before"], c["now"]) for c in news.changes] == [("Acme", GREEN, RED)]
    assert news.new_alerts == [new_alert]
    assert old_alert not in news.new_alerts
    assert [case.client_id for case in news.new_cases] == [acme.pk]
    assert 'data-testid="changed-clients"' in response.content.decode()


def test_a_second_look_within_half_an_hour_still_compares_with_the_visit_before(
    manager_client,
):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=30, measured=30, met=30)
    manager_client.get(reverse("insights:attention"))
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        TicketDailyRollup.objects.filter(client=acme).update(first_response_met=10)
        manager_client.get(reverse("insights:attention"))
    with time_machine.travel(NOW + datetime.timedelta(days=1, minutes=20), tick=False):
        again = manager_client.get(reverse("insights:attention")).context["news"]
    assert again.at == NOW
    assert [c["row"].name for c in again.changes] == ["Acme"]
    with time_machine.travel(NOW + datetime.timedelta(days=1, minutes=55), tick=False):
        next_visit = manager_client.get(reverse("insights:attention")).context["news"]
    assert next_visit.at == NOW + datetime.timedelta(days=1, minutes=20)
    assert next_visit.changes == []


def test_each_user_has_their_own_last_visit(client, manager):
    other = make_user("other-manager", "manager")
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=30, measured=30, met=30)
    client.force_login(manager)
    client.get(reverse("insights:attention"))
    client.force_login(other)
    assert client.get(reverse("insights:attention")).context["news"].at is None


# --- The pages --------------------------------------------------------------------------


def test_a_manager_lands_on_the_attention_page_and_a_technician_at_home(
    client, manager, technician_user
):
    from tests.helpers import PASSWORD

    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert response["Location"] == reverse("insights:start")
    assert client.get(response["Location"])["Location"] == reverse("insights:attention")
    client.logout()
    client.post(reverse("login"), {"username": technician_user.username, "password": PASSWORD})
    assert client.get(reverse("insights:start"))["Location"] == reverse("home")


@pytest.mark.parametrize("name", ["insights:attention", "insights:client_list"])
def test_technicians_get_no_attention_page(client, technician_user, name):
    assert client.get(reverse(name)).status_code == 302  # anonymous: to the sign-in page
    client.force_login(technician_user)
    assert client.get(reverse(name)).status_code == 403


def test_every_cell_drills_down(manager_client):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=30, escalated=9, measured=30, met=20)
    html = manager_client.get(reverse("insights:attention")).content.decode()
    detail = reverse("insights:client_detail", kwargs={"pk": acme.pk})
    for link in (
        f'href="{detail}" data-cell="client"',
        f'href="{reverse("insights:ticket_list")}?client={acme.pk}&amp;escalated=yes'
        "&amp;start=2026-03-01",
        f'href="{reverse("ratings:list")}?client={acme.pk}&amp;start=2025-12-21',
        f'href="{detail}#client-survey"',
        f'href="{reverse("insights:ticket_list")}?client={acme.pk}&amp;start=2026-02-19',
        f'href="{detail}#client-alerts"',
        f'href="{reverse("ratings:case_list")}?client={acme.pk}"',
    ):
        assert link in html, link


def test_colour_is_never_the_only_signal(manager_client):
    acme = make_client("Acme")
    rollup(acme, TODAY, tickets=30, escalated=9, measured=30, met=20)
    manager_client.cookies["django_language"] = "en"
    html = manager_client.get(reverse("insights:attention")).content.decode()
    assert '<span aria-hidden="true">✕</span> red</span>' in html  # the state, in words
    assert '<span class="visually-hidden">red</span>' in html  # each coloured cell
    manager_client.cookies["django_language"] = "de"
    html = manager_client.get(reverse("insights:attention")).content.decode()
    assert '<span aria-hidden="true">✕</span> rot</span>' in html


def test_search_segment_and_state_filter_the_rows(manager_client):
    red = make_client("Alpha Red", segment="Kanzlei")
    rollup(red, TODAY, tickets=30, measured=30, met=10)
    green = make_client("Beta Green", segment="Handel")
    rollup(green, TODAY, tickets=30, measured=30, met=30)
    url = reverse("insights:attention")

    def names(**params):
        page = manager_client.get(url, params).context["page"]
        return [row.name for row in page.object_list]

    assert names() == ["Alpha Red", "Beta Green"]
    assert names(q="beta") == ["Beta Green"]
    assert names(segment="Kanzlei") == ["Alpha Red"]
    assert names(state="green") == ["Beta Green"]
    assert names(state="amber") == []


@pytest.mark.parametrize(
    "params",
    [
        {"state": "purple"},
        {"segment": "Nowhere"},
        {"q": "x" * 500},
        {"page": "abc"},
        {"page": "999"},
        {"sort": "password"},
        {"sort": "--name"},
        {"q": "\x00"},
    ],
)
@pytest.mark.parametrize("name", ["insights:attention", "insights:client_list"])
def test_bad_parameters_never_fail(manager_client, params, name):
    rollup(make_client("Acme"), TODAY, tickets=30, measured=30, met=10)
    response = manager_client.get(reverse(name), params)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) <= 1


def test_a_bad_filter_is_shown_at_its_field(manager_client):
    response = manager_client.get(reverse("insights:attention"), {"state": "purple"})
    assert "state" in response.context["form"].errors


def test_the_client_list_sorts_by_each_column_and_pages(manager_client):
    for index in range(55):
        client = make_client(f"Client {index:02d}")
        rollup(client, TODAY, tickets=10, measured=10, met=index % 11)
    url = reverse("insights:client_list")
    first = manager_client.get(url).context["page"]
    assert first.paginator.num_pages == 2
    assert first.object_list[0].name == "Client 00"
    by_sla = manager_client.get(url, {"sort": "-sla"})
    assert by_sla.context["page"].object_list[0].sla == 1.0
    html = by_sla.content.decode()
    assert 'aria-sort="descending"' in html
    assert "sort=sla" in html  # the heading sorts the other way next
    assert "sort=-sla&amp;page=2" in html  # the next page keeps the order
    for key, _label in COLUMNS:
        assert manager_client.get(url, {"sort": key}).status_code == 200


def test_the_client_list_exports_its_rows_as_csv(manager_client):
    red = make_client("Alpha", segment="Kanzlei")
    rollup(red, TODAY, tickets=30, escalated=6, measured=30, met=10)
    make_client("Beta", segment="Handel")
    response = manager_client.get(
        reverse("insights:export", kwargs={"table": "clients"}), {"segment": "Kanzlei"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    # 6 of 30 escalated against the default 10 %; SLA 20 of 60.
    assert rows[1][:6] == ["Alpha", "Kanzlei", "red", "20.00", "10.00", "breach"]
    assert rows[1][11] == "33.33"


def test_a_bad_export_filter_is_refused_in_words(manager_client):
    response = manager_client.get(
        reverse("insights:export", kwargs={"table": "clients"}), {"state": "purple"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["insights:attention", "insights:client_list"])
def test_the_query_count_does_not_grow_with_clients(
    manager_client, manager, django_assert_num_queries, kpi_settings, name
):
    def add_clients(start, count):
        for index in range(start, start + count):
            client = make_client(f"Client {index}", segment="Handel" if index % 2 else "")
            rollup(client, TODAY, tickets=30, escalated=index % 5, measured=30, met=20 + index % 11)
            alert(client)
            make_rating(f"R{index}", client, face=1 + index % 5, resolved_at=NOW)

    def count():
        manager_client.get(reverse(name))  # the first visit is stored once
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(reverse(name)).status_code == 200
        return len(queries)

    add_clients(0, 2)
    few = count()
    add_clients(2, 30)
    with django_assert_num_queries(few):
        assert manager_client.get(reverse(name)).status_code == 200


def test_the_technicians_to_check_in_with_are_the_pulse_pages(manager_client):
    from tests.surveys.helpers import make_technician
    from tests.surveys.test_results import _pulse_week

    steady, sliding = make_technician("Steady Stefan"), make_technician("Sliding Sara")
    _pulse_week(2, {steady: 4, sliding: 5})
    _pulse_week(1, {steady: 4, sliding: 2})
    html = manager_client.get(reverse("insights:attention")).content.decode()
    check_in = html.split('data-testid="check-in"')[1].split("</ul>")[0]
    assert "Sliding Sara" in check_in and 'data-reason="drop"' in check_in
    assert 'data-reason="low"' in check_in
    assert "Steady Stefan" not in check_in


# --- Drawing the rows -------------------------------------------------------------------


def _drawn_rows():
    worst = attention.ClientRow(
        client_id=7,
        name="Müller & <Söhne>",
        segment="Finanzen",
        onboarding_day=12,
        escalation=thresholds.ClientState(
            7, "Müller & <Söhne>", 1234, 150, 150 / 1234, 0.1, "breach", False
        ),
        sla=0.8875,
        sla_measured=1,
        csat=0.9,
        rated=1,
        nps=-12.5,
        onboarding_csat=2 / 3,
        responses=1,
        open_alerts=2,
        open_cases=1001,
    )
    worst.colours = {"escalation": RED, "sla": RED, "csat": AMBER, "nps": RED}
    quiet = attention.ClientRow(
        client_id=12345,
        name="Ruhig GmbH",
        segment="",
        onboarding_day=None,
        escalation=thresholds.ClientState(
            12345, "Ruhig GmbH", 3, 0, 0.0, 0.125, "not_judged", True
        ),
        sla=None,
        sla_measured=0,
        csat=None,
        rated=0,
        nps=None,
        onboarding_csat=None,
        responses=0,
        open_alerts=0,
        open_cases=0,
    )
    quiet.colours = dict.fromkeys(("escalation", "sla", "csat", "nps"), NOT_JUDGED)
    return [worst, quiet]


# What the table's template drew for these rows before the rows were drawn in Python
# (report_format.client_row): escaped names, localized figures, singular and plural.
DRAWN = {
    "de": (
        '<tr data-testid="client-row" data-client="7" data-state="red">\n'
        '<th scope="row" class="fw-normal"><a href="/kpis/clients/7/" data-cell="client">Müller &amp; &lt;Söhne&gt;</a><div class="small text-body-secondary">Finanzen</div></th>\n'
        '<td><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span> rot</span></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">rot</span></span> <a href="/t/?client=7&amp;escalated=yes&amp;start=2026-03-01" data-cell="escalation">12,2 %</a><div class="small text-body-secondary">150 von 1.234 · Schwelle 10,0 %</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-warning" data-colour="amber"><span aria-hidden="true">!</span><span class="visually-hidden">gelb</span></span> <a href="/r/?client=7&amp;start=2025-12-21" data-cell="csat">90 %</a><div class="small text-body-secondary">1 Bewertung</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">rot</span></span> <a href="/kpis/clients/7/#client-survey" data-cell="nps">−13</a><div class="small text-body-secondary">CSAT 67 % · 1 Antwort</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">rot</span></span> <a href="/t/?client=7&amp;start=2026-02-19" data-cell="sla">88,8 %</a><div class="small text-body-secondary">1 Messung</div></td>\n'
        '<td class="text-end text-nowrap"><a href="/kpis/clients/7/" data-cell="onboarding">Tag 12 von 90</a></td>\n'
        '<td class="text-end"><a href="/kpis/clients/7/#client-alerts" data-cell="alerts">2</a></td>\n'
        '<td class="text-end"><a href="/c/?client=7" data-cell="cases">1.001</a></td>\n'
        '</tr><tr data-testid="client-row" data-client="12345" data-state="">\n'
        '<th scope="row" class="fw-normal"><a href="/kpis/clients/12345/" data-cell="client">Ruhig GmbH</a></th>\n'
        '<td><span class="badge text-bg-light border" data-colour="">keine Daten</span></td>\n'
        '<td class="text-end text-nowrap"> <a href="/t/?client=12345&amp;escalated=yes&amp;start=2026-03-01" data-cell="escalation">0,0 %</a><div class="small text-body-secondary">0 von 3 · Schwelle 12,5 %</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/r/?client=12345&amp;start=2025-12-21" data-cell="csat">—</a><div class="small text-body-secondary">0 Bewertungen</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/kpis/clients/12345/#client-survey" data-cell="nps">—</a><div class="small text-body-secondary">CSAT — · 0 Antworten</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/t/?client=12345&amp;start=2026-02-19" data-cell="sla">—</a><div class="small text-body-secondary">0 Messungen</div></td>\n'
        '<td class="text-end text-nowrap">—</td>\n'
        '<td class="text-end"><a href="/kpis/clients/12345/#client-alerts" data-cell="alerts">0</a></td>\n'
        '<td class="text-end"><a href="/c/?client=12345" data-cell="cases">0</a></td>\n'
        "</tr>"
    ),
    "en": (
        '<tr data-testid="client-row" data-client="7" data-state="red">\n'
        '<th scope="row" class="fw-normal"><a href="/kpis/clients/7/" data-cell="client">Müller &amp; &lt;Söhne&gt;</a><div class="small text-body-secondary">Finanzen</div></th>\n'
        '<td><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span> red</span></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">red</span></span> <a href="/t/?client=7&amp;escalated=yes&amp;start=2026-03-01" data-cell="escalation">12.2 %</a><div class="small text-body-secondary">150 of 1,234 · threshold 10.0 %</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-warning" data-colour="amber"><span aria-hidden="true">!</span><span class="visually-hidden">amber</span></span> <a href="/r/?client=7&amp;start=2025-12-21" data-cell="csat">90 %</a><div class="small text-body-secondary">1 rating</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">red</span></span> <a href="/kpis/clients/7/#client-survey" data-cell="nps">−13</a><div class="small text-body-secondary">CSAT 67 % · 1 response</div></td>\n'
        '<td class="text-end text-nowrap"><span class="badge text-bg-danger" data-colour="red"><span aria-hidden="true">✕</span><span class="visually-hidden">red</span></span> <a href="/t/?client=7&amp;start=2026-02-19" data-cell="sla">88.8 %</a><div class="small text-body-secondary">1 measurement</div></td>\n'
        '<td class="text-end text-nowrap"><a href="/kpis/clients/7/" data-cell="onboarding">day 12 of 90</a></td>\n'
        '<td class="text-end"><a href="/kpis/clients/7/#client-alerts" data-cell="alerts">2</a></td>\n'
        '<td class="text-end"><a href="/c/?client=7" data-cell="cases">1,001</a></td>\n'
        '</tr><tr data-testid="client-row" data-client="12345" data-state="">\n'
        '<th scope="row" class="fw-normal"><a href="/kpis/clients/12345/" data-cell="client">Ruhig GmbH</a></th>\n'
        '<td><span class="badge text-bg-light border" data-colour="">no data</span></td>\n'
        '<td class="text-end text-nowrap"> <a href="/t/?client=12345&amp;escalated=yes&amp;start=2026-03-01" data-cell="escalation">0.0 %</a><div class="small text-body-secondary">0 of 3 · threshold 12.5 %</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/r/?client=12345&amp;start=2025-12-21" data-cell="csat">—</a><div class="small text-body-secondary">0 ratings</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/kpis/clients/12345/#client-survey" data-cell="nps">—</a><div class="small text-body-secondary">CSAT — · 0 responses</div></td>\n'
        '<td class="text-end text-nowrap"> <a href="/t/?client=12345&amp;start=2026-02-19" data-cell="sla">—</a><div class="small text-body-secondary">0 measurements</div></td>\n'
        '<td class="text-end text-nowrap">—</td>\n'
        '<td class="text-end"><a href="/kpis/clients/12345/#client-alerts" data-cell="alerts">0</a></td>\n'
        '<td class="text-end"><a href="/c/?client=12345" data-cell="cases">0</a></td>\n'
        "</tr>"
    ),
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_rows_are_drawn_as_the_template_drew_them(language):
    context = {
        "rows": _drawn_rows(),
        "caption": "C",
        "month_start": "2026-03-01",
        "sla_start": "2026-02-19",
        "csat_start": "2025-12-21",
        "onboarding_days": 90,
        "urls": {"tickets": "/t/", "ratings": "/r/", "cases": "/c/"},
    }
    with translation.override(language):
        html = render_to_string("insights/_client_table.html", context)
    assert html.split("<tbody>")[1].split("</tbody>")[0] == DRAWN[language]
