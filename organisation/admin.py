from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import delivery
from core.admin_privacy import HidesConfidentialRows
from core.admin_read_only import ReadOnlyAdmin
from core.admin_singleton import SingletonAdmin
from core.chat import masked

from .models import (
    CSV_SOURCE_ID,
    Brand,
    ChatChannel,
    ChatPost,
    Client,
    Contact,
    DataSource,
    SuppressedAddress,
    Technician,
)


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "creates_contacts", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["created_at"]

    def has_delete_permission(self, request, obj=None):
        # The CSV source is every data_source field's default.
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.pk != CSV_SOURCE_ID
        )


class UndeliverableFilter(admin.SimpleListFilter):
    title = _("e-mail address")
    parameter_name = "undeliverable"

    def lookups(self, request, model_admin):
        return [("yes", _("undeliverable"))]

    def queryset(self, request, queryset):
        return queryset.filter(delivery.undeliverable()) if self.value() == "yes" else queryset


@admin.display(boolean=True, description=_("undeliverable"))
def undeliverable_address(obj) -> bool:
    return obj.email_undeliverable


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    readonly_fields = [undeliverable_address]


class AddresseeAdmin(admin.ModelAdmin):
    """Shows whether an address bounced (core.delivery.Addressee): a column, a
    filter, and the date and server reply on the form. Changing the address clears it."""

    readonly_fields = [
        "data_source",
        "undeliverable_email",
        "undeliverable_since",
        "undeliverable_reason",
    ]


# Deleting a client or a technician cascades to survey answers: their delete confirmations
# must not list the anonymous ones.
@admin.register(Client)
class ClientAdmin(HidesConfidentialRows, admin.ModelAdmin):
    list_display = [
        "name",
        "external_id",
        "segment",
        "contract_start",
        "escalation_threshold",
        "surveys_opted_out",
        "is_active",
    ]
    list_filter = ["segment", "is_active", "surveys_opted_out", "data_source"]
    search_fields = ["name", "external_id", "contacts__email"]
    filter_horizontal = ["responsible_staff"]
    readonly_fields = ["data_source"]
    inlines = [ContactInline]
    date_hierarchy = "contract_start"


@admin.register(Contact)
class ContactAdmin(AddresseeAdmin):
    list_display = [
        "name",
        "email",
        undeliverable_address,
        "client",
        "language",
        "surveys_opted_out",
        "is_active",
    ]
    list_filter = [
        UndeliverableFilter,
        "language",
        "surveys_opted_out",
        "is_active",
        "data_source",
    ]
    search_fields = ["name", "email", "external_id", "client__name"]
    list_select_related = ["client"]


@admin.register(Technician)
class TechnicianAdmin(HidesConfidentialRows, AddresseeAdmin):
    list_display = [
        "name",
        "email",
        undeliverable_address,
        "role",
        "hire_date",
        "leave_date",
        "language",
        "user",
    ]
    list_filter = [UndeliverableFilter, "role", "language", "leave_date", "data_source"]
    search_fields = ["name", "email", "external_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(SingletonAdmin):
    """The brand's texts and colour; the logo is uploaded on the product's brand page
    (Surveys → Brand and sender for clients), which checks the file."""

    readonly_fields = ["logo_type", "logo_digest", "updated_at"]


@admin.register(ChatChannel)
class ChatChannelAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Looked at only: channels are set up on the product's settings page, which never
    shows the webhook URL again (a credential); neither does this page."""

    list_display = ["name", "kind", "language", "enabled", "last_posted_at", "last_error"]
    fields = ["name", "kind", "webhook", "events", "language", "enabled", "last_error"]
    readonly_fields = fields

    @admin.display(description=_("webhook URL"))
    def webhook(self, obj):
        return masked(obj.webhook_url)


@admin.register(ChatPost)
class ChatPostAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["event", "event_key", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "event"]
    list_select_related = ["channel"]
    exclude = ["payload"]


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    """The suppression list (organisation.consent): no client e-mail goes to these
    addresses. Deleting an entry lets e-mail go to the address again."""

    list_display = ["email", "reason", "created_at", "detail"]
    list_filter = ["reason"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
