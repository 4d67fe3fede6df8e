"""The daily survey figures (surveys.rollups) against a direct count of the answers and
invitations, over a seeded random history written through the product's own paths:
invitations sent by core.delivery, answers saved, changed, cleared and withdrawn, campaigns
closed; anonymous surveys answered beside them and never rolled up."""

import datetime
import io
import random
from collections import defaultdict

import pytest
import time_machine
from django.utils import timezone

from core import delivery
from core.periods import Period, day_start, local_day, next_step
from surveys import metrics, rollups
from surveys.models import (
    ROLLED_UP_KINDS,
    Answer,
    Invitation,
    InvitationStatus,
    Metric,
    SurveyDailyRollup,
    SurveyKind,
)
from surveys.sending import INVITATIONS
from surveys.services import (
    close_campaign,
    create_campaign,
    questions_of,
    save_response,
    withdraw_response,
)
from tests.surveys.helpers import make_client, make_contact, make_technician, survey

FIRST = datetime.date(2026, 1, 1)
DAYS = 150


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    # Some answers late in the evening: a UTC date that differs from the local day.
    return day_start(day) + datetime.timedelta(hours=rng.choice([0, 9, 13, 23]), minutes=30)


def _values(questions, rng: random.Random) -> dict:
    values = {}
    for question in questions:
        if not question.required and rng.random() < 0.3:
            continue  # left out (and cleared, when it was answered before)
        if question.is_scale:
            values[question.key] = rng.randint(question.scale_min, question.scale_max)
        else:
            values[question.key] = rng.choice(["Gut.", "Zu langsam.", ""])
    return values


@pytest.fixture
def history(db, mailoutbox):
    """About 20 client onboarding and pulse campaigns over five months, and two in-depth
    ones; each recipient answers (or not), some change their answers days later, some
    answers are withdrawn, every campaign is closed in the end."""
    rng = random.Random(17)
    clients = [make_client(f"R{i}") for i in range(4)]
    contacts = {c.pk: [make_contact(c) for _ in range(rng.randint(1, 4))] for c in clients}
    technicians = [make_technician() for _ in range(7)]
    kinds = [SurveyKind.CLIENT_ONBOARDING] * 3 + [SurveyKind.PULSE] * 2 + [SurveyKind.IN_DEPTH]
    events = []  # (moment, what to do)
    campaigns = []
    for n in range(22):
        kind = rng.choice(kinds)
        day = FIRST + datetime.timedelta(days=rng.randrange(DAYS - 20))
        start = _moment(day, rng)
        if kind == SurveyKind.CLIENT_ONBOARDING:
            client = rng.choice(clients)
            recipients = contacts[client.pk]
        else:
            client, recipients = None, technicians
        with time_machine.travel(start, tick=False):
            camp = create_campaign(
                survey=survey(kind),
                name=f"R {n}",
                recipients=recipients,
                closes_at=start + datetime.timedelta(days=21),
                client=client,
            )
            delivery.send_batch(INVITATIONS, camp.pk)
        campaigns.append(camp)
        questions = questions_of(camp.survey)
        for invitation in camp.invitations.all():
            if rng.random() < 0.25:
                continue  # never answers
            when = start + datetime.timedelta(hours=rng.randint(1, 24 * 12))
            events.append((when, "save", invitation, _values(questions, rng)))
            if rng.random() < 0.3:
                later = when + datetime.timedelta(hours=rng.randint(1, 24 * 6))
                events.append((later, "save", invitation, _values(questions, rng)))
            if rng.random() < 0.1:
                later = when + datetime.timedelta(hours=rng.randint(1, 24 * 6))
                events.append((later, "withdraw", invitation, None))
        closing = start + datetime.timedelta(days=rng.choice([5, 21]))
        events.append((closing, "close", camp, None))
    events.sort(key=lambda event: event[0])
    for when, action, target, values in events:
        with time_machine.travel(when, tick=False):
            if action == "close":
                close_campaign(target)
                continue
            invitation = Invitation.objects.select_related("campaign__survey").get(pk=target.pk)
            if not invitation.campaign.is_open_for_answers():
                continue
            if action == "save":
                save_response(invitation, values)
            else:
                withdraw_response(invitation)
    return clients


def _within(moment: datetime.datetime, period: Period) -> bool:
    return period.start <= local_day(moment) < period.end


def _direct_client(period: Period, client_ids=None) -> dict:
    """client_onboarding_summary counted answer by answer."""
    counts = defaultdict(int)
    ces = []
    responses = set()
    for a in Answer.objects.filter(
        response__survey__kind=SurveyKind.CLIENT_ONBOARDING
    ).select_related("response", "question"):
        if not _within(a.response.submitted_at, period):
            continue
        if client_ids is not None and a.response.client_id not in client_ids:
            continue
        responses.add(a.response_id)
        metric, value = a.question.metric, a.value
        if value is None:
            continue
        if metric == Metric.NPS:
            counts["n"] += 1
            counts["p"] += value >= 9
            counts["d"] += value <= 6
        elif metric == Metric.CSAT:
            counts["cn"] += 1
            counts["cs"] += value >= 4
        elif metric == Metric.CES:
            ces.append(value)
    invited = answered = 0
    for i in Invitation.objects.filter(
        campaign__survey__kind=SurveyKind.CLIENT_ONBOARDING, sent_at__isnull=False
    ).select_related("contact"):
        if _within(i.sent_at, period) and (client_ids is None or i.contact.client_id in client_ids):
            invited += 1
            answered += i.status == InvitationStatus.ANSWERED
    return {
        "nps": metrics.nps_from_counts(counts["p"], counts["d"], counts["n"]),
        "csat": metrics.share(counts["cs"], counts["cn"]),
        "ces": sum(ces) / len(ces) if ces else None,
        "responses": len(responses),
        "invited": invited,
        "response_rate": metrics.share(answered, invited),
    }


def _direct_pulse(period: Period) -> tuple[float | None, int]:
    values, responses = [], set()
    for a in metrics.pulse_answers().select_related("response"):
        if _within(a.response.submitted_at, period):
            values.append(a.value)
            responses.add(a.response_id)
    return (sum(values) / len(values) if values else None), len(responses)


def _same(figures: dict, expected: dict) -> None:
    assert figures.keys() == expected.keys()
    for key, value in expected.items():
        if value is None:
            assert figures[key] is None, key
        else:
            assert figures[key] == pytest.approx(value), key


def _periods():
    yield Period(FIRST, FIRST + datetime.timedelta(days=DAYS + 30))
    rng = random.Random(3)
    for _ in range(12):
        start = FIRST + datetime.timedelta(days=rng.randrange(DAYS))
        yield Period(start, start + datetime.timedelta(days=rng.choice([1, 7, 30, 90])))


def test_the_daily_figures_equal_a_direct_count_through_answers_changes_and_closing(history):
    assert Answer.objects.filter(response__survey__kind=SurveyKind.CLIENT_ONBOARDING).exists()
    assert Answer.objects.filter(response__survey__kind=SurveyKind.PULSE).exists()
    clients = [c.pk for c in history]
    for period in _periods():
        _same(metrics.client_onboarding_summary(period), _direct_client(period))
        _same(
            metrics.client_onboarding_summary(period, clients[:2]),
            _direct_client(period, set(clients[:2])),
        )
        by_client = metrics.client_onboarding_by_client(period)
        for pk in clients:
            direct = _direct_client(period, {pk})
            if direct["responses"] or direct["invited"]:
                _same(by_client[pk], direct)
            else:
                assert pk not in by_client
        for row in metrics.client_onboarding_by_month(period):
            month = row.pop("month")
            part = Period(max(month, period.start), min(next_step(month, "month"), period.end))
            _same(row, _direct_client(part))
        average, responses = _direct_pulse(period)
        assert metrics.pulse_average(period) == (
            pytest.approx(average) if average is not None else None
        )
        assert sum(w["responses"] for w in metrics.pulse_average_by_period(period, "week")) == (
            responses
        )


def test_a_rebuild_writes_the_same_rows_the_services_kept(history):
    fields = ["kind", "client_id", "day", *rollups.INVITATION_FIGURES, *rollups.ANSWER_FIGURES]
    kept = sorted(SurveyDailyRollup.objects.values_list(*fields), key=str)
    rollups.rebuild_all()
    assert sorted(SurveyDailyRollup.objects.values_list(*fields), key=str) == kept
    assert kept


def test_anonymous_answers_never_reach_the_daily_rows(history):
    assert Answer.objects.filter(response__survey__kind=SurveyKind.IN_DEPTH).exists()
    assert set(SurveyDailyRollup.objects.values_list("kind", flat=True)) <= set(ROLLED_UP_KINDS)


def test_the_command_and_the_hourly_task_rebuild_lost_rows(db, client_company):
    from django.core.management import call_command

    from surveys.tasks import refresh_rollups
    from tests.surveys.helpers import campaign, client_answer

    today = timezone.localdate()
    client_answer(campaign(SurveyKind.CLIENT_ONBOARDING), client_company, 4, 9, 5, today)
    period = Period.through(today, today)
    assert metrics.client_onboarding_summary(period)["responses"] == 1
    SurveyDailyRollup.objects.all().delete()
    assert metrics.client_onboarding_summary(period)["responses"] == 0
    out = io.StringIO()
    call_command("refresh_survey_rollups", "--days", "3", stdout=out)
    assert "1 daily survey rows written" in out.getvalue()
    assert metrics.client_onboarding_summary(period)["responses"] == 1
    SurveyDailyRollup.objects.all().delete()
    refresh_rollups.apply()
    assert metrics.client_onboarding_summary(period)["responses"] == 1
