"""Technicians, signed-in users without a role and anonymous visitors reach no KPI page,
export, import or acknowledgement, and a refused request changes nothing.

Already proven: every KPI URL by GET (and acknowledge by POST) for each role
(tests/kpis/access_matrix.py through tests/test_access_matrix.py), GET of the pages and of
the tickets export (tests/kpis/test_views.py), a technician's POST to acknowledge
(tests/kpis/test_alerts.py). Added here: POSTs that would import, every export table,
anonymous and role-less acknowledgement, a session instead of a webhook token, and the
back office."""

import datetime
import io
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from insights.views.exports import TABLES
from kpis.models import ThresholdAlert, Ticket, TicketDailyRollup
from organisation.models import Client
from tests.helpers import make_user

TICKETS = (
    "external_id,client,priority,opened_at,source,escalated\n"
    "T-1,C-1,high,2025-03-01T09:00:00+01:00,client,true\n"
)


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )


@pytest.fixture
def alert(acme):
    return ThresholdAlert.objects.create(
        client=acme,
        period_start=datetime.date(2025, 3, 1),
        state="breach",
        share=0.2,
        tickets=10,
        escalated=2,
        threshold=0.1,
    )


@pytest.fixture(params=["anonymous", "technician", "outsider"])
def visitor(request, client, db):
    """A browser that is signed out, a technician's, or a user's without a role."""
    if request.param == "technician":
        client.force_login(request.getfixturevalue("technician_user"))
    elif request.param == "outsider":
        client.force_login(make_user("no-role"))
    client.role = request.param
    return client


def assert_refused(response, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse(settings.LOGIN_URL)
        assert "next=" in response["Location"]
    else:
        assert response.status_code == 403


def _upload(kind="tickets", text=TICKETS):
    upload = io.BytesIO(text.encode())
    upload.name = f"{kind}.csv"
    return {"kind": kind, "file": upload}


def test_no_import_by_post(visitor, acme):
    for kind, text in (
        ("tickets", TICKETS),
        ("clients", "external_id,name,contract_start\nEVIL,Evil,2025-01-01\n"),
        ("technicians", "external_id,name,email,hire_date\nX,X,x@example.com,2025-01-01\n"),
    ):
        response = visitor.post(reverse("kpis:import"), _upload(kind, text))
        assert_refused(response, visitor.role)
    assert not Ticket.objects.exists()
    assert not TicketDailyRollup.objects.exists()
    assert list(Client.objects.values_list("external_id", flat=True)) == ["C-1"]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_no_export(visitor, acme, table):
    response = visitor.get(reverse("insights:export", args=[table]))
    assert_refused(response, visitor.role)
    assert "text/csv" not in response.get("Content-Type", "")


def test_no_acknowledgement(visitor, alert):
    url = reverse("insights:alert_acknowledge", args=[alert.pk])
    assert_refused(visitor.post(url, {"next": "/kpis/"}), visitor.role)
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.acknowledged_by is None


def test_a_client_page_and_its_tickets_stay_closed(visitor, acme, alert):
    for url in (
        reverse("insights:client_detail", args=[acme.pk]),
        reverse("insights:ticket_list") + f"?client={acme.pk}",
        reverse("insights:alerts") + "?show=all",
        reverse("insights:export", args=["tickets"]) + f"?client={acme.pk}",
    ):
        assert_refused(visitor.get(url), visitor.role)


def test_a_signed_in_manager_is_no_webhook_caller(manager_client, acme):
    """The webhook authenticates by token only; a session (and its CSRF exemption) is no
    way in."""
    response = manager_client.post(
        reverse("kpis:webhook"),
        data='{"external_id": "T-1"}',
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "model", ["kpis_ticket", "kpis_webhookintegration", "kpis_kpisettings", "organisation_client"]
)
def test_the_back_office_is_for_staff_only(client, manager, technician_user, model):
    url = reverse(f"admin:{model}_changelist")
    for user in (technician_user, manager):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("admin:login")
