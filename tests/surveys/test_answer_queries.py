"""The answer POST is the hot path of a survey wave: a bounded number of queries, the same
for one question as for many, with the answers stored in one upsert."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.models import Answer, Campaign, Invitation, Question, Response, Survey
from surveys.services import CampaignClosed, questions_of, save_response
from surveys.tokens import InvalidToken, invitation_for_token
from tests.surveys.helpers import campaign, invite, make_technician
from tests.surveys.links import link_token, token_path_for
from tests.surveys.test_respond import CLIENT_ANSWER

# A first answer: token lookup, questions (a cold cache), invitation lock, response
# upsert, answers upsert, invitation status, and its figures added to its day's row
# (surveys.rollups.add: one upsert). A change: token lookup, invitation lock, the earlier
# answers, response upsert, answers upsert, cleared answers deleted, the difference of
# the figures. The savepoint pair of the test's transaction comes on top. On PostgreSQL a
# first answer is the token lookup and one statement (pinned exactly below).
MAX_QUERIES_PER_POST = 9


def test_a_first_answer_and_a_change_each_take_a_bounded_number_of_queries(
    client, client_campaign, django_assert_max_num_queries
):
    path = token_path_for("clara@acme.example")
    with django_assert_max_num_queries(MAX_QUERIES_PER_POST):
        first = client.post(path, CLIENT_ANSWER)
    assert first.status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES_PER_POST):
        changed = client.post(path, {**CLIENT_ANSWER, "q_recommend": "2", "q_comment": ""})
    assert changed.status_code == 302
    response = Response.objects.get()
    answers = {
        a.question.key: (a.value, a.text) for a in response.answers.select_related("question")
    }
    assert answers["recommend"] == (2, "")
    assert "comment" not in answers  # cleared on change, removed
    assert len(answers) == 6
    invitation = Invitation.objects.get(email="clara@acme.example")
    assert invitation.status == "answered"


def _queries_of_save(invitation, values) -> list[str]:
    questions = questions_of(invitation.campaign.survey)
    with CaptureQueriesContext(connection) as ctx:
        save_response(invitation, values, questions)
    return [q["sql"] for q in ctx.captured_queries]


def _writes(queries: list[str]) -> list[str]:
    return [sql for sql in queries if sql.startswith(("INSERT", "UPDATE", "DELETE", "WITH"))]


def test_the_number_of_queries_does_not_grow_with_the_number_of_questions(db):
    technician = make_technician()
    # Two anonymous surveys: no daily figures to refresh for either.
    onboarding = invite(campaign("technician_onboarding"), technician)
    in_depth = invite(campaign("in_depth"), technician)
    in_depth_questions = questions_of(in_depth.campaign.survey)
    assert len(in_depth_questions) >= 10
    values = {q.key: (7 if q.is_scale else "Mehr Schulungen") for q in in_depth_questions}
    first = next(q for q in questions_of(onboarding.campaign.survey) if q.is_scale)
    one = _queries_of_save(onboarding, {first.key: 4})
    many = _queries_of_save(in_depth, values)
    assert len(one) == len(many)
    inserts = [sql for sql in many if 'INSERT INTO "surveys_answer"' in sql]
    assert len(inserts) == 1  # all answers in one statement
    assert Answer.objects.filter(response__invitation=in_depth).count() == len(values)
    # A first answer writes the response, its answers and the invitation's status (on
    # PostgreSQL in one statement); a change upserts the same rows (no second answer per
    # question) and leaves the invitation's status alone.
    assert len(_writes(many)) == (1 if connection.vendor == "postgresql" else 3)
    values = {**values, next(q.key for q in in_depth_questions if q.is_scale): 2}
    # Loaded again, as each POST loads it: the answered invitation is a change.
    again = _queries_of_save(Invitation.objects.get(pk=in_depth.pk), values)
    assert len(_writes(again)) == 2
    assert Answer.objects.filter(response__invitation=in_depth).count() == len(values)
    assert Response.objects.filter(invitation=in_depth).count() == 1


def test_a_campaign_closed_after_the_page_was_loaded_takes_no_answer(db):
    """The view checked an invitation loaded before the close; storing re-reads the
    campaign's state under the lock."""
    technician = make_technician()
    invitation = invite(campaign("pulse"), technician)
    stale = Invitation.objects.select_related("campaign__survey").get(pk=invitation.pk)
    assert stale.campaign.is_open_for_answers()
    Campaign.objects.filter(pk=stale.campaign_id).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(CampaignClosed):
        save_response(stale, {"week": 5})
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == "sent"


def test_a_response_stored_elsewhere_is_updated_not_duplicated(db):
    """The response upsert: an existing row for the invitation is reused."""
    technician = make_technician()
    invitation = invite(campaign("pulse"), technician)
    existing = Response.objects.create(
        invitation=invitation,
        survey=invitation.campaign.survey,
        campaign=invitation.campaign,
        submitted_at=timezone.now() - datetime.timedelta(days=1),
    )
    stored = save_response(invitation, {"week": 3})
    assert stored.pk == existing.pk
    assert Response.objects.get().submitted_at == existing.submitted_at
    assert Answer.objects.get().value == 3
    invitation.refresh_from_db()
    assert invitation.status == "answered" and invitation.answered_at


def test_the_token_lookup_joins_only_the_campaign_its_survey_and_the_contact(
    client, client_campaign
):
    """Each further join costs planning time on every POST (a six-table join took longer
    to plan than to run on the large data set). The contact gives its client, which a
    first answer's one statement checks (surveys.services._state_guard)."""
    path = token_path_for("clara@acme.example")
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(path, CLIENT_ANSWER).status_code == 302
    lookup = next(q["sql"] for q in ctx.captured_queries if "surveys_invitationtoken" in q["sql"])
    assert lookup.count(" JOIN ") == 4  # token, campaign, survey, contact
    assert lookup.count('"kpis_') == 1  # the contact's table only (named kpis_contact)
    assert "ORDER BY" not in lookup  # one invitation per hash: nothing to order


def test_the_answer_path_reads_the_questions_once_and_asks_no_other_app(client, client_campaign):
    """The questions are cached per survey revision, and a client onboarding answer does
    not make the ticket rating look for a rating of its invitation."""
    client.post(token_path_for("clara@acme.example"), CLIENT_ANSWER)  # the cache is warm
    other = next(i for i in client_campaign.invitations.all() if i.email != "clara@acme.example")
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(token_path_for(other.email), CLIENT_ANSWER).status_code == 302
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert 'FROM "surveys_question"' not in tables  # the daily figures may join it
    assert "ratings_" not in tables
    assert Response.objects.count() == 2


def test_a_changed_question_is_read_again(db):
    survey = campaign("pulse").survey
    first = questions_of(survey)
    question = first[0]
    question.text_de = "Wie war deine Woche wirklich?"
    question.save()
    fresh = Survey.objects.get(pk=survey.pk)
    assert fresh.questions_revision != survey.questions_revision
    assert questions_of(fresh)[0].text_de == "Wie war deine Woche wirklich?"
    Question.objects.filter(pk=question.pk).delete()  # a bulk delete, as the back office's
    assert question.pk not in [q.pk for q in questions_of(Survey.objects.get(pk=survey.pk))]


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_hand_written_token_lookup_loads_what_the_orm_loads(client_campaign):
    """Every field of the invitation, its campaign and its survey, converted as the ORM
    converts them (on SQLite date-times, UUIDs and booleans come back as text and numbers)."""
    stored = Invitation.objects.select_related("campaign__survey").get(email="clara@acme.example")
    found = invitation_for_token(link_token(stored))
    assert _fields(found) == _fields(stored)
    assert _fields(found.campaign) == _fields(stored.campaign)
    assert _fields(found.campaign.survey) == _fields(stored.campaign.survey)
    assert isinstance(found.campaign.survey.questions_revision, uuid.UUID)
    assert isinstance(found.campaign.closes_at, datetime.datetime)
    assert not found._state.adding and found.campaign.survey.for_clients is True
    with pytest.raises(InvalidToken):
        invitation_for_token(link_token(stored)[:-1] + "x")


def test_the_locking_read_runs_no_orm_built_query(client_campaign):
    """The state under the lock is one hand-written statement; on PostgreSQL it locks only
    the invitation's row."""
    invitation = Invitation.objects.select_related("campaign__survey").get(
        email="clara@acme.example"
    )
    questions = questions_of(invitation.campaign.survey)
    with CaptureQueriesContext(connection) as ctx:
        save_response(invitation, {q.key: (3 if q.is_scale else "") for q in questions}, questions)
    locking = [q["sql"] for q in ctx.captured_queries if 'FROM "surveys_invitation" i' in q["sql"]]
    assert len(locking) == 1
    if connection.vendor == "postgresql":
        assert locking[0].endswith("FOR UPDATE OF i")


@pytest.mark.postgresql
def test_a_first_answer_on_postgresql_is_the_lookup_and_one_statement(client, client_campaign):
    """The locking read is part of the write: the statement locks the invitation and
    writes only if what the lookup loaded still holds."""
    client.post(token_path_for("clara@acme.example"), CLIENT_ANSWER)  # the cache is warm
    other = next(i for i in client_campaign.invitations.all() if i.email != "clara@acme.example")
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(token_path_for(other.email), CLIENT_ANSWER).status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVE", "RELEASE"))]
    assert len(sql) == 2
    assert "surveys_invitationtoken" in sql[0]
    assert sql[1].startswith("WITH state AS (SELECT") and "FOR UPDATE OF i" in sql[1]
    assert Invitation.objects.get(pk=other.pk).status == "answered"
