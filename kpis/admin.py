from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.admin_read_only import ReadOnlyAdmin
from core.admin_singleton import SingletonAdmin

from . import rollups, transitions
from .models import (
    ColumnMapping,
    KpiSettings,
    SLATarget,
    TeamSatisfactionAlert,
    ThresholdAlert,
    Ticket,
    TicketDailyRollup,
    WebhookIntegration,
)
from .models.tickets import LISTED_FIELDS
from .tasks import refresh_rollups
from .upsert import queue_threshold_check, refresh_after


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = list(LISTED_FIELDS)
    list_filter = [
        "priority",
        "source",
        "escalated",
        "proactive",
        "auto_remediated",
        "data_source",
        "client",
    ]
    search_fields = ["external_id", "title", "client__name", "technician__name"]
    list_select_related = ["client", "requester", "technician"]
    raw_id_fields = ["client", "requester", "technician"]
    date_hierarchy = "opened_on"
    show_full_result_count = False  # no COUNT(*) over all tickets per page
    readonly_fields = ["data_source", "opened_on", "first_response_seconds", "resolution_seconds"]

    # Every change below refreshes the rollups of the ticket's old and new client and
    # day in the admin's transaction (the periodic refresh mends edits made elsewhere).
    # A ticket resolved here is a transition like one from an import (the rating).
    def save_model(self, request, obj, form, change):
        touched = rollups.Touched()
        old = None
        if change:
            old = Ticket.objects.filter(pk=obj.pk).values("client_id", "opened_on", "resolved_at")
            old = old.first()
            touched.add(old["client_id"], old["opened_on"])
        super().save_model(request, obj, form, change)
        touched.add(obj.client_id, obj.opened_on)
        refresh_after(touched)
        if transitions.became_resolved(old, {"resolved_at": obj.resolved_at}):
            transitions.tickets_resolved.send(sender=Ticket, ticket_ids=[obj.pk])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        touched = rollups.Touched()
        touched.add(obj.client_id, obj.opened_on)
        refresh_after(touched)

    def delete_queryset(self, request, queryset):
        touched = rollups.Touched()
        for client_id, day in queryset.values_list("client_id", "opened_on").order_by().distinct():
            touched.add(client_id, day)
        super().delete_queryset(request, queryset)
        refresh_after(touched)


@admin.register(SLATarget)
class SLATargetAdmin(admin.ModelAdmin):
    """Targets decide which tickets met their SLA: a change rebuilds every rollup."""

    list_display = ["priority", "first_response_minutes", "resolution_minutes"]

    def _rebuild(self):
        transaction.on_commit(partial(refresh_rollups.delay, full=True), robust=True)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._rebuild()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._rebuild()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._rebuild()


@admin.register(KpiSettings)
class KpiSettingsAdmin(SingletonAdmin):
    def save_model(self, request, obj, form, change):
        # Thresholds changed: judge the clients again.
        super().save_model(request, obj, form, change)
        queue_threshold_check()


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
    list_display = [
        "name",
        "data_source",
        "token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["data_source"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["data_source", "token_prefix", "created_at", "last_used_at", "revoked_at"]
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


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """The back office's view of the managers' column mappings; they are edited on the
    managers' page (kpis:mappings), where each column has its own fields."""

    list_display = ["name", "data_source", "kind", "date_order", "time_zone", "updated_at"]
    list_filter = ["kind", "data_source"]
    search_fields = ["name"]
    readonly_fields = ["preset", "updated_at"]
