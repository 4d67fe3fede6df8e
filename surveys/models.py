"""Surveys as data, campaigns that send them, and the answers that come back.

A ``Survey`` is one of four kinds (client onboarding, technician onboarding, weekly pulse,
in-depth technician survey); its ``Question`` rows carry German and English text, a scale
and a stable ``key``/``metric`` so figures filter by meaning, never by wording. Editing a
question's text in the admin does not touch stored answers: an ``Answer`` points at the
question and keeps its own value.

A ``Campaign`` sends one survey to a set of recipients; each recipient gets one
``Invitation`` (status queued -> sending -> sent | failed, then answered). The personal
link carries a random token whose SHA-256 hash is stored in ``InvitationToken``; the raw
token exists only in the e-mail.
"""

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.delivery import Delivery
from core.models import Bilingual, SingletonModel
from core.periods import quarter_label
from core.single_line import SingleLineCharField
from organisation.models import LAST_ONBOARDING_DAY


class SurveyKind(models.TextChoices):
    CLIENT_ONBOARDING = "client_onboarding", _("Client onboarding survey")
    TECHNICIAN_ONBOARDING = "technician_onboarding", _("Technician onboarding survey")
    PULSE = "pulse", _("Weekly pulse")
    IN_DEPTH = "in_depth", _("In-depth technician survey")
    # One e-mail per resolved ticket, sent by the ratings app (never a manager's campaign).
    TICKET_RATING = "ticket_rating", _("Ticket rating")


# Surveys whose answers managers may only see as aggregates over enough respondents.
AGGREGATE_ONLY_KINDS = (SurveyKind.TECHNICIAN_ONBOARDING, SurveyKind.IN_DEPTH)
# Named surveys whose figures are kept per day (SurveyDailyRollup); never an anonymous one.
ROLLED_UP_KINDS = (SurveyKind.CLIENT_ONBOARDING, SurveyKind.PULSE)
# Surveys sent to clients' contacts (addressed as "Sie"); the others go to technicians.
CLIENT_KINDS = (SurveyKind.CLIENT_ONBOARDING, SurveyKind.TICKET_RATING)


class Metric(models.TextChoices):
    NONE = "", _("none")
    CSAT = "csat", _("CSAT (1-5)")
    NPS = "nps", _("NPS (0-10)")
    CES = "ces", _("Customer effort (1-7)")
    PULSE = "pulse", _("Pulse (1-5)")
    JOB_SATISFACTION = "job_satisfaction", _("Overall job satisfaction (0-10)")
    TICKET_RATING = "ticket_rating", _("Ticket rating (faces, 1-5)")


class Survey(Bilingual):
    kind = models.CharField(_("kind"), max_length=32, choices=SurveyKind.choices, unique=True)
    title_de = SingleLineCharField(_("title (German)"), max_length=200)
    title_en = SingleLineCharField(_("title (English)"), max_length=200)
    intro_de = models.TextField(_("introduction (German)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    # A new value whenever one of its questions is saved or deleted (Question.save and
    # .delete, the post_delete of a bulk delete): the answer path caches the questions
    # per revision (surveys.services.questions_of) instead of reading them every time.
    questions_revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self):
        return self.title()

    def title(self, language: str | None = None) -> str:
        return self.localized("title", language)

    def intro(self, language: str | None = None) -> str:
        return self.localized("intro", language)

    @property
    def for_clients(self) -> bool:
        return self.kind in CLIENT_KINDS

    @property
    def aggregate_only(self) -> bool:
        return self.kind in AGGREGATE_ONLY_KINDS

    @property
    def is_pulse(self) -> bool:
        return self.kind == SurveyKind.PULSE


def new_questions_revision(sender, instance, **kwargs) -> None:
    """A question was saved or deleted: its survey's cached questions are stale
    (connected to Question's post_save and post_delete in surveys.apps)."""
    Survey.objects.filter(pk=instance.survey_id).update(questions_revision=uuid.uuid4())


class QuestionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Question(Bilingual):
    class Type(models.TextChoices):
        SCALE = "scale", _("Scale")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    key = models.SlugField(
        _("key"), max_length=60, help_text=_("Stable identifier; figures and exports use it.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.SCALE)
    metric = models.CharField(
        _("metric"), max_length=20, choices=Metric.choices, blank=True, default=""
    )
    text_de = models.CharField(_("question (German)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    scale_min = models.SmallIntegerField(_("scale minimum"), default=1)
    scale_max = models.SmallIntegerField(_("scale maximum"), default=5)
    label_min_de = models.CharField(_("label of the minimum (German)"), max_length=80, blank=True)
    label_min_en = models.CharField(_("label of the minimum (English)"), max_length=80, blank=True)
    label_max_de = models.CharField(_("label of the maximum (German)"), max_length=80, blank=True)
    label_max_en = models.CharField(_("label of the maximum (English)"), max_length=80, blank=True)
    # With its context: "Pflichtfrage" is the German for a required question only; the
    # bare "required" of a form field or file column must not turn into it.
    required = models.BooleanField(
        pgettext_lazy("a survey question the person must answer", "required"), default=True
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive questions are no longer asked.")
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="question_unique_key"),
            models.CheckConstraint(
                condition=Q(scale_min__lt=models.F("scale_max")), name="question_scale_order"
            ),
        ]

    def __str__(self):
        return self.text()

    def text(self, language: str | None = None) -> str:
        return self.localized("text", language)

    def label_min(self, language: str | None = None) -> str:
        return self.localized("label_min", language)

    def label_max(self, language: str | None = None) -> str:
        return self.localized("label_max", language)

    @property
    def is_scale(self) -> bool:
        return self.type == self.Type.SCALE

    def scale(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


def _validate_onboarding_days(value: str) -> None:
    try:
        days = parse_days(value)
    except ValueError:
        raise ValidationError(_("Enter whole days separated by commas, e.g. 14, 45, 85.")) from None
    if any(day < 0 or day > LAST_ONBOARDING_DAY for day in days):
        raise ValidationError(_("Days must lie inside the first 90 days (0 to 89)."))


def parse_days(value: str) -> list[int]:
    """'14, 45,85' -> [14, 45, 85] (sorted, unique); raises ValueError on junk."""
    return sorted({int(part) for part in value.replace(";", ",").split(",") if part.strip()})


def _validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone, e.g. Europe/Berlin.")) from None


class SurveySettings(SingletonModel):
    """The schedules, one row, edited in the admin."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    pulse_enabled = models.BooleanField(_("send the weekly pulse"), default=True)
    pulse_weekday = models.PositiveSmallIntegerField(
        _("pulse weekday"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    pulse_time = models.TimeField(_("pulse time"), default=datetime.time(13, 0))
    pulse_timezone = models.CharField(
        _("pulse time zone"),
        max_length=64,
        default="Europe/Berlin",
        validators=[_validate_timezone],
    )
    pulse_open_days = models.PositiveSmallIntegerField(
        _("pulse open for (days)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    client_onboarding_enabled = models.BooleanField(
        _("send client onboarding surveys"), default=True
    )
    client_onboarding_days = models.CharField(
        _("client onboarding days"),
        max_length=100,
        default="14, 45, 85",
        validators=[_validate_onboarding_days],
        help_text=_("Days after contract start, inside the first 90 days."),
    )
    technician_onboarding_enabled = models.BooleanField(
        _("send technician onboarding surveys"), default=True
    )
    technician_onboarding_day = models.PositiveSmallIntegerField(
        _("technician onboarding day"),
        default=60,
        validators=[MaxValueValidator(LAST_ONBOARDING_DAY)],
        help_text=_("Day after contract start; sent to the client's responsible technicians."),
    )
    in_depth_quarterly = models.BooleanField(_("send the in-depth survey quarterly"), default=True)
    in_depth_day_of_quarter = models.PositiveSmallIntegerField(
        _("in-depth survey day of the quarter"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(80)],
    )
    open_days = models.PositiveSmallIntegerField(
        _("other surveys open for (days)"),
        default=21,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("reminders"), default=2, validators=[MaxValueValidator(2)]
    )
    # The ticket rating (ratings app): one e-mail per resolved ticket, never reminded.
    rating_enabled = models.BooleanField(
        _("send a rating e-mail for resolved tickets"), default=True
    )
    rating_delay_minutes = models.PositiveSmallIntegerField(
        _("rating e-mail after (minutes)"),
        default=60,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("Time between a ticket's resolution and its rating e-mail."),
    )
    rating_faces = models.PositiveSmallIntegerField(
        _("faces in the rating e-mail"),
        choices=[(3, _("3 faces (good, neutral, bad)")), (5, _("5 faces"))],
        default=3,
    )
    rating_fatigue_days = models.PositiveSmallIntegerField(
        _("at most one rating e-mail per contact within (days)"),
        default=7,
        # At least one day: the ticket rating campaigns are daily, one invitation per
        # contact each (surveys.models.Invitation's constraint backs the rule up).
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    rating_open_days = models.PositiveSmallIntegerField(
        _("a rating can be changed for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    rating_automated_tickets = models.BooleanField(
        _("ask for ratings of monitoring, automation and auto-remediated tickets"),
        default=False,
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self):
        return str(_("Survey settings"))

    def onboarding_days(self) -> list[int]:
        try:
            return [
                day
                for day in parse_days(self.client_onboarding_days)
                if 0 <= day <= LAST_ONBOARDING_DAY
            ]
        except ValueError:
            return []

    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.pulse_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class CampaignQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Campaign.Status.OPEN)


class Campaign(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("survey")
    )
    name = SingleLineCharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    send_at = models.DateTimeField(_("send at"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Empty: no reminders."),
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("reminders"), default=2, validators=[MaxValueValidator(2)]
    )
    # Campaigns started by the schedule carry a key (e.g. "pulse:2026-11-16") so that a
    # schedule that runs twice creates nothing twice.
    auto_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    client = models.ForeignKey(
        "organisation.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_campaigns",
        verbose_name=_("client"),
        help_text=_("For onboarding campaigns: the client being onboarded."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, when the quarter of an anonymous survey is decided: the campaign's answers
    # then belong to that publication for good, even if its dates were changed later.
    publication = models.ForeignKey(
        "PublishedQuarter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="campaigns",
        verbose_name=_("publication"),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [
            # dispatch_due: scheduled campaigns due to start, open campaigns due to close.
            models.Index(fields=["status", "send_at"], name="campaign_status_send"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.send_at and self.closes_at and self.closes_at <= self.send_at:
            raise ValidationError({"closes_at": _("The closing date must lie after the start.")})

    def is_open_for_answers(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        # A published campaign is closed for good, whatever its status says: its quarter
        # must not change after publication.
        return (
            self.status == self.Status.OPEN and self.closes_at > now and self.publication_id is None
        )


class InvitationStatus(models.TextChoices):
    # The delivery states (core.delivery.Status), then "answered".
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    WITHHELD = "withheld", _("not sent")  # the recipient objected (organisation.consent)
    ANSWERED = "answered", _("answered")


class Invitation(Delivery):
    """The first e-mail to one recipient of a campaign, and their answer's state."""

    Status = InvitationStatus

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("campaign")
    )
    contact = models.ForeignKey(
        "organisation.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("contact"),
    )
    technician = models.ForeignKey(
        "organisation.Technician",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("technician"),
    )
    language = models.CharField(_("language"), max_length=5, default="de")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.QUEUED,
    )
    # Kept by the reminders' sending (surveys/sending.py): how many reminder e-mails went
    # out, and when the last one did.
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One invitation per recipient and campaign, even when a form is sent twice.
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(contact__isnull=False),
                name="invitation_unique_contact",
            ),
            models.UniqueConstraint(
                fields=["campaign", "technician"],
                condition=Q(technician__isnull=False),
                name="invitation_unique_technician",
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=False, technician__isnull=True)
                | Q(contact__isnull=True, technician__isnull=False),
                name="invitation_one_recipient",
            ),
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending invitations.
            models.Index(fields=["status", "created_at"], name="invitation_status_created"),
        ]

    def state_label(self, now: datetime.datetime | None = None) -> str:
        """The state a recipient reads on their own page: once the campaign no longer
        takes answers, an invitation that was not answered is "closed, not answered",
        not "sent" for ever."""
        unanswered = self.status != InvitationStatus.ANSWERED
        started = self.campaign.status != Campaign.Status.SCHEDULED
        if unanswered and started and not self.campaign.is_open_for_answers(now):
            return gettext("closed, not answered")
        return self.get_status_display()

    def __str__(self):
        # The back office prints this in lists, delete confirmations and the history; for
        # an anonymous survey it must not name whom an answer could belong to.
        if self.campaign.survey.aggregate_only:
            return gettext("%(campaign)s · invitation #%(id)s") % {
                "campaign": self.campaign,
                "id": self.pk,
            }
        return f"{self.campaign} → {self.recipient_name}"

    @property
    def recipient(self):
        return self.contact or self.technician

    @property
    def recipient_name(self) -> str:
        recipient = self.recipient
        return recipient.name if recipient else self.email


class Reminder(Delivery):
    """A reminder e-mail to an invitee who has not answered: at most one per invitation
    and number (1 or 2), so a dispatcher that runs twice reminds nobody twice."""

    # The batch it is sent with (the invitation's campaign).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("campaign")
    )
    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("invitation"),
    )
    number = models.PositiveSmallIntegerField(_("reminder"))

    class Meta:
        ordering = ["invitation", "number"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "number"], name="reminder_once"),
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending reminders.
            models.Index(fields=["status", "created_at"], name="reminder_status_created"),
        ]

    def __str__(self):
        return f"{self.invitation} · {self.number}"


class InvitationToken(models.Model):
    """One per e-mail sent (first mail and each reminder); all stay valid until the
    campaign closes or the signature expires."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("link token")
        verbose_name_plural = _("link tokens")

    def __str__(self):
        # Never the hash: it identifies a working link's owner in logs.
        return f"token #{self.pk} of invitation #{self.invitation_id}"


class Response(models.Model):
    """The answers of one invitation; the one-to-one makes a double submit one row."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="response", verbose_name=_("invitation")
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="responses", verbose_name=_("campaign")
    )
    client = models.ForeignKey(
        "organisation.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("client"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            # Results and metrics: responses of one survey in a period.
            models.Index(fields=["survey", "submitted_at"], name="response_survey_submitted"),
        ]

    def __str__(self):
        if self.survey.aggregate_only:
            return gettext("%(survey)s · response #%(id)s") % {"survey": self.survey, "id": self.pk}
        return f"{self.survey} · {self.submitted_at:%Y-%m-%d}"

    @classmethod
    def confidential_in_admin(cls, objs) -> set:
        """The primary keys among ``objs`` that the back office never lists (see
        core.admin_privacy): responses to anonymous surveys. One query."""
        return set(
            cls.objects.filter(
                pk__in=[obj.pk for obj in objs], survey__kind__in=AGGREGATE_ONLY_KINDS
            ).values_list("pk", flat=True)
        )


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique"),
        ]

    def __str__(self):
        # Never the value or the text: Django prints related objects through str() on
        # delete confirmations, and an answer may belong to an anonymous survey.
        return gettext("answer #%(id)s") % {"id": self.pk}

    @classmethod
    def confidential_in_admin(cls, objs) -> set:
        """The primary keys among ``objs`` that the back office never lists: answers to
        anonymous surveys. One query."""
        return set(
            cls.objects.filter(
                pk__in=[obj.pk for obj in objs], response__survey__kind__in=AGGREGATE_ONLY_KINDS
            ).values_list("pk", flat=True)
        )


# --- Published quarters of the anonymous surveys ---------------------------------------------


class PublishedQuarterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(outcome=PublishedQuarter.Outcome.PUBLISHED)

    def of_kind(self, kind: str):
        return self.filter(survey__kind=kind)


class PublishedQuarter(models.Model):
    """One calendar quarter of an anonymous survey (in-depth, technician onboarding),
    decided once and never changed.

    Written by ``surveys.publication.publish_due_quarters`` once the quarter has ended and
    every campaign started in it is closed: *published* with its figures and open answers
    when at least ``minimum`` distinct technicians answered, else *withheld* without them.
    Every page, export, chart and KPI reads the figures of anonymous surveys from here
    only, so answers stored later (or campaigns moved later) cannot change what was shown.
    """

    class Outcome(models.TextChoices):
        PUBLISHED = "published", _("published")
        WITHHELD = "withheld", _("withheld (too few people)")

    survey = models.ForeignKey(
        Survey,
        on_delete=models.PROTECT,
        related_name="published_quarters",
        verbose_name=_("survey"),
    )
    quarter = models.DateField(_("quarter"), help_text=_("First day of the quarter."))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    respondents = models.PositiveIntegerField(
        _("respondents"), help_text=_("Distinct technicians with at least one answer.")
    )
    minimum = models.PositiveSmallIntegerField(_("minimum"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = PublishedQuarterQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "quarter"]
        verbose_name = _("published quarter")
        verbose_name_plural = _("published quarters")
        constraints = [
            # Decided once: a second decision for the same quarter fails.
            models.UniqueConstraint(fields=["survey", "quarter"], name="published_quarter_once"),
        ]

    def __str__(self):
        return f"{self.survey} · {quarter_label(self.quarter)}"

    @property
    def is_published(self) -> bool:
        return self.outcome == self.Outcome.PUBLISHED


class PublishedFigure(models.Model):
    """One scale question of a published quarter. ``average`` is the mean over people of
    each person's mean answer in the quarter (so someone who answered five campaigns
    counts once); it is empty when fewer than the quarter's minimum answered it."""

    publication = models.ForeignKey(
        PublishedQuarter, on_delete=models.CASCADE, related_name="figures"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    respondents = models.PositiveIntegerField(_("respondents"))
    average = models.DecimalField(
        _("average"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "question"], name="published_figure_unique"
            ),
        ]

    def __str__(self):
        return f"{self.publication} · {self.question.key}"


class PublishedComment(models.Model):
    """One open answer of a published quarter, without its author or date; ``position``
    keeps the alphabetical order the page shows, so nothing reveals the order of arrival."""

    publication = models.ForeignKey(
        PublishedQuarter, on_delete=models.CASCADE, related_name="comments"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["publication", "position"]
        verbose_name = _("published comment")
        verbose_name_plural = _("published comments")

    def __str__(self):
        return gettext("comment #%(position)s") % {"position": self.position}


class FaceOpening(models.Model):
    """A face link of an e-mail opened in a browser (a GET of the survey page with
    ``?face=``), kept so that the one click can tell a person from a mail scanner
    (surveys.one_click): several faces of one e-mail opened within two minutes record
    nothing. ``used_at``: the page's one POST came (a replay finds it set);
    ``recorded_at`` with ``previous``: it stored the face, and what was stored before."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="face_openings"
    )
    value = models.SmallIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    previous = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("face link opened")
        verbose_name_plural = _("face links opened")
        indexes = [
            # one_click: the openings of one invitation within two minutes.
            models.Index(fields=["invitation", "opened_at"], name="face_opening_recent"),
        ]

    def __str__(self):
        return f"invitation #{self.invitation_id} · {self.value} · {self.opened_at:%H:%M:%S}"


class SurveyDailyRollup(models.Model):
    """The figures of one named survey (client onboarding, weekly pulse) per client and
    local day, kept by ``surveys.rollups``: sums and counts only, so any period adds them
    up exactly. Answer figures sit on the day their response was first submitted, under
    the response's client; ``invited``/``answered`` on the day the invitation was sent,
    under its contact's client (``answered``: of those, answered by now). The pulse has
    no client. The anonymous surveys are never rolled up: their figures come from the
    published quarters only (``PublishedQuarter``)."""

    kind = models.CharField(max_length=32, choices=SurveyKind.choices)
    client = models.ForeignKey(
        "organisation.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    invited = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    ces_sum = models.IntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    pulse_sum = models.IntegerField(default=0)
    pulse_n = models.PositiveIntegerField(default=0)
    pulse_responses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily survey figures")
        verbose_name_plural = _("daily survey figures")
        indexes = [
            # surveys.metrics: one kind's rows of a period (all clients, or a few).
            models.Index(fields=["kind", "day"], name="survey_rollup_kind_day"),
            models.Index(fields=["client", "kind", "day"], name="survey_rollup_client_day"),
        ]
        # One row per survey, client and day: the conflict targets of the increments in
        # surveys.rollups.add. Two partial indexes because NULLs (the pulse's rows) never
        # conflict in a plain one, and SQLite knows no UNIQUE NULLS NOT DISTINCT.
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "client", "day"],
                condition=models.Q(client__isnull=False),
                name="survey_rollup_one_per_client_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "day"],
                condition=models.Q(client__isnull=True),
                name="survey_rollup_one_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.kind} · {self.client_id or '-'} · {self.day}"
