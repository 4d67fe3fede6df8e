"""The back office: every page loads, and published versions stay read-only."""

import pytest
from django.urls import reverse

from assessments.models import Area, Phase, Questionnaire, ScaleLabel, Statement, TeamRound, Tip
from assessments.services import open_round
from tests.assessments.factories import WORKED_EXAMPLE, store

MODELS = [
    "questionnaire",
    "area",
    "statement",
    "phase",
    "tip",
    "scalelabel",
    "assessment",
    "answer",
    "teamround",
]


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def stored(manager, technician_user):
    team_round = open_round(name="Runde", opened_by=manager, members=[technician_user])
    store(technician_user, WORKED_EXAMPLE, team_round=team_round)
    return store(manager, WORKED_EXAMPLE)


@pytest.mark.parametrize("model", MODELS)
def test_changelists_load_with_search_and_filters(admin_client, stored, model):
    url = reverse(f"admin:assessments_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Proz"}).status_code == 200


def test_change_pages_load(admin_client, stored):
    questionnaire = Questionnaire.objects.current()
    objects = {
        "questionnaire": questionnaire,
        "area": Area.objects.first(),
        "statement": Statement.objects.first(),
        "phase": Phase.objects.first(),
        "tip": Tip.objects.first(),
        "scalelabel": ScaleLabel.objects.first(),
        "assessment": stored,
        "answer": stored.answers.first(),
        "teamround": TeamRound.objects.first(),
    }
    for model, obj in objects.items():
        url = reverse(f"admin:assessments_{model}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, model


def test_a_published_statement_is_read_only_in_the_back_office(admin_client):
    statement = Statement.objects.get(key="sla_targets_met")
    url = reverse("admin:assessments_statement_change", args=[statement.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="text_de"' not in page  # shown, not editable
    admin_client.post(
        url,
        {"text_de": "Geändert", "text_en": "x", "key": "x", "order": 1, "area": statement.area_id},
    )
    statement.refresh_from_db()
    assert statement.text_de.startswith("Unser Team überwacht")


def test_copying_and_publishing_through_admin_actions(admin_client):
    url = reverse("admin:assessments_questionnaire_changelist")
    current = Questionnaire.objects.current()
    admin_client.post(url, {"action": "copy_as_draft", "_selected_action": [current.pk]})
    draft = Questionnaire.objects.get(version=2)
    statement = Statement.objects.get(area__questionnaire=draft, key="sla_targets_met")
    change = reverse("admin:assessments_statement_change", args=[statement.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="text_de"' in page  # a draft is editable
    response = admin_client.post(
        change,
        {
            "area": statement.area_id,
            "key": statement.key,
            "order": 2,
            "text_de": "Neu",
            "text_en": "New",
        },
    )
    assert response.status_code == 302
    admin_client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    assert Questionnaire.objects.current() == Questionnaire.objects.get(version=2)
    assert Statement.objects.get(pk=statement.pk).text_de == "Neu"
