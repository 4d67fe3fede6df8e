"""The published questionnaire as data, and why editing it never changes a stored result."""

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import (
    Answer,
    Assessment,
    FrozenVersionError,
    Phase,
    Questionnaire,
    Statement,
    Tip,
)
from assessments.services import load_content, result_of
from tests.assessments.factories import WORKED_EXAMPLE, post_data, store


@pytest.fixture
def content(db):
    return load_content(Questionnaire.objects.current())


def test_the_published_version_has_four_areas_of_five_statements_in_order(content):
    assert content.questionnaire.version == 1
    assert [a.name_de for a in content.areas] == [
        "Prozesse und Betrieb",
        "Technologie und Automatisierung",
        "Kundenzufriedenheit und Kundenbindung",
        "Umsatz und Wachstum",
    ]
    assert [len(a.statement_list) for a in content.areas] == [5, 5, 5, 5]
    assert content.areas[0].statement_list[0].text_de == (
        "Wir haben unsere Prozesse für das Onboarding und Offboarding von Kunden standardisiert."
    )
    assert content.areas[3].statement_list[4].text_de == (
        "Im vergangenen Jahr haben wir unsere Preise überprüft und Anpassungen vorgenommen."
    )


def test_the_scale_phases_and_tips_are_complete_and_translated(content):
    assert [(s.value, s.label_de) for s in content.scale] == [
        (1, "Stimme überhaupt nicht zu"),
        (2, "Stimme nicht zu"),
        (3, "Neutral"),
        (4, "Stimme zu"),
        (5, "Stimme voll und ganz zu"),
    ]
    assert [p.name_de for p in content.phases] == ["Reaktiv", "Stabil", "Proaktiv", "Skalierbar"]
    assert len(content.tips) == 16
    for item in [*content.statements, *content.phases, *content.tips.values(), *content.scale]:
        for field in ("text", "name", "label", "characteristics"):
            if hasattr(item, f"{field}_de"):
                assert getattr(item, f"{field}_en"), f"{item} lacks English {field}"


def test_statement_keys_are_unique_and_include_the_measured_ones(content):
    keys = [s.key for s in content.statements]
    assert len(set(keys)) == 20
    for key in [
        "sla_targets_met",
        "csat_nps_tracked",
        "support_times_benchmarks",
        "churn_tracked",
        "proactive_resolution",
    ]:
        assert key in keys


def test_texts_follow_the_active_language(content):
    phase = content.phases[2]
    with translation.override("de"):
        assert phase.display_name == "Proaktiv"
        assert content.areas[0].name == "Prozesse und Betrieb"
    with translation.override("en"):
        assert phase.display_name == "Proactive (Proaktiv)"
        assert content.areas[0].name == "Processes and operations"


def test_a_published_version_refuses_edits(content):
    statement = content.statements[0]
    statement.text_de = "Geändert"
    with pytest.raises(FrozenVersionError):
        statement.save()
    tip = next(iter(content.tips.values()))
    with pytest.raises(FrozenVersionError):
        tip.delete()
    assert Statement.objects.get(pk=statement.pk).text_de.startswith("Wir haben unsere Prozesse")


def test_a_copy_is_an_editable_draft_with_the_same_keys(content):
    draft = content.questionnaire.copy_as_draft()
    assert draft.version == 2 and not draft.is_published
    assert Questionnaire.objects.current() == content.questionnaire  # drafts are not used
    draft_content = load_content(draft)
    assert [s.key for s in draft_content.statements] == [s.key for s in content.statements]
    assert len(draft_content.tips) == 16
    assert all(t.phase.questionnaire_id == draft.pk for t in draft_content.tips.values())
    statement = draft_content.statements[0]
    statement.text_de = "Neue Formulierung"
    statement.save()
    assert Statement.objects.get(pk=statement.pk).text_de == "Neue Formulierung"


def test_editing_the_questionnaire_after_a_result_was_stored_does_not_change_it(
    manager_client, manager
):
    manager_client.post(reverse("assessments:start"), post_data(WORKED_EXAMPLE))
    assessment = Assessment.objects.get(user=manager)
    before = manager_client.get(reverse("assessments:result", args=[assessment.public_id]))
    assert "3,55" in before.content.decode()

    # The back office copies the version, rewrites a statement, a tip and a phase, moves the
    # phase boundaries, and publishes it.
    draft = assessment.questionnaire.copy_as_draft()
    Statement.objects.filter(area__questionnaire=draft, key="standardised_onboarding").update(
        text_de="Umformuliert"
    )
    Tip.objects.filter(area__questionnaire=draft).update(text_de="Ganz neuer Tipp")
    Phase.objects.filter(questionnaire=draft, key="proactive").update(
        name_de="Umbenannt", min_score="3.60"
    )
    Phase.objects.filter(questionnaire=draft, key="stable").update(max_score="3.60")
    draft.publish()

    after = manager_client.get(reverse("assessments:result", args=[assessment.public_id]))
    html = after.content.decode()
    assert "3,55" in html and "Proaktiv" in html
    assert "Umbenannt" not in html and "Ganz neuer Tipp" not in html and "Umformuliert" not in html
    assert "Wir haben unsere Prozesse für das Onboarding" in html
    assert result_of(assessment).phase.name_de == "Proaktiv"

    # New assessments use the new version.
    manager_client.post(
        reverse("assessments:start"), post_data(WORKED_EXAMPLE, load_content(draft))
    )
    newest = Assessment.objects.filter(user=manager).order_by("-created_at", "-pk").first()
    assert newest.questionnaire == draft
    assert newest.phase.name_de == "Stabil"  # 3.55 is below the moved boundary of 3.60
    assert Answer.objects.filter(assessment=assessment).count() == 20


def test_a_version_with_stored_results_cannot_be_deleted(manager):
    from django.db.models import ProtectedError

    assessment = store(manager, WORKED_EXAMPLE)
    with pytest.raises(ProtectedError):
        assessment.questionnaire.delete()


def test_a_flush_restores_the_published_questionnaire_by_itself(db):
    """Reference data comes from post_migrate, which a flush emits too."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    restored = load_content(Questionnaire.objects.current())
    assert len(restored.statements) == 20 and len(restored.tips) == 16
    assert restored.questionnaire.is_published
