"""Whom a survey page addresses how, and in which language a signed-in technician answers.

Clients are addressed as "Sie", technicians as "du" (their surveys, e-mails and own
pages). A technician answering on their own page gets it in the language they chose for
the product, else in their own language as it is now."""

import pytest
from django.urls import reverse

from surveys.models import Response
from tests.surveys.helpers import answer, campaign, invite, make_client, make_contact
from tests.surveys.links import link_token

pytestmark = pytest.mark.django_db


def own_page(invitation) -> str:
    return reverse("surveys:my_response", kwargs={"pk": invitation.pk})


@pytest.mark.parametrize(
    ("technician_language", "cookie", "expected"),
    [
        ("en", "en", "How was your week?"),
        ("de", "en", "How was your week?"),  # the English UI wins over the stored language
        ("en", None, "How was your week?"),  # no choice made: the technician's language
        ("de", None, "Wie war deine Woche?"),
        ("en", "de", "Wie war deine Woche?"),  # the German UI, chosen on purpose
    ],
)
def test_a_technician_answers_in_the_language_of_the_product_else_their_own(
    technician_client, technician, technician_language, cookie, expected
):
    technician.language = technician_language
    technician.save(update_fields=["language"])
    invitation = invite(campaign("pulse"), technician)
    if cookie:
        technician_client.cookies["django_language"] = cookie
    page = technician_client.get(own_page(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<h1 class="h2 mb-2">{expected}</h1>' in html
    assert page["Content-Language"] == ("en" if expected.startswith("How") else "de")


def test_a_technician_whose_language_changed_to_english_answers_in_english(
    technician_client, technician
):
    """The invitation kept the German of the day the campaign started."""
    invitation = invite(campaign("pulse"), technician)
    assert invitation.language == "de"
    technician.language = "en"
    technician.save(update_fields=["language"])
    html = technician_client.get(own_page(invitation)).content.decode()
    assert "How was your week?" in html and "One click is enough." in html


def test_the_english_ui_keeps_english_through_a_refused_and_a_stored_answer(
    technician_client, technician
):
    invitation = invite(campaign("pulse"), technician)  # German invitation
    technician_client.cookies["django_language"] = "en"
    refused = technician_client.post(own_page(invitation), {})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Please check the marked questions." in html and "Please choose a value." in html
    stored = technician_client.post(own_page(invitation), {"q_week": "4"})
    assert stored.status_code == 302 and stored["Location"] == reverse("surveys:my_surveys")
    assert Response.objects.get().answers.get(question__key="week").value == 4


def test_the_token_page_still_speaks_the_invitations_language(client, technician):
    """The e-mail's link is not the product's frame: the UI cookie does not apply."""
    technician.language = "en"
    technician.save(update_fields=["language"])
    invitation = invite(campaign("pulse"), technician)
    client.cookies["django_language"] = "de"
    html = client.get(f"/surveys/r/{link_token(invitation)}/").content.decode()
    assert "How was your week?" in html


# The formal German a technician must not meet on a survey page (in the catalogue today).
FORMAL = [
    "Sie haben bereits geantwortet. Sie können Ihre Antwort ändern",
    "Bitte prüfen Sie die markierten Fragen.",
    "Bitte wählen Sie einen Wert.",
    "Vielen Dank für Ihr Interesse.",
]


def test_a_technician_is_not_addressed_as_sie_on_the_pulse(client, technician):
    invitation = invite(campaign("pulse"), technician)
    path = f"/surveys/r/{link_token(invitation)}/"
    answer(invitation, {"week": 3})
    seen = client.get(path).content.decode()
    assert 'data-testid="already-answered"' in seen
    refused = client.post(path, {}).content.decode()
    assert 'class="alert alert-danger"' in refused
    for page in (seen, refused):
        assert not [text for text in FORMAL if text in page]


def test_a_technician_is_not_addressed_as_sie_on_a_closed_survey(client, technician):
    closed = campaign("pulse", status="closed")
    invitation = invite(closed, technician)
    page = client.get(f"/surveys/r/{link_token(invitation)}/")
    assert page.status_code == 410
    assert "Vielen Dank für Ihr Interesse." not in page.content.decode()


def test_a_client_is_still_addressed_as_sie(client):
    invitation = invite(campaign("client_onboarding"), make_contact(make_client()))
    path = f"/surveys/r/{link_token(invitation)}/"
    answer(invitation, {"overall_satisfaction": 4})
    seen = client.get(path).content.decode()
    assert "Sie haben bereits geantwortet. Sie können Ihre Antwort ändern" in seen
    refused = client.post(path, {}).content.decode()
    assert "Bitte prüfen Sie die markierten Fragen." in refused
    assert "Bitte wählen Sie einen Wert." in refused
    closed = invite(campaign("client_onboarding", status="closed"), make_contact(make_client()))
    gone = client.get(f"/surveys/r/{link_token(closed)}/").content.decode()
    assert "Vielen Dank für Ihr Interesse." in gone
