"""The back office shows PSA connections and their events read-only: connections are
created and changed on the product's own pages, which keep the credentials encrypted.
The admin never shows a credential (nor its ciphertext), only its last four characters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_read_only import ReadOnlyAdmin

from .models import Event, Integration


@admin.register(Integration)
class IntegrationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "data_source", "last_event_at", "last_sync_at", "last_sync_ok"]
    list_select_related = ["data_source"]
    list_filter = ["kind"]
    # secrets_encrypted and event_token_hash are not editable, so never in a form.
    exclude = ["secrets_encrypted", "event_token_hash"]
    readonly_fields = [
        "kind",
        "data_source",
        "credentials",
        "registered_hooks",
        "connected_at",
        "last_event_at",
        "last_sync_at",
        "last_sync_ok",
        "last_error",
        "last_error_at",
    ]

    @admin.display(description=_("credentials (last four characters)"))
    def credentials(self, obj):
        return ", ".join(f"{label}: {hint or '–'}" for label, hint in obj.credential_hints())


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["received_at", "integration", "entity", "external_id", "action", "processed_at"]
    list_select_related = ["integration"]
    list_filter = ["integration", "entity", "action", ("processed_at", admin.EmptyFieldListFilter)]
    show_full_result_count = False
