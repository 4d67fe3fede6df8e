"""The rules a connection's mappings give (read by the pull): priorities by name,
the groups that count, escalated by a field's value or a level, proactive, closed."""

import pytest

from integrations.models import Integration


@pytest.fixture
def rules() -> Integration:
    return Integration(
        kind="connectwise",
        priorities={"critical": ["Priority 1*"], "high": ["Priority 2*", "Urgent"]},
        counted_groups=["Service Desk", "Level *"],
        escalated_field="escalation_level",
        escalated_values=["2", "3"],
        proactive_field="source",
        proactive_values=["Monitoring"],
        closed_statuses=["Closed", "Resolved*"],
    )


def test_priority_names_map_by_pattern_without_case(rules):
    assert rules.priority_for("Priority 1 - Emergency Response") == "critical"
    assert rules.priority_for("urgent") == "high"
    assert rules.priority_for("Priority 3 - Normal Response") is None


def test_only_listed_groups_count_and_all_count_when_none_is_listed(rules):
    assert rules.counts("level 2") and not rules.counts("Projects")
    assert Integration(kind="connectwise").counts("Projects")


def test_a_level_counts_from_the_lowest_listed_level(rules):
    assert [rules.is_escalated({"escalation_level": n}) for n in (0, 1, 2, 5)] == [
        False,
        False,
        True,
        True,
    ]
    assert not rules.is_escalated({})


def test_escalated_by_a_board_name(rules):
    rules.escalated_field, rules.escalated_values = "board", ["Escalations*"]
    assert rules.is_escalated({"board": "Escalations Tier 2"})
    assert not rules.is_escalated({"board": "Service Desk"})


def test_proactive_and_closed(rules):
    assert rules.is_proactive({"source": "monitoring"})
    assert not rules.is_proactive({"source": "Email"})
    assert rules.is_closed("Resolved - confirmed") and not rules.is_closed("Waiting")
