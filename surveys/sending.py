"""Survey e-mails: the invitation and the reminders, each a kind of per-recipient e-mail
sent by ``core.delivery`` (claimed in chunks, at most once, retried with backoff,
swept; see there).

Both carry a personal link: a fresh token per e-mail, stored (hashed) when its chunk is
claimed and dropped again if the e-mail was not delivered. A campaign's e-mails go out
only while it is open; a reminder only while its invitee has not answered.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core import delivery
from core.mail import compose
from core.periods import local_day
from organisation.consent import ClientFooter, ClientMail
from organisation.models import Brand

from . import rollups
from .forms import FACES
from .metrics import minimum_respondents
from .models import (
    Campaign,
    Invitation,
    InvitationStatus,
    InvitationToken,
    Metric,
    Reminder,
    SurveyKind,
)
from .tokens import issue_tokens


def survey_url(token: str) -> str:
    path = reverse("surveys:respond", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}"


def with_face(url: str, face: int | None) -> str:
    """The survey link ``url`` with the ``face`` chosen (one reverse() per e-mail, not
    one per face: the fan-out writes thousands)."""
    return f"{url}?face={face}" if face else url


def pulse_question(survey):
    """The pulse's one question (None for other surveys); load it once per batch."""
    if not survey.is_pulse:
        return None
    return survey.questions.active().filter(metric=Metric.PULSE).first()


def build_message(
    invitation: Invitation,
    token: str,
    reminder: bool,
    question,
    brand: Brand | None = None,
    footer: ClientFooter | None = None,
):
    """The e-mail (plain text + HTML) with the personal link, in the active language
    (core.delivery activates the recipient's). ``question``: the survey's pulse question
    from pulse_question(), read once per batch. ``brand`` and ``footer``: see compose_for."""
    campaign = invitation.campaign
    survey = campaign.survey
    faces = []
    link = survey_url(token)
    if survey.is_pulse and question:
        labels = {1: question.label_min(), 5: question.label_max()}
        faces = [
            {"value": v, "emoji": e, "url": with_face(link, v), "label": labels.get(v, "")}
            for v, e in FACES.items()
        ]
    title = survey.title()
    return compose_for(
        invitation,
        link,
        brand=brand,
        footer=footer,
        subject=_("Reminder: %(title)s") % {"title": title} if reminder else title,
        template="surveys/email/invitation",
        context={
            "survey_title": title,
            "intro": survey.intro(),
            "faces": faces,
            "question_text": question.text() if question else "",
            "is_pulse": survey.is_pulse,
            "anonymous": survey.aggregate_only,
            "minimum": minimum_respondents(),
            "reminder": reminder,
        },
    )


def compose_for(
    invitation: Invitation,
    url: str,
    *,
    subject: str,
    template: str,
    context: dict,
    brand: Brand | None = None,
    footer: ClientFooter | None = None,
):
    """Every survey e-mail to one invitee (the invitation, a reminder, the ticket rating):
    what they share added to ``context`` (``url``: the personal link, survey_url),
    composed by core.mail.compose. An e-mail to a
    client comes from the MSP's brand (``brand``, read once per batch, else now): its
    sender, reply-to, logo, colour and footer; a technician's keeps the product's sender.
    ``footer``: a client e-mail's objection notice, unsubscribe link and headers
    (organisation.consent)."""
    campaign = invitation.campaign
    sender = {}
    if campaign.survey.for_clients:
        brand = brand or Brand.current()
        sender = {"from_email": brand.from_email(), "reply_to": brand.reply_to_list()}
    else:
        brand = None
    return compose(
        to=invitation.email,
        **sender,
        headers=footer.headers if footer else None,
        subject=subject,
        template=template,
        context={
            "invitation": invitation,
            "name": invitation.recipient_name,
            "url": url,
            "for_clients": campaign.survey.for_clients,
            "closes_at": campaign.closes_at,
            "site_url": settings.SITE_URL,
            "brand": brand,
            "colours": brand.colours() if brand else None,
            "consent": footer,
            **context,
        },
    )


class InvitationEmail(ClientMail):
    """The first e-mail of a campaign to each recipient: a client e-mail when it goes to
    a contact (organisation.consent decides whether it may, and adds the footer)."""

    name = "surveys.invitation"
    model = Invitation
    batch_field = "campaign"
    related = ("contact", "technician")
    reminder = False

    def rows(self):
        # The ticket rating's invitations have their own e-mail (ratings.sending).
        return super().rows().exclude(campaign__survey__kind=SurveyKind.TICKET_RATING)

    def invitation(self, row) -> Invitation:
        return row

    # The same rule as Campaign.is_open_for_answers: a published campaign is closed for good.
    def open_rows(self, now):
        return Q(
            campaign__status=Campaign.Status.OPEN,
            campaign__closes_at__gt=now,
            campaign__publication__isnull=True,
        )

    closed_reason = "Not sent: the campaign closed before it went out."

    def closed_rows(self, now):
        return (
            Q(campaign__status=Campaign.Status.CLOSED)
            | Q(campaign__closes_at__lte=now)
            | Q(campaign__publication__isnull=False)
        )

    def contact(self, row):
        return self.invitation(row).contact

    def address(self, row):
        recipient = self.invitation(row).recipient
        return recipient.email if recipient else row.email

    def addressee(self, row):
        return self.invitation(row).recipient

    def load_batch(self, campaign_id: int):
        campaign = Campaign.objects.select_related("survey").filter(pk=campaign_id).first()
        if campaign is None or not campaign.is_open_for_answers():
            return None
        brand = Brand.current() if campaign.survey.for_clients else None
        return campaign, pulse_question(campaign.survey), brand

    def language(self, batch, row):
        return self.invitation(row).language or settings.LANGUAGE_CODE

    def prepare(self, batch, rows):
        """A link token per e-mail, stored with one INSERT."""
        tokens = issue_tokens([self.invitation(row) for row in rows])
        return {row.pk: tokens[self.invitation(row).pk] for row in rows}

    def client_message(self, batch, row, token, footer):
        campaign, question, brand = batch
        invitation = self.invitation(row)
        invitation.campaign = campaign
        return build_message(
            invitation, token.url_token, self.reminder, question, brand=brand, footer=footer
        )

    def discard(self, tokens):
        InvitationToken.objects.filter(token_hash__in=[token.hash for token in tokens]).delete()

    def delivered(self, campaign_id, row_ids, now):
        """Invitations sent now count as invited today: their clients' daily figures."""
        sent = (
            Invitation.objects.filter(pk__in=row_ids)
            .values_list("campaign__survey__kind", "contact__client_id")
            .order_by()
            .annotate(n=Count("pk"))
        )
        by_kind: dict[str, dict[int | None, int]] = {}
        for kind, client, count in sent:
            by_kind.setdefault(kind, {})[client] = count
        for kind, counts in by_kind.items():
            rollups.add_invited(kind, counts, local_day(now))


class ReminderEmail(InvitationEmail):
    """A reminder to an invitee who has not answered (see services.queue_due_reminders)."""

    name = "surveys.reminder"
    model = Reminder
    related = ("invitation__contact", "invitation__technician")
    reminder = True

    def invitation(self, row) -> Invitation:
        return row.invitation

    def open_rows(self, now):
        return super().open_rows(now) & Q(invitation__status=InvitationStatus.SENT)

    closed_reason = "Not sent: answered, or the campaign closed, before it was due."

    def closed_rows(self, now):
        return super().closed_rows(now) | ~Q(invitation__status=InvitationStatus.SENT)

    def delivered(self, campaign_id, row_ids, now):
        """The invitation counts its reminders: the reminder intervals start from it."""
        sent = Reminder.objects.filter(pk__in=row_ids)
        for number in sorted(set(sent.values_list("number", flat=True))):
            Invitation.objects.filter(
                reminders__in=sent.filter(number=number), reminders_sent__lt=number
            ).update(reminders_sent=number, last_reminder_at=now)


INVITATIONS = delivery.register(InvitationEmail()).name
REMINDERS = delivery.register(ReminderEmail()).name
# {survey kind: the delivery kind sending its invitations} where it is not INVITATIONS,
# registered by the app on a higher floor that builds that e-mail (ratings).
INVITATION_KINDS: dict[str, str] = {}


def invitation_kind(survey_kind: str) -> str:
    """The name of the delivery kind that sends a survey's invitations."""
    return INVITATION_KINDS.get(survey_kind, INVITATIONS)


# {survey kind: a function giving what one invitation is about (e.g. the rated ticket's
# number, title and technician) as a dict, or None}: its e-mail and its answer page name
# the same thing. Registered by the app that knows the subject (ratings).
INVITATION_SUBJECTS: dict[str, Callable[[Invitation], dict | None]] = {}


def invitation_subject(invitation: Invitation) -> dict | None:
    """What the invitation is about, for its page; None for the surveys about nothing
    in particular."""
    about = INVITATION_SUBJECTS.get(invitation.campaign.survey.kind)
    return about(invitation) if about else None
