from django.contrib import admin

from .models import Client, Contact, Technician


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "segment", "contract_start", "is_active"]
    list_filter = ["segment", "is_active"]
    search_fields = ["name", "external_id", "contacts__email"]
    filter_horizontal = ["responsible_staff"]
    inlines = [ContactInline]
    date_hierarchy = "contract_start"


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "client", "language", "is_active"]
    list_filter = ["language", "is_active"]
    search_fields = ["name", "email", "client__name"]
    list_select_related = ["client"]


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "hire_date", "leave_date", "language", "user"]
    list_filter = ["role", "language", "leave_date"]
    search_fields = ["name", "email", "external_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
