"""A back-office page that only shows rows the product writes itself."""


class ReadOnlyAdmin:
    """A ModelAdmin mixin: no adding, changing or deleting through the back office."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
