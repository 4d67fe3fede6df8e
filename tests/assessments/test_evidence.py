"""Measured figures beside statements: the assessment asks through its signal and knows
nothing of the apps that answer (insights does, in the product)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import evidence
from tests.assessments.factories import WORKED_EXAMPLE, post_data, store

FIGURES = {
    "sla_targets_met": {"label": "SLA eingehalten", "value": "94 %"},
    "churn_tracked": {"label": "Kundenabwanderung", "value": "2 von 12"},
}


@pytest.fixture
def only_receiver():
    """The product's receiver is disconnected for the test; ``connect`` adds one."""
    signal = evidence.evidence_requested
    saved = signal.receivers[:]
    signal.receivers.clear()
    signal.sender_receivers_cache.clear()

    def connect(function):
        signal.connect(function, weak=False)

    yield connect
    signal.receivers[:] = saved
    signal.sender_receivers_cache.clear()


def test_there_is_no_evidence_without_a_receiver(manager, only_receiver):
    assert evidence.measured_evidence(manager, timezone.localdate()) == {}


def test_the_receivers_are_asked_for_the_day(manager, only_receiver):
    calls = []

    def receiver(sender, on_date, **kwargs):
        calls.append(on_date)
        return FIGURES

    only_receiver(receiver)
    today = timezone.localdate()
    assert evidence.measured_evidence(manager, today) == FIGURES
    assert calls == [today]


def test_visitors_never_see_the_organisations_figures(only_receiver):
    from django.contrib.auth.models import AnonymousUser

    only_receiver(lambda sender, on_date, **kwargs: FIGURES)
    assert evidence.measured_evidence(AnonymousUser(), timezone.localdate()) == {}


def test_a_failing_receiver_does_not_break_the_result(manager, only_receiver):
    def broken(sender, on_date, **kwargs):
        raise RuntimeError("no data")

    only_receiver(broken)
    only_receiver(lambda sender, on_date, **kwargs: {"x": {"label": "X", "value": "1"}, "bad": 1})
    assert evidence.measured_evidence(manager, timezone.localdate()) == {
        "x": {"label": "X", "value": "1"}
    }


def test_result_and_history_pages_show_the_evidence(manager_client, manager, monkeypatch):
    monkeypatch.setattr("assessments.views.measured_evidence", lambda user, on_date: FIGURES)
    location = manager_client.post(reverse("assessments:start"), post_data(WORKED_EXAMPLE))[
        "Location"
    ]
    result = manager_client.get(location).content.decode()
    assert 'data-testid="evidence-sla_targets_met"' in result
    assert "SLA eingehalten" in result and "94 %" in result
    assert 'data-testid="evidence-churn_tracked"' in result
    assert 'data-testid="evidence-csat_nps_tracked"' not in result
    history = manager_client.get(reverse("assessments:history")).content.decode()
    assert 'data-testid="evidence-sla_targets_met"' in history and "2 von 12" in history


def test_pages_render_without_evidence(manager_client, manager, monkeypatch):
    monkeypatch.setattr("assessments.views.measured_evidence", lambda user, on_date: {})
    store(manager, WORKED_EXAMPLE)
    history = manager_client.get(reverse("assessments:history")).content.decode()
    assert 'data-testid="evidence-' not in history
