"""The escalation page's "*" beside a client's own threshold is explained in visible text
under the table (a title attribute shows only to a mouse), and screen readers hear the
explanation in the cell itself."""

import datetime

import pytest
from django.urls import reverse

from tests.kpis.conftest import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(manager_client, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return manager_client


def test_a_client_specific_threshold_is_explained_once_in_visible_text(english, kpi_settings):
    make_client("Own AG", start=datetime.date(2025, 1, 1), escalation_threshold=20)
    make_client("Also own AG", start=datetime.date(2025, 1, 1), escalation_threshold=5)
    make_client("Default AG", start=datetime.date(2025, 1, 1))
    body = english.get(reverse("insights:escalations")).content.decode()
    assert body.count('data-testid="threshold-note"') == 1
    assert '<span aria-hidden="true">*</span> Client-specific threshold</p>' in body
    # In each of the two cells: the star hidden from screen readers, the words read out.
    cell = (
        ' <span class="text-body-secondary" aria-hidden="true">*</span>'
        '<span class="visually-hidden">Client-specific threshold</span>'
    )
    assert body.count(cell) == 2
    assert 'title="Client-specific threshold"' not in body


def test_without_a_client_specific_threshold_there_is_no_note(english, kpi_settings):
    make_client("Default AG", start=datetime.date(2025, 1, 1))
    body = english.get(reverse("insights:escalations")).content.decode()
    assert 'data-testid="threshold-note"' not in body
    assert "Client-specific threshold" not in body
