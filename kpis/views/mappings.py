"""The manager's column mappings (kpis/mappings.py): the ready-made ones to start from,
a blank one, editing and deleting. Managers share them, as they share the imports."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from core.one_time_forms import one_time_form
from core.tokens import new_token
from organisation.models import DataSource

from ..forms import MappingForm, NewMappingForm
from ..mapping_presets import PRESETS, create_mapping
from ..models import ColumnMapping


@manager_required
def mapping_list(request):
    sources = (
        DataSource.objects.filter(column_mappings__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch("column_mappings", queryset=ColumnMapping.objects.order_by("name"))
        )
    )
    # Each button carries a one-time token: a double click creates one mapping.
    presets = [(preset, new_token()) for preset in PRESETS.values()]
    return render(request, "kpis/mappings.html", {"sources": sources, "presets": presets})


@manager_required
@require_POST
@one_time_form
def mapping_from_preset(request, key: str):
    preset = PRESETS.get(key)
    if preset is None:
        messages.error(request, _("There is no such ready-made mapping."))
        return redirect("kpis:mappings")
    mapping = create_mapping(preset)
    messages.success(
        request,
        _(
            "The mapping “%(name)s” was created in the data source “%(source)s”. Check the "
            "values against your PSA's lists, then upload an export with it."
        )
        % {"name": mapping.name, "source": mapping.data_source},
    )
    return redirect(mapping)


@manager_required
@one_time_form
def mapping_new(request):
    form = NewMappingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            source = data["data_source"] or DataSource.objects.create(
                name=data["new_source"].strip(), kind=DataSource.Kind.FILE
            )
            mapping = ColumnMapping.objects.create(
                data_source=source, name=data["name"], kind=data["kind"]
            )
        return redirect(mapping)
    return render(request, "kpis/mapping_new.html", {"form": form})


@manager_required
def mapping_edit(request, pk: int):
    mapping = get_object_or_404(ColumnMapping.objects.select_related("data_source"), pk=pk)
    form = MappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The mapping was saved."))
        return redirect("kpis:mappings")
    return render(request, "kpis/mapping_edit.html", {"form": form, "mapping": mapping})


@manager_required
@require_POST
def mapping_delete(request, pk: int):
    mapping = get_object_or_404(ColumnMapping, pk=pk)
    mapping.delete()
    messages.success(
        request,
        _("The mapping “%(name)s” was deleted; the records it imported stay.")
        % {"name": mapping.name},
    )
    return redirect("kpis:mappings")
