"""An answer counts its own figures into its day's row (surveys.rollups.answers_changed):
a first answer adds them, a change adds the difference, a withdrawal takes them off, and
concurrent answers to one day's row each count once. Figures computed by hand from the
reference questions: overall_satisfaction is the CSAT (satisfied from 4), recommend the
NPS (promoter from 9, detractor up to 6), support_effort the CES, week the pulse."""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.periods import day_start, local_day
from surveys import rollups
from surveys.models import Invitation, InvitationStatus, SurveyDailyRollup, SurveyKind
from surveys.services import questions_of, save_response, withdraw_response
from surveys.tokens import invitation_for_token
from tests.surveys.helpers import campaign, invite, make_client, make_contact, make_technician
from tests.surveys.links import link_token

SENT = datetime.date(2026, 3, 2)  # a Monday
ANSWERED = datetime.date(2026, 3, 4)
CHANGED = datetime.date(2026, 3, 6)

GOOD = {
    "overall_satisfaction": 4,
    "recommend": 9,
    "support_effort": 6,
    "contract_closing": 5,
    "finalising_responsiveness": 4,
    "asset_discovery": 3,
    "comment": "Gut.",
}
POOR = {**GOOD, "overall_satisfaction": 2, "recommend": 3, "support_effort": 2, "comment": ""}


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return day_start(day) + datetime.timedelta(hours=hour)


def row(kind, client, day) -> dict | None:
    """The row's figures without the zeros, or None if there is no row."""
    found = SurveyDailyRollup.objects.filter(kind=kind, client_id=client, day=day)
    values = found.values(*rollups.FIGURES).first()
    return None if values is None else {k: v for k, v in values.items() if v}


def _fresh(invitation: Invitation) -> Invitation:
    """Loaded as the answer page loads it (on PostgreSQL a first answer is then one
    statement that checks what was loaded, surveys.services._state_guard)."""
    return invitation_for_token(link_token(invitation))


def _save(invitation, values, day, hour=10):
    with time_machine.travel(_at(day, hour), tick=False):
        return save_response(_fresh(invitation), values)


def _rebuilt() -> list:
    fields = ["kind", "client_id", "day", *rollups.FIGURES]
    kept = sorted(SurveyDailyRollup.objects.values_list(*fields), key=str)
    rollups.rebuild_all()
    return [kept, sorted(SurveyDailyRollup.objects.values_list(*fields), key=str)]


@pytest.fixture
def onboarding(db):
    """A client onboarding invitation sent on SENT, not answered yet."""
    client = make_client("Inc")
    camp = campaign(
        SurveyKind.CLIENT_ONBOARDING,
        client=client,
        send_at=_at(SENT),
        closes_at=_at(SENT) + datetime.timedelta(days=21),
    )
    return invite(camp, make_contact(client), sent_at=_at(SENT))


GOOD_FIGURES = {
    "responses": 1,
    "nps_n": 1,
    "nps_promoters": 1,
    "csat_n": 1,
    "csat_satisfied": 1,
    "ces_sum": 6,
    "ces_n": 1,
}
POOR_FIGURES = {
    "responses": 1,
    "nps_n": 1,
    "nps_detractors": 1,
    "csat_n": 1,
    "ces_sum": 2,
    "ces_n": 1,
}


def test_a_first_answer_adds_its_figures_to_its_day_and_answered_to_the_sent_day(onboarding):
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    assert row(kind, client, SENT) == {"invited": 1}
    _save(onboarding, GOOD, ANSWERED)
    assert row(kind, client, ANSWERED) == GOOD_FIGURES
    assert row(kind, client, SENT) == {"invited": 1, "answered": 1}
    kept, rebuilt = _rebuilt()
    assert kept == rebuilt


def test_a_second_answer_on_the_same_day_adds_to_the_first(onboarding):
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    other = invite(onboarding.campaign, make_contact(onboarding.contact.client), sent_at=_at(SENT))
    _save(onboarding, GOOD, ANSWERED, hour=9)
    _save(other, POOR, ANSWERED, hour=23)  # 23:00 local, 22:00 UTC: the same local day
    assert row(kind, client, ANSWERED) == {
        "responses": 2,
        "nps_n": 2,
        "nps_promoters": 1,
        "nps_detractors": 1,
        "csat_n": 2,
        "csat_satisfied": 1,
        "ces_sum": 8,
        "ces_n": 2,
    }
    assert row(kind, client, SENT) == {"invited": 2, "answered": 2}


def test_a_changed_answer_moves_the_figures_of_its_first_day_by_the_difference(onboarding):
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    _save(onboarding, GOOD, ANSWERED)
    _save(onboarding, POOR, CHANGED)
    assert row(kind, client, ANSWERED) == POOR_FIGURES  # the day of the first submit
    assert row(kind, client, CHANGED) is None
    assert row(kind, client, SENT) == {"invited": 1, "answered": 1}  # answered once
    _save(onboarding, GOOD, CHANGED)
    assert row(kind, client, ANSWERED) == GOOD_FIGURES
    kept, rebuilt = _rebuilt()
    assert kept == rebuilt


def test_the_same_answers_again_write_no_figures(onboarding):
    _save(onboarding, GOOD, ANSWERED)
    with CaptureQueriesContext(connection) as ctx:
        _save(onboarding, GOOD, CHANGED)
    assert not [q for q in ctx.captured_queries if "surveydailyrollup" in q["sql"]]


def test_a_withdrawn_answer_takes_its_figures_off_and_its_empty_row_goes(onboarding):
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    _save(onboarding, GOOD, ANSWERED)
    with time_machine.travel(_at(CHANGED), tick=False):
        withdraw_response(_fresh(onboarding))
    assert row(kind, client, ANSWERED) is None
    assert row(kind, client, SENT) == {"invited": 1}
    assert _fresh(onboarding).status == InvitationStatus.SENT
    _save(onboarding, POOR, CHANGED)  # answered again: a new first day
    assert row(kind, client, CHANGED) == POOR_FIGURES
    assert row(kind, client, SENT) == {"invited": 1, "answered": 1}


def test_a_withdrawal_leaves_the_other_answers_of_the_day(onboarding):
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    other = invite(onboarding.campaign, make_contact(onboarding.contact.client), sent_at=_at(SENT))
    _save(onboarding, GOOD, ANSWERED)
    _save(other, POOR, ANSWERED)
    with time_machine.travel(_at(CHANGED), tick=False):
        withdraw_response(_fresh(onboarding))
    assert row(kind, client, ANSWERED) == POOR_FIGURES
    assert row(kind, client, SENT) == {"invited": 2, "answered": 1}


def test_the_pulse_counts_into_the_one_row_without_a_client(db):
    technician = make_technician()
    camp = campaign(
        SurveyKind.PULSE, send_at=_at(SENT), closes_at=_at(SENT) + datetime.timedelta(days=6)
    )
    first = invite(camp, technician, sent_at=_at(SENT))
    second = invite(camp, make_technician(), sent_at=_at(SENT))
    _save(first, {"week": 4, "comment": "Viel los."}, ANSWERED)
    _save(second, {"week": 2}, ANSWERED)
    _save(first, {"week": 5}, CHANGED)
    pulse = {"responses": 2, "pulse_sum": 7, "pulse_n": 2, "pulse_responses": 2}
    assert row(SurveyKind.PULSE, None, ANSWERED) == pulse
    assert row(SurveyKind.PULSE, None, SENT) == {"invited": 2, "answered": 2}
    assert SurveyDailyRollup.objects.filter(kind=SurveyKind.PULSE, day=ANSWERED).count() == 1


def test_an_anonymous_survey_writes_no_figures(db):
    invitation = invite(campaign(SurveyKind.IN_DEPTH), make_technician())
    scale = next(q for q in questions_of(invitation.campaign.survey) if q.is_scale)
    with CaptureQueriesContext(connection) as ctx:
        save_response(_fresh(invitation), {scale.key: 4})
        withdraw_response(_fresh(invitation))
    assert not [q for q in ctx.captured_queries if "surveydailyrollup" in q["sql"]]
    assert not SurveyDailyRollup.objects.exists()


def test_a_first_answer_writes_its_figures_in_one_statement_and_reads_no_answers(onboarding):
    page = _fresh(onboarding)
    with CaptureQueriesContext(connection) as ctx, time_machine.travel(_at(ANSWERED)):
        save_response(page, GOOD)
    sql = [q["sql"] for q in ctx.captured_queries]
    figures = [s for s in sql if "surveydailyrollup" in s]
    assert len(figures) == 1
    assert 'INSERT INTO "surveys_surveydailyrollup"' in figures[0]
    assert "ON CONFLICT" in figures[0]
    assert not [s for s in sql if s.startswith("SELECT") and 'FROM "surveys_answer"' in s]
    if connection.vendor == "postgresql":  # with the response and its answers
        writes = [s for s in sql if not s.startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
        assert writes == figures


def test_a_first_answer_loaded_before_another_was_stored_is_a_change(onboarding):
    """Two pages loaded before either answer was stored: the second answer finds the
    invitation answered (on PostgreSQL its one statement writes nothing and the locked
    read follows) and counts as a change, once."""
    first, second = _fresh(onboarding), _fresh(onboarding)
    with time_machine.travel(_at(ANSWERED), tick=False):
        save_response(first, GOOD)
        save_response(second, POOR)
    kind, client = SurveyKind.CLIENT_ONBOARDING, onboarding.contact.client_id
    assert row(kind, client, ANSWERED) == POOR_FIGURES
    assert row(kind, client, SENT) == {"invited": 1, "answered": 1}
    assert Invitation.objects.get(pk=onboarding.pk).status == InvitationStatus.ANSWERED
    kept, rebuilt = _rebuilt()
    assert kept == rebuilt


@pytest.mark.parametrize("client", [True, False], ids=["client", "pulse"])
def test_a_day_has_one_row_per_survey_and_client(db, client):
    owner = make_client("Row") if client else None
    SurveyDailyRollup.objects.create(kind=SurveyKind.PULSE, client=owner, day=SENT, invited=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyDailyRollup.objects.create(kind=SurveyKind.PULSE, client=owner, day=SENT)


def test_the_figures_of_one_response_are_counted_as_the_refresh_counts_them():
    figures = rollups.answer_figures(
        [("nps", 10), ("nps", 6), ("nps", 7), ("csat", 4), ("csat", 3), ("ces", 5), ("", None)]
    )
    assert figures == {
        **dict.fromkeys(rollups.ANSWER_FIGURES, 0),
        "responses": 1,
        "nps_n": 3,
        "nps_promoters": 1,
        "nps_detractors": 1,
        "csat_n": 2,
        "csat_satisfied": 1,
        "ces_sum": 5,
        "ces_n": 1,
    }
    assert rollups.answer_figures([("", None)])["responses"] == 1  # a comment alone
    assert rollups.answer_figures([])["responses"] == 0
    pulse = rollups.answer_figures([("pulse", 3)])
    assert (pulse["pulse_sum"], pulse["pulse_n"], pulse["pulse_responses"]) == (3, 1, 1)


# --- Two connections (PostgreSQL) ------------------------------------------------------


def _together(jobs) -> list:
    """Run the callables in threads released at once; returns what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [SurveyKind.CLIENT_ONBOARDING, SurveyKind.PULSE])
def test_concurrent_answers_to_one_day_each_count_once(kind):
    """Six answers at the same moment into a row that does not exist yet: each INSERT …
    ON CONFLICT either creates it or adds to it, none is lost and none fails."""
    owner = make_client("Race") if kind == SurveyKind.CLIENT_ONBOARDING else None
    camp = campaign(kind, client=owner, send_at=_at(SENT), closes_in_days=3650)
    people = [make_contact(owner) if owner else make_technician() for _ in range(6)]
    invitations = [invite(camp, person, sent_at=_at(SENT)) for person in people]
    if owner:
        values = [{**GOOD, "recommend": n} for n in (10, 9, 8, 7, 6, 0)]
    else:
        values = [{"week": n} for n in (5, 4, 3, 3, 2, 1)]
    errors = _together(
        [
            lambda i=i, v=v: save_response(_fresh(i), v)
            for i, v in zip(invitations, values, strict=True)
        ]
    )
    assert errors == []
    day = local_day(timezone.now())  # a test run at midnight may see two days
    client = owner.pk if owner else None
    if owner:
        assert row(kind, client, day) == {
            "responses": 6,
            "nps_n": 6,
            "nps_promoters": 2,
            "nps_detractors": 2,
            "csat_n": 6,
            "csat_satisfied": 6,
            "ces_sum": 36,
            "ces_n": 6,
        }
    else:
        assert row(kind, client, day) == {
            "responses": 6,
            "pulse_sum": 18,
            "pulse_n": 6,
            "pulse_responses": 6,
        }
    assert row(kind, client, SENT) == {"invited": 6, "answered": 6}
    kept, rebuilt = _rebuilt()
    assert kept == rebuilt


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_answers_to_one_invitation_are_counted_once():
    """Four pages loaded before any answer, posted at the same moment: one statement
    locks the invitation and writes; the others find it answered once the lock is theirs,
    write nothing and store their answers as changes."""
    owner = make_client("Twice")
    camp = campaign(SurveyKind.CLIENT_ONBOARDING, client=owner, send_at=_at(SENT))
    invitation = invite(camp, make_contact(owner), sent_at=_at(SENT))
    pages = [_fresh(invitation) for _ in range(4)]
    errors = _together([lambda page=page: save_response(page, GOOD) for page in pages])
    assert errors == []
    day = local_day(timezone.now())
    assert row(SurveyKind.CLIENT_ONBOARDING, owner.pk, day) == GOOD_FIGURES
    assert row(SurveyKind.CLIENT_ONBOARDING, owner.pk, SENT) == {"invited": 1, "answered": 1}
    assert Invitation.objects.get(pk=invitation.pk).response.answers.count() == len(GOOD)
    kept, rebuilt = _rebuilt()
    assert kept == rebuilt


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_for_an_answer_not_yet_committed_and_counts_it_once():
    """The refresh locks the rows' table before it reads: without, it would read before
    the answer commits and then delete (or collide with) the row the answer added to."""
    owner = make_client("Lock")
    camp = campaign(SurveyKind.CLIENT_ONBOARDING, client=owner, send_at=_at(SENT))
    invitation = invite(camp, make_contact(owner), sent_at=_at(SENT))
    saved, go = threading.Event(), threading.Event()

    def answer():
        with transaction.atomic():
            save_response(_fresh(invitation), GOOD)
            saved.set()
            go.wait(10)

    def refresh():
        saved.wait(10)
        rollups.refresh()

    errors = []

    def run(job):
        try:
            job()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in (answer, refresh)]
    for thread in threads:
        thread.start()
    saved.wait(10)
    time.sleep(0.5)  # the refresh reaches its lock meanwhile
    go.set()
    for thread in threads:
        thread.join()
    assert errors == []
    responses = SurveyDailyRollup.objects.exclude(day=SENT).values_list("responses", flat=True)
    assert list(responses) == [1]
    assert row(SurveyKind.CLIENT_ONBOARDING, owner.pk, SENT) == {"invited": 1, "answered": 1}
