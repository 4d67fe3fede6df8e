"""Arbitrary input to every form a person fills in: the self-assessment (as a visitor and
signed in), the four survey forms behind a personal link, the technician's own survey
page and the campaign form. The answer is always a page or a clear error, never a 500,
and a refused submission stores nothing (not even part of it)."""

import datetime
import string

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Answer as AssessmentAnswer
from assessments.models import Assessment
from surveys.models import Answer, Campaign, Invitation, InvitationToken, Response, Survey
from surveys.services import create_campaign
from tests.assessments.factories import content
from tests.helpers import fuzz, with_form_token
from tests.surveys.helpers import make_client, make_contact, make_technician
from tests.surveys.links import link_token

FUZZ = fuzz(50)

# Values a person (or a bot) might send: numbers of any size and form, unicode digits
# ("²", "٣"), control characters, long text.
weird_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "0", "1", "5", "10", "11", "-1", "1e3", "١", "²", "٣", "Ⅳ", "NaN"]),
    st.sampled_from(["9" * 50, "9" * 5000, "0x10", "1.5", "3 ", "\x00", "4\x00"]),
)
weird_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=60),
    st.sampled_from(["<script>alert(1)</script>", '=HYPERLINK("http://x","y")', "a" * 5000]),
)
value = st.one_of(weird_numbers, weird_text)
values = st.one_of(value, st.lists(value, min_size=0, max_size=3))


def post_strategy(known_fields: list[str]):
    """A POST body: some of the form's own fields with arbitrary values, plus random keys."""
    own = st.dictionaries(st.sampled_from(known_fields), values, max_size=len(known_fields))
    foreign = st.dictionaries(st.text(min_size=1, max_size=20), values, max_size=4)
    return st.tuples(own, foreign).map(lambda pair: {**pair[1], **pair[0]})


def assert_page_or_clear_error(response):
    assert response.status_code in (200, 302) or 400 <= response.status_code < 500, (
        response.status_code
    )


# --- Self-assessment ----------------------------------------------------------------------


def _assessment_fields():
    statements = [s for area in content().areas for s in area.statement_list]
    return ["version", *[f"statement-{s.pk}" for s in statements], "statement-999999"]


def _assessment_state():
    return (
        Assessment.objects.count(),
        AssessmentAnswer.objects.count(),
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_the_assessment_form_survives_arbitrary_input(client, manager, signed_in):
    if signed_in:
        client.force_login(manager)
    fields = _assessment_fields()

    @FUZZ
    @given(data=post_strategy(fields))
    def check(data):
        before = _assessment_state()
        response = client.post("/assessment/", data)
        assert_page_or_clear_error(response)
        after = _assessment_state()
        if response.status_code == 302 and signed_in:
            # A complete, valid submission: exactly one assessment with all 20 answers.
            assert after == (before[0] + 1, before[1] + 20)
        else:
            assert after == before

    check()


def test_the_assessment_form_with_a_complete_answer_and_a_strange_version(client, manager):
    """The version field picks the questionnaire; nonsense there falls back to the current
    one instead of failing."""
    client.force_login(manager)
    base = {name: "3" for name in _assessment_fields() if name.startswith("statement-")}
    base.pop("statement-999999")

    @FUZZ
    @given(version=weird_numbers)
    def check(version):
        before = _assessment_state()
        response = client.post("/assessment/", {**base, "version": version})
        assert response.status_code == 302
        assert _assessment_state() == (before[0] + 1, before[1] + 20)

    check()


def test_a_team_round_answer_survives_arbitrary_input(client, manager, technician_user):
    from assessments.services import open_round

    team_round = open_round(name="Fuzz", opened_by=manager, members=[technician_user])
    client.force_login(technician_user)
    fields = _assessment_fields()
    url = f"/assessment/rounds/{team_round.pk}/answer/"

    @FUZZ
    @given(data=post_strategy(fields))
    def check(data):
        before = _assessment_state()
        response = client.post(url, data)
        assert_page_or_clear_error(response)
        after = _assessment_state()
        if after != before:
            # Only a complete answer is stored, and only once per member.
            assert after == (before[0] + 1, before[1] + 20)
            assert team_round.submissions.count() == 1

    check()


# --- Surveys --------------------------------------------------------------------------------


def _survey_state(invitation):
    return (
        Response.objects.count(),
        Answer.objects.count(),
        sorted(
            Answer.objects.filter(response__invitation=invitation).values_list(
                "question__key", "value", "text"
            )
        ),
    )


def _open_invitation(kind):
    survey = Survey.objects.get(kind=kind)
    recipient = make_contact(make_client()) if survey.for_clients else make_technician()
    campaign = create_campaign(
        survey=survey,
        name=f"Fuzz {kind}",
        recipients=[recipient],
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    invitation = campaign.invitations.get()
    return invitation, link_token(invitation)


@pytest.mark.parametrize(
    "kind", ["client_onboarding", "technician_onboarding", "pulse", "in_depth"]
)
def test_each_survey_form_survives_arbitrary_input(client, db, kind):
    invitation, token = _open_invitation(kind)
    fields = [f"q_{q.key}" for q in invitation.campaign.survey.questions.all()]
    url = f"/surveys/r/{token}/"

    @FUZZ
    @given(data=post_strategy(fields), face=weird_numbers)
    def check(data, face):
        before = _survey_state(invitation)
        assert_page_or_clear_error(client.get(url, {"face": face}))
        response = client.post(url, data)
        assert_page_or_clear_error(response)
        after = _survey_state(invitation)
        if response.status_code != 302:
            assert after == before  # nothing partial
        else:
            assert after[0] == 1  # one response for this invitation, however often sent
            assert {key for key, _v, _t in after[2]} >= {
                q.key for q in invitation.campaign.survey.questions.filter(required=True)
            }

    check()


def test_a_technicians_own_survey_page_survives_arbitrary_input(client, technician):
    survey = Survey.objects.get(kind="in_depth")
    campaign = create_campaign(
        survey=survey,
        name="Fuzz mine",
        recipients=[technician],
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    invitation = campaign.invitations.get()
    client.force_login(technician.user)
    fields = [f"q_{q.key}" for q in survey.questions.all()]

    @FUZZ
    @given(data=post_strategy(fields))
    def check(data):
        before = _survey_state(invitation)
        response = client.post(f"/surveys/mine/{invitation.pk}/", data)
        assert_page_or_clear_error(response)
        if response.status_code != 302:
            assert _survey_state(invitation) == before

    check()


@pytest.mark.parametrize("token", ["x", "a.b", "a.b.c", "ä" * 10, "." * 50, "9" * 150])
def test_nonsense_tokens_are_a_friendly_404(client, db, token):
    response = client.post(f"/surveys/r/{token}/", {"q_week": "3"})
    assert response.status_code == 404
    assert Response.objects.count() == 0


# --- Campaign form --------------------------------------------------------------------------


CAMPAIGN_FIELDS = [
    "survey",
    "name",
    "clients",
    "contacts",
    "technicians",
    "send_at",
    "closes_on",
    "reminder_after_days",
    "max_reminders",
]


def _campaign_state():
    return Campaign.objects.count(), Invitation.objects.count(), InvitationToken.objects.count()


def test_the_campaign_form_survives_arbitrary_input(manager_client, client_company, technician):
    surveys = [str(pk) for pk in Survey.objects.values_list("pk", flat=True)]
    sensible = st.fixed_dictionaries(
        {},
        optional={
            "survey": st.one_of(st.sampled_from(surveys), weird_numbers),
            "clients": st.one_of(st.just(str(client_company.pk)), weird_numbers),
            "contacts": st.one_of(st.just(str(client_company.contacts.first().pk)), weird_numbers),
            "technicians": st.one_of(st.just(str(technician.pk)), weird_numbers),
            "send_at": st.one_of(
                st.sampled_from(["", "2099-01-01T10:00", "2000-01-01T10:00", "9999-12-31T23:59"]),
                weird_text,
            ),
            "closes_on": st.one_of(
                st.sampled_from(
                    [
                        "",
                        (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
                        "9999-12-31",
                        "0001-01-01",
                        "2026-02-30",
                    ]
                ),
                weird_text,
            ),
            "name": weird_text,
            "reminder_after_days": weird_numbers,
            "max_reminders": weird_numbers,
        },
    )

    @FUZZ
    @given(data=st.one_of(sensible, post_strategy(CAMPAIGN_FIELDS)))
    def check(data):
        before = _campaign_state()
        response = manager_client.post("/surveys/campaigns/new/", with_form_token(data))
        assert_page_or_clear_error(response)
        after = _campaign_state()
        if response.status_code == 302:
            assert after[0] == before[0] + 1 and after[1] > before[1]
        else:
            assert after == before

    check()


def test_the_team_round_form_survives_arbitrary_input(manager_client, technician_user):
    from assessments.models import TeamRound

    member = str(technician_user.pk)

    @FUZZ
    @given(
        data=st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": weird_text,
                    "closes_on": st.one_of(
                        st.sampled_from(["", "9999-12-31", "2000-01-01", "2026-02-30"]),
                        weird_text,
                    ),
                    "members": st.one_of(st.just(member), weird_numbers, st.lists(weird_numbers)),
                },
            ),
            post_strategy(["name", "closes_on", "members"]),
        )
    )
    def check(data):
        before = TeamRound.objects.count()
        response = manager_client.post("/assessment/rounds/new/", with_form_token(data))
        assert_page_or_clear_error(response)
        assert TeamRound.objects.count() == before + (response.status_code == 302)

    check()


@pytest.mark.parametrize(
    "url",
    [
        "/surveys/results/clients/",
        "/surveys/results/clients/by-client.csv",
        "/surveys/results/pulse/",
        "/surveys/results/in-depth/",
        "/surveys/campaigns/",
    ],
)
def test_result_filters_survive_arbitrary_query_strings(manager_client, url):
    keys = ["start", "end", "client", "weeks", "quarter", "status", "page", "format"]

    @fuzz(25)
    @given(query=post_strategy(keys))
    def check(query):
        assert_page_or_clear_error(manager_client.get(url, query))

    check()
