"""Helpers shared by the KPI views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.name_picker import NAME_SUFFIX
from insights.forms import FilterForm
from insights.reports import Filters
from organisation.models import Client

FILTER_KEYS = ("period", "start", "end", "segment", "client")
# The client picker's text box (core.name_picker): a name typed without JavaScript.
CLIENT_NAME = "client" + NAME_SUFFIX


def segments() -> list[str]:
    return list(
        Client.objects.exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )


def filters_from_request(request, period_only: bool = False) -> tuple[FilterForm, Filters]:
    """The dashboard filter from the query string; an invalid filter falls back to the
    default period and shows its errors at the fields. ``period_only``: the period alone
    (a client's page: no segment or client filter, and no query for their choices)."""
    data = request.GET if any(key in request.GET for key in (*FILTER_KEYS, CLIENT_NAME)) else None
    if period_only:
        form = FilterForm(data, period_only=True)
    else:
        form = FilterForm(data, segments=segments())
    preset, period = form.to_period(timezone.localdate())
    valid = form.is_bound and form.is_valid()
    segment = form.cleaned_data.get("segment", "") if valid else ""
    client = form.cleaned_data.get("client") if valid else None
    if client is not None:
        client_ids = [client.pk]
    elif segment:
        client_ids = list(Client.objects.filter(segment=segment).values_list("pk", flat=True))
    else:
        client_ids = None
    return form, Filters(
        period=period, preset=preset, segment=segment, client=client, client_ids=client_ids
    )


def filter_query(request, filters: Filters | None = None) -> str:
    """The filter part of the query string, to carry into drill-down links; with
    ``filters``, the client chosen by its id, also when its name was typed."""
    pairs = [(key, request.GET[key]) for key in FILTER_KEYS if request.GET.get(key)]
    if filters is not None:
        pairs = [(key, value) for key, value in pairs if key != "client"]
        if filters.client is not None:
            pairs.append(("client", filters.client.pk))
    return urlencode(pairs)


def get_client(pk: int) -> Client:
    """The client for a manager page (managers see every client of the organisation)."""
    return get_object_or_404(Client, pk=pk)
