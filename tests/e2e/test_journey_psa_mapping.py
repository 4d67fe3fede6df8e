"""A manager imports an Autotask LiveReports export in Chromium with the ready-made
column mapping: starts from the mapping, uploads the example file with it, checks the
preview, imports, and finds the tickets with titles and requesters, the new contacts and
the technicians on the pages. In German at desktop width and in English at phone width.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpis import importing
from kpis.models import Ticket
from organisation.models import Contact, DataSource
from tests.helpers import login_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _import(kind: str, name: str) -> None:
    with (EXAMPLES / name).open("rb") as binary:
        importing.import_csv(kind, binary)


@pytest.fixture
def organisation(db):
    # The MSP's clients (with Autotask's organization ids) and technicians, as imported
    # from its own lists before the first ticket export.
    _import("technicians", "technicians.csv")
    _import("clients", "autotask-clients.csv")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("language", "viewport", "texts"),
    [
        (
            "de",
            DESKTOP,
            {
                "use": "Diese Zuordnung verwenden",
                "save": "Zuordnung speichern",
                "upload": "Datei hochladen",
                "import": "Datei importieren",
                "result": "5 Zeilen importiert: 5 neu",
            },
        ),
        (
            "en",
            PHONE,
            {
                "use": "Use this mapping",
                "save": "Save the mapping",
                "upload": "Upload a file",
                "import": "Import the file",
                "result": "5 rows imported: 5 new",
            },
        ),
    ],
    ids=["de-desktop", "en-phone"],
)
def test_a_manager_imports_an_autotask_export_with_the_ready_made_mapping(
    page, live_server, manager, organisation, language, viewport, texts
):
    page.set_viewport_size(viewport)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    login_in_browser(page, live_server, manager.username)

    page.goto(f"{live_server.url}/kpis/import/mappings/")
    page.get_by_test_id("preset-autotask").click()
    # The new mapping opens for checking; the manager keeps the ready-made values.
    expect(page.get_by_test_id("mapping-column-priority")).to_be_visible()
    expect(page.locator("input[name=col__opened_at]")).to_have_value(re.compile("^Created"))
    assert _fits(page)
    page.get_by_role("button", name=texts["save"], exact=True).click()
    mappings = page.get_by_test_id("mappings")
    expect(mappings).to_contain_text("Autotask – LiveReports (Tickets)")
    assert _fits(page)

    mappings.get_by_role("link", name=texts["upload"]).click()
    expect(page.locator("select[name=mapping] option:checked")).to_contain_text("Autotask")
    page.set_input_files("input[name=file]", str(EXAMPLES / "autotask-livereport-tickets.csv"))
    page.locator("main form [type=submit]").click()

    # The preview: five rows as they will be stored, nothing stored yet.
    expect(page).to_have_url(re.compile(r"/kpis/import/jobs/\d+/$"))
    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("tbody > tr")).to_have_count(5)
    expect(preview).to_contain_text("Drucker im Büro druckt nicht")
    # 05.10.2026 08:12 in Berlin stays 08:12 in the site's zone (Europe/Berlin).
    expect(preview).to_contain_text("08:12")
    expect(page.get_by_test_id("import-preview-error")).to_have_count(0)
    assert not Ticket.objects.exists()
    page.get_by_role("button", name=texts["import"]).click()
    expect(page.get_by_test_id("import-result")).to_contain_text(texts["result"])

    source = DataSource.objects.get(name="Autotask")
    assert Ticket.objects.filter(data_source=source).count() == 5
    # Four requesters with e-mails became contacts of their clients.
    assert Contact.objects.count() == 4

    page.goto(f"{live_server.url}/kpis/tickets/?period=custom&start=2026-10-01&end=2026-10-31")
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(5)
    row = rows.filter(has_text="T20261005.0007")
    expect(row).to_contain_text("Kein Zugriff auf DATEV-Server")
    expect(row).to_contain_text("Thomas Hartmann")
    expect(row).to_contain_text("Lea Fischer")

    row.get_by_role("link", name="Kanzlei Hartmann & Partner").click()
    expect(page).to_have_url(re.compile(r"/kpis/clients/\d+/"))
    page.goto(page.url.split("?")[0] + "?period=custom&start=2026-10-01&end=2026-10-31")
    # Its recent tickets, and again among the escalated ones (queue "Level 2").
    client_tickets = page.get_by_test_id("ticket-row")
    expect(client_tickets).to_have_count(2)
    for ticket_row in client_tickets.all():
        expect(ticket_row).to_contain_text("Kein Zugriff auf DATEV-Server")
        expect(ticket_row).to_contain_text("Thomas Hartmann")
    assert not [e for e in page.js_errors if "favicon" not in e]
