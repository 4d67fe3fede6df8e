"""Delete confirmations in the back office that never print confidential rows.

Django's delete confirmation (and the "delete selected" action) lists every row a
deletion cascades to, through ``str()``, nested under its parent, with a count per model.
For a technician or one of their invitations that would show their anonymous survey
answers, or at least how many they gave (which tells who wrote the one comment of a
quarter). A model marks such rows with a classmethod
``confidential_in_admin(objs) -> set of primary keys``; ``HidesConfidentialRows`` leaves
them and everything below them out of the list and the counts, and says in one line that
they are deleted as well.

Shared core: this module imports no app; the models opt in. The list is built as
``django.contrib.admin.utils.get_deleted_objects`` builds it (Django 6.1), with the one
difference that confidential rows are skipped; permissions are still checked for them.
"""

from django.contrib.admin.options import EMPTY_VALUE_STRING
from django.contrib.admin.utils import NestedObjects, display_for_value, quote
from django.db import router
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _pruned(nested: list) -> list:
    """The nested list without None entries and the children that follow them."""
    result, skip_children = [], False
    for item in nested:
        if isinstance(item, list):
            if not skip_children:
                kept = _pruned(item)
                if kept:
                    result.append(kept)
            skip_children = False
        elif item is None:
            skip_children = True
        else:
            result.append(item)
            skip_children = False
    return result


class HidesConfidentialRows:
    """A ModelAdmin mixin: delete confirmations without confidential rows."""

    def get_deleted_objects(self, objs, request):
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)
        hidden = {
            model: model.confidential_in_admin(list(rows))
            for model, rows in collector.model_objs.items()
            if hasattr(model, "confidential_in_admin")
        }
        site = self.admin_site
        perms_needed = set()

        def format_callback(obj):
            opts = obj._meta
            registered = site.is_registered(obj.__class__)
            if registered and not site.get_model_admin(obj.__class__).has_delete_permission(
                request, obj
            ):
                perms_needed.add(opts.verbose_name)
            if obj.pk in hidden.get(obj.__class__, ()):
                return None
            label = capfirst(opts.verbose_name)
            if registered:
                try:
                    url = reverse(
                        f"{site.name}:{opts.app_label}_{opts.model_name}_change",
                        None,
                        (quote(obj.pk),),
                    )
                except NoReverseMatch:
                    pass
                else:
                    return format_html(
                        '{}: <a href="{}">{}</a>',
                        label,
                        url,
                        display_for_value(str(obj), EMPTY_VALUE_STRING),
                    )
            return f"{label}: {obj}"

        to_delete = _pruned(collector.nested(format_callback))
        if any(hidden.values()):
            to_delete.append(
                _(
                    "Anonymous survey answers that belong to it are deleted as well; they "
                    "are never listed."
                )
            )
        protected = [text for text in map(format_callback, collector.protected) if text]
        model_count = {
            model._meta.verbose_name_plural: len(rows) - len(hidden.get(model, ()))
            for model, rows in collector.model_objs.items()
            if len(rows) > len(hidden.get(model, ()))
        }
        return to_delete, model_count, perms_needed, protected
