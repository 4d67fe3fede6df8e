"""Back-office pages of rows the product writes itself."""


class RecordAdmin:
    """A ModelAdmin mixin for records of what someone did (answers, assessments): they
    can be looked at and deleted, never added or changed by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(RecordAdmin):
    """A ModelAdmin mixin: no adding, changing or deleting through the back office."""

    def has_delete_permission(self, request, obj=None):
        return False
