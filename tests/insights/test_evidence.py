"""Evidence beside the self-assessment statements."""

import datetime

from assessments.evidence import measured_evidence
from insights.evidence import evidence_for_statements
from kpis import rollups
from tests.kpis.conftest import make_client, ticket

ON = datetime.date(2026, 3, 31)
KEYS = {
    "sla_targets_met",
    "csat_nps_tracked",
    "support_times_benchmarks",
    "churn_tracked",
    "proactive_resolution",
}


def test_every_statement_gets_a_label_and_a_value_without_data(db):
    evidence = evidence_for_statements(ON)
    assert set(evidence) == KEYS
    assert all(item["label"] and item["value"] for item in evidence.values())
    assert evidence["sla_targets_met"]["value"] == "No tickets measured"


def test_measured_figures_over_the_last_90_days(db, monkeypatch):
    acme = make_client("Acme")
    make_client("Gone", is_active=False)
    day = datetime.date(2026, 3, 2)
    ticket(acme, day, priority="critical", first_minutes=10, resolve_minutes=100, proactive=True)
    ticket(acme, day, priority="critical", first_minutes=30, resolve_minutes=100)
    ticket(acme, datetime.date(2025, 10, 1), proactive=True)  # older than 90 days
    rollups.rebuild_all()
    monkeypatch.setattr(
        "surveys.metrics.client_onboarding_summary",
        lambda period, client_ids=None: {
            "csat": 0.75,
            "nps": 20.0,
            "ces": 5.0,
            "responses": 8,
            "invited": 10,
            "response_rate": 0.8,
        },
    )
    evidence = evidence_for_statements(ON)
    assert evidence["sla_targets_met"]["value"].startswith("75.0 %")  # 3 of 4 measurements
    assert (
        "8" in evidence["csat_nps_tracked"]["value"]
        and "20" in evidence["csat_nps_tracked"]["value"]
    )
    # critical medians: first response (10+30)/2 = 20 min > 15; resolution 100 min <= 240
    assert evidence["support_times_benchmarks"]["value"].startswith("1 of 2")
    assert evidence["churn_tracked"]["value"] == "1 of 2 clients inactive"
    assert evidence["proactive_resolution"]["value"].startswith("50.0 %")


def test_the_assessments_hook_finds_it(db, manager):
    assert set(measured_evidence(manager, ON)) == KEYS
