"""The client picker's search (core.name_picker, static/js/name_picker.js): the names that
match what was typed, as JSON."""

from django.db.models import Case, IntegerField, Value, When
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accounts.roles import manager_required
from core.name_picker import MAX_NAME
from organisation.models import Client

# Enough to choose from while typing; more means typing on.
MAX_RESULTS = 20


def matching_clients(term: str) -> list[dict]:
    """Up to ``MAX_RESULTS`` clients whose name contains ``term`` (any case), those whose
    name starts with it first, then by name: [{"id", "name"}]. One query; none for an
    empty term."""
    term = term.strip()[:MAX_NAME]
    if not term:
        return []
    starts_first = Case(
        When(name__istartswith=term, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = (
        Client.objects.filter(name__icontains=term)
        .order_by(starts_first, "name", "pk")
        .values_list("pk", "name")[:MAX_RESULTS]
    )
    return [{"id": pk, "name": name} for pk, name in rows]


@require_GET
@manager_required
def client_search(request):
    return JsonResponse({"results": matching_clients(request.GET.get("q", ""))})
