"""The questionnaire as versioned data, and the assessments taken with it.

Versioning: a questionnaire version is editable while it is a draft and frozen once it is
published. Stored assessments point at the statements (and, through them, the areas,
phases and tips) of the version they were answered with, so nothing a back-office user
does later can change a stored result. Changing the questionnaire means copying the
current version into a new draft (``Questionnaire.copy_as_draft``), editing the draft and
publishing it; new assessments then use the new version.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.delivery import Delivery
from core.models import Bilingual
from core.single_line import SingleLineCharField

SCALE_MIN = 1
SCALE_MAX = 5


class FrozenVersionError(ValidationError):
    pass


class FrozenWhenPublished(Bilingual):
    """Content of a questionnaire version: editable only while the version is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._is_frozen():
            raise FrozenVersionError(
                _(
                    "This questionnaire version is published and cannot change; copy it into a new draft version."
                )
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._is_frozen():
            raise FrozenVersionError(_("A published questionnaire version cannot change."))
        return super().delete(*args, **kwargs)

    def owning_questionnaire_id(self) -> int | None:
        """The questionnaire version this content belongs to."""
        return self.questionnaire_id

    def _is_frozen(self) -> bool:
        questionnaire_id = self.owning_questionnaire_id()
        return (
            questionnaire_id is not None
            and Questionnaire.objects.filter(
                pk=questionnaire_id, published_at__isnull=False
            ).exists()
        )


class QuestionnaireQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self) -> "Questionnaire | None":
        """The newest published version: the one new assessments are answered with."""
        return self.published().order_by("-version").first()


class Questionnaire(Bilingual):
    version = models.PositiveIntegerField(_("version"), unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    source_de = models.CharField(_("source (German)"), max_length=300, blank=True)
    source_en = models.CharField(_("source (English)"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")

    def __str__(self):
        return f"{self.title_de} (v{self.version})"

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def publish(self) -> None:
        if self.is_published:
            return
        self.published_at = timezone.now()
        self.save(update_fields=["published_at"])

    @transaction.atomic
    def copy_as_draft(self) -> "Questionnaire":
        """A new draft version with a copy of all content (areas, statements, phases, tips,
        scale labels); statement and area keys stay the same so history lines up."""
        next_version = (Questionnaire.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = Questionnaire.objects.create(
            version=next_version,
            title_de=self.title_de,
            title_en=self.title_en,
            source_de=self.source_de,
            source_en=self.source_en,
        )
        phase_map = {}
        for phase in self.phases.all():
            old_pk = phase.pk
            phase.pk = None
            phase.questionnaire = draft
            phase.save()
            phase_map[old_pk] = phase
        for label in self.scale_labels.all():
            label.pk = None
            label.questionnaire = draft
            label.save()
        for area in self.areas.prefetch_related("statements", "tips"):
            statements = list(area.statements.all())
            tips = list(area.tips.all())
            area.pk = None
            area.questionnaire = draft
            area.save()
            for statement in statements:
                statement.pk = None
                statement.area = area
                statement.save()
            for tip in tips:
                tip.pk = None
                tip.area = area
                tip.phase = phase_map[tip.phase_id]
                tip.save()
        return draft


class ScaleLabel(FrozenWhenPublished):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="scale_labels"
    )
    value = models.PositiveSmallIntegerField(
        _("value"), validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]
    )
    label_de = models.CharField(_("label (German)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["questionnaire", "value"]
        verbose_name = _("scale label")
        verbose_name_plural = _("scale labels")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "value"], name="scale_value_unique")
        ]

    def __str__(self):
        return f"{self.value} – {self.label_de}"

    @property
    def label(self) -> str:
        return self.localized("label")


class Area(FrozenWhenPublished):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="areas")
    key = models.SlugField(_("key"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"))
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["questionnaire", "order"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="area_key_unique")
        ]

    def __str__(self):
        return self.name_de

    @property
    def name(self) -> str:
        return self.localized("name")


class AreaContent(FrozenWhenPublished):
    """Content that belongs to its version through an area."""

    class Meta:
        abstract = True

    def owning_questionnaire_id(self) -> int | None:
        if self.area_id is None:
            return None
        return (
            Area.objects.filter(pk=self.area_id).values_list("questionnaire_id", flat=True).first()
        )


class Statement(AreaContent):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="statements")
    # Stable across versions: measured evidence (KPIs) is attached by this key.
    key = models.SlugField(_("key"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"))
    text_de = models.TextField(_("text (German)"))
    text_en = models.TextField(_("text (English)"), blank=True)

    class Meta:
        ordering = ["area__order", "order"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [models.UniqueConstraint(fields=["area", "key"], name="statement_key_unique")]

    def __str__(self):
        return self.text_de

    @property
    def text(self) -> str:
        return self.localized("text")


class Phase(FrozenWhenPublished):
    """A maturity phase for overall scores in [min_score, max_score); the highest phase
    also includes its max_score (5.0)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="phases"
    )
    key = models.SlugField(_("key"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"))
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    characteristics_de = models.TextField(_("characteristics (German)"))
    characteristics_en = models.TextField(_("characteristics (English)"), blank=True)
    min_score = models.DecimalField(_("from score"), max_digits=3, decimal_places=2)
    max_score = models.DecimalField(_("up to (excluding) score"), max_digits=3, decimal_places=2)

    class Meta:
        ordering = ["questionnaire", "order"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="phase_key_unique"),
            models.CheckConstraint(
                condition=Q(min_score__lt=models.F("max_score")), name="phase_range_not_empty"
            ),
        ]

    def __str__(self):
        return self.name_de

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def display_name(self) -> str:
        """Another language's name keeps the published German name beside it: "Proactive
        (Proaktiv)"."""
        name = self.name
        return f"{name} ({self.name_de})" if name != self.name_de else name

    @property
    def characteristics(self) -> str:
        return self.localized("characteristics")


class Tip(AreaContent):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="tips")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tips")
    text_de = models.TextField(_("text (German)"))
    text_en = models.TextField(_("text (English)"), blank=True)

    class Meta:
        ordering = ["area__order", "phase__order"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        constraints = [models.UniqueConstraint(fields=["area", "phase"], name="tip_per_area_phase")]

    def __str__(self):
        return f"{self.area} / {self.phase}"

    def clean(self):
        if (
            self.area_id
            and self.phase_id
            and self.area.questionnaire_id != self.phase.questionnaire_id
        ):
            raise ValidationError(
                _("Area and phase must belong to the same questionnaire version.")
            )

    @property
    def text(self) -> str:
        return self.localized("text")


# --- Team rounds ------------------------------------------------------------------------


class TeamRoundQuerySet(models.QuerySet):
    def visible_to(self, user, manager: bool):
        """Rounds a user may open: all for managers, else the ones they are invited to."""
        if manager:
            return self
        return self.filter(members=user)


class TeamRound(models.Model):
    name = SingleLineCharField(_("name"), max_length=200)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="rounds"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opened_rounds"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assessment_rounds", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    closes_on = models.DateField(_("closing date"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the first invitation e-mail went out (each member's is a RoundInvitation).
    invitations_sent_at = models.DateTimeField(_("invitations sent"), null=True, blank=True)

    objects = TeamRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("team round")
        verbose_name_plural = _("team rounds")

    def __str__(self):
        return self.name

    def is_open(self, today=None) -> bool:
        """Open until closed by hand or until the end of its closing date."""
        today = today or timezone.localdate()
        if self.closed_at is not None:
            return False
        return self.closes_on is None or today <= self.closes_on


class RoundInvitation(Delivery):
    """The e-mail inviting one member to a team round (sent by core.delivery)."""

    team_round = models.ForeignKey(
        TeamRound,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("team round"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )

    class Meta:
        ordering = ["team_round", "id"]
        verbose_name = _("round invitation")
        verbose_name_plural = _("round invitations")
        constraints = [
            models.UniqueConstraint(fields=["team_round", "member"], name="round_invitation_once")
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending invitations.
            models.Index(fields=["status", "created_at"], name="round_invitation_status"),
        ]

    def __str__(self):
        return f"{self.team_round} → {self.email}"


# --- Assessments ------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet):
    def personal(self):
        """Assessments taken on one's own, not as part of a team round."""
        return self.filter(team_round__isnull=True)


class Assessment(models.Model):
    # The URL carries this id, not the sequential primary key.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("user"),
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="assessments"
    )
    team_round = models.ForeignKey(
        TeamRound,
        on_delete=models.CASCADE,
        related_name="submissions",
        null=True,
        blank=True,
        verbose_name=_("team round"),
    )
    created_at = models.DateTimeField(_("taken"), default=timezone.now, db_index=True)
    # Snapshot of the result when it was taken (also derivable from the answers of the
    # frozen version); kept so lists need no recomputation.
    overall_score = models.DecimalField(_("overall score"), max_digits=4, decimal_places=2)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="+")

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["team_round", "user"],
                condition=Q(team_round__isnull=False),
                name="one_submission_per_member_and_round",
            )
        ]
        indexes = [
            # History page: a user's personal assessments in time order.
            models.Index(fields=["user", "created_at"], name="assessment_user_time"),
        ]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d} {self.overall_score}"


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(
        _("answer"), validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]
    )

    class Meta:
        ordering = ["statement__area__order", "statement__order"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(value__gte=SCALE_MIN, value__lte=SCALE_MAX), name="answer_on_scale"
            ),
        ]

    def __str__(self):
        return f"{self.statement.key}: {self.value}"
