"""The ticket rating e-mail: a survey invitation (surveys.sending.InvitationEmail: claimed
in chunks by core.delivery, a signed link token per e-mail, sent only while its campaign
is open, no reminders) whose message names the ticket and the technician and offers
the faces as links."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import delivery
from surveys.forms import FACES
from surveys.models import Invitation, SurveyKind, SurveySettings
from surveys.sending import (
    INVITATION_KINDS,
    INVITATION_SUBJECTS,
    InvitationEmail,
    compose_for,
    survey_url,
    with_face,
)

from .models import TicketRating

# The face values offered: three faces are bad, neutral and good on the 1..5 scale every
# rating is stored on (see surveys.reference_data), so one rule counts both.
FACE_VALUES = {3: (1, 3, 5), 5: (1, 2, 3, 4, 5)}


def face_links(link: str, faces: int) -> list[dict]:
    """The faces of the e-mail, worst first: value, emoji, label and link."""
    labels = {
        1: _("Not good"),
        2: _("Could be better"),
        3: _("Okay"),
        4: _("Good"),
        5: _("Very good"),
    }
    if faces == 3:
        labels[5] = _("Good")
    return [
        {"value": v, "emoji": FACES[v], "label": labels[v], "url": with_face(link, v)}
        for v in FACE_VALUES.get(faces, FACE_VALUES[3])
    ]


def rated_ticket(invitation: Invitation) -> dict | None:
    """The ticket a rating invitation is about: its number, title and the technician
    credited, as the e-mail and the answer page name them. The e-mail's chunk has the
    rating, ticket and technician loaded (``TicketRatingEmail.related``)."""
    return _named(getattr(invitation, "ticket_rating", None))


def _page_subject(invitation: Invitation) -> dict | None:
    """``rated_ticket`` for the answer page, which loaded only the campaign: one query."""
    ratings = TicketRating.objects.select_related("ticket", "technician")
    return _named(ratings.filter(invitation=invitation).first())


def _named(rating: TicketRating | None) -> dict | None:
    if rating is None:
        return None
    return {
        "number": rating.ticket.external_id,
        "title": rating.ticket.title,
        "technician": rating.technician.name if rating.technician else "",
    }


def build_rating_message(invitation: Invitation, token: str, faces: int, brand=None, footer=None):
    """The rating e-mail in the active language (core.delivery activates the contact's),
    from the MSP's brand with the client footer (surveys.sending.compose_for)."""
    ticket = rated_ticket(invitation)
    link = survey_url(token)
    return compose_for(
        invitation,
        link,
        brand=brand,
        footer=footer,
        subject=_("Your ticket %(number)s: how did we do?") % {"number": ticket["number"]},
        template="ratings/email/rating",
        context={
            "survey_title": invitation.campaign.survey.title(),
            **ticket,
            "faces": face_links(link, faces),
        },
    )


class TicketRatingEmail(InvitationEmail):
    """The invitations of the ticket rating campaigns (ratings.services.invite_due)."""

    name = "ratings.ticket_rating"
    related = ("contact", "ticket_rating__ticket", "ticket_rating__technician")

    def rows(self):
        return delivery.Kind.rows(self).filter(campaign__survey__kind=SurveyKind.TICKET_RATING)

    def load_batch(self, campaign_id: int):
        batch = super().load_batch(campaign_id)
        if batch is None:
            return None
        campaign, _question, brand = batch
        return campaign, SurveySettings.load().rating_faces, brand

    def client_message(self, batch, row, token, footer):
        campaign, faces, brand = batch
        row.campaign = campaign
        return build_rating_message(row, token.url_token, faces, brand, footer)


RATINGS = delivery.register(TicketRatingEmail()).name
INVITATION_KINDS[SurveyKind.TICKET_RATING] = RATINGS
INVITATION_SUBJECTS[SurveyKind.TICKET_RATING] = _page_subject
