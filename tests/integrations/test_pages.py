"""The managers' pages of PSA connections: creating one per PSA, its settings and
mappings, replacing credentials, testing, deleting; no credential in any page, the back
office or a log line; fixed query counts."""

import logging
import time

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from integrations.models import Integration
from kpis.models import Ticket
from organisation.models import DataSource
from tests.helpers import with_form_token

from .conftest import AT_CREDENTIALS, CW_CREDENTIALS, HALO_CREDENTIALS

NEW = {
    "connectwise": (
        "https://cw.nordlicht-it.example/v4_6_release/apis/3.0",
        CW_CREDENTIALS,
    ),
    "autotask": ("https://webservices5.autotask.net/ATServicesRest", AT_CREDENTIALS),
    "halopsa": ("https://nordlicht.halopsa.com/api", HALO_CREDENTIALS),
}


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def _create(client, kind, **changes):
    base_url, credentials = NEW[kind]
    data = {
        "name": f"{kind} production",
        "base_url": base_url,
        "time_zone": "Europe/Berlin",
        **{f"credential_{key}": value for key, value in credentials.items()},
        **changes,
    }
    return client.post(reverse("integrations:new", kwargs={"kind": kind}), with_form_token(data))


@pytest.mark.parametrize("kind", sorted(NEW))
def test_a_manager_connects_each_psa_and_sees_only_the_last_four_characters(
    signed_in, kind, caplog
):
    with caplog.at_level(logging.DEBUG):
        response = _create(signed_in, kind)
    integration = Integration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == integration.get_absolute_url()
    assert integration.kind == kind
    assert integration.data_source.kind == DataSource.Kind.PSA
    assert integration.credentials() == {
        key: NEW[kind][1].get(key, "") for key, _v in integration.credentials().items()
    }
    page = signed_in.get(integration.get_absolute_url()).content.decode()
    credentials_page = signed_in.get(
        reverse("integrations:credentials", kwargs={"pk": integration.pk})
    ).content.decode()
    for value in NEW[kind][1].values():
        if len(value) >= 8:
            assert value not in page
            assert value not in credentials_page
            assert value not in caplog.text
            assert "…" + value[-4:] in page
    assert integration.secrets_encrypted not in page


def test_an_http_address_to_another_machine_is_refused_in_the_pages_language(signed_in):
    response = _create(signed_in, "connectwise", base_url="http://cw.nordlicht-it.example/x")
    assert response.status_code == 200
    assert not Integration.objects.exists()
    assert "https://" in response.context["form"].errors["base_url"][0]


def test_a_missing_credential_is_refused(signed_in):
    response = _create(signed_in, "autotask", credential_secret="")
    assert response.status_code == 200
    assert "credential_secret" in response.context["form"].errors


def test_an_unknown_kind_is_404(signed_in):
    url = reverse("integrations:new", kwargs={"kind": "servicenow"})
    assert signed_in.get(url).status_code == 404


def test_replacing_credentials_keeps_every_blank_field(signed_in, autotask):
    url = reverse("integrations:credentials", kwargs={"pk": autotask.pk})
    response = signed_in.post(url, {"secret": "a-new-secret-value-9999"})
    assert response.status_code == 302
    stored = Integration.objects.get(pk=autotask.pk).credentials()
    assert stored == {**AT_CREDENTIALS, "secret": "a-new-secret-value-9999"}
    page = signed_in.get(url).content.decode()
    assert "…9999" in page
    assert "a-new-secret-value-9999" not in page


def test_the_settings_store_the_mappings_as_lists(signed_in, connectwise):
    response = signed_in.post(
        connectwise.get_absolute_url(),
        {
            "name": "ConnectWise EU",
            "base_url": connectwise.base_url,
            "time_zone": "Europe/Berlin",
            "priority_critical": "Priority 1* | Emergency",
            "priority_low": "Priority 4*",
            "counted": "Service Desk | Level 2",
            "escalated_field": "escalation_level",
            "escalated": "2",
            "proactive_field": "source",
            "proactive": "Monitoring | Automate",
            "closed": "Closed | Resolved*",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    integration = Integration.objects.get(pk=connectwise.pk)
    assert integration.priorities == {
        "critical": ["Priority 1*", "Emergency"],
        "low": ["Priority 4*"],
    }
    assert integration.counted_groups == ["Service Desk", "Level 2"]
    assert (integration.escalated_field, integration.escalated_values) == (
        "escalation_level",
        ["2"],
    )
    assert integration.closed_statuses == ["Closed", "Resolved*"]
    assert integration.data_source.name == "ConnectWise EU"  # the source follows the name
    assert integration.credentials() == CW_CREDENTIALS  # untouched by the settings form
    page = signed_in.get(integration.get_absolute_url()).content.decode()
    assert "Priority 1* | Emergency" in page


def test_a_field_another_psa_has_is_refused(signed_in, halo):
    response = signed_in.post(
        halo.get_absolute_url(),
        {
            "name": "Halo",
            "base_url": halo.base_url,
            "time_zone": "UTC",
            "halo_webhook_auth": "basic",
            "escalated_field": "escalation_level",  # ConnectWise's, not Halo's
            "escalated": "2",
        },
    )
    assert response.status_code == 200
    assert "escalated_field" in response.context["form"].errors


def test_halos_page_shows_what_its_webhook_needs(signed_in, halo):
    from .conftest import HALO_AUTH

    page = signed_in.get(halo.get_absolute_url()).content.decode()
    assert halo.event_url() in page
    assert HALO_AUTH["basic"]["password"] in page  # typed into Halo by hand
    assert HALO_CREDENTIALS["client_secret"] not in page


def test_deleting_asks_first_and_keeps_the_imported_records(signed_in, connectwise):
    import datetime

    from tests.kpis.conftest import make_client, ticket

    ticket(make_client(), datetime.date(2026, 10, 5), data_source=connectwise.data_source)
    url = reverse("integrations:delete", kwargs={"pk": connectwise.pk})
    page = signed_in.get(url)
    assert page.status_code == 200
    assert Integration.objects.exists()
    kept = page.content.decode()
    assert connectwise.data_source.name in kept
    response = signed_in.post(url)
    assert response.status_code == 302
    assert not Integration.objects.exists()
    assert Ticket.objects.get().data_source_id == connectwise.data_source_id


def test_the_connection_test_tries_once_and_says_why_in_the_page_language(
    signed_in, connectwise, settings
):
    # Nothing listens on port 9 here: the PSA is unreachable at once. One attempt, no
    # backoff while the manager waits (the pull retries).
    settings.INTEGRATIONS_ALLOW_LOCAL_HTTP = True
    Integration.objects.filter(pk=connectwise.pk).update(
        base_url="http://127.0.0.1:9/v4_6_release/apis/3.0"
    )
    url = reverse("integrations:check", kwargs={"pk": connectwise.pk})
    started = time.monotonic()
    response = signed_in.post(url, follow=True)
    assert time.monotonic() - started < 5
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Das PSA hat die Verbindung nicht angenommen")
    connectwise.refresh_from_db()
    assert connectwise.last_error and connectwise.last_error_at


def test_the_list_costs_the_same_queries_for_one_or_many_connections(
    signed_in, connectwise, autotask, halo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = signed_in.get(reverse("integrations:list"))
    page = response.content.decode()
    for name in ("ConnectWise", "Autotask", "HaloPSA"):
        assert name in page


def test_the_settings_page_has_a_fixed_query_count(
    signed_in, connectwise, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert signed_in.get(connectwise.get_absolute_url()).status_code == 200


def test_the_back_office_never_shows_a_credential(client, connectwise):
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    url = reverse("admin:integrations_integration_change", args=[connectwise.pk])
    page = client.get(url).content.decode()
    assert "…WXYZ" in page  # the private key's last four characters
    for value in CW_CREDENTIALS.values():
        if len(value) >= 8:
            assert value not in page
    assert connectwise.secrets_encrypted not in page


def test_after_a_key_was_dropped_too_early_the_page_explains_and_new_credentials_mend_it(
    signed_in, autotask, settings, client
):
    from cryptography.fernet import Fernet

    old_url = reverse("integrations:event", kwargs={"token": autotask.secrets["event_token"]})
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    page = signed_in.get(autotask.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="unreadable"' in page.content.decode()
    event = client.post(old_url, b"{}", content_type="application/json")
    assert event.status_code == 503
    response = signed_in.post(
        reverse("integrations:credentials", kwargs={"pk": autotask.pk}), AT_CREDENTIALS
    )
    assert response.status_code == 302
    mended = Integration.objects.get(pk=autotask.pk)
    assert mended.credentials() == AT_CREDENTIALS
    assert mended.secrets["event_token"] not in old_url  # new event secrets: register again
    assert client.post(old_url, b"{}", content_type="application/json").status_code == 404


def test_a_failed_connection_test_shows_and_keeps_the_psas_message(
    signed_in, connectwise, monkeypatch
):
    from integrations import clients

    answers = [clients.BadCredentials("Bad API keys", status=401), None]

    class Client:
        def check(self):
            if error := answers.pop(0):
                raise error

    monkeypatch.setattr(clients, "for_integration", lambda integration, **options: Client())
    url = reverse("integrations:check", kwargs={"pk": connectwise.pk})
    response = signed_in.post(url, follow=True)
    assert "Das PSA hat die Zugangsdaten abgelehnt." in response.content.decode()
    last_error = Integration.objects.get(pk=connectwise.pk).last_error
    assert "Bad API keys" in last_error  # the PSA's own words are kept for the page
    response = signed_in.post(url, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert Integration.objects.get(pk=connectwise.pk).last_error == ""
