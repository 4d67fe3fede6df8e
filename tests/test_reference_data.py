"""Reference data (role groups, the five surveys, questionnaire version 1, SLA targets)
comes from post_migrate handlers: created on migrate, restored by a flush, never
duplicated and never overwriting what a manager edited."""

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal

from assessments.models import Questionnaire, Statement
from kpis.models import SLATarget
from surveys.models import Question, Survey, SurveySettings


def _counts():
    return {
        "groups": Group.objects.filter(name__in=("manager", "technician")).count(),
        "surveys": Survey.objects.count(),
        "questions": Question.objects.count(),
        "settings": SurveySettings.objects.count(),
        "questionnaires": Questionnaire.objects.count(),
        "statements": Statement.objects.count(),
        "sla_targets": SLATarget.objects.count(),
    }


EXPECTED = {
    "groups": 2,
    "surveys": 5,
    "settings": 1,
    "questionnaires": 1,
    "statements": 20,
    "sla_targets": 4,
}


def test_a_migrated_database_holds_the_reference_data(db):
    counts = _counts()
    assert {key: counts[key] for key in EXPECTED} == EXPECTED
    assert counts["questions"] > 0


def test_a_flush_restores_every_piece_of_reference_data(db):
    before = _counts()
    call_command("flush", interactive=False, verbosity=0)
    assert _counts() == before


def test_running_the_handlers_again_creates_nothing_twice(db):
    before = _counts()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert _counts() == before


def test_an_edited_text_or_target_is_never_overwritten(db):
    survey = Survey.objects.get(kind="pulse")
    survey.title_de = "Wie war deine Woche?"
    survey.save(update_fields=["title_de"])
    target = SLATarget.objects.get(priority="critical")
    target.first_response_minutes = 5
    target.save(update_fields=["first_response_minutes"])
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert Survey.objects.get(kind="pulse").title_de == "Wie war deine Woche?"
    assert SLATarget.objects.get(priority="critical").first_response_minutes == 5


def test_a_deleted_survey_or_target_comes_back(db):
    SLATarget.objects.filter(priority="low").delete()
    Group.objects.filter(name="technician").delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert SLATarget.objects.filter(priority="low").exists()
    assert Group.objects.filter(name="technician").exists()
