"""Alerts: threshold alerts (the list and acknowledging one), team satisfaction alerts
and the PSA connections' alerts (integrations.health: silent or failing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from core.delivery import Status
from integrations.models import IntegrationAlert, IntegrationAlertEmail
from kpis.models import AlertEmail, TeamSatisfactionAlert, ThresholdAlert


def _unsent_emails(model=AlertEmail) -> Prefetch:
    """An alert's e-mails that are not (yet) sent, with their reasons: the manager must
    see who was not told."""
    return Prefetch("emails", queryset=model.objects.exclude(status=Status.SENT), to_attr="unsent")


@manager_required
def alert_list(request):
    show = request.GET.get("show", "open")
    alerts = (
        ThresholdAlert.objects.select_related("client", "acknowledged_by")
        .prefetch_related(_unsent_emails())
        .order_by("-created_at")
    )
    if show != "all":
        alerts = alerts.open()
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    team_alerts = list(
        TeamSatisfactionAlert.objects.prefetch_related(_unsent_emails()).order_by("-period_start")[
            :8
        ]
    )
    # Open incidents, and with "all" the recent closed ones too.
    connection_alerts = IntegrationAlert.objects.select_related("integration").prefetch_related(
        _unsent_emails(IntegrationAlertEmail)
    )
    if show != "all":
        connection_alerts = connection_alerts.open()
    return render(
        request,
        "insights/alert_list.html",
        {
            "page": page,
            "show": show,
            "team_alerts": team_alerts,
            "connection_alerts": list(connection_alerts[:20]),
        },
    )


@require_POST
@manager_required
def alert_acknowledge(request, pk: int):
    alert = get_object_or_404(ThresholdAlert, pk=pk)
    # Acknowledged stays acknowledged: the first acknowledgement is kept.
    updated = ThresholdAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=request.user
    )
    if updated:
        messages.success(
            request, _("Alert for %(client)s acknowledged.") % {"client": alert.client}
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    return redirect(target or "insights:alerts")
