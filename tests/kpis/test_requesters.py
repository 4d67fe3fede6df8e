"""A ticket's requester and title from the CSV import and the webhook, and the
technician found by e-mail (kpis.requesters, kpis.ticket_fields.technician)."""

import datetime
import io

import pytest

from kpis import importing
from kpis.models import Ticket, WebhookIntegration
from organisation.models import CSV_SOURCE_ID, Client, Contact, DataSource, Technician

from .conftest import send_tickets

HEADER = "external_id,client,priority,opened_at,source"
OPENED = "2026-03-02T09:00:00+01:00"


def _import(text, **options):
    return importing.import_csv("tickets", io.BytesIO(text.encode()), **options)


def _tickets(columns: str, *rows: str):
    """Import tickets T-<n> of client C-1 with ``columns`` after the required ones."""
    lines = [f"{HEADER},{columns}"] + [
        f"T-{n},C-1,high,{OPENED},client,{row}" for n, row in enumerate(rows, 1)
    ]
    return _import("\n".join(lines) + "\n")


def _requester(number: int = 1):
    return Ticket.objects.select_related("requester").get(external_id=f"T-{number}").requester


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


@pytest.fixture
def ada(acme):
    return Contact.objects.create(
        client=acme, name="Ada", email="Ada@Acme.example", external_id="P-1"
    )


def test_the_requester_is_matched_by_external_id(ada):
    _tickets("title,requester_external_id", "Printer jams,P-1")
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.title) == (ada, "Printer jams")


def test_the_requester_is_matched_by_e_mail_within_the_client_without_case(ada):
    other = Client.objects.create(
        external_id="C-2", name="Other", contract_start=datetime.date(2026, 1, 1)
    )
    Contact.objects.create(client=other, name="Ada elsewhere", email="ada@acme.example")
    # An unknown external id falls back to the e-mail.
    _tickets("requester_external_id,requester_email", "P-9,ada@acme.EXAMPLE")
    assert _requester() == ada
    assert Contact.objects.count() == 2


def test_an_unknown_requester_is_created_with_name_e_mail_client_and_source(acme):
    result = _tickets(
        "requester_external_id,requester_email,requester_name",
        "P-7,new@acme.example,Neu Mann",
        ",new@acme.example,",  # the same person again: one contact
        "P-7,,",  # by the id the first row gave
    )
    assert result.created == 3
    contact = Contact.objects.get()
    assert (contact.name, contact.email, contact.external_id) == (
        "Neu Mann",
        "new@acme.example",
        "P-7",
    )
    assert (contact.client, contact.data_source_id) == (acme, CSV_SOURCE_ID)
    assert [_requester(n) for n in (1, 2, 3)] == [contact] * 3


def test_a_requester_without_a_name_is_named_by_the_e_mail(acme):
    _tickets("requester_email", "solo@acme.example")
    assert _requester().name == "solo@acme.example"


def test_a_source_that_creates_no_contacts_refuses_an_unknown_requester(acme):
    DataSource.objects.filter(pk=CSV_SOURCE_ID).update(creates_contacts=False)
    with pytest.raises(importing.ImportRejected) as exc:
        _tickets("requester_email", "new@acme.example")
    assert exc.value.errors == [
        "Row 2, column “requester_email”: no contact with external id '' or e-mail "
        "'new@acme.example'; this data source does not create contacts"
    ]
    assert not Ticket.objects.exists() and not Contact.objects.exists()


def test_an_unknown_requester_id_with_an_empty_e_mail_cell_is_refused(acme):
    with pytest.raises(importing.ImportRejected) as exc:
        _tickets("requester_external_id,requester_email", "P-404,")
    assert exc.value.errors == [
        "Row 2, column “requester_email”: is needed to create the unknown requester 'P-404'"
    ]


def test_an_unknown_requester_id_without_an_e_mail_column_is_refused(acme):
    # In the product's own columns the file could have named the e-mail: refused.
    with pytest.raises(importing.ImportRejected) as exc:
        _tickets("requester_external_id", "P-404")
    assert exc.value.errors == [
        "Row 2, column “requester_email”: is needed to create the unknown requester 'P-404'"
    ]


def test_a_mapped_file_without_e_mails_keeps_the_stored_requester_of_an_unknown_id(acme):
    """ConnectWise's ticket report has contact ids but no e-mail: through a column mapping
    the ticket is kept with its stored requester (none when new), the result says how
    many, and a later contact import links them."""
    from kpis.mappings import Mapping

    rules = {
        name: {"columns": [name]}
        for name in (
            "external_id",
            "client",
            "priority",
            "opened_at",
            "source",
            "requester_external_id",
        )
    }
    mapping = Mapping("tickets", rules)

    def mapped(*rows):
        return _import(
            "\n".join(
                [f"{HEADER},requester_external_id"]
                + [f"T-{n},C-1,high,{OPENED},client,{row}" for n, row in enumerate(rows, 1)]
            )
            + "\n",
            mapping=mapping,
        )

    result = mapped("P-404", "P-405", "")
    assert result.without_requester == 2
    assert "2 tickets have no requester" in result.message()
    assert _requester(1) is None and not Contact.objects.exists()
    pia = Contact.objects.create(
        client=acme, external_id="P-404", name="Pia", email="pia@acme.example"
    )
    again = mapped("P-404", "P-405", "")
    assert again.without_requester == 1
    assert _requester(1) == pia
    # An id the contacts do not know later leaves the linked requester as it is.
    assert mapped("P-999").without_requester == 1
    assert _requester(1) == pia
    # Without creating contacts, an unknown id is refused as before.
    with pytest.raises(importing.ImportRejected):
        _import(
            f"{HEADER},requester_external_id\nT-9,C-1,high,{OPENED},client,P-777\n",
            mapping=Mapping("tickets", rules, creates_contacts=False),
        )


def test_a_bad_requester_e_mail_is_refused(acme):
    with pytest.raises(importing.ImportRejected) as exc:
        _tickets("requester_email", "not-an-address")
    assert exc.value.errors == ["Row 2, column “requester_email”: is not an e-mail address"]


def test_left_out_columns_keep_the_stored_requester_and_title_empty_ones_clear_them(ada):
    _tickets("title,requester_external_id", "Printer jams,P-1")
    result = _tickets("priority_note", "x")  # neither column: both kept
    assert (result.unchanged, _requester(), Ticket.objects.get().title) == (
        1,
        ada,
        "Printer jams",
    )
    result = _tickets("title,requester_external_id,requester_email", ",,")
    ticket = Ticket.objects.get()
    assert (result.updated, ticket.requester, ticket.title) == (1, None, "")


def test_the_title_is_one_line(acme):
    _import(f'{HEADER},title\nT-1,C-1,high,{OPENED},client,"Drucker\ndruckt nicht"\n')
    assert Ticket.objects.get().title == "Drucker druckt nicht"


def test_the_webhook_creates_the_requester_in_its_own_source(acme, client):
    integration = WebhookIntegration(name="HaloPSA")
    token = integration.issue_token()
    integration.save()
    ticket = {
        "external_id": "H-1",
        "client": "C-1",
        "priority": "high",
        "opened_at": OPENED,
        "source": "client",
        "title": "VPN down",
        "requester_external_id": "HALO-U1",
        "requester_email": "vpn@acme.example",
        "requester_name": "Vera",
    }
    response = send_tickets(client, token, ticket)
    assert response.status_code == 200, response.content
    stored = Ticket.objects.select_related("requester").get()
    assert stored.title == "VPN down"
    assert stored.requester.data_source_id == integration.data_source_id
    assert (stored.requester.external_id, stored.requester.name) == ("HALO-U1", "Vera")
    # A later push names the requester by id alone.
    send_tickets(client, token, {**ticket, "external_id": "H-2", "requester_email": None})
    assert Ticket.objects.get(external_id="H-2").requester == stored.requester


# --- The technician ------------------------------------------------------------------


@pytest.fixture
def tina(db):
    return Technician.objects.create(
        external_id="T-1",
        name="Tina",
        email="tina@msp.example",
        hire_date=datetime.date(2024, 1, 1),
    )


def test_the_technician_is_matched_by_e_mail(acme, tina):
    Technician.objects.create(
        external_id="T-0",
        name="Tina (left)",
        email="Tina@msp.example",
        hire_date=datetime.date(2020, 1, 1),
        leave_date=datetime.date(2023, 1, 1),
    )
    _tickets("technician_email", "TINA@msp.example")
    assert Ticket.objects.get().technician == tina  # the one still employed


def test_the_technician_id_wins_over_the_e_mail(acme, tina):
    other = Technician.objects.create(
        external_id="T-2", name="Tom", email="tom@msp.example", hire_date=tina.hire_date
    )
    _tickets("technician,technician_email", "T-2,tina@msp.example", "T-404,tina@msp.example")
    assert Ticket.objects.get(external_id="T-1").technician == other
    assert Ticket.objects.get(external_id="T-2").technician == tina


def test_an_unknown_technician_e_mail_is_refused_and_no_technician_created(acme, tina):
    with pytest.raises(importing.ImportRejected) as exc:
        _tickets("technician_email", "nobody@msp.example")
    assert exc.value.errors == [
        "Row 2, column “technician_email”: no technician with e-mail 'nobody@msp.example'"
    ]
    assert list(Technician.objects.all()) == [tina]


def test_a_ticket_import_never_changes_a_technicians_dates(acme, tina):
    tina.leave_date = datetime.date(2026, 6, 1)
    tina.save()
    before = Technician.objects.values().get()
    _tickets(
        "technician,technician_email,hire_date,leave_date",
        "T-1,tina@msp.example,2020-01-01,",
    )
    assert Technician.objects.values().get() == before
    assert Ticket.objects.get().technician == tina


def test_the_webhook_finds_the_technician_by_e_mail(acme, tina, client):
    integration = WebhookIntegration(name="Autotask")
    token = integration.issue_token()
    integration.save()
    body = {
        "external_id": "A-1",
        "client": "C-1",
        "priority": "low",
        "opened_at": OPENED,
        "source": "client",
        "technician": "AT-MEMBER-9",  # the PSA's member id, unknown here
        "technician_email": "tina@msp.example",
    }
    assert send_tickets(client, token, body).status_code == 200
    assert Ticket.objects.get().technician == tina
