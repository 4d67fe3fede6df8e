"""A manager imports tickets in Chromium that push a client over its escalation
threshold: the alert e-mail goes to the client's responsible staff, the alert appears on
the dashboard, and the manager drills from the escalation tile to that client and on to
its tickets. Against the live server (in-process, Celery eager, e-mail in mail.outbox)."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from kpis import rollups
from kpis.models import KpiSettings, SLATarget, ThresholdAlert
from tests.helpers import login_in_browser, make_user
from tests.kpis.conftest import make_client, tickets

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

CLIENT = "Nordlicht Logistik GmbH"


@pytest.fixture
def data(transactional_db):
    from django.contrib.auth.models import Group

    from accounts.roles import MANAGER, TECHNICIAN

    for name in (MANAGER, TECHNICIAN):
        Group.objects.get_or_create(name=name)
    for priority, minutes in (("critical", 15), ("high", 60), ("medium", 240), ("low", 480)):
        SLATarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": minutes, "resolution_minutes": minutes * 6},
        )
    boss = make_user("boss", "manager")
    KpiSettings.objects.get_or_create(pk=1)  # 10 %, warning at 80 % of it, 20 tickets
    today = timezone.localdate()
    client = make_client(CLIENT, start=today - datetime.timedelta(days=400), external_id="NL-1")
    client.responsible_staff.add(boss)
    calm = make_client("Ruhig KG", start=today - datetime.timedelta(days=400))
    # This month so far: 1 of 20 escalated (5 %, fine); the calm client 0 of 20.
    tickets(client, today, 20, escalated=1)
    tickets(calm, today, 20)
    rollups.rebuild_all()
    return client, boss


def _import_file(tmp_path) -> str:
    """Ten tickets opened in the last minute (this month, even just after midnight on the
    first), eight escalated: 9 of 30 = 30 %."""
    now = timezone.localtime()
    lines = ["external_id,client,priority,opened_at,source,escalated,escalated_at"]
    for i in range(10):
        opened = now - datetime.timedelta(seconds=30 - i)
        escalated = i < 8
        lines.append(
            f"NL-T{i},NL-1,P2,{opened.isoformat(timespec='seconds')},client,"
            f"{'ja' if escalated else 'nein'},"
            f"{(opened + datetime.timedelta(seconds=1)).isoformat(timespec='seconds') if escalated else ''}"
        )
    path = tmp_path / "psa-export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_an_import_raises_the_alert_and_the_manager_drills_down(page, live_server, data, tmp_path):
    client, boss = data
    mail.outbox.clear()
    login_in_browser(page, live_server, "boss")

    page.goto(f"{live_server.url}/kpis/")
    expect(page.get_by_test_id("dashboard-alerts")).to_have_count(0)
    page.get_by_role("link", name="Dateien importieren").click()

    page.select_option("select[name=kind]", "tickets")
    page.set_input_files("input[name=file]", _import_file(tmp_path))
    page.locator("main form [type=submit]").click()
    # The upload's own page shows the first rows as they will be stored; nothing is yet.
    expect(page).to_have_url(re.compile(r"/kpis/import/jobs/\d+/$"))
    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("tbody > tr")).to_have_count(10)
    expect(preview).to_contain_text(CLIENT)
    assert not ThresholdAlert.objects.exists()
    page.get_by_test_id("import-confirm").click()
    # Without Redis the task ran at once, so the page shows the result.
    expect(page.get_by_test_id("import-result")).to_contain_text(
        "10 Zeilen importiert: 10 neu, 0 aktualisiert, 0 unverändert."
    )
    expect(page.get_by_test_id("import-job-state")).to_contain_text("Importiert")

    # The threshold check ran after the import committed and e-mailed the responsible staff.
    alert = ThresholdAlert.objects.get(client=client)
    assert alert.state == "breach" and alert.tickets == 30 and alert.escalated == 9
    assert alert.emailed_at is not None
    [message] = mail.outbox
    assert message.to == [boss.email]
    assert CLIENT in message.subject
    assert "30" in message.body

    # The import page lists the upload; its page can be opened again later.
    page.get_by_role("link", name="Weitere Datei importieren").click()
    jobs = page.get_by_test_id("import-jobs")
    expect(jobs).to_contain_text("psa-export.csv")
    expect(jobs).to_contain_text("Importiert")

    page.goto(f"{live_server.url}/kpis/")
    alerts = page.get_by_test_id("dashboard-alerts")
    expect(alerts).to_contain_text(CLIENT)
    expect(alerts).to_contain_text("30,0 %")

    page.get_by_test_id("tile-escalation").click()
    expect(page.get_by_role("heading", name="Eskalationen", exact=True)).to_be_visible()
    row = page.get_by_test_id("escalation-clients").locator("tr", has_text=CLIENT)
    expect(row).to_contain_text("30,0 %")
    row.get_by_role("link", name=CLIENT).click()

    expect(page.get_by_role("heading", name=CLIENT)).to_be_visible()
    page.get_by_test_id("all-tickets").click()
    expect(page.get_by_test_id("ticket-row")).to_have_count(30)
    expect(page.get_by_test_id("ticket-row").filter(has_text="NL-T0")).to_have_count(1)
    assert page.js_errors == []
