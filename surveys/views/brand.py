"""The brand page: managers set how the MSP appears to clients (organisation.models.Brand)
on the survey pages behind personal links and in the e-mails to contacts."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import manager_required
from organisation.forms import BrandForm
from organisation.models import Brand


@manager_required
@require_http_methods(["GET", "HEAD", "POST"])
def brand_settings(request):
    brand = Brand.objects.defer("logo").filter(pk=1).first() or Brand(pk=1)
    if request.method == "POST":
        form = BrandForm(request.POST, request.FILES, instance=brand)
        if form.is_valid():
            form.save()
            messages.success(request, _("The brand is saved; clients see it from now on."))
            return redirect("surveys:brand_settings")
    else:
        form = BrandForm(instance=brand)
    return render(request, "surveys/brand_settings.html", {"form": form, "brand": brand})
