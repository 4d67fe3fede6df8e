import datetime
import io

import pytest
import time_machine

from kpis import importing
from organisation.models import Client, Contact, Technician

# A Friday morning; the clock is frozen here unless a test moves it.
NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
HEADER = (
    "external_id,client,priority,opened_at,source,title,requester_external_id,technician,"
    "resolved_at,auto_remediated"
)


def ticket_row(
    number,
    resolved="",
    requester="P-1",
    technician="T-1",
    source="client",
    auto="false",
    opened="2026-11-18T08:00:00+00:00",
):
    return (
        f"T-{number},C-1,high,{opened},{source},Printer {number} jams,{requester},"
        f"{technician},{resolved},{auto}"
    )


def import_tickets(*rows):
    text = "\n".join([HEADER, *rows]) + "\n"
    return importing.import_csv("tickets", io.BytesIO(text.encode()))


def at(delta: datetime.timedelta = datetime.timedelta()) -> str:
    """NOW + delta as a CSV cell."""
    return (NOW + delta).isoformat()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://surveys.example"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


@pytest.fixture
def ada(acme):
    return Contact.objects.create(
        client=acme, name="Ada Lovelace", email="ada@acme.example", external_id="P-1"
    )


@pytest.fixture
def bob(acme):
    return Contact.objects.create(
        client=acme, name="Bob Baker", email="bob@acme.example", external_id="P-2", language="en"
    )


@pytest.fixture
def tina(db):
    return Technician.objects.create(
        external_id="T-1",
        name="Tina Tech",
        email="tina@msp.example",
        hire_date=datetime.date(2024, 1, 1),
    )


@pytest.fixture
def tom(db):
    return Technician.objects.create(
        external_id="T-2",
        name="Tom Tech",
        email="tom@msp.example",
        hire_date=datetime.date(2024, 1, 1),
    )


@pytest.fixture
def cast(frozen, acme, ada, bob, tina, tom):
    return {"acme": acme, "ada": ada, "bob": bob, "tina": tina, "tom": tom}


def make_rating(
    number: str,
    client,
    technician=None,
    priority="high",
    face=None,
    comment="",
    resolved_at=None,
    contact=None,
):
    """An invited ticket rating written directly (its own contact, so no fatigue rule),
    answered with ``face`` and ``comment`` through surveys.services.save_response when
    ``face`` is given (a case opens by the rule)."""
    from kpis.models import Ticket
    from ratings.models import TicketRating
    from ratings.services import rating_campaign
    from surveys.models import Invitation, SurveySettings
    from surveys.services import save_response

    resolved_at = resolved_at or NOW
    contact = contact or Contact.objects.create(
        client=client, name=f"Contact {number}", email=f"c{number.lower()}@client.example"
    )
    ticket = Ticket.objects.create(
        external_id=number,
        title=f"Ticket {number}",
        client=client,
        requester=contact,
        technician=technician,
        priority=priority,
        opened_at=resolved_at - datetime.timedelta(hours=5),
        resolved_at=resolved_at,
        source="client",
    )
    invitation = Invitation.objects.create(
        campaign=rating_campaign(resolved_at, SurveySettings.load()),
        contact=contact,
        email=contact.email,
        status="sent",
    )
    rating = TicketRating.objects.create(
        ticket=ticket,
        contact=contact,
        client=client,
        technician=technician,
        priority=priority,
        source="client",
        resolved_at=resolved_at,
        send_after=resolved_at,
        status=TicketRating.Status.INVITED,
        invitation=invitation,
        invited_at=resolved_at,
    )
    if face is not None:
        # Answered an hour after the resolution, while the day's campaign is open.
        with time_machine.travel(resolved_at + datetime.timedelta(hours=1), tick=False):
            save_response(invitation, {"rating": face, "comment": comment})
    return rating
