"""The organisation's KPI settings: one row, edited in the admin."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import SingletonModel


def _percent_field(label, default: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


class KpiSettings(SingletonModel):
    """Escalation thresholds and the satisfaction benchmark.

    Escalations are judged per calendar month: the share of a client's tickets opened
    from the 1st of the month up to today that were escalated. A client with fewer than
    ``minimum_tickets`` tickets in the month is not judged. A share at or above the
    threshold is a breach; at or above ``warning_percent`` of the threshold, a warning.
    """

    default_threshold = models.DecimalField(
        _("default escalation threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Share of a client's tickets escalated in a month at which staff are alerted."),
    )
    warning_percent = models.DecimalField(
        _("warning level (% of the threshold)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text=_("e.g. 80: a client at 8 % of a 10 % threshold is approaching it."),
    )
    minimum_tickets = models.PositiveIntegerField(
        _("minimum tickets"),
        default=20,
        help_text=_("Clients with fewer tickets in the month are not judged."),
    )
    satisfaction_benchmark = models.DecimalField(
        _("job satisfaction benchmark (0-10)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("9.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("Managers are alerted when the team's job satisfaction falls below it."),
    )

    # The attention page and the client list (insights.attention) colour each client's
    # figures: red below the first line, amber below the second, else green.
    sla_red_percent = _percent_field(_("SLA attainment: red below (%)"), "90.00")
    sla_amber_percent = _percent_field(_("SLA attainment: amber below (%)"), "95.00")
    csat_red_percent = _percent_field(_("ticket CSAT: red below (%)"), "80.00")
    csat_amber_percent = _percent_field(_("ticket CSAT: amber below (%)"), "90.00")
    nps_red = models.SmallIntegerField(
        _("onboarding NPS: red below"),
        default=0,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )
    nps_amber = models.SmallIntegerField(
        _("onboarding NPS: amber below"),
        default=30,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("KPI settings")
        verbose_name_plural = _("KPI settings")

    def __str__(self):
        return str(_("KPI settings"))

    def clean(self):
        # An amber line below the red one would never show amber.
        errors = {}
        for red, amber in (
            ("sla_red_percent", "sla_amber_percent"),
            ("csat_red_percent", "csat_amber_percent"),
            ("nps_red", "nps_amber"),
        ):
            low, high = getattr(self, red), getattr(self, amber)
            if low is not None and high is not None and high < low:
                errors[amber] = _("The amber line must not be below the red one.")
        if errors:
            raise ValidationError(errors)
