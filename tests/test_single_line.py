"""Names and titles are one line: forms refuse a line break, CSV and webhook input is
normalised, and an e-mail subject is one line whatever is stored (a line break used to
raise "Header values may not contain linefeed", so the e-mail was never sent)."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone

from assessments.models import TeamRound
from assessments.services import open_round
from core.single_line import one_line
from kpis import importing
from organisation.models import Client
from surveys.models import Campaign, Survey, SurveyKind
from tests.helpers import assert_one_line_headers, with_form_token

INJECTED = "Q4\nBcc: attacker@evil.example"


def test_one_line_replaces_each_run_of_breaks_and_control_characters_by_a_space():
    assert one_line("Acme\r\nGmbH") == "Acme GmbH"
    assert one_line(" Acme\u2028GmbH\x0b& Co.\t") == "Acme GmbH & Co."
    assert one_line("Müller GmbH") == "Müller GmbH"


def test_a_round_name_with_a_line_break_is_a_form_error(manager_client, technician_user):
    response = manager_client.post(
        reverse("assessments:round_create"),
        with_form_token({"name": INJECTED, "members": [technician_user.pk], "closes_on": ""}),
    )
    assert response.status_code == 200
    assert "Bitte nur eine Zeile" in response.content.decode()
    assert not TeamRound.objects.exists()


def test_a_campaign_name_with_a_line_break_is_a_form_error(manager_client, client_company):
    response = manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {
                "survey": Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING).pk,
                "name": INJECTED,
                "clients": [client_company.pk],
                "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
                "max_reminders": "0",
            }
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"][0].startswith("Bitte nur eine Zeile")
    assert not Campaign.objects.exists()


def test_a_round_stored_with_a_line_break_is_invited_with_a_one_line_subject(
    db, manager, technician_user, sink_mailer, django_capture_on_commit_callbacks
):
    """A name stored before forms refused line breaks (or typed in an older version)."""
    with django_capture_on_commit_callbacks(execute=True):
        team_round = open_round(name=INJECTED, opened_by=manager, members=[technician_user])
    [message] = sink_mailer.parsed()
    assert_one_line_headers(message)
    assert message["Subject"].endswith("Q4 Bcc: attacker@evil.example")
    assert sink_mailer.recipients() == {technician_user.email: 1}
    assert TeamRound.objects.get(pk=team_round.pk).name == INJECTED


def test_a_client_name_with_a_line_break_in_a_csv_is_stored_on_one_line(db):
    data = 'external_id,name,contract_start\nC-9,"Acme\r\nBcc: attacker@evil.example",2026-01-01\n'
    importing.import_csv("clients", io.BytesIO(data.encode()))
    assert Client.objects.get(external_id="C-9").name == "Acme Bcc: attacker@evil.example"
