"""Tickets as a PSA exports them, SLA targets per priority, and the daily per-client
rollups the dashboard reads instead of the tickets."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.single_line import SingleLineCharField
from organisation.models import Client, Contact, Technician, data_source_field, unique_per_source


class Priority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


PRIORITIES = [value for value, _label in Priority.choices]


class Source(models.TextChoices):
    CLIENT = "client", _("Client")
    MONITORING = "monitoring", _("Monitoring")
    AUTOMATION = "automation", _("Automation")
    SELF_SERVICE = "self_service", _("Self-service")


# What every list of tickets shows (the admin, the client page, the ticket list).
LISTED_FIELDS = (
    "external_id",
    "title",
    "client",
    "requester",
    "priority",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "escalated",
    "source",
    "proactive",
    "auto_remediated",
    "technician",
)


class TicketQuerySet(models.QuerySet):
    def escalated(self):
        return self.filter(escalated=True)

    def for_client(self, client):
        return self.filter(client=client)

    def opened_between(self, start: datetime.date, end: datetime.date):
        """Tickets opened on a local day in [start, end)."""
        return self.filter(opened_on__gte=start, opened_on__lt=end)

    def listed(self):
        """The tickets with only what a list shows loaded (LISTED_FIELDS, the names of
        the client and the technician)."""
        related = ("client", "requester", "technician")
        own = [name for name in LISTED_FIELDS if name not in related]
        return self.select_related(*related).only(
            *own, "client__name", "requester__name", "requester__email", "technician__name"
        )


def _seconds(start: datetime.datetime, end: datetime.datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def derived_values(opened_at, first_response_at, resolved_at) -> dict:
    """A ticket's derived fields: opened_on (the local day of opening,
    settings.TIME_ZONE) and the durations in whole seconds (None while not happened)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return {
        "opened_on": timezone.localtime(opened_at, zone).date(),
        "first_response_seconds": _seconds(opened_at, first_response_at),
        "resolution_seconds": _seconds(opened_at, resolved_at),
    }


# The PSA's SLA verdict on a ticket (import columns of the same names).
PSA_SLA_FIELDS = (
    "psa_sla_met",
    "psa_response_met",
    "psa_plan_met",
    "psa_resolution_met",
    "psa_response_minutes",
    "psa_plan_minutes",
    "psa_resolution_minutes",
    "psa_waiting_minutes",
)

# Computed from the timestamps on every write (derived_values).
DERIVED_FIELDS = ("opened_on", "first_response_seconds", "resolution_seconds")


class Ticket(models.Model):
    data_source = data_source_field()
    external_id = models.CharField(_("external id"), max_length=100)
    title = SingleLineCharField(_("title"), max_length=255, blank=True)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("client")
    )
    # The client's contact who asked; matched or created by the import (kpis.requesters).
    requester = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("requester"),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    opened_at = models.DateTimeField(_("opened"))
    # The local calendar day (settings.TIME_ZONE) of opened_at, set on every write: the
    # rollups, the onboarding split and the date filters work on days.
    opened_on = models.DateField(_("opened on"), editable=False)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Durations in seconds, derived from the timestamps on every write (None while the
    # event has not happened): SLA and medians compare integers in the database.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    escalated = models.BooleanField(_("escalated"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    proactive = models.BooleanField(
        _("resolved before a failure"), default=False, help_text=_("Proactive work.")
    )
    auto_remediated = models.BooleanField(_("auto-remediated"), default=False)
    technician = models.ForeignKey(
        Technician,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("technician"),
    )
    # The PSA's own SLA verdict, beside our wall-clock one (kpis.psa_sla): overall and
    # per stage (None: the PSA gives none), and the minutes the PSA counted (its SLA
    # calendar, so business hours) and did not count (waiting, on hold).
    psa_sla_met = models.BooleanField(_("SLA met (PSA)"), null=True, blank=True)
    psa_response_met = models.BooleanField(_("response met (PSA)"), null=True, blank=True)
    psa_plan_met = models.BooleanField(_("resolution plan met (PSA)"), null=True, blank=True)
    psa_resolution_met = models.BooleanField(_("resolution met (PSA)"), null=True, blank=True)
    psa_response_minutes = models.PositiveIntegerField(
        _("response minutes (PSA)"), null=True, blank=True
    )
    psa_plan_minutes = models.PositiveIntegerField(
        _("resolution plan minutes (PSA)"), null=True, blank=True
    )
    psa_resolution_minutes = models.PositiveIntegerField(
        _("resolution minutes (PSA)"), null=True, blank=True
    )
    psa_waiting_minutes = models.PositiveIntegerField(
        _("waiting minutes (PSA)"), null=True, blank=True
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [unique_per_source("ticket_unique_external_id_per_source")]
        indexes = [
            # Client page and ticket list: Ticket.objects.for_client(c).order_by("-opened_at")
            # with a period filter on opened_on, paginated.
            models.Index(fields=["client", "-opened_at"], name="ticket_client_opened"),
            # Rollup refresh: tickets of some clients grouped by (client_id, opened_on)
            # within a day range; and the ticket list filtered by period only.
            models.Index(fields=["client", "opened_on"], name="ticket_client_day"),
            models.Index(fields=["opened_on"], name="ticket_day"),
            # Client page "escalations": Ticket.objects.for_client(c).escalated() newest
            # first; partial, as escalations are a small share of all tickets.
            models.Index(
                fields=["client", "-opened_at"],
                condition=Q(escalated=True),
                name="ticket_client_escalated",
            ),
        ]

    def __str__(self):
        return self.external_id

    def save(self, *args, **kwargs):
        self.derive()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """Set the derived fields (local day, durations) from the timestamps."""
        for name, value in derived_values(
            self.opened_at, self.first_response_at, self.resolved_at
        ).items():
            setattr(self, name, value)


class SLATarget(models.Model):
    """Targets per priority, in minutes from opening. Editing them changes which tickets
    met their SLA, so saving one in the admin rebuilds the rollups (kpis.admin)."""

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self):
        return str(self.get_priority_display())


class RollupCounts(models.Model):
    """The counts a daily rollup holds (per client, or summed per segment). SLA counts: a
    ticket is *measured* for first response (resolution) once it has one; it *met* the
    target when the duration is at most the target of its priority."""

    tickets = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    from_client = models.PositiveIntegerField(default=0)
    from_monitoring = models.PositiveIntegerField(default=0)
    from_automation = models.PositiveIntegerField(default=0)
    from_self_service = models.PositiveIntegerField(default=0)
    proactive = models.PositiveIntegerField(default=0)
    auto_remediated = models.PositiveIntegerField(default=0)
    first_response_measured = models.PositiveIntegerField(default=0)
    first_response_met = models.PositiveIntegerField(default=0)
    resolution_measured = models.PositiveIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    # The same SLA counts per priority, for attainment per priority.
    fr_measured_critical = models.PositiveIntegerField(default=0)
    fr_met_critical = models.PositiveIntegerField(default=0)
    res_measured_critical = models.PositiveIntegerField(default=0)
    res_met_critical = models.PositiveIntegerField(default=0)
    fr_measured_high = models.PositiveIntegerField(default=0)
    fr_met_high = models.PositiveIntegerField(default=0)
    res_measured_high = models.PositiveIntegerField(default=0)
    res_met_high = models.PositiveIntegerField(default=0)
    fr_measured_medium = models.PositiveIntegerField(default=0)
    fr_met_medium = models.PositiveIntegerField(default=0)
    res_measured_medium = models.PositiveIntegerField(default=0)
    res_met_medium = models.PositiveIntegerField(default=0)
    fr_measured_low = models.PositiveIntegerField(default=0)
    fr_met_low = models.PositiveIntegerField(default=0)
    res_measured_low = models.PositiveIntegerField(default=0)
    res_met_low = models.PositiveIntegerField(default=0)
    # The PSA's verdicts (kpis.psa_sla): tickets with one (known) and met, overall and
    # per stage; tickets - psa_known lack one.
    psa_known = models.PositiveIntegerField(default=0)
    psa_met = models.PositiveIntegerField(default=0)
    psa_response_known = models.PositiveIntegerField(default=0)
    psa_response_met = models.PositiveIntegerField(default=0)
    psa_resolution_known = models.PositiveIntegerField(default=0)
    psa_resolution_met = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class TicketDailyRollup(RollupCounts):
    """Counts of one client's tickets opened on one local day.

    Written only by kpis.rollups (after imports, webhooks, admin edits, and from the
    periodic task); the threshold check, the client page and the per-client figures sum
    these rows, so their cost grows with clients x days in the period, never with the
    number of tickets.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="rollups")
    day = models.DateField()
    # The client was in its first ONBOARDING_DAYS days of contract on this day.
    onboarding = models.BooleanField(default=False)

    class Meta:
        ordering = ["client", "day"]
        verbose_name = _("daily ticket rollup")
        verbose_name_plural = _("daily ticket rollups")
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="rollup_one_per_client_day")
        ]
        indexes = [
            # Dashboard, detail pages and threshold check: SUM(...) WHERE day in a period
            # (GROUP BY client or by week/month), for all clients or a segment.
            models.Index(fields=["day", "client"], name="rollup_day_client"),
        ]

    def __str__(self):
        return f"{self.client_id} {self.day}"


class SegmentDailyRollup(RollupCounts):
    """The per-client rollups of one local day summed over the clients of one segment
    ("" for clients without a segment). The dashboard, the detail pages and the exports
    read these when no client filter is set (all clients: the segments of a day summed;
    a segment filter: that segment's rows), so a half-year trend reads about 183 x
    segments rows instead of 183 x clients.

    Written only by kpis.rollups.refresh_segments, whenever the per-client rows of a
    day change (imports, webhooks, edits, the periodic task, a rebuild) and when a
    client changes segment or contract start or is deleted.
    """

    day = models.DateField()
    segment = models.CharField(max_length=100, blank=True)
    # Tickets (and escalations) of clients in their first ONBOARDING_DAYS days.
    onboarding_tickets = models.PositiveIntegerField(default=0)
    onboarding_escalated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "segment"]
        verbose_name = _("daily segment rollup")
        verbose_name_plural = _("daily segment rollups")
        constraints = [
            models.UniqueConstraint(fields=["day", "segment"], name="segment_rollup_one_per_day")
        ]
        indexes = [
            # metrics.totals()/series() without a client filter: SUM(...) WHERE day in a
            # period [AND segment = %s] [GROUP BY week/month].
            models.Index(fields=["day"], name="segment_rollup_day"),
        ]

    def __str__(self):
        return f"{self.segment or '-'} {self.day}"


COUNT_FIELDS = [
    f.name
    for f in TicketDailyRollup._meta.local_fields
    if isinstance(f, models.PositiveIntegerField)
]
# What a segment row adds: the early-support counts (per client a flag on the row).
SEGMENT_COUNT_FIELDS = [*COUNT_FIELDS, "onboarding_tickets", "onboarding_escalated"]
