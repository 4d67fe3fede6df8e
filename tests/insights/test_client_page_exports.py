import datetime

from django.urls import reverse
from django.utils import timezone

from kpis.models import Ticket


def test_the_client_pages_escalation_table_has_its_csv_export(manager_client, client_company):
    opened = timezone.now() - datetime.timedelta(days=2)
    for number, escalated in (("E-1", True), ("N-1", False)):
        Ticket.objects.create(
            external_id=number,
            client=client_company,
            priority="high",
            opened_at=opened,
            escalated=escalated,
            source="client",
        )
    page = manager_client.get(reverse("insights:client_detail", args=[client_company.pk]))
    html = page.content.decode()
    link = f"{reverse('insights:export', args=['tickets'])}?client={client_company.pk}&amp;escalated=yes"
    assert link in html
    response = manager_client.get(link.replace("&amp;", "&"))
    csv = b"".join(response.streaming_content).decode()
    assert "E-1" in csv and "N-1" not in csv
