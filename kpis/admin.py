from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from msp_maturity import delivery
from msp_maturity.admin_privacy import HidesConfidentialRows
from msp_maturity.admin_read_only import ReadOnlyAdmin

from .models import (
    Client,
    Contact,
    KpiSettings,
    SLATarget,
    TeamSatisfactionAlert,
    Technician,
    ThresholdAlert,
    Ticket,
    TicketDailyRollup,
    WebhookIntegration,
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
    """Shows whether an address bounced (msp_maturity.delivery.Addressee): a column, a
    filter, and the date and server reply on the form. Changing the address clears it."""

    readonly_fields = ["undeliverable_email", "undeliverable_since", "undeliverable_reason"]


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
        "is_active",
    ]
    list_filter = ["segment", "is_active"]
    search_fields = ["name", "external_id", "contacts__email"]
    filter_horizontal = ["responsible_staff"]
    inlines = [ContactInline]
    date_hierarchy = "contract_start"


@admin.register(Contact)
class ContactAdmin(AddresseeAdmin):
    list_display = ["name", "email", undeliverable_address, "client", "language", "is_active"]
    list_filter = [UndeliverableFilter, "language", "is_active"]
    search_fields = ["name", "email", "client__name"]
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
    list_filter = [UndeliverableFilter, "role", "language", "leave_date"]
    search_fields = ["name", "email", "external_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "client",
        "priority",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "escalated",
        "source",
        "proactive",
        "auto_remediated",
        "technician",
    ]
    list_filter = ["priority", "source", "escalated", "proactive", "auto_remediated", "client"]
    search_fields = ["external_id", "client__name", "technician__name"]
    list_select_related = ["client", "technician"]
    raw_id_fields = ["client", "technician"]
    date_hierarchy = "opened_on"
    show_full_result_count = False  # no COUNT(*) over all tickets per page
    readonly_fields = ["opened_on", "first_response_seconds", "resolution_seconds"]


@admin.register(SLATarget)
class SLATargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_minutes", "resolution_minutes"]


@admin.register(KpiSettings)
class KpiSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "default_threshold",
        "warning_percent",
        "minimum_tickets",
        "satisfaction_benchmark",
    ]

    def has_add_permission(self, request):
        return not KpiSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it (created with the defaults on first visit).
        settings, _created = KpiSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:kpis_kpisettings_change", args=[settings.pk]))


@admin.register(ThresholdAlert)
class ThresholdAlertAdmin(admin.ModelAdmin):
    list_display = [
        "client",
        "period_start",
        "state",
        "share",
        "threshold",
        "created_at",
        "emailed_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    list_filter = ["state", "period_start", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["client__name"]
    list_select_related = ["client", "acknowledged_by"]
    readonly_fields = [
        "client",
        "period_start",
        "state",
        "share",
        "tickets",
        "escalated",
        "threshold",
        "created_at",
        "emailed_at",
        "acknowledged_at",
        "acknowledged_by",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(TeamSatisfactionAlert)
class TeamSatisfactionAlertAdmin(admin.ModelAdmin):
    list_display = ["period_start", "average", "benchmark", "responses", "emailed_at"]
    readonly_fields = ["period_start", "average", "benchmark", "responses", "emailed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(TicketDailyRollup)
class TicketDailyRollupAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: rollups are derived from the tickets."""

    list_display = ["client", "day", "onboarding", "tickets", "escalated", "proactive"]
    list_filter = ["onboarding", "client"]
    list_select_related = ["client"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(WebhookIntegration)
class WebhookIntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["token_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        token = None
        if not change:
            token = obj.issue_token()
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                _(
                    "Token for %(name)s (shown only now; store it in the PSA): %(token)s  "
                    "Send it as “Authorization: Bearer <token>”."
                )
                % {"name": obj.name, "token": token},
            )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for integration in queryset.filter(revoked_at__isnull=True):
            integration.revoke()
            count += 1
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": count})
