"""What a careful user tripped over across the pages: view tests with
expectations written by hand."""

import datetime
import filecmp
import html
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.periods import day_start
from surveys.models import Campaign, Invitation, InvitationStatus, Survey
from tests.helpers import make_user, with_form_token
from tests.surveys.helpers import campaign, make_client, make_contact, make_technician

ROOT = Path(settings.BASE_DIR)
BERLIN = datetime.timezone(datetime.timedelta(hours=1))  # December: CET


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The import page ---------------------------------------------------------------


def test_the_import_page_heads_each_kind_with_its_german_name(manager_client):
    body = manager_client.get(reverse("kpis:import")).content.decode()
    headings = dict(re.findall(r'data-testid="columns-(\w+)">([^<]+)</h3>', body))
    assert headings == {
        "tickets": "Tickets",
        "clients": "Kunden",
        "contacts": "Ansprechpartner",
        "technicians": "Techniker",
    }


def test_the_import_page_links_every_example_file_and_they_are_the_documented_ones(
    manager_client, client
):
    body = manager_client.get(reverse("kpis:import")).content.decode()
    for kind in ("tickets", "clients", "contacts", "technicians"):
        assert f'href="/static/examples/import-{kind}.csv" download' in body
        # The served copy is the documented file, byte for byte.
        assert filecmp.cmp(
            ROOT / "docs" / f"import-{kind}.csv",
            ROOT / "static" / "examples" / f"import-{kind}.csv",
            shallow=False,
        )
    for example in (ROOT / "docs" / "examples").glob("*.csv"):
        assert f'href="/static/examples/{example.name}" download' in body
        assert filecmp.cmp(example, ROOT / "static" / "examples" / example.name, shallow=False)
    assert "docs/import-*.csv" not in body


# --- Required ----------------------------------------------------------------------


def test_a_required_question_has_its_own_context_so_required_fields_are_not_questions():
    from surveys.models import Question

    label = Question._meta.get_field("required").verbose_name
    # A lazy pgettext keeps its context; the plain msgid "required" is left free for
    # what is not a question (a field: "Pflichtfeld", a file column: "Pflichtspalte").
    assert label._args == ("a survey question the person must answer", "required")


# --- Filters -----------------------------------------------------------------------


def test_the_filter_bar_puts_the_button_in_the_wrapping_row_with_the_fields(manager_client):
    body = manager_client.get(reverse("insights:dashboard")).content.decode()
    bar = body.split('class="filter-bar"')[1].split("</form>")[0]
    assert bar.count('class="filter-field') == 5
    assert 'class="filter-submit' in bar and 'value="Anwenden"' in bar
    assert "col-md-1" not in bar  # the old fixed button column that spilt out of the card


def test_the_ticket_filter_says_alle_in_german(manager_client):
    body = manager_client.get(reverse("insights:ticket_list")).content.decode()
    assert body.count('<option value="" selected>Alle</option>') == 3
    assert ">All<" not in body


# --- Campaigns ----------------------------------------------------------------------


@pytest.fixture
def picker_data(db):
    acme, beta = make_client("Acme"), make_client("Beta")
    return acme, beta, make_contact(acme), make_contact(acme), make_contact(beta)


def test_the_campaign_form_lists_recipients_as_checkboxes_per_client(manager_client, picker_data):
    acme, beta, first, second, other = picker_data
    tech = make_technician(name="Tina Technik")
    body = manager_client.get(reverse("surveys:campaign_create")).content.decode()
    assert "<select" not in body.split('data-testid="recipient-picker"')[1].split("</fieldset>")[0]
    assert f'name="clients" value="{acme.pk}"' in body
    assert f"All active contacts of {acme.name}" in body or f"{acme.name}" in body
    for contact in (first, second, other):
        assert f'name="contacts" value="{contact.pk}"' in body
    assert f'name="technicians" value="{tech.pk}"' in body
    # The search box is for JavaScript only; without it the lists still work.
    assert "hidden" in body.split('class="recipient-search')[1][:20]
    assert "/static/js/recipient_picker.js" in body


def test_a_campaign_to_one_client_and_one_contact_of_another_reaches_exactly_them(
    manager_client, picker_data, django_capture_on_commit_callbacks
):
    acme, beta, first, second, other = picker_data
    survey = Survey.objects.get(kind="client_onboarding")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("surveys:campaign_create"),
            with_form_token(
                {
                    "survey": survey.pk,
                    "name": "Acme and one of Beta",
                    "clients": [acme.pk],
                    "contacts": [other.pk],
                    "closes_on": closes,
                    "reminder_after_days": "3",
                    "max_reminders": "2",
                }
            ),
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email, other.email])


def test_a_form_error_keeps_the_ticked_recipients_ticked(manager_client, picker_data):
    acme, beta, first, second, other = picker_data
    response = manager_client.post(
        reverse("surveys:campaign_create"),
        with_form_token(
            {
                "survey": Survey.objects.get(kind="client_onboarding").pk,
                "name": "",  # missing: the form comes back
                "contacts": [second.pk],
                "closes_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
                "max_reminders": "0",
            }
        ),
    )
    body = response.content.decode()
    assert f'value="{second.pk}" id="contact-{second.pk}" checked' in body
    assert f'value="{first.pk}" id="contact-{first.pk}">' in body


def test_the_campaign_list_explains_its_counts_and_names_the_last_day(manager_client, db):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN), tick=False):
        chosen = campaign(
            "client_onboarding",
            name="Ein recht langer Kampagnenname für die Neukunden im Dezember",
            closes_at=day_start(datetime.date(2026, 12, 14)),  # the form's "closes on 13.12."
        )
        client = make_client()
        for status in ("sent", "sent", "answered", "failed", "queued"):
            Invitation.objects.create(
                campaign=chosen, contact=make_contact(client), email="x@example.com", status=status
            )
        body = manager_client.get(reverse("surveys:campaign_list")).content.decode()
    row = body.split(f'data-campaign="{chosen.pk}"')[1].split("</tr>")[0]
    assert "bis einschließlich 13.12.2026" in row or "until and including 13.12.2026" in row
    assert "14.12.2026" not in row
    assert re.search(r'data-testid="count-invited">5<', row)
    assert re.search(r'data-testid="count-answered">1<', row)
    assert re.search(r'data-testid="count-waiting">2<', row)  # sent, not answered yet
    assert "+1" in row.split('data-testid="count-waiting"')[1]  # the queued one
    assert re.search(r'data-testid="count-failed"><span class="text-danger">1<', row)
    assert 'data-testid="count-legend"' in body
    assert 'class="campaign-name"' in row


def test_the_campaign_page_names_the_chosen_last_day_and_a_later_close_with_its_time(
    manager_client, db
):
    midnight = campaign("pulse", closes_at=day_start(datetime.date(2026, 12, 14)))
    afternoon = campaign("pulse", closes_at=datetime.datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN))
    english(manager_client)
    first = manager_client.get(reverse("surveys:campaign_detail", args=[midnight.pk]))
    second = manager_client.get(reverse("surveys:campaign_detail", args=[afternoon.pk]))
    assert 'data-testid="campaign-until">until and including 13 Dec 2026<' in (
        first.content.decode()
    )
    assert 'data-testid="campaign-until">until 4 Dec 2026, 17:00<' in second.content.decode()


def test_a_refused_address_is_explained_and_the_raw_error_kept_in_details(manager_client, db):
    chosen = campaign("client_onboarding")
    Invitation.objects.create(
        campaign=chosen,
        contact=make_contact(make_client()),
        email="gone@example.com",
        status=InvitationStatus.FAILED,
        failure_reason="SMTPRecipientsRefused: {'gone@example.com': (550, b'5.1.1 User unknown')}",
    )
    english(manager_client)
    body = manager_client.get(reverse("surveys:campaign_detail", args=[chosen.pk])).content
    body = body.decode()
    explained = html.unescape(body.split('data-testid="delivery-explanation">')[1].split("<")[0])
    assert explained.startswith("The recipient's mail server does not know this address")
    assert "Correct the e-mail address" in explained
    details = body.split("<details")[1].split("</details>")[0]
    assert "SMTPRecipientsRefused" in details and "5.1.1 User unknown" in details


# --- A technician's own page ---------------------------------------------------------


def test_a_closed_unanswered_pulse_is_not_sent_for_ever(client, db):
    user = make_user("tina", "technician")
    tech = make_technician(user=user)
    closed = campaign("pulse", status=Campaign.Status.CLOSED, closes_in_days=-1)
    running = campaign("pulse")
    answered = campaign("pulse", status=Campaign.Status.CLOSED, closes_in_days=-8)
    for chosen, status in ((closed, "sent"), (running, "sent"), (answered, "answered")):
        Invitation.objects.create(campaign=chosen, technician=tech, email="t@x", status=status)
    client.force_login(user)
    english(client)
    body = client.get(reverse("surveys:my_surveys")).content.decode()
    states = re.findall(r'data-testid="invitation-state">([^<]+)<', body)
    # Newest start first: all three started now; the order of equal starts is not
    # the point, the set of states is.
    assert sorted(states) == ["answered", "closed, not answered", "sent"]


# --- The result's phase table -------------------------------------------------------


def test_phase_ranges_read_as_the_published_table():
    from django.utils import translation

    from assessments.templatetags.assessment_tags import phase_range

    class Phase:
        def __init__(self, low, high):
            self.min_score, self.max_score = low, high

    from decimal import Decimal as D

    with translation.override("de"):
        assert phase_range(Phase(D("1.00"), D("2.00")), False) == "1,0–1,9"
        assert phase_range(Phase(D("4.00"), D("5.00")), True) == "4,0–5,0"
    with translation.override("en"):
        assert phase_range(Phase(D("3.00"), D("4.00")), False) == "3.0–3.9"


# --- Print ---------------------------------------------------------------------------


def test_printing_hides_the_saved_message():
    css = (ROOT / "static" / "css" / "print.css").read_text()
    assert ".flash-message" in css.split("display: none")[-2].splitlines()[-1]
    partial = (ROOT / "templates" / "partials" / "_messages.html").read_text()
    assert "flash-message d-print-none" in partial
