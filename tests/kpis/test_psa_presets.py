"""The ready-made ConnectWise, Autotask and HaloPSA mappings (kpis/mapping_presets.py) on
their example files (docs/examples/, docs/psa-exports.md section 5): every stored ticket
field checked by hand against the file, then every KPI page a manager sees for October
2026, with the figures computed by hand from the five tickets of each file.

Default SLA targets (kpis/reference_data.py), first response / resolution in minutes:
critical 15 / 240, high 60 / 480, medium 240 / 1440, low 480 / 4320. A ticket is
measured once it has the event and meets the target when the duration is at most it
(kpis/rollups.py). No client is in onboarding in October 2026 (contract starts
2023-07-01, 2024-03-01, 2025-02-01, all more than 90 days before), and none is judged
against its threshold (5 tickets, fewer than the 20 the default settings require).

Where the presets and docs/psa-exports.md disagree, the expected values follow the
presets' explicit rules: portal tickets are self_service ("Portal*", "Client Portal"),
where the doc's mapping tables (1.5, 2.5, 3.5) and section 5 say client; and
T20261007.0004 is proactive by its "Issue Type" Maintenance, a column the example file
has and section 5.2's copy of it lacks ("proactive only if the manager adds a rule").
"""

import csv
import datetime
import html
import io
import re
from dataclasses import dataclass, fields
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from core.periods import Period
from insights import evidence
from kpis import metrics, thresholds
from kpis.importing import import_csv
from kpis.mapping_presets import PRESETS, create_mapping
from kpis.mappings import Mapping
from kpis.models import Ticket, TicketDailyRollup
from kpis.models.tickets import PSA_SLA_FIELDS
from organisation.models import CSV_SOURCE_ID, Client, Contact, Technician

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=datetime.UTC)
OCTOBER = {"period": "custom", "start": "2026-10-01", "end": "2026-10-31"}
UTC = datetime.UTC


def utc(day: int, hour: int, minute: int) -> datetime.datetime:
    """A moment of October 2026 in UTC."""
    return datetime.datetime(2026, 10, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@dataclass(frozen=True)
class Stored:
    """A ticket as stored, in terms of the example files."""

    external_id: str
    client: str  # the client's external id
    title: str
    priority: str
    source: str
    escalated: bool
    proactive: bool
    auto_remediated: bool
    technician: str | None  # the technician's external id (technicians.csv)
    requester: tuple[str, str, str] | None  # (external id, name, e-mail)
    requester_created: bool  # created by the ticket import, in the PSA's data source
    opened_at: datetime.datetime
    first_response_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    first_response_seconds: int | None
    resolution_seconds: int | None
    opened_on: datetime.date  # the local day in Europe/Berlin
    # No preset maps a column to it: never set.
    escalated_at: datetime.datetime | None = None
    # The PSA's SLA verdict: no preset's file carries one.
    psa_sla_met: bool | None = None
    psa_response_met: bool | None = None
    psa_plan_met: bool | None = None
    psa_resolution_met: bool | None = None
    psa_response_minutes: int | None = None
    psa_plan_minutes: int | None = None
    psa_resolution_minutes: int | None = None
    psa_waiting_minutes: int | None = None


def stored(ticket: Ticket) -> Stored:
    requester = ticket.requester
    return Stored(
        external_id=ticket.external_id,
        client=ticket.client.external_id,
        title=ticket.title,
        priority=ticket.priority,
        source=ticket.source,
        escalated=ticket.escalated,
        proactive=ticket.proactive,
        auto_remediated=ticket.auto_remediated,
        technician=ticket.technician.external_id if ticket.technician else None,
        requester=(requester.external_id, requester.name, requester.email) if requester else None,
        requester_created=bool(requester and requester.data_source_id == ticket.data_source_id),
        opened_at=ticket.opened_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        first_response_seconds=ticket.first_response_seconds,
        resolution_seconds=ticket.resolution_seconds,
        opened_on=ticket.opened_on,
        escalated_at=ticket.escalated_at,
        **{name: getattr(ticket, name) for name in PSA_SLA_FIELDS},
    )


OCT = datetime.date(2026, 10, 1)


def day(n: int) -> datetime.date:
    return OCT.replace(day=n)


# --- ConnectWise: Report Writer "Service", month/day/year, 12-hour clock, UTC ----------
# Technician: the first of resource_list; "rmm-automate" is no technician (unassigned).
# Requesters by contact_recid among connectwise-contacts.csv (CSV source): none created.
CONNECTWISE_TICKETS = [
    Stored(
        "48211",
        "19433",
        "Outlook prompts for password after update",
        "medium",  # "Priority 3 - Normal Response" matches "Priority 3*"
        "client",  # Email: no pattern, other = client
        False,  # board "Service Desk"
        False,  # ServiceType "Incident"
        False,  # closed_by "jweber"
        "jweber",
        ("52310", "Maria Krüger", "maria.krueger@sonnenkorn.example"),
        False,
        utc(5, 6, 12),  # 10/5/2026 6:12 AM UTC
        utc(5, 6, 40),  # 6:40 AM
        utc(5, 11, 5),  # Date_Resolved_UTC 11:05 AM (not Date_Closed_UTC 11:20)
        28 * 60,  # 06:12 -> 06:40
        293 * 60,  # 06:12 -> 11:05 = 4 h 53 min
        day(5),  # 08:12 in Berlin (CEST, UTC+2)
    ),
    Stored(
        "48212",
        "19501",
        "Firewall WAN link down at main office",
        "critical",  # "Priority 1 - Emergency Response"
        "client",  # Phone
        True,  # board "Tier 2 Escalations" matches "Tier 2*"
        False,
        False,  # closed_by "lfischer"
        "lfischer",  # "lfischer, mdemir": the first
        ("52877", "Thomas Hartmann", "t.hartmann@hartmann-partner.example"),
        False,
        utc(5, 7, 30),
        utc(5, 7, 41),
        utc(5, 10, 10),
        11 * 60,  # 07:30 -> 07:41
        160 * 60,  # 07:30 -> 10:10 = 2 h 40 min
        day(5),
    ),
    Stored(
        "48213",
        "19588",
        "Disk C: below 10% on HOTEL-SRV01",
        "high",  # "Priority 2 - Quick Response"
        "monitoring",  # Source "Monitoring" matches "Monitoring*"
        False,  # board "Alerts"
        False,  # ServiceType "Alert"
        True,  # closed_by "rmm-automate" matches "rmm*"
        None,  # "rmm-automate" is not in technicians.csv
        None,  # no contact_recid
        False,
        utc(6, 1, 2),  # 10/6/2026 1:02 AM UTC
        utc(6, 1, 2),
        utc(6, 1, 9),
        0,
        7 * 60,  # 01:02 -> 01:09
        day(6),  # 03:02 in Berlin
    ),
    Stored(
        "48214",
        "19433",
        "Quarterly patch review (proactive)",
        "low",  # "Priority 4 - Schedule Maintenance"
        "client",  # Phone
        False,
        True,  # ServiceType "Proactive Maintenance" matches "Proactive*"
        False,  # closed_by empty
        "mdemir",
        ("52311", "Jan Becker", "jan.becker@sonnenkorn.example"),
        False,
        utc(7, 14, 0),  # 10/7/2026 2:00 PM UTC
        utc(7, 14, 25),
        None,
        25 * 60,
        None,
        day(7),
    ),
    Stored(
        "48215",
        "19588",
        "New employee account for reception",
        "medium",  # "Priority 3 - Normal Response"
        "self_service",  # "Portal" matches "Portal*"
        False,
        False,  # "Service Request"
        False,
        "jweber",
        ("53002", "Sofia Moser", "s.moser@alpenblick.example"),
        False,
        utc(8, 8, 45),
        None,
        None,
        None,
        None,
        day(8),
    ),
]

# --- Autotask: LiveReport, day.month.year 24-hour clock, Europe/Berlin (CEST = UTC+2) --
# Technician by "Primary Resource Email" ("RMM, Datto" has none: unassigned). No contacts
# file: each requester is created from Contact ID, Name and Email in the Autotask source.
AUTOTASK_TICKETS = [
    Stored(
        "T20261005.0001",
        "29683174",
        "Drucker im Büro druckt nicht",
        "medium",
        "client",  # Email
        False,  # queue "Service Desk"
        False,  # issue type "Hardware"
        False,  # completed by "Weber, Jonas"
        "jweber",  # jonas.weber@nordlicht-it.example
        ("29684001", "Maria Krüger", "maria.krueger@sonnenkorn.example"),
        True,
        utc(5, 6, 12),  # 05.10.2026 08:12 CEST
        utc(5, 6, 40),  # 08:40 CEST
        utc(5, 11, 5),  # Resolved Date Time 13:05 CEST (not Complete Date 13:06)
        28 * 60,
        293 * 60,  # 08:12 -> 13:05
        day(5),
    ),
    Stored(
        "T20261005.0007",
        "29683190",
        "Kein Zugriff auf DATEV-Server",
        "critical",
        "client",  # Phone
        True,  # queue "Level 2" matches "Level 2*"
        False,  # "Server"
        False,
        "lfischer",  # lea.fischer@nordlicht-it.example
        ("29684120", "Thomas Hartmann", "t.hartmann@hartmann-partner.example"),
        True,
        utc(5, 7, 30),  # 09:30 CEST
        utc(5, 7, 41),  # 09:41 CEST
        utc(5, 10, 10),  # 12:10 CEST
        11 * 60,
        160 * 60,
        day(5),
    ),
    Stored(
        "T20261006.0002",
        "29683201",
        "Backup job failed on HOTEL-NAS",
        "high",
        "monitoring",  # "Monitoring Alert" matches "Monitoring*"
        False,  # queue "Monitoring"
        False,  # "Backup"
        True,  # completed by "RMM, Datto" matches "RMM*"
        None,  # no resource e-mail
        None,  # no contact
        False,
        utc(6, 1, 2),  # 06.10.2026 03:02 CEST
        utc(6, 1, 2),
        utc(6, 1, 15),  # 03:15 CEST
        0,
        13 * 60,
        day(6),
    ),
    Stored(
        "T20261007.0004",
        "29683174",
        "Firmware-Update Firewall (geplant)",
        "low",
        "client",  # "Insourced": no pattern, other = client
        False,
        True,  # issue type "Maintenance" matches "Maintenance*"
        False,
        "mdemir",
        ("29684002", "Jan Becker", "jan.becker@sonnenkorn.example"),
        True,
        utc(7, 12, 0),  # 07.10.2026 14:00 CEST
        utc(7, 12, 25),  # 14:25 CEST
        None,
        25 * 60,
        None,
        day(7),
    ),
    Stored(
        "T20261008.0003",
        "29683201",
        "Neuer Mitarbeiter an der Rezeption",
        "medium",
        "self_service",  # "Client Portal"
        False,
        False,  # "User Management"
        False,
        "jweber",
        ("29684230", "Sofia Moser", "s.moser@alpenblick.example"),
        True,
        utc(8, 8, 45),  # 08.10.2026 10:45 CEST
        None,
        None,
        None,
        None,
        day(8),
    ),
]

# --- HaloPSA: ticket report, day/month/year 24-hour clock, UTC --------------------------
# Priority by "Priority Number"; technician by "Agent Email"; requesters created from
# User ID, User and User Email in the HaloPSA source.
HALOPSA_TICKETS = [
    Stored(
        "10452",
        "12",
        "VPN connection drops every hour",
        "high",  # Priority Number 2
        "client",  # Email
        False,  # team "1st Line"
        False,  # "Incident"
        False,  # closed by "Lea Fischer"
        "lfischer",
        ("341", "Thomas Hartmann", "t.hartmann@hartmann-partner.example"),
        True,
        utc(5, 6, 12),  # 05/10/2026 06:12 UTC
        utc(5, 6, 30),
        utc(5, 9, 5),
        18 * 60,
        173 * 60,  # 06:12 -> 09:05 = 2 h 53 min
        day(5),
    ),
    Stored(
        "10453",
        "12",
        "Email server unreachable",
        "critical",  # 1
        "client",  # Phone
        True,  # team "2nd Line" matches "2nd Line*"
        False,
        False,  # closed by "Mehmet Demir"
        "mdemir",
        ("342", "Anna Vogt", "a.vogt@hartmann-partner.example"),
        True,
        utc(5, 7, 30),
        utc(5, 7, 38),
        utc(5, 9, 50),
        8 * 60,
        140 * 60,  # 07:30 -> 09:50
        day(5),
    ),
    Stored(
        "10454",
        "7",
        "CPU above 95% on SONNENKORN-DC1",
        "medium",  # 3
        "monitoring",  # "Integration" matches "Integration*"
        False,  # team "Monitoring"
        False,  # "Alert"
        True,  # closed by "Automation Agent" matches "Automation*"
        None,  # no agent e-mail
        None,  # no user
        False,
        utc(6, 1, 2),
        utc(6, 1, 2),
        utc(6, 1, 6),
        0,
        4 * 60,
        day(6),  # 03:02 in Berlin
    ),
    Stored(
        "10455",
        "21",
        "Monthly health check",
        "low",  # 4
        "client",  # "Agent": other = client
        False,
        True,  # ticket type "Proactive"
        False,
        "jweber",
        ("410", "Sofia Moser", "s.moser@alpenblick.example"),
        True,
        utc(7, 12, 0),
        utc(7, 12, 20),
        None,
        20 * 60,
        None,
        day(7),  # 14:00 in Berlin
    ),
    Stored(
        "10456",
        "21",
        "Password reset for guest Wi-Fi admin",
        "medium",  # 3
        "self_service",  # "Portal" matches "Portal*"
        False,
        False,  # "Service Request"
        False,
        "jweber",
        ("411", "Lukas Gruber", "l.gruber@alpenblick.example"),
        True,
        utc(8, 8, 45),
        None,
        None,
        None,
        None,
        day(8),
    ),
]


@dataclass(frozen=True)
class ClientFigures:
    """A client's October figures on its page and in the escalation table."""

    name: str
    tickets: int
    escalated: int
    escalation_share: float
    sla_overall: float | None  # met / measured, first response and resolution together
    sla_measured: int
    proactive_share: float
    auto_remediated_share: float


SONNENKORN, HARTMANN, ALPENBLICK = (
    "Bäckerei Sonnenkorn GmbH",
    "Kanzlei Hartmann & Partner",
    "Alpenblick Hotel AG",
)


@dataclass(frozen=True)
class Case:
    preset: str
    clients_file: str
    contacts_file: str | None
    tickets: list[Stored]
    # {client external id: figures}
    clients: dict[str, ClientFigures]
    # {priority: (median first response, median resolution) in seconds}
    medians: dict[str, tuple[int | None, int | None]]
    # The ticket file's date columns and their text format, for a typed workbook.
    date_columns: tuple[str, ...]
    date_format: str


CASES = {
    "connectwise": Case(
        "connectwise",
        "connectwise-clients.csv",
        "connectwise-contacts.csv",
        CONNECTWISE_TICKETS,
        {
            # 48211, 48214: none escalated; FR 28 <= 240, 25 <= 480 min; resolution
            # 293 <= 1440 (48214 open): 3 of 3 met; 48214 proactive.
            "19433": ClientFigures(SONNENKORN, 2, 0, 0.0, 1.0, 3, 1 / 2, 0.0),
            # 48212 escalated; FR 11 <= 15, resolution 160 <= 240: 2 of 2.
            "19501": ClientFigures(HARTMANN, 1, 1, 1.0, 1.0, 2, 0.0, 0.0),
            # 48213, 48215: FR 0 <= 60, resolution 7 <= 480 (48215 unanswered): 2 of 2;
            # 48213 auto-remediated.
            "19588": ClientFigures(ALPENBLICK, 2, 0, 0.0, 1.0, 2, 0.0, 1 / 2),
        },
        {
            # One measured ticket per priority, so the median is its duration.
            "critical": (11 * 60, 160 * 60),  # 48212
            "high": (0, 7 * 60),  # 48213
            "medium": (28 * 60, 293 * 60),  # 48211 (48215 not measured)
            "low": (25 * 60, None),  # 48214, open
        },
        ("Date_Entered_UTC", "Date_Responded_UTC", "Date_Resolved_UTC", "Date_Closed_UTC"),
        "%m/%d/%Y %I:%M %p",
    ),
    "autotask": Case(
        "autotask",
        "autotask-clients.csv",
        None,
        AUTOTASK_TICKETS,
        {
            # .0001, .0004: FR 28, 25; resolution 293: 3 of 3; .0004 proactive.
            "29683174": ClientFigures(SONNENKORN, 2, 0, 0.0, 1.0, 3, 1 / 2, 0.0),
            # .0007 escalated; FR 11 <= 15, resolution 160 <= 240.
            "29683190": ClientFigures(HARTMANN, 1, 1, 1.0, 1.0, 2, 0.0, 0.0),
            # .0002, .0003: FR 0 <= 60, resolution 13 <= 480; .0002 auto-remediated.
            "29683201": ClientFigures(ALPENBLICK, 2, 0, 0.0, 1.0, 2, 0.0, 1 / 2),
        },
        {
            "critical": (11 * 60, 160 * 60),  # .0007
            "high": (0, 13 * 60),  # .0002
            "medium": (28 * 60, 293 * 60),  # .0001 (.0003 not measured)
            "low": (25 * 60, None),  # .0004
        },
        ("Created", "First Response Date Time", "Resolved Date Time", "Complete Date"),
        "%d.%m.%Y %H:%M",
    ),
    "halopsa": Case(
        "halopsa",
        "halopsa-clients.csv",
        None,
        HALOPSA_TICKETS,
        {
            # 10454: FR 0 <= 240, resolution 4 <= 1440; auto-remediated.
            "7": ClientFigures(SONNENKORN, 1, 0, 0.0, 1.0, 2, 0.0, 1.0),
            # 10452, 10453 (escalated): FR 18 <= 60, 8 <= 15; resolution 173 <= 480,
            # 140 <= 240: 4 of 4.
            "12": ClientFigures(HARTMANN, 2, 1, 1 / 2, 1.0, 4, 0.0, 0.0),
            # 10455 (proactive), 10456: FR 20 <= 480, no resolution: 1 of 1.
            "21": ClientFigures(ALPENBLICK, 2, 0, 0.0, 1.0, 1, 1 / 2, 0.0),
        },
        {
            "critical": (8 * 60, 140 * 60),  # 10453
            "high": (18 * 60, 173 * 60),  # 10452
            "medium": (0, 4 * 60),  # 10454 (10456 not measured)
            "low": (20 * 60, None),  # 10455
        },
        ("Date Opened", "Date Responded", "Date Resolved"),
        "%d/%m/%Y %H:%M",
    ),
}


# --- Importing -------------------------------------------------------------------------


def import_file(kind: str, name: str, **options):
    with (EXAMPLES / name).open("rb") as binary:
        return import_csv(kind, binary, **options)


def import_organisation(case: Case) -> None:
    """technicians.csv, the PSA's clients (and contacts) into the CSV source."""
    assert import_file("technicians", "technicians.csv").created == 3
    assert import_file("clients", case.clients_file).created == 3
    if case.contacts_file:
        assert import_file("contacts", case.contacts_file).created == 4


def import_tickets(column_mapping, binary):
    return import_csv(
        "tickets",
        binary,
        data_source_id=column_mapping.data_source_id,
        mapping=Mapping.of(column_mapping),
    )


def stored_tickets(column_mapping) -> list[Stored]:
    tickets = Ticket.objects.filter(data_source_id=column_mapping.data_source_id)
    return [
        stored(t)
        for t in tickets.select_related("client", "requester", "technician").order_by("opened_at")
    ]


# --- Pages -----------------------------------------------------------------------------


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# The ticket tables' first cell holds the number, the title and the requester (if any).
TICKET_CELL = re.compile(
    r'<span class="font-monospace[^"]*">(.*?)</span><div>(.*?)</div>'
    r'(?:<div class="text-body-secondary"><span class="visually-hidden">[^<]*</span>(.*?)</div>)?',
    re.DOTALL,
)


def cells(html_text: str, row_marker: str = 'data-testid="ticket-row"') -> list[list[str]]:
    """The text of every cell of the ticket table rows, tags stripped; a ticket table's
    first cell as three: number, title, requester ("—" without one)."""
    rows = []
    for chunk in html_text.split(f"<tr {row_marker}>" if row_marker else "<tr>")[1:]:
        row = chunk.split("</tr>")[0]
        texts = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        if row_marker and texts and (parts := TICKET_CELL.fullmatch(texts[0])):
            number, title, requester = parts.groups()
            head = [_text(number), _text(title), _text(requester) if requester else "—"]
            rows.append(head + [_text(text) for text in texts[1:]])
        else:
            rows.append([_text(text) for text in texts])
    return rows


def get(client, name: str, *args, query=OCTOBER):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, name
    return response, response.content.decode()


def tile(response, key: str) -> dict:
    return next(t for t in response.context["tiles"] if t["key"] == key)


def check_pages(manager_client, case: Case) -> None:
    """Every KPI page for October 2026 against the figures computed by hand.

    The five tickets of each file give the same totals (per file: tickets | escalated |
    proactive | auto-remediated | monitoring | self-service):
      ConnectWise: 48211..48215 | 48212 | 48214 | 48213 | 48213 | 48215
      Autotask:    .0001 .0007 .0002 .0004 .0003 | .0007 | .0004 | .0002 | .0002 | .0003
      HaloPSA:     10452..10456 | 10453 | 10455 | 10454 | 10454 | 10456
    so 5 tickets, 1 escalated (20 %), 1 proactive (20 %), 1 auto-remediated (20 %), 1 from
    monitoring and none from automation (20 %), 1 self-service (20 %). SLA: one ticket per
    priority has a first response and one each of critical, high and medium a resolution,
    all within target (see the Stored comments): first response 4 of 4, resolution 3 of 3,
    overall 7 of 7 = 100 %. September (the period before) has no tickets: "—".
    """
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # Dashboard tiles.
    response, body = get(manager_client, "insights:dashboard")
    assert tile(response, "escalation")["value"] == "20.0 %"  # 1 / 5
    assert tile(response, "escalation")["hint"] == "1 of 5 tickets"
    assert tile(response, "proactive")["value"] == "20.0 %"  # 1 / 5
    assert tile(response, "sla")["value"] == "100.0 %"  # 7 / 7
    # technicians.csv: three hired in 2021 to 2023, nobody left: 0 / 3.
    assert tile(response, "turnover")["value"] == "0.0 %"
    for key in ("csat", "nps", "ces", "pulse", "maturity"):  # no surveys, no assessment
        assert tile(response, key)["value"] == "—", key
    assert 'data-testid="tile-escalation"' in body
    # The product's English dates: day, month name, year (msp_maturity/formats/en).
    assert "Period: 1 Oct 2026 – 31 Oct 2026" in body

    # Escalations: all clients past their first 90 days, so every ticket is ongoing.
    response, body = get(manager_client, "insights:escalations")
    report = response.context["report"]
    summary = report["summary"]
    assert (summary["tickets"], summary["escalated"], summary["share"]) == (5, 1, 0.2)
    assert (summary["onboarding_tickets"], summary["onboarding_share"]) == (0, None)
    assert (summary["ongoing_tickets"], summary["ongoing_escalated"]) == (5, 1)
    assert summary["ongoing_share"] == 0.2
    assert report["previous"]["share"] is None
    assert 'data-testid="escalation-share">20.0 %</div>' in body
    assert "1 of 5 tickets escalated" in body
    # By share, highest first, equal shares by name; 5 tickets < 20: not judged.
    by_id = {c.pk: c.external_id for c in Client.objects.all()}
    rows = [
        (
            by_id[r["state"].client_id],
            r["state"].name,
            r["state"].tickets,
            r["state"].escalated,
            r["state"].share,
            r["state"].state,
            r["ongoing_share"],
            r["onboarding_share"],
        )
        for r in report["rows"]
    ]
    expected_rows = sorted(
        (
            (key, f.name, f.tickets, f.escalated, f.escalation_share, "not_judged")
            + (f.escalation_share, None)
            for key, f in case.clients.items()
        ),
        key=lambda row: (-row[4], row[1]),
    )
    assert rows == expected_rows
    assert [row[1] for row in rows] == [HARTMANN, ALPENBLICK, SONNENKORN]
    # The table as shown: client, tickets, escalated, share, threshold (the default
    # 10 %), state, early support, ongoing.
    table = body.split('data-testid="escalation-clients"')[1].split("</tbody>")[0]
    shown = cells(table.split("<tbody>")[1], "")
    assert shown == [
        [name, str(t), str(e), f"{share * 100:.1f} %", "10.0 %", "Not judged", "—"]
        + [f"{share * 100:.1f} %"]
        for _key, name, t, e, share, *_rest in expected_rows
    ]
    # Weeks of the period (Mondays): all five tickets (5 to 8 October) in the week of 5 Oct.
    weekly = {row["start"]: (row["tickets"], row["escalated"]) for row in report["weekly"]}
    assert weekly == {
        datetime.date(2026, 9, 28): (0, 0),
        datetime.date(2026, 10, 5): (5, 1),
        datetime.date(2026, 10, 12): (0, 0),
        datetime.date(2026, 10, 19): (0, 0),
        datetime.date(2026, 10, 26): (0, 0),
    }

    # Proactive IT.
    response, body = get(manager_client, "insights:proactive")
    report = response.context["report"]
    assert report["summary"] == {
        "tickets": 5,
        "proactive": 1,
        "proactive_share": 0.2,
        "monitoring_automation_share": 0.2,  # (1 monitoring + 0 automation) / 5
        "auto_remediated_share": 0.2,
        "self_service_share": 0.2,
    }
    assert report["previous"]["proactive_share"] is None
    [october] = report["monthly"]
    assert (october["start"], october["tickets"], october["proactive_share"]) == (OCT, 5, 0.2)
    assert "1 of 5 tickets" in body
    assert body.count("20.0 %") >= 4 + 4  # four cards, four cells of the October row

    # SLA attainment.
    response, body = get(manager_client, "insights:sla")
    report = response.context["report"]
    summary = report["summary"]
    assert (summary["first_response"], summary["resolution"]) == (1.0, 1.0)  # 4/4, 3/3
    assert (summary["overall"], summary["measured"]) == (1.0, 7)
    assert report["previous"]["overall"] is None
    per_priority = {
        row["priority"]: (
            row["target"].first_response_minutes,
            row["target"].resolution_minutes,
            row["first_response"],
            row["first_response_measured"],
            row["resolution"],
            row["resolution_measured"],
        )
        for row in report["rows"]
    }
    assert per_priority == {
        "critical": (15, 240, 1.0, 1, 1.0, 1),
        "high": (60, 480, 1.0, 1, 1.0, 1),
        "medium": (240, 1440, 1.0, 1, 1.0, 1),  # the open medium ticket is not measured
        "low": (480, 4320, 1.0, 1, None, 0),  # the low ticket is not resolved yet
    }
    assert 'data-testid="sla-overall">100.0 %</div>' in body

    # Satisfaction in onboarding: no survey answers; every client with tickets is listed
    # with its early-support escalations, of which there are none (all ongoing).
    response, _body = get(manager_client, "insights:satisfaction")
    rows = response.context["report"]["rows"]
    assert sorted(
        (
            r["client"].external_id,
            r["survey"],
            r["escalation"]["onboarding_tickets"],
            r["escalation"]["onboarding_share"],
            r["escalation"]["ongoing_tickets"],
        )
        for r in rows
    ) == sorted((key, {}, 0, None, f.tickets) for key, f in case.clients.items())

    # Alerts: the month's check judges no client (5 tickets < 20), so none is raised,
    # not even for the client with every ticket escalated.
    assert thresholds.record_alerts() == []
    response, _body = get(manager_client, "insights:alerts", query={"show": "all"})
    assert response.context["page"].paginator.count == 0

    # Turnover: three technicians, none left, over the last eight quarters.
    response, _body = get(manager_client, "insights:turnover", query={})
    quarters = response.context["report"]["quarters"]
    assert [q["label"] for q in quarters] == [
        *(f"2025 Q{n}" for n in range(1, 5)),
        *(f"2026 Q{n}" for n in range(1, 5)),
    ]
    for quarter in quarters:
        assert (quarter["headcount_start"], quarter["headcount_end"]) == (3, 3)
        assert (quarter["leavers"], quarter["rate"]) == (0, 0.0)

    # Each client's page: its figures, its tickets with titles and requesters.
    tickets_of = {}
    for ticket in case.tickets:
        tickets_of.setdefault(ticket.client, []).append(ticket)
    names = dict(Technician.objects.values_list("external_id", "name"))
    for key, figures in case.clients.items():
        client = Client.objects.get(data_source_id=CSV_SOURCE_ID, external_id=key)
        response, body = get(manager_client, "insights:client_detail", client.pk)
        context = response.context
        summary = context["summary"]
        assert (summary["tickets"], summary["escalated"]) == (figures.tickets, figures.escalated)
        assert summary["share"] == figures.escalation_share, key
        assert context["state"].state == "not_judged"
        assert context["sla"]["overall"] == figures.sla_overall, key
        assert context["sla"]["measured"] == figures.sla_measured, key
        assert context["proactive"]["proactive_share"] == figures.proactive_share, key
        assert context["proactive"]["auto_remediated_share"] == figures.auto_remediated_share
        assert f"{figures.escalated} of {figures.tickets} tickets" in body
        newest_first = sorted(tickets_of[key], key=lambda t: t.opened_at, reverse=True)
        assert [t.external_id for t in context["recent"]] == [t.external_id for t in newest_first]
        escalated = [t.external_id for t in newest_first if t.escalated]
        assert [t.external_id for t in context["escalated"]] == escalated
        # Recent tickets, then the escalated ones: ticket, title, requester, ..., technician.
        shown = cells(body)
        assert [row[0] for row in shown] == [t.external_id for t in newest_first] + escalated
        for row, ticket in zip(shown, newest_first, strict=False):
            assert row[0] == ticket.external_id
            assert row[1] == ticket.title
            assert row[2] == (ticket.requester[1] if ticket.requester else "—")
            assert row[-1] == (names[ticket.technician] if ticket.technician else "—")
        # The client's contacts: those imported and those the tickets created.
        contact_list = body.split('data-testid="client-contacts"')[1].split("</ul>")[0]
        for ticket in tickets_of[key]:
            if ticket.requester:
                assert ticket.requester[1] in contact_list
                assert ticket.requester[2] in contact_list

    # The ticket list: every ticket, newest first, with title, client and requester.
    response, body = get(manager_client, "insights:ticket_list", query={})
    assert response.context["page"].paginator.count == 5
    assert "5 tickets" in body
    newest_first = sorted(case.tickets, key=lambda t: t.opened_at, reverse=True)
    shown = cells(body)
    assert [row[0] for row in shown] == [t.external_id for t in newest_first]
    for row, ticket in zip(shown, newest_first, strict=True):
        client_name = case.clients[ticket.client].name
        assert row[1:4] == [
            ticket.title,
            ticket.requester[1] if ticket.requester else "—",
            client_name,
        ]
        assert row[-1] == (names[ticket.technician] if ticket.technician else "—")
    # Opened, in the page's time zone (Europe/Berlin): the first opened at 06:12 UTC.
    assert shown[-1][5] == "5 Oct 2026, 08:12"


def check_medians(case: Case) -> None:
    """The median support times per priority the self-assessment shows as evidence (the
    90 days up to 20 October 2026), and the evidence sentences."""
    period = Period.through(datetime.date(2026, 7, 23), datetime.date(2026, 10, 20))
    rows = evidence.support_time_medians(period, metrics.totals(period))
    assert {row["priority"]: (row["first_response"], row["resolution"]) for row in rows} == (
        case.medians
    )
    found = evidence.evidence_for_statements(datetime.date(2026, 10, 20))
    # Seven medians (four first responses, three resolutions), each within its target.
    assert found["support_times_benchmarks"]["value"] == (
        "7 of 7 medians within target (first response and resolution per priority)"
    )
    assert found["sla_targets_met"]["value"] == "100.0 % of 7 measurements within target"
    assert found["proactive_resolution"]["value"] == "20.0 % of 5 tickets"


# --- Tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(CASES))
def test_a_preset_imports_its_example_and_every_page_shows_the_figures(manager_client, key):
    case = CASES[key]
    import_organisation(case)
    contacts_before = Contact.objects.count()
    column_mapping = create_mapping(PRESETS[key])
    assert column_mapping.data_source_id != CSV_SOURCE_ID

    with (EXAMPLES / PRESETS[key].example).open("rb") as binary:
        result = import_tickets(column_mapping, binary)

    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.without_requester == 0  # the one ticket without a requester names none
    assert stored_tickets(column_mapping) == case.tickets
    created = [t.requester for t in case.tickets if t.requester_created]
    assert Contact.objects.count() == contacts_before + len(created)
    assert set(
        Contact.objects.filter(data_source_id=column_mapping.data_source_id).values_list(
            "external_id", "name", "email"
        )
    ) == set(created)
    # The import refreshed the rollups: one row per client and day with tickets.
    assert TicketDailyRollup.objects.count() == len({(t.client, t.opened_on) for t in case.tickets})

    check_pages(manager_client, case)
    check_medians(case)


def test_the_three_sources_tickets_live_side_by_side(db):
    technicians = import_file("technicians", "technicians.csv")
    assert technicians.created == 3
    for case in CASES.values():  # distinct client ids per PSA: all in the CSV source
        assert import_file("clients", case.clients_file).created == 3
    assert import_file("contacts", "connectwise-contacts.csv").created == 4
    mappings = {key: create_mapping(PRESETS[key]) for key in CASES}
    for key, column_mapping in mappings.items():
        with (EXAMPLES / PRESETS[key].example).open("rb") as binary:
            assert import_tickets(column_mapping, binary).created == 5

    assert len({m.data_source_id for m in mappings.values()}) == 3
    for key, column_mapping in mappings.items():
        assert stored_tickets(column_mapping) == CASES[key].tickets, key
    assert Ticket.objects.count() == 15
    # Autotask and HaloPSA each created four requesters; ConnectWise's four are imported.
    assert Contact.objects.count() == 4 + 4 + 4
    october = metrics.totals(Period.through(OCT, datetime.date(2026, 10, 31)))
    assert (october["tickets"], october["escalated"]) == (15, 3)  # one per file
    # Medians over the three files: three measured tickets per priority (one per file,
    # ConnectWise, Autotask, HaloPSA), the middle one of the sorted durations.
    period = Period.through(datetime.date(2026, 7, 23), datetime.date(2026, 10, 20))
    rows = evidence.support_time_medians(period, metrics.totals(period))
    assert {row["priority"]: (row["first_response"], row["resolution"]) for row in rows} == {
        # FR 11, 11, 8 min -> 8, 11, 11; resolution 160, 160, 140 min -> 140, 160, 160
        "critical": (11 * 60, 160 * 60),
        # FR 0, 0, 18 min -> 0; resolution 7, 13, 173 min -> 13
        "high": (0, 13 * 60),
        # FR 28, 28, 0 min -> 28; resolution 293, 293, 4 min -> 293
        "medium": (28 * 60, 293 * 60),
        # FR 25, 25, 20 min -> 25; none resolved
        "low": (25 * 60, None),
    }

    before = (
        sorted(Ticket.objects.values_list(*[f.attname for f in Ticket._meta.concrete_fields])),
        sorted(Contact.objects.values_list("pk", "external_id", "name", "email", "client_id")),
        sorted(TicketDailyRollup.objects.values_list("client_id", "day", "tickets", "escalated")),
    )
    for key, column_mapping in mappings.items():
        with (EXAMPLES / PRESETS[key].example).open("rb") as binary:
            again = import_tickets(column_mapping, binary)
        assert (again.rows, again.unchanged, again.created, again.updated) == (5, 5, 0, 0), key
        assert (again.moved, again.without_requester) == (0, 0), key
    after = (
        sorted(Ticket.objects.values_list(*[f.attname for f in Ticket._meta.concrete_fields])),
        sorted(Contact.objects.values_list("pk", "external_id", "name", "email", "client_id")),
        sorted(TicketDailyRollup.objects.values_list("client_id", "day", "tickets", "escalated")),
    )
    assert after == before


def example_workbook(case: Case, typed_dates: bool) -> io.BytesIO:
    """The ticket example as an export's workbook: text cells (empty ones left blank), or
    with the date columns as typed date-time cells (local time of the export, naive)."""
    with (EXAMPLES / PRESETS[case.preset].example).open(encoding="utf-8", newline="") as text:
        rows = list(csv.reader(text))
    header = rows[0]
    dated = {header.index(name) for name in case.date_columns}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Tickets")
    sheet.append(header)
    for row in rows[1:]:
        values = []
        for index, value in enumerate(row):
            if not value:
                values.append(None)
            elif typed_dates and index in dated:
                values.append(datetime.datetime.strptime(value, case.date_format))
            else:
                values.append(value)
        sheet.append(values)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


@pytest.mark.parametrize("typed_dates", [False, True], ids=["text", "typed-dates"])
@pytest.mark.parametrize("key", list(CASES))
def test_a_preset_imports_its_example_as_a_workbook(db, key, typed_dates):
    case = CASES[key]
    import_organisation(case)
    column_mapping = create_mapping(PRESETS[key])
    workbook = example_workbook(case, typed_dates)
    # The opening cell of the first row: a typed date-time or the file's text.
    sheet = openpyxl.load_workbook(workbook, read_only=True)["Tickets"]
    header, first = sheet.iter_rows(max_row=2, values_only=True)
    opened = first[header.index(case.date_columns[0])]
    assert isinstance(opened, datetime.datetime if typed_dates else str)
    workbook.seek(0)

    result = import_tickets(column_mapping, workbook)

    assert (result.rows, result.created) == (5, 5)
    assert stored_tickets(column_mapping) == case.tickets


def test_every_stored_field_is_compared():
    """The comparison covers every field the import writes (kpis.upsert.TicketUpsert)."""
    from kpis.upsert import TicketUpsert

    compared = {f.name for f in fields(Stored)}
    written = set(TicketUpsert.fields) - {"data_source_id"}
    renamed = {"client_id": "client", "requester_id": "requester", "technician_id": "technician"}
    assert {renamed.get(name, name) for name in written} <= compared
