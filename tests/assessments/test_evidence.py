"""Measured figures beside statements (the hook the KPI work fills later)."""

import sys
import types

from django.urls import reverse
from django.utils import timezone

from assessments import evidence
from tests.assessments.factories import WORKED_EXAMPLE, post_data, store

FIGURES = {
    "sla_targets_met": {"label": "SLA eingehalten", "value": "94 %"},
    "churn_tracked": {"label": "Kundenabwanderung", "value": "2 von 12"},
}


def test_there_is_no_evidence_without_a_kpi_module(manager, monkeypatch):
    # A None entry makes `import kpis.evidence` raise ImportError, as a missing module does.
    monkeypatch.setitem(sys.modules, "kpis.evidence", None)
    assert evidence.measured_evidence(manager, timezone.localdate()) == {}


def test_the_kpi_module_is_asked_when_it_exists(manager, monkeypatch):
    calls = []
    module = types.ModuleType("kpis.evidence")

    def evidence_for_statements(on_date):
        calls.append(on_date)
        return FIGURES

    module.evidence_for_statements = evidence_for_statements
    monkeypatch.setitem(sys.modules, "kpis.evidence", module)
    today = timezone.localdate()
    assert evidence.measured_evidence(manager, today) == FIGURES
    assert calls == [today]


def test_visitors_never_see_the_organisations_figures(monkeypatch):
    from django.contrib.auth.models import AnonymousUser

    module = types.ModuleType("kpis.evidence")
    module.evidence_for_statements = lambda on_date: FIGURES
    monkeypatch.setitem(sys.modules, "kpis.evidence", module)
    assert evidence.measured_evidence(AnonymousUser(), timezone.localdate()) == {}


def test_a_failing_kpi_module_does_not_break_the_result(manager, monkeypatch):
    module = types.ModuleType("kpis.evidence")

    def broken(on_date):
        raise RuntimeError("no data")

    module.evidence_for_statements = broken
    monkeypatch.setitem(sys.modules, "kpis.evidence", module)
    assert evidence.measured_evidence(manager, timezone.localdate()) == {}


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
