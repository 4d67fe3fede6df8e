"""The ready-made column mappings for the ticket exports of ConnectWise Manage (Report
Writer), Autotask (LiveReports) and HaloPSA (a ticket report), each with an example file
in docs/examples/. The column names, values, date formats and time zones rest on the
vendors' documented export columns and on what public integrations record; each choice
and its evidence is in docs/psa-exports.md. A manager starts from one and adjusts it:
value lists (priorities, sources, escalation queues) differ between PSA instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from organisation.models import DataSource

from .mappings import Rule
from .models import ColumnMapping


@dataclass(frozen=True)
class Preset:
    key: str
    # The mapping's name and that of the data source it creates.
    name: str
    source_name: str
    description: object  # a lazy translation
    example: str  # under docs/examples/
    date_order: str
    decimal_separator: str
    time_zone: str
    rules: dict


def _rule(*columns, values=None, other="", split="") -> dict:
    return Rule(columns, values or {}, other, split).to_json()


CONNECTWISE = Preset(
    key="connectwise",
    name="ConnectWise Manage – Report Writer (Service)",
    source_name="ConnectWise Manage",
    description=_(
        "A Report Writer export of the Service report (v_rpt_Service), CSV or Excel. Dates "
        "month/day/year from the _UTC columns, in UTC. Technicians by member identifier "
        "(the first of resource_list); requesters by contact RecID (the report has no "
        "contact e-mail: import the contacts with their RecIDs to link new ones)."
    ),
    example="connectwise-report-writer-tickets.csv",
    date_order="mdy",
    decimal_separator=".",
    time_zone="UTC",
    rules={
        "external_id": _rule("TicketNbr"),
        "client": _rule("company_recid"),
        "title": _rule("Summary"),
        "requester_external_id": _rule("contact_recid"),
        "requester_name": _rule("contact_name"),
        "technician": _rule("resource_list", split=","),
        "priority": _rule(
            "Priority_Description",
            "Urgency",
            values={
                "critical": ["Priority 1*"],
                "high": ["Priority 2*"],
                "medium": ["Priority 3*"],
                "low": ["Priority 4*", "Priority 5*", "Do Not Respond"],
            },
        ),
        # Only the _UTC columns: the plain date_entered and date_closed are in the server's
        # local time, which one mapping's one time zone cannot also read.
        "opened_at": _rule("Date_Entered_UTC"),
        "first_response_at": _rule("Date_Responded_UTC"),
        "resolved_at": _rule("Date_Resolved_UTC", "Date_Closed_UTC"),
        "source": _rule(
            "Source",
            values={
                "monitoring": ["Monitoring*", "RMM*", "Automate*", "Alert*"],
                "automation": ["Automation*", "Script*"],
                "self_service": ["Portal*"],
            },
            other="client",
        ),
        "escalated": _rule("Board_Name", values={"true": ["Tier 2*", "Tier 3*", "*Escalation*"]}),
        "proactive": _rule(
            "ServiceType", values={"true": ["Proactive*", "Preventive*", "*Maintenance*"]}
        ),
        "auto_remediated": _rule("closed_by", values={"true": ["rmm*", "*automate*"]}),
    },
)

AUTOTASK = Preset(
    key="autotask",
    name="Autotask – LiveReports (Tickets)",
    source_name="Autotask",
    description=_(
        "A LiveReport on the Tickets category, CSV or Excel, with the headers listed in "
        "docs/psa-exports.md (LiveReports lets the report's author name the columns). Dates "
        "day.month.year in the MSP's time zone. Technicians by the primary resource's "
        "e-mail; requesters by contact ID, else e-mail."
    ),
    example="autotask-livereport-tickets.csv",
    date_order="dmy",
    decimal_separator=",",
    time_zone=settings.TIME_ZONE,  # the MSP's own zone, as LiveReports print times
    rules={
        "external_id": _rule("Ticket Number", "ticketNumber", "Ticket ID"),
        "client": _rule("Organization ID", "Account ID", "companyID"),
        "title": _rule("Ticket Title", "Title"),
        "requester_external_id": _rule("Contact ID", "contactID"),
        "requester_name": _rule("Contact Name"),
        "requester_email": _rule("Contact Email"),
        "technician_email": _rule("Primary Resource Email", "Resource Email"),
        "priority": _rule(
            "Priority",
            "Ticket Priority",
            values={
                "critical": ["Critical"],
                "high": ["High"],
                "medium": ["Medium"],
                "low": ["Low"],
            },
        ),
        "opened_at": _rule("Created", "Create Date", "Ticket Creation Date", "createDate"),
        "first_response_at": _rule("First Response Date Time", "firstResponseDateTime"),
        "resolved_at": _rule(
            "Resolved Date Time", "resolvedDateTime", "Complete Date", "completedDate"
        ),
        "source": _rule(
            "Source",
            "Ticket Source",
            values={
                "monitoring": ["Monitoring*"],
                "self_service": ["Client Portal", "Web Portal"],
            },
            other="client",
        ),
        "escalated": _rule(
            "Queue", values={"true": ["Level 2*", "Level 3*", "Tier 2*", "Tier 3*", "*Escalat*"]}
        ),
        "proactive": _rule("Issue Type", values={"true": ["Maintenance*", "Proactive*"]}),
        "auto_remediated": _rule(
            "Completed By", values={"true": ["RMM*", "*Datto RMM*", "API User*"]}
        ),
    },
)

HALOPSA = Preset(
    key="halopsa",
    name="HaloPSA – ticket report",
    source_name="HaloPSA",
    description=_(
        "A ticket report (Reporting > Reports) with Halo's usual column aliases, CSV or "
        "Excel. Dates day/month/year in UTC, as Halo's reporting database holds them. "
        "Priority by level number (1 most serious); technicians by the agent's e-mail; "
        "requesters by user ID, else e-mail."
    ),
    example="halopsa-ticket-report.csv",
    date_order="dmy",
    decimal_separator=".",
    time_zone="UTC",
    rules={
        "external_id": _rule("Ticket ID", "faultid"),
        "client": _rule("Client ID", "client_id", "areaint"),
        "title": _rule("Summary", "symptom"),
        "requester_external_id": _rule("User ID", "user_id"),
        "requester_name": _rule("User", "user_name"),
        "requester_email": _rule("User Email", "user_email", "emailaddress"),
        "technician_email": _rule("Agent Email"),
        "priority": _rule(
            "Priority Number",
            "seriousness",
            "Priority",
            values={
                "critical": ["1", "Critical", "P1"],
                "high": ["2", "High", "P2"],
                "medium": ["3", "Medium", "P3"],
                "low": ["4", "5", "6", "Low", "P4", "P5"],
            },
        ),
        "opened_at": _rule("Date Opened", "Date Occurred", "dateoccurred", "dateoccured"),
        "first_response_at": _rule("Date Responded", "responsedate", "fresponsedate"),
        "resolved_at": _rule("Date Resolved", "Date Closed", "dateclosed", "datecleared"),
        "source": _rule(
            "Ticket Source",
            values={
                "monitoring": ["Monitoring*", "Integration*", "Alert*"],
                "automation": ["Automation*"],
                "self_service": ["Portal*", "Web*", "Self Service*"],
            },
            other="client",
        ),
        "escalated": _rule(
            "Team", values={"true": ["2nd Line*", "3rd Line*", "Tier 2*", "*Escalat*"]}
        ),
        "proactive": _rule("Ticket Type", values={"true": ["Proactive*", "Maintenance*"]}),
        "auto_remediated": _rule("Closed By", values={"true": ["Automation*", "*Integration*"]}),
    },
)

PRESETS = {preset.key: preset for preset in (CONNECTWISE, AUTOTASK, HALOPSA)}


def create_mapping(preset: Preset) -> ColumnMapping:
    """A new mapping from ``preset`` in the data source of its PSA's exports (created
    when there is none yet); named with a number when the name is taken."""
    with transaction.atomic():
        files = DataSource.objects.filter(kind=DataSource.Kind.FILE)
        source = files.filter(name=preset.source_name).first()
        if source is None:
            name = unused_source_name(preset.source_name)
            source = files.filter(name=name).first() or DataSource.objects.create(
                name=name, kind=DataSource.Kind.FILE
            )
        taken = set(source.column_mappings.values_list("name", flat=True))
        name, number = preset.name, 2
        while name in taken:
            name, number = f"{preset.name} ({number})", number + 1
        return ColumnMapping.objects.create(
            data_source=source,
            name=name,
            kind="tickets",
            date_order=preset.date_order,
            decimal_separator=preset.decimal_separator,
            time_zone=preset.time_zone,
            rules=preset.rules,
            # Members who are no technicians here (RMM integration users) are common in
            # every PSA's exports; the preview shows them unassigned.
            unknown_technicians_unassigned=True,
            preset=preset.key,
        )


def unused_source_name(name: str) -> str:
    """``name``, or "name (files)" when a source of another kind (a webhook) has it: two
    sources of one name could not be told apart on the pages."""
    others = DataSource.objects.exclude(kind=DataSource.Kind.FILE)
    if not others.filter(name__iexact=name).exists():
        return name
    return f"{name} ({_('files')})"
