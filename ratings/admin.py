from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin

from .models import FeedbackCase, TicketRating


@admin.register(TicketRating)
class TicketRatingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only: ratings are stored by the product (ratings.services)."""

    list_display = ("ticket", "client", "contact", "technician", "status", "skipped_because")
    list_filter = ("status", "skipped_because")
    list_select_related = ("ticket", "client", "contact", "technician")
    search_fields = ("ticket__external_id", "contact__email")


@admin.register(FeedbackCase)
class FeedbackCaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only: cases open by the product's rule (ratings.cases) and are closed on the
    case page, where the time to close is kept right."""

    list_display = ("rating", "client", "face", "status", "opened_at", "closed_at")
    list_filter = ("status",)
    list_select_related = ("rating", "client")
    search_fields = ("rating__ticket__external_id", "client__name")
