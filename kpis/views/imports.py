"""The manager-area CSV upload."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from msp_maturity.roles import manager_required

from .. import columns, importing
from ..forms import ImportForm


@manager_required
def import_upload(request):
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            try:
                with importing.open_upload(form.cleaned_data["file"]) as binary:
                    result = importing.import_csv(kind, binary)
            except importing.ImportRejected as exc:
                errors = exc.errors
            else:
                messages.success(request, result.message())
                return redirect("kpis:import")
    else:
        form = ImportForm()
    return render(
        request,
        "kpis/import.html",
        {"form": form, "errors": errors, "columns": columns.COLUMNS},
    )
