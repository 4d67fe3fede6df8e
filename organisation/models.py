"""The organisation, the bottom floor: the MSP's clients with their contacts, and its
technicians. Surveys, assessments and tickets refer to these rows.

The tables keep the names they had in the KPI app (``kpis_client`` …)."""

import contextlib
import datetime
from decimal import Decimal
from email.utils import formataddr

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.caches import CACHE_ERRORS
from core.delivery import Addressee, Attempted
from core.models import SingletonModel
from core.single_line import SingleLineCharField

from .branding import HEX_COLOUR, Logo, Palette, palette, validate_hex_colour

# A client is "in onboarding" (early support) for this many days from contract start:
# day 0 to day 89 inclusive are the first 90 days; day 90 is ongoing support. Every rule
# about the window goes through the names below.
ONBOARDING_DAYS = 90
LAST_ONBOARDING_DAY = ONBOARDING_DAYS - 1  # counted from 0, the contract start


def onboarding_end(contract_start: datetime.date) -> datetime.date:
    """The first day of ongoing support."""
    return contract_start + datetime.timedelta(days=ONBOARDING_DAYS)


def in_onboarding(contract_start: datetime.date, day: datetime.date) -> bool:
    """Whether ``day`` is one of the first ONBOARDING_DAYS days of a contract."""
    return contract_start <= day < onboarding_end(contract_start)


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


# The data source every CSV import, back-office entry and demo row belongs to unless
# another is named: created by the migration that introduced data sources (so existing
# rows could move to it) and kept by post_migrate. A constant, so that every default of a
# ``data_source`` field needs no query.
CSV_SOURCE_ID = 1


class DataSource(models.Model):
    """Where clients, contacts, technicians and tickets come from (a CSV file or the back
    office, one webhook integration, later each PSA integration). External ids are unique
    per data source, so two sources with overlapping ids do not collide."""

    class Kind(models.TextChoices):
        CSV = "csv", _("CSV file or manual entry")
        WEBHOOK = "webhook", _("Webhook")
        # A PSA's exports read with a column mapping (kpis.models.ColumnMapping).
        FILE = "file", _("PSA export files")
        # A PSA read through its API (integrations.models.Integration).
        PSA = "psa", _("PSA connection")

    name = SingleLineCharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    creates_contacts = models.BooleanField(
        _("creates contacts"),
        default=True,
        help_text=_("A ticket whose requester is unknown creates the contact."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")

    def __str__(self):
        return self.name

    @classmethod
    def creates_contacts_of(cls, pk: int) -> bool:
        """Whether the source ``pk`` creates a ticket's unknown requester (one query)."""
        return bool(cls.objects.filter(pk=pk).values_list("creates_contacts", flat=True).first())


def data_source_field():
    """The ``data_source`` of a client, contact, technician or ticket (the CSV source
    unless another is named; a source with records cannot be deleted). Not editable in
    forms: the way a record comes in decides it (the back office is the CSV source), and
    moving a record to another source would give its external id another meaning."""
    return models.ForeignKey(
        DataSource,
        on_delete=models.PROTECT,
        default=CSV_SOURCE_ID,
        editable=False,
        related_name="+",
        verbose_name=_("data source"),
    )


def unique_per_source(name: str, **options) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["data_source", "external_id"], name=name, **options)


def ids_by_external_id(queryset, data_source_id: int, keys=None) -> dict[str, int]:
    """{external id: pk} of the rows a record of ``data_source_id`` may refer to by
    external id: the source's own, and the CSV source's (the lists the organisation keeps
    by file or by hand, which every source sees); the source's own win. ``keys``: only
    these external ids."""
    rows = queryset.filter(data_source_id__in={data_source_id, CSV_SOURCE_ID})
    if keys is not None:
        rows = rows.filter(external_id__in=list(keys))
    found: dict[str, int] = {}
    for key, pk, source_id in rows.values_list("external_id", "pk", "data_source_id"):
        if source_id == data_source_id or key not in found:
            found[key] = pk
    return found


class ClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_onboarding(self, on: datetime.date):
        """Clients whose first ONBOARDING_DAYS days of contract include ``on``."""
        return self.filter(
            contract_start__lte=on,
            contract_start__gt=on - datetime.timedelta(days=ONBOARDING_DAYS),
        )


class Client(models.Model):
    data_source = data_source_field()
    external_id = models.CharField(_("external id"), max_length=100)
    name = SingleLineCharField(_("name"), max_length=200)
    contract_start = models.DateField(_("contract start"))
    segment = SingleLineCharField(
        _("segment"), max_length=100, blank=True, help_text=_("Size or industry, for filters.")
    )
    responsible_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="responsible_for_clients",
        verbose_name=_("responsible staff"),
        help_text=_("They receive the escalation alerts for this client."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Consent (organisation.consent): no survey e-mail to any of the client's contacts.
    surveys_opted_out = models.BooleanField(
        _("no surveys to its contacts"),
        default=False,
        help_text=_("The client objected: none of its contacts receives survey e-mails."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    escalation_threshold = models.DecimalField(
        _("escalation threshold (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Overrides the default escalation threshold for this client; empty: default."),
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        db_table = "kpis_client"
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [unique_per_source("client_unique_external_id_per_source")]

    def __str__(self):
        return self.name

    def onboarding_day(self, on: datetime.date) -> int:
        """Days since contract start: 0 on the start date itself."""
        return (on - self.contract_start).days

    def is_in_onboarding(self, on: datetime.date) -> bool:
        return in_onboarding(self.contract_start, on)

    @property
    def onboarding_end(self) -> datetime.date:
        """The first day of ongoing support."""
        return onboarding_end(self.contract_start)


class ContactQuerySet(models.QuerySet):
    def ids_by_address(self, addresses) -> dict[tuple[int, str], int]:
        """{(client id, lower-case e-mail): pk} of the contacts with these addresses (lower
        case), in every data source: an address is one contact per client."""
        rows = self.annotate(address=Lower("email")).filter(address__in=list(addresses))
        return {
            (client_id, address): pk
            for client_id, address, pk in rows.values_list("client_id", "address", "pk")
        }


class Contact(Addressee):
    data_source = data_source_field()
    # Contacts entered in the back office may have none.
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client")
    )
    name = SingleLineCharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Consent (organisation.consent): this contact receives no survey e-mail.
    surveys_opted_out = models.BooleanField(
        _("no surveys"),
        default=False,
        help_text=_("The contact objected: they receive no survey e-mails."),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        db_table = "kpis_contact"
        ordering = ["client__name", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"], name="contact_unique_email_per_client"
            ),
            unique_per_source(
                "contact_unique_external_id_per_source", condition=~Q(external_id="")
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class TechnicianQuerySet(models.QuerySet):
    def employed_on(self, day: datetime.date):
        """Technicians on the payroll on ``day`` (hired on or before, not yet left)."""
        return self.filter(hire_date__lte=day).filter(
            Q(leave_date__isnull=True) | Q(leave_date__gt=day)
        )

    def active(self):
        return self.filter(leave_date__isnull=True)

    def ids_by_email(self, addresses=None) -> dict[str, int]:
        """{lower-case e-mail: pk}, how a PSA's member is linked to a technician; where
        two share an address, the one still employed, else the one who left last.
        ``addresses``: only these (lower case)."""
        rows = self.annotate(address=Lower("email"))
        if addresses is not None:
            rows = rows.filter(address__in=list(addresses))
        found: dict[str, int] = {}
        ordered = rows.order_by(F("leave_date").desc(nulls_first=True), "-pk")
        for address, pk in ordered.values_list("address", "pk"):
            found.setdefault(address, pk)
        return found


class Technician(Addressee):
    data_source = data_source_field()
    external_id = models.CharField(_("external id"), max_length=100)
    name = SingleLineCharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    role = SingleLineCharField(
        _("role"), max_length=100, blank=True, help_text=_("e.g. Level 1, Level 2")
    )
    hire_date = models.DateField(_("hire date"))
    leave_date = models.DateField(
        _("leave date"), null=True, blank=True, help_text=_("First day no longer employed.")
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="technician",
        verbose_name=_("login"),
    )

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        db_table = "kpis_technician"
        ordering = ["name"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        constraints = [unique_per_source("technician_unique_external_id_per_source")]

    def __str__(self):
        return self.name

    def is_employed_on(self, day: datetime.date) -> bool:
        return self.hire_date <= day and (self.leave_date is None or self.leave_date > day)


BRAND_CACHE_KEY = "organisation:brand:1"
# Read on every client page and e-mail. Saving deletes the cached row; with a cache per
# process (no Redis) other processes see a change after at most this long.
BRAND_CACHE_SECONDS = 60


class Brand(SingletonModel):
    """The MSP's own name, logo, colour and sender on everything a client sees: the survey
    pages behind a link and the e-mails to contacts. Set by managers on the brand page.

    The logo's bytes are stored here (at most ``branding.LOGO_MAX_BYTES``): media files
    are not served in production, and the logo's URL carries its digest, so browsers and
    mail clients may keep it for good."""

    name = SingleLineCharField(
        _("company name"), max_length=100, blank=True, help_text=_("Shown to clients.")
    )
    primary_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#0d6efd",
        validators=[validate_hex_colour],
        help_text=_(
            "Buttons, links and the header stripe. Text on it turns black or white by itself "
            "so that it stays readable."
        ),
    )
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    logo_digest = models.CharField(max_length=16, blank=True, editable=False)
    sender_name = SingleLineCharField(
        _("sender name"),
        max_length=100,
        blank=True,
        help_text=_("The name clients see as the sender; the company name when empty."),
    )
    sender_email = models.EmailField(
        _("sender address"),
        blank=True,
        help_text=_(
            "The address client e-mails come from. Your mail server must be allowed to send "
            "for its domain (SPF, DKIM). Empty: the server's default sender."
        ),
    )
    reply_to = models.EmailField(
        _("reply-to address"), blank=True, help_text=_("Where clients' replies go (optional).")
    )
    postal_address = models.TextField(
        _("postal address"),
        max_length=300,
        blank=True,
        help_text=_("Shown at the foot of client e-mails and pages, as German law expects."),
    )
    website = models.URLField(_("website"), blank=True)
    imprint_url = models.URLField(_("imprint (legal notice) page"), blank=True)
    privacy_url = models.URLField(_("privacy policy page"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brand")

    def __str__(self):
        return self.name or str(_("brand"))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_brand()
        # A page rendered while the transaction was open may have cached the old row.
        transaction.on_commit(forget_brand, robust=True)

    @classmethod
    def current(cls) -> "Brand":
        """The brand as saved (the defaults when nobody has), without the logo's bytes;
        read from the cache, which saving clears."""
        try:
            brand = cache.get(BRAND_CACHE_KEY)
        except CACHE_ERRORS:
            brand = None
        if brand is None:
            brand = cls.objects.defer("logo").filter(pk=1).first() or cls(pk=1)
            with contextlib.suppress(*CACHE_ERRORS):
                cache.set(BRAND_CACHE_KEY, brand, BRAND_CACHE_SECONDS)
        return brand

    def set_logo(self, data: bytes, logo: Logo) -> None:
        """Store an image checked by ``branding.check_logo``."""
        self.logo, self.logo_type, self.logo_digest = data, logo.content_type, logo.digest

    def remove_logo(self) -> None:
        self.logo, self.logo_type, self.logo_digest = b"", "", ""

    def logo_path(self) -> str:
        """The logo's URL path (with its digest), or "" without a logo."""
        if not self.logo_digest:
            return ""
        return reverse("organisation:brand_logo", kwargs={"digest": self.logo_digest})

    def logo_url(self) -> str:
        """The logo's absolute URL for e-mails, or ""."""
        path = self.logo_path()
        return f"{settings.SITE_URL}{path}" if path else ""

    def colours(self) -> Palette:
        # A colour stored around the form's check (a shell, a fixture) falls back.
        colour = self.primary_colour if HEX_COLOUR.match(self.primary_colour or "") else None
        return palette(colour or Brand._meta.get_field("primary_colour").default)

    def style_version(self) -> str:
        """Part of the brand style sheet's URL: changes when the colour does."""
        return self.primary_colour.lower().lstrip("#")

    def from_email(self) -> str:
        """The From header of client e-mails: "sender name <sender address>", or the
        server's DEFAULT_FROM_EMAIL while no sender address is set."""
        if not self.sender_email:
            return settings.DEFAULT_FROM_EMAIL
        return formataddr((self.sender_name or self.name, self.sender_email))

    def reply_to_list(self) -> list[str]:
        return [self.reply_to] if self.reply_to else []


def forget_brand() -> None:
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(BRAND_CACHE_KEY)


# --- Chat channels (organisation/chat.py) -----------------------------------------------


class ChatEvent(models.TextChoices):
    """What a chat channel may receive. Each event is posted once per channel."""

    KPI_ALERT = "kpi_alert", _("KPI threshold alerts")
    TEAM_ALERT = "team_alert", _("Team satisfaction alerts")
    FEEDBACK_CASE = "feedback_case", _("Feedback cases")
    INTEGRATION_ALERT = "integration_alert", _("PSA connection alerts")


class ChatChannel(models.Model):
    """A Slack or Microsoft Teams channel the organisation's alerts are posted to,
    through the channel's incoming webhook. Managers set channels up in the product
    (insights/views/chat_channels.py)."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    name = SingleLineCharField(_("name"), max_length=100, help_text=_("e.g. #service-desk"))
    kind = models.CharField(_("service"), max_length=10, choices=Kind.choices)
    # A credential: whoever has it can post to the channel. Never logged; pages and the
    # back office show core.chat.masked() only. Stored as given (like an SMTP password in
    # the settings): encrypting it with a key kept beside the database would add little.
    webhook_url = models.CharField(_("webhook URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_posted_at = models.DateTimeField(_("last message"), null=True, blank=True)
    # The last message the service refused for good or that could not be delivered; cleared
    # by the next message that goes through, and when the URL changes.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")

    def __str__(self):
        return self.name

    def receives(self, event: str) -> bool:
        return self.enabled and event in self.events

    def event_labels(self) -> list[str]:
        return [str(ChatEvent(event).label) for event in self.events if event in ChatEvent]


class ChatPost(Attempted):
    """One event posted to one channel, at most once: queued -> sending -> sent | failed
    (core.delivery.Attempted), sent by organisation.chat.post_to_channel. The JSON is built
    when the event is queued, in the channel's language."""

    channel = models.ForeignKey(
        ChatChannel, on_delete=models.CASCADE, related_name="posts", verbose_name=_("channel")
    )
    event = models.CharField(_("event"), max_length=20, choices=ChatEvent.choices)
    # The id of the event's row (an alert, a case).
    event_key = models.PositiveBigIntegerField()
    payload = models.JSONField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            # Each event once per channel, however often its check runs.
            models.UniqueConstraint(
                fields=["channel", "event", "event_key"], name="chat_post_once_per_channel"
            )
        ]

    def __str__(self):
        return f"{self.event} {self.event_key} -> {self.channel_id}"


class SuppressionQuerySet(models.QuerySet):
    def of_addresses(self, addresses) -> dict[str, "SuppressedAddress"]:
        """{lower-case address: entry} of these addresses (any case), one query."""
        wanted = {normalise_address(address) for address in addresses if address}
        return {entry.email: entry for entry in self.filter(email__in=wanted)}


def normalise_address(address: str) -> str:
    """How an address is stored and compared on the suppression list: trimmed, lower case
    (mailbox names are case-insensitive in practice; RFC 5321 leaves them to the host, and
    every provider our clients use treats them so)."""
    return (address or "").strip().lower()


class SuppressedAddress(models.Model):
    """An address no client e-mail goes to (organisation.consent): the person
    unsubscribed, the address bounced for good, or staff added it. Address-level, so it
    holds for every contact and client with that address, and again when a contact is
    imported anew. Removing the entry (staff) lets e-mail go to it again."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
        HARD_BOUNCE = "hard_bounce", _("hard bounce")
        STAFF = "staff", _("added by staff")

    email = models.EmailField(_("e-mail"), unique=True)  # normalise_address: lower case
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_address(self.email)
        super().save(*args, **kwargs)
