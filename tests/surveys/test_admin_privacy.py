"""The back office never prints an anonymous answer or names who gave it: not on lists,
change pages, search, history, nor on the delete confirmations Django builds through
str() for a technician, a client, an invitation or a campaign."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from core.periods import day_start
from surveys.models import Answer, Campaign, Invitation, Response, SurveyKind
from tests.surveys.helpers import answer, campaign, invite, make_client, make_technician

SECRET = "Mein Teamleiter ist das Problem"
MAY = datetime.date(2026, 5, 12)


@pytest.fixture
def anonymous_answers(db):
    """A closed in-depth campaign: nine people answer 10, Ole answers 0 and the comment;
    and a technician onboarding campaign for a client that Ole answered too."""
    in_depth = campaign(
        SurveyKind.IN_DEPTH, status=Campaign.Status.CLOSED, send_at=day_start(MAY), name="Q2"
    )
    ole = make_technician("Ole Offen")
    for _ in range(9):
        answer(invite(in_depth, make_technician()), {"job_satisfaction": 10}, MAY)
    ole_invitation = invite(in_depth, ole)
    answer(ole_invitation, {"job_satisfaction": 0}, MAY, texts={"improve_first": SECRET})
    company = make_client("Kundin")
    onboarding = campaign(
        SurveyKind.TECHNICIAN_ONBOARDING,
        status=Campaign.Status.CLOSED,
        send_at=day_start(MAY),
        client=company,
    )
    answer(invite(onboarding, ole), {"overall_onboarding": 1}, MAY, texts={"comment": SECRET})
    return {
        "ole": ole,
        "invitation": ole_invitation,
        "in_depth": in_depth,
        "onboarding": onboarding,
        "client": company,
    }


def assert_private(page, url):
    html = page.content.decode()
    assert SECRET not in html, url
    # The old str() of an answer: "job_satisfaction: 0".
    assert "job_satisfaction: " not in html and "overall_onboarding: " not in html, url
    for response in Response.objects.filter(survey__kind__in=["in_depth", "technician_onboarding"]):
        assert f"/admin/surveys/response/{response.pk}/" not in html, url
    assert "Antwort #" not in html and "Antwortbogen #" not in html, url


def test_str_never_carries_an_answer_or_a_name_beside_it(anonymous_answers):
    ole_answer = Answer.objects.get(text=SECRET, response__survey__kind="in_depth")
    assert SECRET not in str(ole_answer) and "improve_first" not in str(ole_answer)
    zero = Answer.objects.get(value=0)
    assert str(zero) == f"Antwort #{zero.pk}"
    invitation = anonymous_answers["invitation"]
    assert "Ole" not in str(invitation) and str(invitation).startswith("Q2 · ")
    assert "2026" not in str(invitation.response)  # no submission date either
    pulse = invite(campaign(SurveyKind.PULSE, name="Puls"), anonymous_answers["ole"])
    assert str(pulse) == "Puls → Ole Offen"  # the pulse is named by design


@pytest.mark.parametrize("target", ["technician", "invitation", "in_depth", "onboarding", "client"])
def test_delete_confirmations_list_no_anonymous_answer(
    client, staff_user, anonymous_answers, target
):
    obj = {
        "technician": anonymous_answers["ole"],
        "invitation": anonymous_answers["invitation"],
        "in_depth": anonymous_answers["in_depth"],
        "onboarding": anonymous_answers["onboarding"],
        "client": anonymous_answers["client"],
    }[target]
    client.force_login(staff_user)
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_private(page, url)
    html = page.content.decode()
    assert "Antworten auf anonyme Umfragen" in html  # said, never listed
    counted = dict(page.context["model_count"])
    assert "Antworten" not in counted and "Antwortbögen" not in counted, counted


def test_deleting_many_at_once_lists_no_anonymous_answer(client, staff_user, anonymous_answers):
    client.force_login(staff_user)
    for model, ids in (
        ("organisation/technician", [anonymous_answers["ole"].pk]),
        ("surveys/campaign", [anonymous_answers["in_depth"].pk]),
        ("surveys/invitation", [anonymous_answers["invitation"].pk]),
    ):
        url = f"/admin/{model}/"
        page = client.post(url, {"action": "delete_selected", "_selected_action": ids})
        assert page.status_code == 200, url
        assert "Antworten auf anonyme Umfragen" in page.content.decode()
        assert_private(page, url)


def test_deleting_a_technician_logs_no_answer(client, staff_user, anonymous_answers):
    client.force_login(staff_user)
    ole = anonymous_answers["ole"]
    page = client.post(f"/admin/organisation/technician/{ole.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    for entry in LogEntry.objects.all():
        assert SECRET not in entry.object_repr + entry.change_message
    assert not Invitation.objects.filter(technician_id=ole.pk).exists()


def test_every_back_office_page_is_silent_about_anonymous_answers(
    client, staff_user, anonymous_answers
):
    """Every registered model: its list (also searched for the secret and for Ole), and
    for each row its change page, history and delete confirmation."""
    client.force_login(staff_user)
    # A change through the back office, so the history has an entry to show.
    invitation = anonymous_answers["invitation"]
    client.post(f"/admin/surveys/invitation/{invitation.pk}/change/", {"language": "en"})
    assert LogEntry.objects.filter(object_id=str(invitation.pk)).exists()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        for url in (base, f"{base}?q={SECRET[:12]}", f"{base}?q=Ole"):
            page = client.get(url)
            assert page.status_code in (200, 302), url
            assert_private(page, url)
        for obj in model_admin.get_queryset(client.request().wsgi_request).order_by("pk")[:20]:
            for suffix in ("change/", "history/", "delete/"):
                url = f"{base}{obj.pk}/{suffix}"
                page = client.get(url)
                assert page.status_code in (200, 302, 403), url
                assert_private(page, url)
    answers = client.get("/admin/surveys/answer/")
    assert answers.status_code == 404
