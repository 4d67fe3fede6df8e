"""Hostile text typed into the product comes out inert: HTML-escaped on every page (and in
the chart data embedded in pages), and neutralised in every CSV a spreadsheet might open.

The strings go in the way a person would enter them: through the survey forms behind the
personal links, the campaign form and the team round form."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone

from organisation.models import Client, Contact
from surveys import publication
from surveys.models import Campaign, Survey, SurveyKind
from surveys.services import create_campaign
from tests.helpers import with_form_token
from tests.surveys.helpers import make_technician, publish_quarters

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)"]
HOSTILE = [SCRIPT, *FORMULAS]
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def rows_of(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))


def cells(rows) -> list[str]:
    return [cell for row in rows for cell in row]


def assert_inert_page(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in html
    assert "<script>alert" not in html


def assert_neutralised(rows, expected_present: list[str]):
    """Every hostile string appears only with a leading apostrophe; none starts a cell."""
    all_cells = cells(rows)
    for cell in all_cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    for text in expected_present:
        if text.startswith(("=", "+", "-", "@")):
            assert "'" + text in all_cells, text
        else:
            assert text in all_cells, text


def _links(outbox) -> dict[str, str]:
    return {
        m.to[0]: m.body.split("https://surveys.example")[1].split()[0].split("?")[0] for m in outbox
    }


def _send(kind, recipients, django_capture_on_commit_callbacks, name="Campaign"):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        camp = create_campaign(
            survey=Survey.objects.get(kind=kind),
            name=name,
            recipients=recipients,
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    return camp, _links(mail.outbox)


@pytest.fixture
def hostile_client_answers(client, db, django_capture_on_commit_callbacks):
    """Five contacts of a client named like a formula answer with hostile comments."""
    company = Client.objects.create(
        external_id="X-1",
        name='=HYPERLINK("http://x","Acme")',
        contract_start=datetime.date(2026, 9, 1),
    )
    contacts = [
        Contact.objects.create(client=company, name=text, email=f"c{i}@x.example")
        for i, text in enumerate(HOSTILE)
    ]
    camp, links = _send(
        SurveyKind.CLIENT_ONBOARDING, contacts, django_capture_on_commit_callbacks, name=SCRIPT
    )
    for contact, text in zip(contacts, HOSTILE, strict=True):
        response = client.post(
            links[contact.email],
            {
                "q_overall_satisfaction": "4",
                "q_recommend": "9",
                "q_support_effort": "5",
                "q_contract_closing": "4",
                "q_finalising_responsiveness": "4",
                "q_asset_discovery": "4",
                "q_comment": text,
            },
        )
        assert response.status_code == 302
    return camp


def test_client_comments_are_escaped_on_pages_and_neutralised_in_csv(
    manager_client, hostile_client_answers
):
    page = manager_client.get("/surveys/results/clients/")
    assert_inert_page(page)
    html = page.content.decode()
    assert ESCAPED_SCRIPT in html
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html
    comments = rows_of(manager_client.get("/surveys/results/clients/comments.csv"))
    assert_neutralised(comments[1:], HOSTILE)
    by_client = rows_of(manager_client.get("/surveys/results/clients/by-client.csv"))
    assert_neutralised(by_client[1:], ['=HYPERLINK("http://x","Acme")'])


def test_campaign_pages_and_csv_escape_names_of_campaigns_clients_and_contacts(
    manager_client, hostile_client_answers
):
    camp = hostile_client_answers
    for url in ("/surveys/campaigns/", f"/surveys/campaigns/{camp.pk}/"):
        page = manager_client.get(url)
        assert_inert_page(page)
        assert ESCAPED_SCRIPT in page.content.decode()
    rows = rows_of(manager_client.get(f"/surveys/campaigns/{camp.pk}/?format=csv"))
    assert_neutralised(rows[1:], HOSTILE)


def test_a_hostile_campaign_name_from_the_form_is_stored_verbatim_and_shown_escaped(
    manager_client, client_company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {
                    "survey": Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING).pk,
                    "name": SCRIPT + FORMULAS[0],
                    "clients": [client_company.pk],
                    "closes_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
                    "max_reminders": "0",
                }
            ),
        )
    assert response.status_code == 302
    camp = Campaign.objects.get()
    assert camp.name == SCRIPT + FORMULAS[0]
    assert_inert_page(manager_client.get(response["Location"]))
    assert_inert_page(manager_client.get("/surveys/campaigns/"))
    # The invitation e-mail does not carry the campaign's name; its HTML part is inert.
    for message in mail.outbox:
        assert SCRIPT not in message.alternatives[0].content


def test_technician_names_and_pulse_comments_are_escaped_in_pages_charts_and_csv(
    manager_client, client, technician, django_capture_on_commit_callbacks
):
    technicians = [make_technician(name=text) for text in HOSTILE]
    _camp, links = _send(SurveyKind.PULSE, technicians, django_capture_on_commit_callbacks)
    for tech, text in zip(technicians, HOSTILE, strict=True):
        assert client.post(links[tech.email], {"q_week": "1", "q_comment": text}).status_code == 302
    page = manager_client.get("/surveys/results/pulse/")
    assert_inert_page(page)
    html = page.content.decode()
    # The heatmap's names travel in a JSON block as plain text for Plotly ("&lt;" shows
    # as "<"), with "&" escaped again for the script block.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in html
    for table in ("heatmap", "check-in"):
        rows = rows_of(manager_client.get(f"/surveys/results/pulse/{table}.csv"))
        assert_neutralised(rows[1:], HOSTILE)


def test_a_technicians_own_comment_is_escaped_on_their_page(
    technician_client, client, technician, django_capture_on_commit_callbacks
):
    _camp, links = _send(SurveyKind.PULSE, [technician], django_capture_on_commit_callbacks)
    client.post(links[technician.email], {"q_week": "3", "q_comment": SCRIPT})
    page = technician_client.get("/surveys/mine/")
    assert_inert_page(page)
    assert ESCAPED_SCRIPT in page.content.decode()
    again = client.get(links[technician.email])
    assert_inert_page(again)
    assert ESCAPED_SCRIPT in again.content.decode()


@pytest.mark.parametrize(
    "kind,slug,text_key",
    [
        (SurveyKind.IN_DEPTH, "in-depth", "improve_first"),
        (SurveyKind.TECHNICIAN_ONBOARDING, "technician-onboarding", "comment"),
    ],
)
def test_open_answers_of_aggregate_surveys_are_escaped(
    manager_client, client, settings, django_capture_on_commit_callbacks, kind, slug, text_key
):
    settings.SURVEY_MIN_AGGREGATE = 5
    technicians = [make_technician() for _ in HOSTILE]
    camp, links = _send(kind, technicians, django_capture_on_commit_callbacks)
    questions = Survey.objects.get(kind=kind).questions.all()
    for tech, text in zip(technicians, HOSTILE, strict=True):
        data = {f"q_{q.key}": str(q.scale_min) for q in questions if q.is_scale}
        data[f"q_{text_key}"] = text
        assert client.post(links[tech.email], data).status_code == 302
    Campaign.objects.filter(pk=camp.pk).update(status=Campaign.Status.CLOSED)
    next_quarter = publication.quarter_of(camp.send_at) + datetime.timedelta(days=100)
    assert publish_quarters(next_quarter)["published"] == 1
    page = manager_client.get(f"/surveys/results/{slug}/")
    assert_inert_page(page)
    html = page.content.decode()
    assert ESCAPED_SCRIPT in html and "@SUM(A1)" in html


def test_a_hostile_team_round_name_is_escaped(manager_client, technician_user):
    response = manager_client.post(
        "/assessment/rounds/new/",
        with_form_token({"name": SCRIPT, "closes_on": "", "members": [technician_user.pk]}),
    )
    assert response.status_code == 302
    for url in (response["Location"], "/assessment/rounds/"):
        page = manager_client.get(url)
        assert_inert_page(page)
        assert ESCAPED_SCRIPT in page.content.decode()


def test_hostile_names_of_team_members_are_escaped(manager_client, db):
    from tests.helpers import make_user

    make_user("evil", "technician", first_name=SCRIPT, last_name=FORMULAS[0])
    for url in ("/assessment/rounds/new/", "/assessment/history/"):
        assert_inert_page(manager_client.get(url))


def test_a_formula_after_blanks_or_a_line_break_is_neutralised_too(manager_client, db):
    from surveys.models import Campaign as CampaignModel
    from tests.surveys.helpers import campaign, client_answer, make_client

    camp = campaign(SurveyKind.CLIENT_ONBOARDING)
    assert camp.status == CampaignModel.Status.OPEN
    company = make_client("Blank")
    for text in ("  =1+1", '\n=HYPERLINK("http://x")', " @SUM(A1)"):
        client_answer(camp, company, 4, 9, 5, timezone.localdate(), comment=text)
    comments = cells(rows_of(manager_client.get("/surveys/results/clients/comments.csv")))
    assert "'  =1+1" in comments
    assert '\'\n=HYPERLINK("http://x")' in comments
    assert "' @SUM(A1)" in comments


def test_markup_in_a_name_is_plain_text_in_every_chart(manager_client, client, db):
    """Plotly renders links, bold and line breaks in labels: a technician called
    <a href=…> must not become a link in the pulse heatmap."""
    import json

    from tests.surveys.helpers import answer, campaign, invite

    link = '<a href="https://evil.example">Evil</a>'
    technician = make_technician(name=link)
    answer(invite(campaign("pulse"), technician), {"week": 2})
    page = manager_client.get("/surveys/results/pulse/").content.decode()
    start = page.index('id="pulse-heatmap-spec"')
    spec = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    labels = spec["data"][0]["y"]
    assert '&lt;a href="https://evil.example"&gt;Evil&lt;/a&gt;' in labels
    assert link not in json.dumps(spec)


def test_plain_text_escapes_values_and_keeps_templates_and_line_breaks():
    from core.charts import plain_text

    spec = {
        "data": [
            {
                "x": ["<b>bold</b>", 3, None],
                "name": "A & B",
                "hovertemplate": "%{x}<br>%{y}<extra></extra>",
            }
        ],
        "layout": {"title": {"text": "Kunden\nund Partner"}, "height": 300},
    }
    assert plain_text(spec) == {
        "data": [
            {
                "x": ["&lt;b&gt;bold&lt;/b&gt;", 3, None],
                "name": "A &amp; B",
                "hovertemplate": "%{x}<br>%{y}<extra></extra>",
            }
        ],
        "layout": {"title": {"text": "Kunden<br>und Partner"}, "height": 300},
    }
