"""A PSA connection (``Integration``) with its mappings, encrypted credentials and sync
state; the live events it receives (``Event``); the records an event said changed
(``DirtyRecord``) and how far each pull got (``PullCursor``)."""

from __future__ import annotations

import datetime
import ipaddress
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.delivery import Delivery, recipient_field
from core.single_line import SingleLineCharField
from core.tokens import hash_token, new_token
from kpis.mappings import Rule
from organisation.models import DataSource

from . import crypto
from .kinds import KINDS, Kind

# The user name of Halo's Basic authentication (the password is per integration).
HALO_WEBHOOK_USER = "halo-webhook"

# Keys of the encrypted dict besides the credentials of kinds.KINDS: secrets the product
# makes itself for receiving events.
# (Names of dict keys, not secrets.)
EVENT_TOKEN = "event_token"  # noqa: S105 - the path segment of the event URL
WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 - Autotask's SecretKey
HALO_PASSWORD = "halo_webhook_password"  # noqa: S105 - Halo's Basic authentication
HALO_TOKEN = "halo_webhook_token"  # noqa: S105 - Halo's Bearer authentication


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_psa_url(value: str) -> None:
    """A PSA address: https (plain http only to this machine when
    settings.INTEGRATIONS_ALLOW_LOCAL_HTTP), no user name, query or fragment."""
    URLValidator(schemes=["https", "http"])(value)
    parts = urlsplit(value)
    local_http = settings.INTEGRATIONS_ALLOW_LOCAL_HTTP and _loopback(parts.hostname or "")
    if parts.scheme != "https" and not local_http:
        raise ValidationError(_("The address must start with https://."), code="https")
    if parts.username or parts.password:
        raise ValidationError(
            _("Put no user name or password into the address."), code="credentials"
        )
    if parts.query or parts.fragment:
        raise ValidationError(_("The address must not contain ? or #."), code="query")


def psa_url_field(verbose_name, **options):
    return models.CharField(verbose_name, max_length=300, validators=[validate_psa_url], **options)


class Entity(models.TextChoices):
    COMPANY = "company", _("client")
    CONTACT = "contact", _("contact")
    MEMBER = "member", _("technician")
    TICKET = "ticket", _("ticket")


class HaloAuth(models.TextChoices):
    BASIC = "basic", _("Basic authentication (user name and password)")
    BEARER = "bearer", _("Bearer token")


class Integration(models.Model):
    """One PSA instance the product reads. Its records belong to its own data source,
    which stays when the integration is deleted (with everything imported through it)."""

    kind = models.CharField(_("PSA"), max_length=20, choices=Kind.choices, editable=False)
    name = SingleLineCharField(_("name"), max_length=100, help_text=_("e.g. ConnectWise EU"))
    base_url = psa_url_field(_("API address"))
    # HaloPSA only: the authorisation server (empty: <base URL without /api>/auth).
    auth_url = psa_url_field(_("authorisation server"), blank=True)
    data_source = models.OneToOneField(
        DataSource,
        on_delete=models.PROTECT,
        related_name="integration",
        editable=False,
        verbose_name=_("data source"),
    )
    # Credentials and event secrets as one Fernet token (integrations.crypto); never
    # shown, logged or exported; pages show their last four characters.
    secrets_encrypted = models.TextField(editable=False, blank=True, default="")
    # The event URL's token, hashed for the lookup (core.tokens); the token itself is in
    # the secrets, as the "connect" step registers the URL with the PSA.
    event_token_hash = models.CharField(max_length=64, unique=True, editable=False)

    # Mappings (docs/integrations.md): PSA names compare without case, * is any text.
    priorities = models.JSONField(_("priorities"), default=dict, blank=True)
    counted_groups = models.JSONField(_("boards, queues or teams that count"), default=list)
    escalated_field = models.CharField(_("escalated: field"), max_length=30, blank=True)
    escalated_values = models.JSONField(_("escalated: values"), default=list, blank=True)
    proactive_field = models.CharField(_("proactive: field"), max_length=30, blank=True)
    proactive_values = models.JSONField(_("proactive: values"), default=list, blank=True)
    closed_statuses = models.JSONField(_("closed statuses"), default=list, blank=True)
    time_zone = models.CharField(_("time zone of the PSA"), max_length=64, default="UTC")
    halo_webhook_auth = models.CharField(
        _("authentication of Halo's webhook"),
        max_length=10,
        choices=HaloAuth.choices,
        default=HaloAuth.BASIC,
    )

    # Live-event state: what the "connect" step registered with the PSA, as
    # [{"entity": "ticket", "id": "311"}, ...] (ConnectWise callback ids, Autotask
    # webhook ids); Halo's webhook is set up by hand.
    registered_hooks = models.JSONField(default=list, blank=True, editable=False)
    connected_at = models.DateTimeField(_("connected"), null=True, blank=True, editable=False)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True, editable=False)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True, editable=False)
    last_sync_ok = models.BooleanField(_("last sync succeeded"), null=True, editable=False)
    last_pull_ok_at = models.DateTimeField(
        _("last successful pull"), null=True, blank=True, editable=False
    )
    # The first failed pull of the current run of failures (None after a success): the
    # alert check measures "failing" from here.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    # Registered hooks the PSA reported as switched off when last read (Autotask
    # deactivates a webhook after repeated delivery failures), as in registered_hooks.
    inactive_hooks = models.JSONField(default=list, blank=True, editable=False)
    alert_after_minutes = models.PositiveIntegerField(
        _("alert after (minutes)"),
        default=120,
        validators=[MinValueValidator(30), MaxValueValidator(7 * 24 * 60)],
        help_text=_(
            "Staff are e-mailed when no event and no successful pull came for this long, "
            "or the pulls have failed for this long."
        ),
    )
    # The PSA's own message where it gave one.
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("PSA connection")
        verbose_name_plural = _("PSA connections")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.data_source_id is None:
                self.data_source = DataSource.objects.create(
                    name=self.name, kind=DataSource.Kind.PSA
                )
            elif "name" in kwargs.get("update_fields", ["name"]) and (
                self.data_source.name != self.name
            ):
                # Its source is named after it (the import and mapping pages show it).
                self.data_source.name = self.name
                self.data_source.save(update_fields=["name"])
            if not self.event_token_hash:
                self.new_event_secrets()
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("integrations:edit", kwargs={"pk": self.pk})

    @property
    def info(self):
        return KINDS[self.kind]

    @property
    def alert_after(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.alert_after_minutes)

    # --- secrets ---------------------------------------------------------------------

    @cached_property
    def secrets(self) -> dict[str, str]:
        """The decrypted credentials and event secrets (not stored on the instance's
        dict: a cached property, dropped by set_secrets)."""
        return crypto.decrypt(self.secrets_encrypted)

    def secrets_readable(self) -> bool:
        """Whether a configured key opens the stored secrets (not after a key was
        dropped before `rotate_integration_keys` ran)."""
        try:
            self.secrets  # noqa: B018 - decrypts once, cached
        except crypto.SecretsUnreadable:
            return False
        return True

    def set_secrets(self, values: dict[str, str]) -> None:
        self.secrets_encrypted = crypto.encrypt({k: v for k, v in values.items() if v})
        self.__dict__.pop("secrets", None)

    def credentials(self) -> dict[str, str]:
        """The credentials of the kind, by key ("" where none is stored)."""
        stored = self.secrets
        return {c.key: stored.get(c.key, "") for c in self.info.credentials}

    def credential_hints(self) -> list[tuple[str, str]]:
        """(label, last four characters) of each credential, for pages ("" for each
        when the secrets are unreadable)."""
        stored = self.secrets if self.secrets_readable() else {}
        return [
            (str(c.label), crypto.last_four(stored.get(c.key, ""))) for c in self.info.credentials
        ]

    def replace_credentials(self, values: dict[str, str]) -> list[str]:
        """Store the credentials given; a blank value keeps the stored one. Returns the
        keys that changed (not saved)."""
        readable = self.secrets_readable()
        # Unreadable secrets are replaced as a whole, event secrets included.
        stored = dict(self.secrets) if readable else {}
        changed = []
        for credential in self.info.credentials:
            value = (values.get(credential.key) or "").strip()
            if value and value != stored.get(credential.key):
                stored[credential.key] = value
                changed.append(credential.key)
        self.set_secrets(stored)
        if not readable:
            self.new_event_secrets()
        return changed

    def new_event_secrets(self) -> None:
        """A new event URL token and new secrets for Autotask's and Halo's webhooks (the
        old URL stops working; registered hooks must be registered again)."""
        token = new_token()
        self.set_secrets(
            {
                **self.secrets,
                EVENT_TOKEN: token,
                WEBHOOK_SECRET: new_token()[:40],
                HALO_PASSWORD: new_token(),
                HALO_TOKEN: new_token(),
            }
        )
        self.event_token_hash = hash_token(token)

    def event_url(self) -> str:
        """The address the PSA posts its events to."""
        path = reverse("integrations:event", kwargs={"token": self.secrets[EVENT_TOKEN]})
        return settings.SITE_URL + path

    # --- mappings: the rules a ticket's current fields are read with -----------------

    def priority_for(self, name: str) -> str | None:
        """Our priority for the PSA's priority ``name`` (patterns without case, * any
        text), or None when no pattern matches."""
        rule = Rule(values={key: tuple(v) for key, v in (self.priorities or {}).items()})
        return rule.value_of(str(name))

    @staticmethod
    def _matches(patterns, value) -> bool:
        return Rule(values={"yes": tuple(patterns)}).value_of(str(value)) == "yes"

    def counts(self, group: str) -> bool:
        """Whether a ticket of this board / queue / team counts (all when none listed)."""
        return not self.counted_groups or self._matches(self.counted_groups, group)

    def is_escalated(self, fields: dict) -> bool:
        """Whether a ticket is escalated by its current ``fields`` (keys as in
        kinds.KindInfo.escalation_fields). A level counts from the lowest listed level."""
        if not self.escalated_field or not self.escalated_values:
            return False
        value = fields.get(self.escalated_field)
        if value in (None, ""):
            return False
        if self.escalated_field == "escalation_level":
            levels = [int(v) for v in self.escalated_values if str(v).strip().isdigit()]
            return bool(levels) and str(value).isdigit() and int(value) >= min(levels)
        return self._matches(self.escalated_values, value)

    def is_proactive(self, fields: dict) -> bool:
        if not self.proactive_field or not self.proactive_values:
            return False
        value = fields.get(self.proactive_field)
        return value not in (None, "") and self._matches(self.proactive_values, value)

    def is_closed(self, status: str) -> bool:
        return bool(self.closed_statuses) and self._matches(self.closed_statuses, status)


class PullCursor(models.Model):
    """How far the pull of one entity got: the last change seen (keyset
    (modified_since, last_id)) and the page in progress, saved after each page so a
    crash resumes there."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="cursors")
    entity = models.CharField(max_length=20, choices=Entity.choices)
    modified_since = models.DateTimeField(null=True, blank=True)
    last_id = models.CharField(max_length=100, blank=True)
    # The vendor's next-page reference of a pull in progress ("" when none runs).
    next_page = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "entity"], name="cursor_per_entity")
        ]

    def __str__(self):
        return f"{self.integration_id}:{self.entity}"


class EventQuerySet(models.QuerySet):
    def unprocessed(self):
        return self.filter(processed_at__isnull=True)


class Event(models.Model):
    """A live event as received (the raw body, verified), stored before the answer so
    a crash loses nothing; applied once by integrations.tasks.apply_events."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="events")
    received_at = models.DateTimeField(auto_now_add=True)
    # The vendor's message id (ConnectWise MessageId; Autotask Guid:Id:SequenceNumber;
    # Halo's delivery id), else the body's SHA-256: a re-delivery is stored once.
    dedupe_key = models.CharField(max_length=200)
    entity = models.CharField(max_length=20)
    external_id = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20)
    body = models.TextField()
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "dedupe_key"], name="event_once")
        ]
        indexes = [
            # The sweep: Event.objects.unprocessed() older than a few minutes.
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="event_unprocessed",
            )
        ]

    def __str__(self):
        return f"{self.entity} {self.external_id} {self.action}"


class DirtyRecord(models.Model):
    """A record an event said changed, for the next pull to fetch by id."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="dirty")
    entity = models.CharField(max_length=20, choices=Entity.choices)
    external_id = models.CharField(max_length=100)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "entity", "external_id"], name="dirty_once"
            )
        ]

    def __str__(self):
        return f"{self.entity} {self.external_id}"


class AlertReason(models.TextChoices):
    SILENT = "silent", _("silent")
    FAILING = "failing", _("failing")


class IntegrationAlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class IntegrationAlert(models.Model):
    """One incident of a connection: silent (no event and no successful pull) or failing
    (its pulls failed) for longer than its ``alert_after``. Raised and closed by
    integrations.health; e-mailed once when raised, closed when it recovers."""

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("PSA connection"),
    )
    reason = models.CharField(_("state"), max_length=10, choices=AlertReason.choices)
    # The PSA's own message of the last failure when raised or last checked.
    message = models.TextField(_("error"), blank=True)
    # Since when the connection was silent or failing.
    since = models.DateTimeField(_("since"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("recovered"), null=True, blank=True)

    objects = IntegrationAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("PSA connection alert")
        verbose_name_plural = _("PSA connection alerts")
        constraints = [
            # One open incident per connection: a check running twice raises it once.
            models.UniqueConstraint(
                fields=["integration"],
                condition=Q(closed_at__isnull=True),
                name="integration_alert_open_once",
            )
        ]
        indexes = [
            # The alerts page: open alerts newest first.
            models.Index(fields=["closed_at", "-created_at"], name="integration_alert_recent"),
        ]

    def __str__(self):
        return f"{self.integration_id} {self.reason} {self.since:%Y-%m-%d %H:%M}"


class IntegrationAlertEmail(Delivery):
    """One connection alert e-mail to one manager (core.delivery)."""

    alert = models.ForeignKey(
        IntegrationAlert,
        on_delete=models.CASCADE,
        related_name="emails",
        verbose_name=_("PSA connection alert"),
    )
    user = recipient_field()

    class Meta:
        ordering = ["id"]
        verbose_name = _("PSA connection alert e-mail")
        verbose_name_plural = _("PSA connection alert e-mails")
        constraints = [
            models.UniqueConstraint(fields=["alert", "email"], name="integration_alert_email_once")
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending e-mails.
            models.Index(fields=["status", "created_at"], name="integration_alert_email_st"),
        ]

    def __str__(self):
        return f"{self.alert_id} → {self.email}"
