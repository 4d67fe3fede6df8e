"""Contacts, the fourth import kind: matched by external id, else by e-mail within the
client; the same all-or-nothing checks as the other kinds."""

import datetime
import io

import pytest

from kpis import importing
from organisation.models import CSV_SOURCE_ID, Client, Contact, DataSource

from .conftest import upload


def _import(text, **options):
    return importing.import_csv("contacts", io.BytesIO(text.encode()), **options)


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def _contacts():
    return sorted(
        Contact.objects.values_list(
            "client__external_id", "name", "email", "language", "is_active", "external_id"
        )
    )


def test_a_valid_file_creates_the_contacts(acme):
    result = _import(
        "kunde;Name;E-Mail;Sprache;aktiv;externe_id\n"
        "C-1;Ada;ada@acme.example;en;ja;P-1\n"
        "C-1;Bob;bob@acme.example;;;\n"
    )
    assert (result.rows, result.created) == (2, 2)
    assert _contacts() == [
        ("C-1", "Ada", "ada@acme.example", "en", True, "P-1"),
        ("C-1", "Bob", "bob@acme.example", "de", True, ""),
    ]
    assert set(Contact.objects.values_list("data_source_id", flat=True)) == {CSV_SOURCE_ID}


def test_a_back_office_contact_is_found_by_e_mail_and_takes_the_external_id(acme):
    kept = Contact.objects.create(client=acme, name="Ada", email="Ada@acme.example", language="en")
    result = _import("client,name,email,external_id\nC-1,Ada Lovelace,ada@acme.example,P-1\n")
    assert (result.created, result.updated) == (0, 1)
    kept.refresh_from_db()
    # Left-out columns (language, is_active) keep their values.
    assert (kept.name, kept.external_id, kept.language) == ("Ada Lovelace", "P-1", "en")
    # Now the id finds it, also under a new address.
    _import("client,name,email,external_id\nC-1,Ada Lovelace,ada@new.example,P-1\n")
    kept.refresh_from_db()
    assert (kept.email, Contact.objects.count()) == ("ada@new.example", 1)


def test_the_same_file_twice_changes_nothing(acme):
    text = (
        "client,name,email,external_id\nC-1,Ada,ada@acme.example,P-1\nC-1,Bob,bob@acme.example,\n"
    )
    _import(text)
    second = _import(text)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)


def test_every_problem_is_named_and_nothing_is_stored(acme):
    Contact.objects.create(client=acme, name="Kept", email="kept@acme.example")
    before = _contacts()
    with pytest.raises(importing.ImportRejected) as exc:
        _import(
            "client,name,email,language,is_active\n"
            "C-1,Ada,ada@acme.example,de,true\n"
            "C-404,Bob,bob@acme.example,de,true\n"
            "C-1,,carl@acme.example,de,true\n"
            "C-1,Dora,not-an-address,de,true\n"
            "C-1,Emil,emil@acme.example,fr,true\n"
            "C-1,Fritz,fritz@acme.example,de,maybe\n"
        )
    assert exc.value.errors == [
        "Row 3, column “client”: no client with external id 'C-404'",
        "Row 4, column “name”: is required",
        "Row 5, column “email”: is not an e-mail address",
        "Row 6, column “language”: must be de or en",
        "Row 7, column “is_active”: must be true or false, not 'maybe'",
    ]
    assert _contacts() == before


def test_unknown_columns_are_listed_and_near_misses_refuse_the_file(acme):
    result = _import("client,name,email,Bemerkung\nC-1,Ada,ada@acme.example,VIP\n")
    assert result.ignored_columns == ["Bemerkung"]
    with pytest.raises(importing.ImportRejected) as exc:
        _import("client,name,emial\nC-1,Ada,ada@acme.example\n")
    assert exc.value.errors[0].startswith("Unknown column “emial”: probably “email”")


def test_contacts_are_imported_into_the_named_source(acme):
    other = DataSource.objects.create(name="HaloPSA", kind="webhook")
    _import("client,name,email,external_id\nC-1,Ada,ada@acme.example,P-1\n")
    _import(
        "client,name,email,external_id\nC-1,Ada,ada.halo@acme.example,P-1\n",
        data_source_id=other.pk,
    )
    assert sorted(Contact.objects.values_list("data_source_id", "email")) == [
        (CSV_SOURCE_ID, "ada@acme.example"),
        (other.pk, "ada.halo@acme.example"),
    ]


def test_one_address_per_client_is_checked_by_row(acme):
    other = DataSource.objects.create(name="HaloPSA", kind="webhook")
    Contact.objects.create(client=acme, name="Ada", email="ada@acme.example")
    with pytest.raises(importing.ImportRejected) as exc:
        _import("client,name,email\nC-1,Ada,ADA@acme.example\n", data_source_id=other.pk)
    assert exc.value.errors == [
        "Row 2, column “email”: another contact of this client has this address"
    ]
    with pytest.raises(importing.ImportRejected) as exc:
        _import(
            "client,name,email,external_id\nC-1,Bob,bob@acme.example,P-1\n"
            "C-1,Bob,bob@acme.example,P-2\n"
        )
    assert exc.value.errors == [
        "Row 3, column “email”: another contact of this client has this address"
    ]
    assert Contact.objects.count() == 1


def test_the_import_page_offers_contacts_with_their_columns(manager_client, acme):
    page = manager_client.get("/kpis/import/").content.decode()
    assert 'value="contacts"' in page and "kontaktnummer" in page
    response = upload(manager_client, "contacts", "client,name,email\nC-1,Ada,ada@acme.example\n")
    assert response.status_code == 200
    assert Contact.objects.get().name == "Ada"
