"""The rating of one resolved ticket.

One ``TicketRating`` per ticket, ever (a reopened and re-closed ticket keeps its first):
stored when the ticket became resolved (ratings.services.schedule_ratings), it waits
until ``send_after`` and then either gets its survey ``Invitation`` (the e-mail with the
faces, sent by ratings.sending) or is skipped with the reason. The face, the comment and
"may we contact you?" are the invitation's survey answers (surveys.services.save_response:
stored once, changeable until the rating's campaign closes).

The rating is credited to the technician, client, priority and source the ticket had
when its e-mail was sent (copied then): a later reassignment does not move it. A feedback
case about a rating can refer to it by a foreign key.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.delivery import Delivery, recipient_field
from kpis.models import Priority, Source


class TicketRating(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("waiting to be sent")
        INVITED = "invited", _("e-mail sent")
        SKIPPED = "skipped", _("skipped")

    class Skipped(models.TextChoices):
        NONE = "", _("not skipped")
        FATIGUE = "fatigue", _("the contact had a rating e-mail within the last days")
        NO_ADDRESS = "no_address", _("the contact has no address or is inactive")
        REOPENED = "reopened", _("the ticket was reopened before the e-mail")
        DISABLED = "disabled", _("rating e-mails were switched off")
        OBJECTED = (
            "objected",
            _("the contact or its client receives no surveys (opt-out or suppression list)"),
        )

    ticket = models.OneToOneField(
        "kpis.Ticket", on_delete=models.CASCADE, related_name="rating", verbose_name=_("ticket")
    )
    contact = models.ForeignKey(
        "organisation.Contact",
        on_delete=models.CASCADE,
        related_name="ticket_ratings",
        verbose_name=_("contact"),
    )
    # The credit, copied from the ticket when the e-mail is sent.
    client = models.ForeignKey(
        "organisation.Client",
        on_delete=models.CASCADE,
        related_name="ticket_ratings",
        verbose_name=_("client"),
    )
    technician = models.ForeignKey(
        "organisation.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket_ratings",
        verbose_name=_("technician"),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    resolved_at = models.DateTimeField(_("resolved"))
    send_after = models.DateTimeField(_("send after"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    skipped_because = models.CharField(
        _("skipped because"), max_length=12, choices=Skipped.choices, blank=True, default=""
    )
    invitation = models.OneToOneField(
        "surveys.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket_rating",
        verbose_name=_("invitation"),
    )
    invited_at = models.DateTimeField(_("e-mail queued at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-resolved_at", "-id"]
        verbose_name = _("ticket rating")
        verbose_name_plural = _("ticket ratings")
        indexes = [
            # services.invite_due: scheduled ratings whose time has come.
            models.Index(fields=["status", "send_after"], name="rating_due"),
            # The fatigue rule: a contact's ratings invited within the last days.
            models.Index(fields=["contact", "invited_at"], name="rating_contact_invited"),
        ]

    def __str__(self):
        return f"{self.ticket_id} → {self.contact_id}"


class FeedbackCase(models.Model):
    """A bad rating followed up (ratings.cases): opened once per rating when its answer
    is a negative face, or a neutral one with a comment; the manager records what was
    done and closes it (and may reopen it). ``face`` follows the rating's current face;
    ``opening_face`` is the one that opened the case. A face changed later never opens a
    second case, and a face changed to positive leaves the case open (the manager decides:
    the client was unhappy once, and the change is shown on the case)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    rating = models.OneToOneField(
        TicketRating, on_delete=models.CASCADE, related_name="case", verbose_name=_("rating")
    )
    # Copied from the rating, so the cases page filters and sorts without a join.
    client = models.ForeignKey(
        "organisation.Client",
        on_delete=models.CASCADE,
        related_name="feedback_cases",
        verbose_name=_("client"),
    )
    opening_face = models.PositiveSmallIntegerField(_("rating that opened the case"))
    face = models.PositiveSmallIntegerField(_("current rating"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    contacted = models.BooleanField(_("client contacted"), null=True, blank=True)
    note = models.TextField(_("what was done"), blank=True)
    emailed_at = models.DateTimeField(_("first e-mail sent"), null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("feedback case")
        verbose_name_plural = _("feedback cases")
        indexes = [
            # The cases page: open (or closed) cases oldest first.
            models.Index(fields=["status", "opened_at"], name="case_status_opened"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.rating}"

    @property
    def time_to_close(self):
        """closed_at − opened_at (a timedelta) of a closed case; None while open."""
        if self.closed_at is None:
            return None
        return self.closed_at - self.opened_at

    @property
    def hours_to_close(self) -> float | None:
        """time_to_close in hours (the case pages and their CSV); None while open."""
        if self.closed_at is None:
            return None
        return self.time_to_close.total_seconds() / 3600


class FeedbackCaseEmail(Delivery):
    """The e-mail about a new case to one of the client's responsible staff (or a
    manager), sent at most once by core.delivery (ratings.cases.FeedbackCaseEmailKind)."""

    case = models.ForeignKey(
        FeedbackCase, on_delete=models.CASCADE, related_name="emails", verbose_name=_("case")
    )
    user = recipient_field()

    class Meta:
        ordering = ["id"]
        verbose_name = _("feedback case e-mail")
        verbose_name_plural = _("feedback case e-mails")
        constraints = [
            models.UniqueConstraint(fields=["case", "email"], name="case_email_once"),
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending e-mails.
            models.Index(fields=["status", "created_at"], name="case_email_status"),
        ]
