"""Threshold alerts: one e-mail per change of state and month, never repeated;
acknowledged alerts stay acknowledged; the team satisfaction alert."""

import datetime
import smtplib

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.test import TestCase
from django.urls import reverse

from core import delivery
from core.periods import month_to_date
from insights import team_alerts
from kpis import alerting, rollups, tasks, thresholds
from kpis.models import AlertEmail, AlertState, TeamSatisfactionAlert, ThresholdAlert, Ticket
from tests.helpers import make_user, refused
from tests.kpis.conftest import make_client, tickets

THRESHOLD = alerting.THRESHOLD_ALERT_EMAILS.name

TODAY = datetime.date(2026, 3, 20)
NOW = datetime.datetime(2026, 3, 20, 11, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def acme(db, manager, kpi_settings):
    client = make_client("Acme", start=datetime.date(2025, 1, 1))
    client.responsible_staff.add(manager)
    return client


def set_escalated(client, count):
    """Exactly ``count`` of the client's March tickets escalated."""
    ids = list(Ticket.objects.filter(client=client).order_by("pk").values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=ids[:count]).update(escalated=True)
    Ticket.objects.filter(pk__in=ids[count:]).update(escalated=False)
    rollups.rebuild_all()


def check():
    """The hourly check, as beat runs it: the e-mails it stores are sent once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return tasks.check_thresholds.apply().get()


def check_team():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return team_alerts.check_team_satisfaction.apply().get()


def test_an_ok_client_raises_nothing(acme, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 100)
    set_escalated(acme, 7)
    assert check() == []
    assert not ThresholdAlert.objects.exists() and not mailoutbox


def test_one_email_per_change_of_state_never_repeated(acme, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 100)
    set_escalated(acme, 7)
    check()
    set_escalated(acme, 8)  # ok -> warning (8 % is 80 % of 10 %)
    check()
    check()  # nothing new
    assert [a.state for a in ThresholdAlert.objects.all()] == ["warning"]
    assert len(mailoutbox) == 1
    assert "nähern sich" in mailoutbox[0].subject and "Acme" in mailoutbox[0].subject  # German
    set_escalated(acme, 10)  # warning -> breach
    check()
    assert sorted(ThresholdAlert.objects.values_list("state", flat=True)) == ["breach", "warning"]
    assert len(mailoutbox) == 2
    set_escalated(acme, 8)  # back to warning: the breach this month outranks it
    check()
    set_escalated(acme, 12)  # and over again: already alerted this month
    check()
    assert ThresholdAlert.objects.count() == 2 and len(mailoutbox) == 2


def test_one_mailbox_gets_one_alert_whatever_the_case_of_its_address(acme, mailoutbox, manager):
    twin = make_user("twin", "manager")
    twin.email = manager.email.upper()
    twin.save(update_fields=["email"])
    acme.responsible_staff.add(twin)
    tickets(acme, datetime.date(2026, 3, 2), 100)
    set_escalated(acme, 12)
    check()
    assert [m.to[0].lower() for m in mailoutbox] == [manager.email.lower()]


def test_ok_straight_to_breach_raises_one_breach_alert(acme, mailoutbox, manager):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    check()
    alert = ThresholdAlert.objects.get()
    assert alert.state == AlertState.BREACH
    assert alert.period_start == datetime.date(2026, 3, 1)
    assert alert.share == pytest.approx(0.18) and alert.threshold == pytest.approx(0.1)
    [message] = mailoutbox
    assert message.to == [manager.email]
    assert "über dem Schwellenwert" in message.subject
    html = message.alternatives[0][0]
    assert "18,0 %" in message.body and "18,0 %" in html  # German by default
    assert f"/kpis/clients/{acme.pk}/" in message.body and f"/kpis/clients/{acme.pk}/" in html


def test_a_new_month_is_a_new_period(acme, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    check()
    with time_machine.travel(datetime.datetime(2026, 4, 20, 11, tzinfo=datetime.UTC), tick=False):
        tickets(acme, datetime.date(2026, 4, 2), 50, escalated=9)
        rollups.rebuild_all()
        check()
    assert sorted(ThresholdAlert.objects.values_list("period_start", flat=True)) == [
        datetime.date(2026, 3, 1),
        datetime.date(2026, 4, 1),
    ]
    assert len(mailoutbox) == 2


def test_below_the_minimum_ticket_count_nobody_is_alerted(acme, mailoutbox, kpi_settings):
    tickets(acme, datetime.date(2026, 3, 2), 19, escalated=10)
    rollups.rebuild_all()
    assert check() == [] and not mailoutbox
    state = thresholds.client_states(month_to_date(TODAY))[0]
    assert state.state == AlertState.NOT_JUDGED


def test_a_per_client_threshold_overrides_the_default(acme, mailoutbox):
    acme.escalation_threshold = 20
    acme.save()
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)  # 18 %: warning under 20 %
    rollups.rebuild_all()
    check()
    assert ThresholdAlert.objects.get().state == AlertState.WARNING


def test_one_clients_state_from_its_summed_counts_is_client_states(
    acme, kpi_settings, django_assert_max_num_queries
):
    from kpis import metrics

    # Acme 9 of 50 escalated (18 %: breach over the default 10 %); Beta with its own
    # threshold of 20 % (18 %: warning); Gamma below the minimum count; Delta inactive.
    beta = make_client("Beta", start=datetime.date(2025, 1, 1), escalation_threshold=20)
    gamma = make_client("Gamma", start=datetime.date(2025, 1, 1))
    delta = make_client("Delta", start=datetime.date(2025, 1, 1), is_active=False)
    for client in (acme, beta, delta):
        tickets(client, datetime.date(2026, 3, 2), 50, escalated=9)
    tickets(gamma, datetime.date(2026, 3, 2), 5, escalated=5)
    rollups.rebuild_all()
    period = month_to_date(TODAY)
    states = {}
    for client in (acme, beta, gamma, delta):
        counts = metrics.totals(period, [client.pk])
        with django_assert_max_num_queries(1):  # the settings (none for Delta)
            states[client.name] = thresholds.client_state(
                client, counts["tickets"], counts["escalated"]
            )
        assert [states[client.name]] == (thresholds.client_states(period, [client.pk]) or [None])
    assert states["Acme"].state == AlertState.BREACH and states["Acme"].share == 0.18
    assert (states["Beta"].state, states["Beta"].threshold) == (AlertState.WARNING, 0.2)
    assert states["Gamma"].state == AlertState.NOT_JUDGED
    assert states["Delta"] is None


def test_without_responsible_staff_the_managers_are_emailed(db, kpi_settings, mailoutbox):
    boss = make_user("boss", "manager")
    lone = make_client("Lone", start=datetime.date(2025, 1, 1))
    tickets(lone, datetime.date(2026, 3, 2), 30, escalated=5)
    rollups.rebuild_all()
    check()
    assert mailoutbox[0].to == [boss.email]


def test_an_alert_is_emailed_once_even_if_the_task_runs_twice(acme, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    [alert_id] = check()
    assert check() == []
    assert delivery.deliver.apply(args=[THRESHOLD, alert_id]).get() == {"sent": 0, "failed": 0}
    assert len(mailoutbox) == 1
    assert ThresholdAlert.objects.get().emailed_at is not None


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPResponseException(451, b"Try again later")


def test_a_transient_smtp_error_keeps_the_alert_queued_for_a_retry(acme, settings, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    [alert_id] = thresholds.record_alerts(TODAY)
    settings.MAILERS = {"default": {"BACKEND": "tests.kpis.test_alerts.RefusingBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=False):
        alerting.email_threshold_alerts(TODAY)
    with pytest.raises(delivery.TransientSendError):
        delivery.send_batch(THRESHOLD, alert_id)
    email = AlertEmail.objects.get()
    assert email.status == "queued" and "451" in email.failure_reason
    assert ThresholdAlert.objects.get().emailed_at is None
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert delivery.send_batch(THRESHOLD, alert_id) == {"sent": 1, "failed": 0}
    assert ThresholdAlert.objects.get().emailed_at is not None


def test_each_recipient_gets_their_own_email_and_a_refusal_fails_that_one_alone(
    acme, manager, manager_client, mailoutbox
):
    """One message to all used to fail for all (or silently skip the refused address)."""
    colleague = make_user("colleague", "manager")
    acme.responsible_staff.add(colleague)
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    with refused(colleague.email):
        check()
    assert [m.to for m in mailoutbox] == [[manager.email]]
    email = AlertEmail.objects.get(email=colleague.email)
    assert email.status == "failed" and "550" in email.failure_reason
    page = manager_client.get(reverse("insights:alerts")).content.decode()
    assert 'data-testid="alert-email"' in page and "No such user" in page
    check()  # a later check does not try again
    assert len(mailoutbox) == 1


def test_an_alert_whose_emails_were_never_stored_is_emailed_by_the_next_check(acme, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    thresholds.record_alerts(TODAY)  # the process stopped before the e-mails were stored
    assert check() == []
    assert len(mailoutbox) == 1


def test_the_check_uses_a_fixed_number_of_queries(db, kpi_settings, django_assert_max_num_queries):
    for index in range(3):
        client = make_client(f"Small {index}", start=datetime.date(2025, 1, 1))
        tickets(client, datetime.date(2026, 3, 2), 5)
    rollups.rebuild_all()
    with django_assert_max_num_queries(4):
        thresholds.client_states(month_to_date(TODAY))
    for index in range(40):
        client = make_client(f"More {index}", start=datetime.date(2025, 1, 1))
        tickets(client, datetime.date(2026, 3, 3), 5)
    rollups.rebuild_all()
    with django_assert_max_num_queries(4):
        states = thresholds.client_states(month_to_date(TODAY))
    assert len(states) == 43


def test_acknowledged_alerts_stay_acknowledged(acme, manager_client, manager, mailoutbox):
    tickets(acme, datetime.date(2026, 3, 2), 50, escalated=9)
    rollups.rebuild_all()
    check()
    alert = ThresholdAlert.objects.get()
    url = reverse("insights:alert_acknowledge", args=[alert.pk])
    response = manager_client.post(url, {"next": reverse("insights:dashboard")})
    assert response.status_code == 302 and response["Location"] == reverse("insights:dashboard")
    alert.refresh_from_db()
    first = alert.acknowledged_at
    assert first is not None and alert.acknowledged_by == manager
    check()  # a later check does not reopen it
    other = make_user("other-manager", "manager")
    manager_client.force_login(other)
    manager_client.post(url)
    alert.refresh_from_db()
    assert alert.acknowledged_at == first and alert.acknowledged_by == manager
    assert len(mailoutbox) == 1
    listed = manager_client.get(reverse("insights:alerts"))
    assert alert not in listed.context["page"].object_list
    everything = manager_client.get(reverse("insights:alerts") + "?show=all")
    assert alert in everything.context["page"].object_list


def test_acknowledging_rejects_a_foreign_redirect(acme, manager_client):
    alert = ThresholdAlert.objects.create(
        client=acme,
        period_start=datetime.date(2026, 3, 1),
        state="warning",
        share=0.08,
        tickets=100,
        escalated=8,
        threshold=0.1,
    )
    response = manager_client.post(
        reverse("insights:alert_acknowledge", args=[alert.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("insights:alerts")


def test_acknowledging_needs_post_and_a_manager(acme, technician_client, client):
    alert = ThresholdAlert.objects.create(
        client=acme,
        period_start=datetime.date(2026, 3, 1),
        state="warning",
        share=0.08,
        tickets=100,
        escalated=8,
        threshold=0.1,
    )
    url = reverse("insights:alert_acknowledge", args=[alert.pk])
    assert technician_client.get(url).status_code == 405
    assert technician_client.post(url).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


# --- Team satisfaction -------------------------------------------------------------------


def _published_job_satisfaction(quarter_day: datetime.date, values, status="closed"):
    """An in-depth campaign in the quarter of ``quarter_day`` answered by one new
    technician per value, and the quarters decided as the schedules would today (the
    frozen 20 March 2026). Returns the campaign and the decisions."""
    from core.periods import day_start
    from surveys.models import SurveyKind
    from tests.surveys.helpers import answer, campaign, invite, make_technician, publish_quarters

    camp = campaign(SurveyKind.IN_DEPTH, status=status, send_at=day_start(quarter_day))
    for value in values:
        answer(
            invite(camp, make_technician()), {"job_satisfaction": value}, submitted_on=quarter_day
        )
    return camp, publish_quarters(TODAY)


def test_managers_are_emailed_once_when_satisfaction_is_below_the_benchmark(
    db, kpi_settings, mailoutbox
):
    boss = make_user("boss", "manager")
    # Q4 2025, published: (8 + 8 + 8 + 8 + 9) / 5 = 8.2, below the benchmark of 9.
    _published_job_satisfaction(datetime.date(2025, 11, 10), [8, 8, 8, 8, 9])
    check_team()
    check_team()
    alert = TeamSatisfactionAlert.objects.get()
    assert alert.period_start == datetime.date(2025, 10, 1)
    assert alert.average == 8.2 and alert.benchmark == 9.0 and alert.responses == 5
    [message] = mailoutbox
    assert message.to == [boss.email]
    assert "8,2" in message.body and "8,2" in message.alternatives[0][0]
    assert "5 Personen" in message.body
    # The quarter by its one label, as on the pages.
    assert "im Quartal 2025 Q4 liegt" in message.body
    assert "2025 Q4" in message.alternatives[0][0]


def test_no_team_alert_at_or_above_the_benchmark(db, kpi_settings, mailoutbox):
    make_user("boss", "manager")
    _published_job_satisfaction(datetime.date(2025, 11, 10), [9, 9, 9, 9, 9])
    check_team()
    assert not TeamSatisfactionAlert.objects.exists() and not mailoutbox


def test_the_current_quarter_is_never_judged_from_live_answers(db, kpi_settings, mailoutbox):
    """Ten people answered 1 in the current quarter's closed campaign: it is not published
    before the quarter ends, so no alert (which would reveal it) goes out."""
    make_user("boss", "manager")
    _camp, decided = _published_job_satisfaction(datetime.date(2026, 2, 10), [1] * 10)
    assert decided == {"published": 0, "withheld": 0}
    check_team()
    assert not TeamSatisfactionAlert.objects.exists() and not mailoutbox


def test_the_previous_quarter_is_judged_once_it_is_published(db, kpi_settings, mailoutbox):
    from surveys.models import Campaign
    from tests.surveys.helpers import publish_quarters

    make_user("boss", "manager")
    # Started on 20 December and still open: the quarter waits for it.
    camp, decided = _published_job_satisfaction(
        datetime.date(2025, 12, 20), [7, 8, 7, 8, 7, 8], status=Campaign.Status.OPEN
    )
    assert decided == {"published": 0, "withheld": 0}
    check_team()
    assert not TeamSatisfactionAlert.objects.exists()
    Campaign.objects.filter(pk=camp.pk).update(status=Campaign.Status.CLOSED)
    assert publish_quarters(TODAY) == {"published": 1, "withheld": 0}
    check_team()
    # (7 + 8 + 7 + 8 + 7 + 8) / 6 = 7.5
    alert = TeamSatisfactionAlert.objects.get()
    assert alert.period_start == datetime.date(2025, 10, 1) and alert.average == 7.5


def test_the_benchmark_is_configurable(db, kpi_settings, mailoutbox):
    make_user("boss", "manager")
    kpi_settings.satisfaction_benchmark = 8
    kpi_settings.save()
    _published_job_satisfaction(datetime.date(2025, 11, 10), [8, 8, 8, 8, 9])
    check_team()
    assert not TeamSatisfactionAlert.objects.exists()
