"""The normalisers against the fixtures: every expected value checked by hand against the
fixture files (tests/fixtures/psa/<vendor>/)."""

from types import SimpleNamespace

import pytest

from integrations.clients import autotask, connectwise, halopsa, rows
from kpis.columns import read_header
from tests.fakes.psa import fixture

CW_SETTINGS = {
    "priorities": {
        "Priority 1 - Emergency Response": "critical",
        "Priority 2 - Quick Response": "high",
        "priority 3 - normal response": "medium",  # compared without case
    },
    "sources": {"Monitoring": "monitoring"},
    "counted": {"field": "board", "in": ["Service Desk", "Tier 2 Escalations"]},
    "escalated": [{"field": "board", "in": ["Tier 2 Escalations"]}],
    "proactive": [{"field": "type", "in": ["Alert"]}],
    "auto_remediated": [{"field": "closedBy", "in": ["rmm-automate"]}],
    "closed_statuses": ["Closed"],
}
AT_SETTINGS = {
    "priorities": {"Critical": "critical", "High": "high", "Medium": "medium", "Low": "low"},
    "sources": {"Monitoring Alert": "monitoring", "Client Portal": "self_service"},
    "counted": {"field": "queueID", "in": ["Service Desk", "Level 2"]},
    "escalated": [{"field": "queueID", "in": ["Level 2"]}],
    "proactive": [{"field": "source", "in": ["Monitoring Alert"]}],
    "closed_statuses": ["Complete"],
}
HALO_SETTINGS = {
    "priorities": {"1": "critical", "2": "high", "3": "medium", "4": "low"},
    "sources": {"5": "monitoring"},
    "counted": {"field": "team", "in": ["1st Line", "2nd Line"]},
    "escalated": [{"field": "team", "in": ["2nd Line"]}],
    "proactive": [{"field": "ticket_type", "in": ["Alert"]}],
    "closed_statuses": ["Closed"],
}


def by_id(records, wanted):
    return next(r for r in records if r["id"] == wanted)


def at_picklists():
    fields = fixture("autotask", "ticket_fields_picklists.json")["fields"]
    return {
        f["name"]: {str(v["value"]): v["label"] for v in f["picklistValues"]}
        for f in fields
        if f.get("isPickList")
    }


def test_a_connectwise_ticket_becomes_an_import_row():
    ticket = by_id(fixture("connectwise", "tickets_page1.json"), 48212)
    assert connectwise.ticket_row(ticket, CW_SETTINGS) == {
        "external_id": "48212",
        "client": "19501",
        "priority": "critical",
        "opened_at": "2026-10-05T07:30:00+00:00",
        "first_response_at": "2026-10-05T07:41:00+00:00",
        "resolved_at": "2026-10-05T10:10:00+00:00",
        "source": "client",
        "technician": "179",
        "title": "Firewall WAN link down at main office",
        "requester_external_id": "52877",
        "requester_email": "t.hartmann@hartmann-partner.example",
        "requester_name": "Thomas Hartmann",
        "escalated": "true",
        "proactive": "false",
        "auto_remediated": "false",
    }
    assert connectwise.sla_verdict(ticket).as_dict() == {
        "met": False,
        "response_met": None,
        "plan_met": None,
        "resolution_met": None,
        "response_minutes": 11,
        "plan_minutes": 32,
        "resolution_minutes": 160,
        "waiting_minutes": None,
        "name": "Standard SLA",
    }


def test_a_connectwise_alert_is_proactive_auto_remediated_and_off_the_counted_boards():
    ticket = by_id(fixture("connectwise", "tickets_page1.json"), 48213)
    row = connectwise.ticket_row(ticket, CW_SETTINGS)
    assert (row["priority"], row["source"], row["technician"]) == ("high", "monitoring", "")
    assert (row["requester_external_id"], row["requester_email"]) == ("", "")
    assert (row["escalated"], row["proactive"], row["auto_remediated"]) == ("false", "true", "true")
    assert not connectwise.is_counted(ticket, CW_SETTINGS)
    assert connectwise.is_counted(
        by_id(fixture("connectwise", "tickets_page1.json"), 48211), CW_SETTINGS
    )
    assert (
        connectwise.sla_verdict(fixture("connectwise", "ticket_sla_fields.json")).waiting_minutes
        == 0
    )


def test_a_merged_connectwise_ticket_names_its_parent():
    assert connectwise.merged_into(fixture("connectwise", "ticket_merged_child.json")) == "48211"
    assert connectwise.merged_into(fixture("connectwise", "tickets_page1.json")[0]) == ""


def test_connectwise_companies_contacts_and_members_become_rows():
    contacts = fixture("connectwise", "contacts_page1.json")
    assert connectwise.contact_row(contacts[0]) == {
        "external_id": "52310",
        "client": "19433",
        "name": "Maria Krüger",
        "email": "maria.krueger@sonnenkorn.example",
        "is_active": "true",
    }
    assert connectwise.company_row(fixture("connectwise", "companies_page1.json")[1]) == {
        "external_id": "19501",
        "name": "Kanzlei Hartmann & Partner",
        "is_active": "true",
    }
    member = fixture("connectwise", "members_page1.json")[1]
    assert connectwise.technician_row(member) == {
        "external_id": "179",
        "name": "Lea Fischer",
        "email": "lea.fischer@nordlicht-it.example",
        "role": "",
    }
    retired = {
        **member,
        "inactiveFlag": True,
        "inactiveDate": "2026-09-30T00:00:00Z",
        "hireDate": "2021-04-01T00:00:00Z",
    }
    assert connectwise.technician_row(retired)["leave_date"] == "2026-09-30"
    assert connectwise.technician_row(retired)["hire_date"] == "2021-04-01"


def test_an_autotask_ticket_is_mapped_through_its_picklist_labels():
    ticket = by_id(fixture("autotask", "tickets_page1.json")["items"], 7207)
    assert autotask.ticket_row(ticket, AT_SETTINGS, at_picklists()) == {
        "external_id": "7207",
        "client": "29683190",
        "priority": "critical",  # id 4, "Critical" in this instance
        "opened_at": "2026-10-05T07:30:00+00:00",
        "first_response_at": "2026-10-05T07:41:00+00:00",
        "resolved_at": "2026-10-05T10:10:00+00:00",
        "source": "client",
        "technician": "29682902",
        "title": "Kein Zugriff auf DATEV-Server",
        "requester_external_id": "29684120",
        "escalated": "true",
        "proactive": "false",
        "auto_remediated": "false",
    }
    alert = by_id(fixture("autotask", "tickets_page1.json")["items"], 7212)
    row = autotask.ticket_row(alert, AT_SETTINGS, at_picklists())
    assert (row["priority"], row["source"], row["proactive"]) == ("high", "monitoring", "true")
    assert not autotask.is_counted(alert, AT_SETTINGS, at_picklists())
    # Without the labels an id is passed on, so the importer names what is unmapped.
    assert autotask.ticket_row(alert, AT_SETTINGS)["priority"] == "1"


def test_autotask_sla_results_give_the_verdict_per_stage_in_minutes():
    results = {r["ticketID"]: r for r in fixture("autotask", "sla_results_page1.json")["items"]}
    ticket = by_id(fixture("autotask", "tickets_page1.json")["items"], 7207)
    assert autotask.sla_verdict(results[7207], ticket).as_dict() == {
        "met": False,
        "response_met": True,
        "plan_met": True,
        "resolution_met": False,
        "response_minutes": 11,  # 0.18 h
        "plan_minutes": 32,  # 0.53 h
        "resolution_minutes": 160,  # 2.67 h
        "waiting_minutes": None,
        "name": "Standard SLA",
    }
    assert autotask.sla_verdict(results[7212]).met is True  # from the stages alone
    assert autotask.sla_verdict(None).met is None


def test_autotask_contacts_with_an_integer_active_flag_become_rows():
    contact = {**fixture("autotask", "contacts_page1.json")["items"][0], "isActive": 0}
    assert autotask.contact_row(contact) == {
        "external_id": "29684001",
        "client": "29683174",
        "name": "Maria Krüger",
        "email": "maria.krueger@sonnenkorn.example",
        "is_active": "false",
    }
    resource = fixture("autotask", "resources_page1.json")["items"][0]
    assert autotask.technician_row(resource)["email"] == "jonas.weber@nordlicht-it.example"


def test_a_halo_ticket_becomes_an_import_row_with_its_sla_states():
    ticket = by_id(fixture("halopsa", "tickets_page1.json")["tickets"], 10453)
    assert halopsa.ticket_row(ticket, HALO_SETTINGS) == {
        "external_id": "10453",
        "client": "12",
        "priority": "critical",
        "opened_at": "2026-10-05T07:30:00+00:00",
        "first_response_at": "2026-10-05T07:38:00+00:00",
        "resolved_at": "2026-10-05T09:50:00+00:00",
        "source": "client",
        "technician": "5",
        "title": "Email server unreachable",
        "requester_external_id": "342",
        "requester_email": "a.vogt@hartmann-partner.example",
        "requester_name": "Anna Vogt",
        "escalated": "true",
        "proactive": "false",
        "auto_remediated": "false",
    }
    verdict = halopsa.sla_verdict(ticket)
    assert (verdict.met, verdict.response_met, verdict.resolution_met) == (False, True, False)


def test_halo_dates_without_offset_are_read_in_the_configured_time_zone():
    ticket = by_id(fixture("halopsa", "tickets_page1.json")["tickets"], 10452)
    row = halopsa.ticket_row(ticket, {**HALO_SETTINGS, "time_zone": "Europe/Berlin"})
    assert row["opened_at"] == "2026-10-05T04:12:00+00:00"  # 06:12 CEST
    assert halopsa.ticket_row(ticket, HALO_SETTINGS)["opened_at"] == "2026-10-05T06:12:00+00:00"


def test_a_halo_ticket_that_is_open_has_no_resolution_and_a_user_id_0_no_requester():
    ticket = by_id(fixture("halopsa", "tickets_page1.json")["tickets"], 10454)
    open_ticket = {**ticket, "status_id": 2, "status_name": "In Progress"}
    row = halopsa.ticket_row(open_ticket, HALO_SETTINGS)
    assert row["resolved_at"] == "" and row["requester_external_id"] == ""
    assert row["proactive"] == "true" and row["source"] == "monitoring"
    assert not halopsa.is_counted(ticket, HALO_SETTINGS)
    assert halopsa.sla_verdict({**ticket, "excludefromsla": True}).met is None


def test_a_merged_halo_ticket_names_the_ticket_it_went_into():
    assert halopsa.merged_into(fixture("halopsa", "ticket_merged.json")) == "10452"
    assert halopsa.merged_into(fixture("halopsa", "tickets_page1.json")["tickets"][0]) == ""


def test_halo_clients_users_and_agents_become_rows():
    assert halopsa.contact_row(fixture("halopsa", "users_page1.json")["users"][2]) == {
        "external_id": "410",
        "client": "21",
        "name": "Sofia Moser",
        "email": "s.moser@alpenblick.example",
        "is_active": "true",
    }
    assert halopsa.technician_row(fixture("halopsa", "agents.json")[0])["role"] == "1st Line"
    assert halopsa.company_row({"id": 7, "name": "X", "inactive": True})["is_active"] == "false"


@pytest.mark.parametrize(
    "kind,row",
    [
        (
            "tickets",
            connectwise.ticket_row(fixture("connectwise", "tickets_page1.json")[0], CW_SETTINGS),
        ),
        ("tickets", halopsa.ticket_row(fixture("halopsa", "tickets_page1.json")["tickets"][0], {})),
        ("contacts", connectwise.contact_row(fixture("connectwise", "contacts_page1.json")[0])),
        ("clients", autotask.company_row(fixture("autotask", "companies_page1.json")["items"][0])),
        ("technicians", halopsa.technician_row(fixture("halopsa", "agents.json")[0])),
    ],
)
def test_every_key_of_a_row_is_a_column_the_importer_reads(kind, row):
    header = read_header(kind, list(row), check_required=False)
    assert header.ignored == [] and header.problems == []


def test_the_fields_a_mapping_may_name_are_read_under_the_settings_names():
    cw_ticket = by_id(fixture("connectwise", "tickets_page1.json"), 48212)
    assert connectwise.ticket_fields(cw_ticket) == {
        "board": "Tier 2 Escalations",
        "status": "Closed",
        "team": "Level 2",
        "escalation_level": 0,
        "type": "Incident",
        "subtype": None,
        "item": None,
        "source": "Phone",
        "priority": "Priority 1 - Emergency Response",
    }
    at_ticket = by_id(fixture("autotask", "tickets_page1.json")["items"], 7212)
    fields = autotask.ticket_fields(at_ticket, at_picklists())
    assert (fields["queue"], fields["status"], fields["source"]) == (
        "Monitoring",
        "Complete",
        "Monitoring Alert",
    )
    assert fields["issue_type"] == 14  # no picklist given for it: the id
    halo_ticket = by_id(fixture("halopsa", "tickets_page1.json")["tickets"], 10454)
    fields = halopsa.ticket_fields(halo_ticket, {"source": {"5": "Monitoring"}})
    assert (fields["team"], fields["status"], fields["ticket_type"], fields["source"]) == (
        "Monitoring",
        "Closed",
        "Alert",
        "Monitoring",
    )


def test_an_integrations_mappings_become_the_settings_of_the_normalisers():
    integration = SimpleNamespace(
        kind="connectwise",
        priorities={"critical": ["Priority 1*"], "high": ["priority 2*"], "medium": ["*Normal*"]},
        counted_groups=["Service Desk", "Tier 2*"],
        escalated_field="escalation_level",
        escalated_values=["2", "1"],
        proactive_field="type",
        proactive_values=["Alert"],
        closed_statuses=["Closed"],
        time_zone="Europe/Berlin",
    )
    settings = rows.settings_of(integration)
    assert settings["escalated"] == [{"field": "escalation_level", "at_least": 1}]
    assert settings["counted"] == {"field": "board", "in": ["Service Desk", "Tier 2*"]}
    tickets = fixture("connectwise", "tickets_page1.json")
    assert [connectwise.ticket_row(t, settings)["priority"] for t in tickets] == [
        "medium",
        "critical",
        "high",
    ]
    assert [connectwise.is_counted(t, settings) for t in tickets] == [True, True, False]
    escalated = {**tickets[0], "escalationLevel": 1}
    assert connectwise.ticket_row(escalated, settings)["escalated"] == "true"
    assert connectwise.ticket_row(tickets[0], settings)["escalated"] == "false"
    assert connectwise.ticket_row(tickets[2], settings)["proactive"] == "true"
    bare = rows.settings_of(SimpleNamespace(kind="autotask"))
    assert bare["counted"] is None and bare["escalated"] == [] and bare["time_zone"] == "UTC"


def test_a_verdict_becomes_the_psa_columns_of_the_import_row():
    verdict = connectwise.sla_verdict(fixture("connectwise", "ticket_sla_fields.json"))
    assert verdict.columns() == {
        "psa_sla_met": "false",
        "psa_response_met": "",
        "psa_plan_met": "",
        "psa_resolution_met": "",
        "psa_response_minutes": "11",
        "psa_plan_minutes": "32",
        "psa_resolution_minutes": "160",
        "psa_waiting_minutes": "0",
    }
