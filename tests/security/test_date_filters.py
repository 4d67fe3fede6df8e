"""Every date a person can type into a filter is bounded: dates at the ends of the
calendar (0001-01-01, 9999-12-31) answer the page with defaults and a clear message,
never a 500 (a day before or after them does not exist)."""

import pytest

from organisation.models import Client

PAGES = [
    "/kpis/",
    "/kpis/tickets/",
    "/kpis/escalations/",
    "/kpis/sla/",
    "/kpis/sla/reconciliation/",
    "/kpis/export/sla-reconciliation.csv",
    "/kpis/proactive/",
    "/kpis/satisfaction/",
    "/kpis/export/tickets.csv",
    "/kpis/export/escalations.csv",
    "/surveys/results/clients/",
    "/surveys/results/clients/comments.csv",
    "/surveys/results/clients/by-client.csv",
]
EXTREMES = [
    ("0001-01-01", "9999-12-31"),
    ("9999-12-31", "9999-12-31"),
    ("0001-01-01", "0001-01-01"),
    ("", "9999-12-31"),
    ("9999-12-31", ""),
]


@pytest.mark.parametrize("url", PAGES)
def test_dates_at_the_ends_of_the_calendar_are_a_message_not_a_500(manager_client, url):
    for start, end in EXTREMES:
        for period in ("custom", ""):
            response = manager_client.get(url, {"period": period, "start": start, "end": end})
            assert response.status_code in (200, 400), (url, start, end, period)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                assert "zwischen 1900 und 2199" in response.content.decode(), (url, start, end)


def test_a_clients_page_bounds_its_dates_too(manager_client):
    client = Client.objects.create(
        external_id="C-9", name="Bounded GmbH", contract_start="2026-01-01"
    )
    response = manager_client.get(
        f"/kpis/clients/{client.pk}/",
        {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"},
    )
    assert response.status_code == 200
    assert "zwischen 1900 und 2199" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/kpis/export/tickets.csv", "/kpis/export/sla.csv", "/surveys/results/clients/comments.csv"],
)
def test_an_export_with_a_date_out_of_range_is_refused_with_the_reason(manager_client, url):
    """A CSV cannot show the page's message, so it is not silently the default period."""
    response = manager_client.get(
        url, {"period": "custom", "start": "9999-12-31", "end": "9999-12-31"}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "zwischen 1900 und 2199" in response.content.decode()
