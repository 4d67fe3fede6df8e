"""The organisation, the bottom floor: the MSP's clients with their contacts, and its
technicians. Surveys, assessments and tickets refer to these rows.

The tables keep the names they had in the KPI app (``kpis_client`` …)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.delivery import Addressee
from core.single_line import SingleLineCharField

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
