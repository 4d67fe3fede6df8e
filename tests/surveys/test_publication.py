"""The publication rule of the anonymous surveys: a quarter is decided once, after it has
ended and all its campaigns are closed, from at least SURVEY_MIN_AGGREGATE distinct
technicians; nothing that happens later changes it. Figures hand-computed."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.db import IntegrityError, transaction

from core.periods import day_start
from surveys import publication, tasks
from surveys.models import (
    Campaign,
    PublishedComment,
    PublishedFigure,
    PublishedQuarter,
    SurveyKind,
)
from surveys.services import CampaignClosed, save_response
from tests.surveys.helpers import answer, campaign, invite, make_technician, publish_quarters

D = datetime.date
CLOSED = Campaign.Status.CLOSED
MAY = D(2026, 5, 12)  # in the second quarter of 2026
JULY = D(2026, 7, 1)  # the day it has ended


@pytest.fixture(autouse=True)
def _minimum(settings):
    settings.SURVEY_MIN_AGGREGATE = 5


def onboarding_campaign(day=MAY, status=CLOSED, **extra):
    return campaign(
        SurveyKind.TECHNICIAN_ONBOARDING, status=status, send_at=day_start(day), **extra
    )


def in_depth_campaign(day=MAY, status=CLOSED):
    return campaign(SurveyKind.IN_DEPTH, status=status, send_at=day_start(day))


def answer_onboarding(camp, technician, overall, comment=""):
    return answer(
        invite(camp, technician),
        {"overall_onboarding": overall},
        submitted_on=MAY,
        texts={"comment": comment} if comment else None,
    )


def figure(publication_row, key):
    return publication_row.figures.get(question__key=key)


# --- Plain arithmetic --------------------------------------------------------------------


def test_each_person_weighs_the_same_whatever_their_number_of_answers():
    # Person A answered 1 five times (sum 5, count 5), B to E answered 5 once:
    # (1 + 5 + 5 + 5 + 5) / 5 = 21/5, not (5 + 20) / 9 = 25/9 per answer.
    assert publication.people_average([(5, 5), (5, 1), (5, 1), (5, 1), (5, 1)]) == Fraction(21, 5)
    # Mean of the means 7/2 and 4: 15/4.
    assert publication.people_average([(7, 2), (4, 1)]) == Fraction(15, 4)
    assert publication.people_average([]) is None


def test_averages_are_stored_with_six_decimals_rounded_half_even():
    assert str(publication.as_decimal(Fraction(65, 11))) == "5.909091"
    assert str(publication.as_decimal(Fraction(1, 2_000_000))) == "0.000000"  # half to even
    assert str(publication.as_decimal(Fraction(3, 2_000_000))) == "0.000002"


def test_the_quarter_of_a_moment_is_taken_in_the_project_time_zone():
    # 31 March 2026, 23:30 in Berlin is still the first quarter (21:30 UTC).
    moment = datetime.datetime(2026, 3, 31, 21, 30, tzinfo=datetime.UTC)
    assert publication.quarter_of(moment) == D(2026, 1, 1)
    assert publication.quarter_of(moment + datetime.timedelta(hours=1)) == D(2026, 4, 1)


# --- When a quarter is decided ---------------------------------------------------------------


def test_four_people_are_withheld_and_five_are_published(db):
    four = onboarding_campaign()
    for value in (1, 2, 3, 4):
        answer_onboarding(four, make_technician(), value)
    five = in_depth_campaign()
    for value in (0, 10, 10, 10, 10):
        answer(invite(five, make_technician()), {"job_satisfaction": value}, submitted_on=MAY)
    assert publish_quarters(JULY) == {"published": 1, "withheld": 1}
    withheld = PublishedQuarter.objects.get(survey__kind=SurveyKind.TECHNICIAN_ONBOARDING)
    assert withheld.outcome == "withheld" and withheld.respondents == 4
    assert not withheld.figures.exists() and not withheld.comments.exists()
    published = PublishedQuarter.objects.get(survey__kind=SurveyKind.IN_DEPTH)
    assert published.outcome == "published" and published.respondents == 5
    assert published.quarter == D(2026, 4, 1) and published.minimum == 5
    # (0 + 10 + 10 + 10 + 10) / 5 = 8
    assert figure(published, "job_satisfaction").average == 8
    assert figure(published, "job_satisfaction").respondents == 5
    assert set(Campaign.objects.values_list("publication__outcome", flat=True)) == {
        "withheld",
        "published",
    }


def test_one_person_in_five_campaigns_counts_once(db):
    """The five-campaigns attack: one technician answers five automatic per-client
    onboarding campaigns of a quarter. That is one person, not "5 Antwortende"."""
    alone = make_technician("Alleine")
    for _ in range(5):
        answer_onboarding(onboarding_campaign(), alone, 1, comment="Nur ich")
    assert publish_quarters(JULY) == {"published": 0, "withheld": 1}
    decided = PublishedQuarter.objects.get()
    assert decided.respondents == 1
    assert not PublishedFigure.objects.exists() and not PublishedComment.objects.exists()


def one_person_in_five_campaigns_and(others: int) -> dict:
    """One technician answers 1 in five onboarding campaigns; ``others`` answer 5 in one
    campaign each. Returns the decisions on the day the quarter has ended."""
    alone = make_technician()
    campaigns = [onboarding_campaign() for _ in range(5)]
    for camp in campaigns:
        answer_onboarding(camp, alone, 1)
    for camp in campaigns[:others]:
        answer_onboarding(camp, make_technician(), 5)
    return publish_quarters(JULY)


def test_one_person_in_five_campaigns_and_three_others_are_four_people(db):
    assert one_person_in_five_campaigns_and(3) == {"published": 0, "withheld": 1}
    assert PublishedQuarter.objects.get().respondents == 4


def test_with_a_fifth_person_each_person_weighs_once(db):
    assert one_person_in_five_campaigns_and(4) == {"published": 1, "withheld": 0}
    overall = figure(PublishedQuarter.objects.get(), "overall_onboarding")
    # (1 + 5 + 5 + 5 + 5) / 5 = 4.2; per answer it would be (5 + 20) / 9 = 2.78
    assert overall.average == Decimal("4.2") and overall.respondents == 5


def test_a_question_answered_by_four_of_five_people_has_no_average(db):
    camp = in_depth_campaign()
    for i in range(5):
        values = {"job_satisfaction": 7}
        if i:
            values["stress"] = 9
        answer(invite(camp, make_technician()), values, submitted_on=MAY)
    publish_quarters(JULY)
    published = PublishedQuarter.objects.get()
    assert figure(published, "job_satisfaction").average == 7
    stress = figure(published, "stress")
    assert stress.respondents == 4 and stress.average is None


def test_an_empty_submission_is_not_a_person(db):
    camp = onboarding_campaign()
    for value in (1, 2, 3, 4):
        answer_onboarding(camp, make_technician(), value)
    answer(invite(camp, make_technician()), {})  # a response without any answer
    assert publish_quarters(JULY) == {"published": 0, "withheld": 1}
    assert PublishedQuarter.objects.get().respondents == 4


def test_nothing_is_decided_before_the_quarter_has_ended(db):
    camp = onboarding_campaign()
    for value in (1, 2, 3, 4, 5):
        answer_onboarding(camp, make_technician(), value)
    assert publish_quarters(D(2026, 6, 30)) == {"published": 0, "withheld": 0}
    assert not PublishedQuarter.objects.exists()
    assert publication.decide_quarter(camp.survey, D(2026, 4, 1), day_start(D(2026, 6, 30))) is None
    assert publish_quarters(JULY) == {"published": 1, "withheld": 0}


@pytest.mark.parametrize("status", [Campaign.Status.OPEN, Campaign.Status.SCHEDULED])
def test_one_campaign_not_closed_holds_back_its_quarter(db, status):
    done = onboarding_campaign()
    for value in (1, 2, 3, 4, 5):
        answer_onboarding(done, make_technician(), value)
    late = onboarding_campaign(D(2026, 6, 25), status=status)
    assert publish_quarters(D(2026, 7, 5)) == {"published": 0, "withheld": 0}
    Campaign.objects.filter(pk=late.pk).update(status=CLOSED)
    assert publish_quarters(D(2026, 7, 20)) == {"published": 1, "withheld": 0}
    assert set(PublishedQuarter.objects.get().campaigns.all()) == {done, late}


def test_a_campaign_is_in_the_quarter_it_started_in(db):
    """Quarters are those of the campaign's start, not of the answers: a campaign started
    on 25 June and answered in July belongs to the second quarter."""
    camp = onboarding_campaign(D(2026, 6, 25))
    for value in (1, 2, 3, 4, 5):
        answer(invite(camp, make_technician()), {"overall_onboarding": value}, D(2026, 7, 3))
    publish_quarters(D(2026, 8, 1))
    assert PublishedQuarter.objects.get().quarter == D(2026, 4, 1)


def test_comments_are_published_sorted_without_authors(db):
    camp = in_depth_campaign()
    for text in ("zuletzt", "Mitte", "anfangs", "Zebra", "Bäume"):
        answer(
            invite(camp, make_technician()),
            {"job_satisfaction": 5},
            submitted_on=MAY,
            texts={"improve_first": text},
        )
    publish_quarters(JULY)
    comments = list(PublishedQuarter.objects.get().comments.values_list("position", "text"))
    assert comments == [(1, "anfangs"), (2, "Bäume"), (3, "Mitte"), (4, "Zebra"), (5, "zuletzt")]


# --- Decided once ----------------------------------------------------------------------------


def five_answered(day=MAY):
    camp = onboarding_campaign(day)
    for value in (1, 2, 3, 4, 5):
        answer_onboarding(camp, make_technician(), value, comment=f"Kommentar {value}")
    return camp


def test_running_twice_decides_once(db):
    five_answered()
    assert publish_quarters(JULY) == {"published": 1, "withheld": 0}
    assert publish_quarters(JULY) == {"published": 0, "withheld": 0}
    survey = PublishedQuarter.objects.get().survey
    assert publication.decide_quarter(survey, D(2026, 4, 1), day_start(JULY)) is None
    assert PublishedQuarter.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedQuarter.objects.create(
            survey=survey, quarter=D(2026, 4, 1), outcome="published", respondents=9, minimum=5
        )


def test_an_answer_after_publication_changes_nothing(db):
    camp = five_answered()
    publish_quarters(JULY)
    published = PublishedQuarter.objects.get()
    before = list(published.figures.values_list("question__key", "respondents", "average"))
    # Reopened behind the product's back: the link still refuses, the campaign is published.
    Campaign.objects.filter(pk=camp.pk).update(
        status=Campaign.Status.OPEN, closes_at=day_start(D(2027, 1, 1))
    )
    camp.refresh_from_db()
    late = invite(camp, make_technician())
    with time_machine.travel(day_start(D(2026, 7, 2)), tick=False):
        assert not camp.is_open_for_answers()
        with pytest.raises(CampaignClosed):
            save_response(late, {"overall_onboarding": 1, "comment": "Zu spät"})
    # Even stored straight into the database, it reaches no published figure.
    answer(late, {"overall_onboarding": 1}, texts={"comment": "Zu spät"})
    Campaign.objects.filter(pk=camp.pk).update(status=CLOSED)
    assert publish_quarters(D(2026, 8, 1)) == {"published": 0, "withheld": 0}
    published.refresh_from_db()
    assert published.respondents == 5
    assert list(published.figures.values_list("question__key", "respondents", "average")) == before
    assert "Zu spät" not in published.comments.values_list("text", flat=True)


def test_a_campaign_moved_after_publication_is_not_counted_again(db, settings):
    """Moving a published campaign into a later quarter must not let its answers appear a
    second time beside one more person (differencing two quarters)."""
    camp = five_answered(MAY)
    publish_quarters(JULY)
    Campaign.objects.filter(pk=camp.pk).update(send_at=day_start(D(2026, 8, 1)))
    one_more = onboarding_campaign(D(2026, 8, 2))
    answer_onboarding(one_more, make_technician(), 1)
    assert publish_quarters(D(2026, 10, 1)) == {"published": 0, "withheld": 1}
    assert PublishedQuarter.objects.get(quarter=D(2026, 7, 1)).respondents == 1


def test_a_campaign_added_to_a_decided_quarter_stays_out_of_it(db):
    five_answered()
    publish_quarters(JULY)
    added = onboarding_campaign(D(2026, 5, 20))  # e.g. created by hand in the database
    answer_onboarding(added, make_technician(), 1, comment="Nachgereicht")
    assert publish_quarters(D(2026, 8, 1)) == {"published": 0, "withheld": 0}
    added.refresh_from_db()
    assert added.publication is None
    assert not PublishedComment.objects.filter(text="Nachgereicht").exists()


def test_a_deleted_technician_does_not_change_a_published_quarter(db):
    five_answered()
    publish_quarters(JULY)
    published = PublishedQuarter.objects.get()
    before = figure(published, "overall_onboarding").average
    from organisation.models import Technician

    Technician.objects.filter(survey_invitations__campaign__publication=published).first().delete()
    published.refresh_from_db()
    assert published.respondents == 5
    assert figure(published, "overall_onboarding").average == before == 3


def test_the_dispatcher_closes_and_publishes_in_one_run(db):
    camp = five_answered(D(2026, 6, 20))
    Campaign.objects.filter(pk=camp.pk).update(
        status=Campaign.Status.OPEN, closes_at=day_start(D(2026, 7, 11))
    )
    with time_machine.travel(day_start(D(2026, 7, 10)), tick=False):
        assert tasks.dispatch_due.apply().get()["quarters"] == {"published": 0, "withheld": 0}
    with time_machine.travel(day_start(D(2026, 7, 11)), tick=False):
        result = tasks.dispatch_due.apply().get()
    assert result["closed"] == 1
    assert result["quarters"] == {"published": 1, "withheld": 0}
    with time_machine.travel(day_start(D(2026, 7, 11)), tick=False):
        assert tasks.dispatch_due.apply().get()["quarters"] == {"published": 0, "withheld": 0}
