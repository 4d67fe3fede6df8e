from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin_read_only import ReadOnlyAdmin
from core.admin_singleton import SingletonAdmin

from .models import (
    KpiSettings,
    SLATarget,
    TeamSatisfactionAlert,
    ThresholdAlert,
    Ticket,
    TicketDailyRollup,
    WebhookIntegration,
)


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


admin.site.register(KpiSettings, SingletonAdmin)


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
