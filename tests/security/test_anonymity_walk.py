"""Anonymous answers cannot be seen or inferred before their quarter is published.

The walk plants one unique comment and one extreme answer (a 0 among 10s) in the current
quarter and renders every page, CSV export and chart spec a manager can open twice: once
with that person answering like everybody else, once with the planted answer. The two
renderings must be identical, byte for byte (CSRF tokens aside), so nothing on any page
says or hints what the person answered. After the quarter is published the same walk
does show the comment and the average with the 0 in it, so it would catch a leak.

Beside it, the two attacks of the issue: differencing two aggregates of one quarter on
the turnover page, and one person counted five times."""

import datetime
import importlib
import re

import pytest
import time_machine
from django.urls import reverse

from core.periods import day_start
from surveys import publication, tasks
from surveys.models import Answer, Campaign, Question, Survey, SurveyKind
from surveys.services import create_campaign
from tests.helpers import with_form_token
from tests.surveys.helpers import (
    answer,
    campaign,
    invite,
    make_client,
    make_technician,
    publish_quarters,
)
from tests.test_access_matrix import ALL_NAMES, RULES

D = datetime.date
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)  # second quarter of 2026
AFTER = datetime.datetime(2026, 7, 2, 10, 0, tzinfo=datetime.UTC)  # it has ended
SECRET = "Einzigartig: der Bereitschaftsplan macht mich krank"
CLOSED = Campaign.Status.CLOSED


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    with time_machine.travel(NOW, tick=False):
        yield


def scale_values(kind: str, value_for) -> dict:
    return {q.key: value_for(q) for q in Question.objects.filter(survey__kind=kind, type="scale")}


def top(question):
    return question.scale_max


def bottom(question):
    return question.scale_min


def answer_all(camp, technician, value_for, comment=""):
    kind = camp.survey.kind
    text_key = "improve_first" if kind == SurveyKind.IN_DEPTH else "comment"
    return answer(
        invite(camp, technician),
        scale_values(kind, value_for),
        submitted_on=D(2026, 5, 15),
        texts={text_key: comment} if comment else None,
    )


@pytest.fixture
def quarters(db, manager, technician, client_company):
    """A published first quarter, and a second quarter whose campaigns are all closed
    (closed early by hand): nine colleagues answered the top of every scale and so did
    the target, Tara, for now. Returns Tara's responses to plant her real answer in."""
    team = [make_technician(f"Kollegin {i}") for i in range(9)]
    tara = make_technician("Tara Ziel")
    q1 = campaign(SurveyKind.IN_DEPTH, status=CLOSED, send_at=day_start(D(2026, 2, 16)))
    for person in team[:6]:
        answer_all(q1, person, lambda q: 7)
    publish_quarters(D(2026, 4, 1))

    in_depth = campaign(SurveyKind.IN_DEPTH, status=CLOSED, send_at=day_start(D(2026, 5, 4)))
    company = make_client("Neukunde")
    onboarding = campaign(
        SurveyKind.TECHNICIAN_ONBOARDING,
        status=CLOSED,
        send_at=day_start(D(2026, 5, 6)),
        client=company,
    )
    for person in team:
        answer_all(in_depth, person, top)
        answer_all(onboarding, person, top)
    return {
        "tara": [answer_all(in_depth, tara, top), answer_all(onboarding, tara, top)],
        "campaigns": [in_depth, onboarding],
        "client": company,
    }


def plant(responses):
    """Tara's real answers: the bottom of every scale and the unique comment."""
    for response in responses:
        answers = Answer.objects.filter(response=response, question__type="scale")
        for row in answers.select_related("question"):
            Answer.objects.filter(pk=row.pk).update(value=row.question.scale_min)
        text_key = "improve_first" if response.survey.kind == SurveyKind.IN_DEPTH else "comment"
        Answer.objects.create(
            response=response,
            question=response.survey.questions.get(key=text_key),
            text=SECRET,
        )


def manager_urls(cast: dict, quarters: dict) -> list[str]:
    """Every GET page the access matrix opens for a manager, plus every filter, quarter,
    table and CSV of the pages that show survey or team figures."""
    urls = []
    for name in ALL_NAMES:
        rule = RULES[name]
        if rule.method == "get" and rule.manager == 200 and name != "kpis:webhook":
            urls.append(reverse(name, kwargs=rule.kwargs(cast) if rule.kwargs else {}))
    for kind in ("in-depth", "technician-onboarding"):
        for quarter in ("", "2026-01-01", "2026-04-01", "2026-07-01", "1999-01-01", "x"):
            urls.append(f"/surveys/results/{kind}/?quarter={quarter}")
            urls.append(f"/surveys/results/{kind}/questions.csv?quarter={quarter}")
    for table in ("by-client", "by-month", "comments"):
        urls.append(f"/surveys/results/clients/{table}.csv")
    for table in ("heatmap", "team", "check-in"):
        urls.append(f"/surveys/results/pulse/{table}.csv?weeks=52")
    exports = importlib.import_module("insights.views.exports").TABLES
    for preset in ("30d", "90d", "quarter", "year"):
        for page in ("", "escalations/", "proactive/", "sla/", "satisfaction/"):
            urls.append(f"/kpis/{page}?period={preset}")
        for table in exports:
            urls.append(f"/kpis/export/{table}.csv?period={preset}")
    urls.append(f"/kpis/clients/{quarters['client'].pk}/")
    for camp in quarters["campaigns"]:
        urls += [f"/surveys/campaigns/{camp.pk}/", f"/surveys/campaigns/{camp.pk}/?format=csv"]
    urls.append(f"/assessment/history/{cast['technician_user'].pk}/")
    return urls


# Per-render tokens (CSRF, the one-time token of a creating form) differ on every page view.
CSRF = re.compile(rb'name="(?:csrfmiddlewaretoken|form_token)" value="[^"]+"')


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def render_all(client, urls) -> dict[str, bytes]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        pages[url] = CSRF.sub(b"csrf", body(response))
    return pages


def test_nothing_on_any_manager_page_tells_a_planted_answer_apart(
    manager_client, quarters, technician_user, technician, manager, client_company
):
    cast = {
        "manager": manager,
        "technician_user": technician_user,
        "technician": technician,
        "client_company": client_company,
    }
    urls = manager_urls(cast, quarters)
    assert len(urls) > 100
    like_everybody = render_all(manager_client, urls)
    plant(quarters["tara"])
    planted = render_all(manager_client, urls)
    for url in urls:
        assert SECRET.encode() not in planted[url], url
        assert planted[url] == like_everybody[url], f"{url} changes with one person's answer"
    # The first quarter is published and shown all along: the walk does see figures.
    q1 = manager_client.get("/surveys/results/in-depth/?quarter=2026-01-01").content.decode()
    assert "7,0" in q1

    # Once the second quarter has ended and is published, the same pages show it: the
    # comment, and job satisfaction (9 * 10 + 0) / 10 = 9.0.
    with time_machine.travel(AFTER, tick=False):
        manager_client.force_login(manager)  # the session of May has expired
        assert tasks.dispatch_due.apply().get()["quarters"] == {"published": 2, "withheld": 0}
        page = manager_client.get("/surveys/results/in-depth/?quarter=2026-04-01")
        html = page.content.decode()
        assert SECRET in html and "9,0" in html
        turnover = body(manager_client.get("/kpis/export/turnover.csv")).decode()
        assert "2026 Q2" in turnover and ",9.00," in turnover


def turnover_row(client, label: str) -> list[str]:
    text = body(client.get("/kpis/export/turnover.csv")).decode().lstrip("\ufeff")
    return next(line.split(",") for line in text.splitlines() if line.startswith(label))


def test_differencing_two_aggregates_of_one_quarter_reveals_nothing(
    manager_client, manager, django_capture_on_commit_callbacks
):
    """The attack from the issue: note job satisfaction of the current quarter (6.5 from
    ten people), start an in-depth campaign for one technician, wait for the answer and
    read the quarter again (6.0 from eleven: that person answered 1)."""
    survey = Survey.objects.get(kind=SurveyKind.IN_DEPTH)
    # Everyone employed from the start: the headcount beside the figure stays the same.
    target, latecomer = make_technician("Zielperson"), make_technician("Nachzügler")
    quarterly = campaign(SurveyKind.IN_DEPTH, send_at=day_start(D(2026, 5, 4)))
    for value in (5, 6, 6, 6, 7, 7, 7, 7, 7, 7):  # 65 / 10 = 6.5
        answer(invite(quarterly, make_technician()), {"job_satisfaction": value})
    Campaign.objects.filter(pk=quarterly.pk).update(status=CLOSED)
    noted = turnover_row(manager_client, "2026 Q2")
    page_before = render_all(manager_client, ["/kpis/turnover/"])
    assert noted[6] == "—"  # job satisfaction: the quarter is not published

    closes = D(2026, 5, 30).isoformat()
    refused = manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {
                "survey": survey.pk,
                "name": "Nur Zielperson",
                "technicians": [target.pk],
                "closes_on": closes,
                "max_reminders": "0",
            }
        ),
    )
    assert "braucht mindestens 5 Empfänger" in refused.content.decode()
    # Even a one-person campaign (as the schedules may start for a small client) changes
    # nothing on the page, answered and closed.
    with django_capture_on_commit_callbacks(execute=True):
        alone = create_campaign(
            survey=survey,
            name="Eine Person",
            recipients=[target],
            closes_at=day_start(D(2026, 5, 30)),
        )
    answer(alone.invitations.get(), {"job_satisfaction": 1})
    Campaign.objects.filter(pk=alone.pk).update(status=CLOSED)
    assert turnover_row(manager_client, "2026 Q2") == noted
    assert render_all(manager_client, ["/kpis/turnover/"]) == page_before

    with time_machine.travel(AFTER, tick=False):
        manager_client.force_login(manager)
        publication.publish_due_quarters()
        published = turnover_row(manager_client, "2026 Q2")
        # Shown once, for the whole quarter: (65 + 1) / 11 = 6.0 over eleven people.
        assert published[6] == "6.00"
        # An answer stored later (a campaign reopened behind the product's back) changes
        # nothing: the quarter was published once.
        late = invite(alone, latecomer)
        answer(late, {"job_satisfaction": 10})
        publication.publish_due_quarters()
        assert turnover_row(manager_client, "2026 Q2") == published


def test_one_person_in_five_campaigns_is_one_person_on_every_page(manager_client, manager):
    """The other attack: one technician answers five technician onboarding campaigns of a
    quarter, which made "5 Antwortende" with every average equal to their answers."""
    alone = make_technician("Allein")
    for _ in range(5):
        camp = campaign(
            SurveyKind.TECHNICIAN_ONBOARDING,
            status=CLOSED,
            send_at=day_start(D(2026, 5, 4)),
            client=make_client(),
        )
        answer_all(camp, alone, bottom, comment=SECRET)
    with time_machine.travel(AFTER, tick=False):
        manager_client.force_login(manager)
        assert publish_quarters(D(2026, 7, 2)) == {"published": 0, "withheld": 1}
        html = manager_client.get("/surveys/results/technician-onboarding/").content.decode()
        assert 'data-testid="below-threshold"' in html
        assert SECRET not in html and "5 Antwortende" not in html
        csv = manager_client.get(
            "/surveys/results/technician-onboarding/questions.csv?quarter=2026-04-01"
        ).content.decode()
        assert all(line.endswith(",—,") for line in csv.splitlines()[1:])
