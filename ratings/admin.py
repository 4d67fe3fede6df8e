from django.contrib import admin

from core.admin_read_only import ReadOnlyAdmin

from .models import TicketRating


@admin.register(TicketRating)
class TicketRatingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only: ratings are stored by the product (ratings.services)."""

    list_display = ("ticket", "client", "contact", "technician", "status", "skipped_because")
    list_filter = ("status", "skipped_because")
    list_select_related = ("ticket", "client", "contact", "technician")
    search_fields = ("ticket__external_id", "contact__email")
