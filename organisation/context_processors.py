"""The brand for every template (read from the cache only when a template uses it)."""

from django.utils.functional import SimpleLazyObject

from .models import Brand


def brand(request):
    return {"brand": SimpleLazyObject(Brand.current)}
