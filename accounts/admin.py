from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_singleton import SingletonAdmin

from .models import SignInPolicy, TwoFactor


@admin.register(TwoFactor)
class TwoFactorAdmin(admin.ModelAdmin):
    """Who has two-factor sign-in; deleting a row turns it off for a user who lost both
    phone and recovery codes. The key is never shown."""

    list_display = ["user", "confirmed_at", "unused_recovery_codes"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "confirmed_at"]
    readonly_fields = ["user", "confirmed_at"]

    @admin.display(description=_("unused recovery codes"))
    def unused_recovery_codes(self, obj):
        return obj.unused_recovery_codes()

    def has_add_permission(self, request):
        return False  # only the user can set it up, with their own app

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(SignInPolicy, SingletonAdmin)
