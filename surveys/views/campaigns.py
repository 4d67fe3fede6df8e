"""The manager area: campaigns, their recipients and statuses."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from core.one_time_forms import one_time_form

from .. import metrics, services
from ..csv_export import csv_response
from ..forms import CampaignForm
from ..models import Campaign, Invitation, InvitationStatus, Reminder
from ..reports import invitation_counts


def _get_campaign(pk: int) -> Campaign:
    """The one place that fetches a campaign for the manager views."""
    return get_object_or_404(
        Campaign.objects.select_related("survey", "created_by", "client"), pk=pk
    )


WAITING = pgettext_lazy("invitations delivered, not answered yet", "Waiting")


@manager_required
def campaign_list(request):
    campaigns = Campaign.objects.select_related("survey", "client").order_by("-send_at", "-id")
    status = request.GET.get("status")
    if status in Campaign.Status.values:
        campaigns = campaigns.filter(status=status)
    page = Paginator(campaigns, 25).get_page(request.GET.get("page"))
    counts = invitation_counts([c.pk for c in page])
    rows = []
    for c in page:
        mine = counts.get(c.pk, {})
        # Queued or being sent: invited, but neither waiting for an answer nor failed yet.
        not_sent = mine.get(InvitationStatus.QUEUED, 0) + mine.get(InvitationStatus.SENDING, 0)
        rows.append({"campaign": c, "counts": mine, "not_sent": not_sent})
    return render(
        request,
        "surveys/campaign_list.html",
        {"page": page, "rows": rows, "status": status, "statuses": Campaign.Status.choices},
    )


@manager_required
@one_time_form
def campaign_create(request):
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            campaign = services.create_campaign(
                survey=data["survey"],
                name=data["name"],
                recipients=data["recipients"],
                send_at=data.get("send_at"),
                closes_at=data["closes_at"],
                reminder_after_days=data.get("reminder_after_days")
                if data["max_reminders"]
                else None,
                max_reminders=data["max_reminders"],
                created_by=request.user,
            )
            if campaign.status == Campaign.Status.OPEN:
                messages.success(
                    request, _("The campaign has started; the invitations are being sent.")
                )
            else:
                messages.success(request, _("The campaign is scheduled."))
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    else:
        form = CampaignForm(initial={"survey": request.GET.get("survey")})
    return render(
        request,
        "surveys/campaign_form.html",
        {"form": form, "minimum": metrics.minimum_respondents()},
    )


@manager_required
def campaign_detail(request, pk: int):
    campaign = _get_campaign(pk)
    invitations = (
        campaign.invitations.select_related("contact__client", "technician")
        .prefetch_related(
            Prefetch(
                "reminders",
                # Not those of invitees who answered: nobody misses those reminders.
                queryset=Reminder.objects.exclude(status=InvitationStatus.SENT).exclude(
                    invitation__status=InvitationStatus.ANSWERED
                ),
                to_attr="unsent_reminders",
            )
        )
        .order_by("status", "id")
    )
    counts = {
        row["status"]: row["n"]
        for row in campaign.invitations.values("status").order_by().annotate(n=Count("id"))
    }
    total = sum(counts.values())
    answered = counts.get(InvitationStatus.ANSWERED, 0)
    # Those not written to because they objected were not asked (organisation.consent).
    asked = total - counts.get(InvitationStatus.WITHHELD, 0)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"campaign-{campaign.pk}-invitations.csv",
            [_("Recipient"), _("E-mail"), _("Status"), _("Reason"), _("Sent at"), _("Reminders")],
            (
                [
                    inv.recipient_name,
                    inv.email,
                    inv.get_status_display(),
                    # A withheld row's reason is a sentence of the catalogue
                    # (organisation.consent); an SMTP failure's is shown as it came.
                    _(inv.failure_reason)
                    if inv.status == InvitationStatus.WITHHELD
                    else inv.failure_reason,
                    inv.sent_at.isoformat() if inv.sent_at else "",
                    inv.reminders_sent,
                ]
                for inv in invitations
            ),
        )
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "invitations": invitations,
            "counts": counts,
            "total": total,
            "response_rate": answered * 100 / asked if asked else None,
            # "sent" counted is "waiting for an answer": the answered ones were sent too
            # (surveys/_count_legend.html explains each count).
            "status_counts": [
                (value, WAITING if value == InvitationStatus.SENT else label, counts.get(value, 0))
                for value, label in InvitationStatus.choices
            ],
            "aggregate_only": campaign.survey.aggregate_only,
            "failed_reminders": campaign.reminders.filter(status=InvitationStatus.FAILED).count(),
        },
    )


@manager_required
@require_POST
def campaign_close(request, pk: int):
    campaign = _get_campaign(pk)
    services.close_campaign(campaign)
    messages.success(request, _("The campaign is closed; its links no longer accept answers."))
    return redirect("surveys:campaign_detail", pk=campaign.pk)


@manager_required
@require_POST
def campaign_resend(request, pk: int):
    campaign = _get_campaign(pk)
    if campaign.status != Campaign.Status.OPEN:
        messages.error(request, _("Only an open campaign can send again."))
    else:
        count = services.requeue_failed(campaign)
        messages.success(request, _("%(count)s invitation(s) queued again.") % {"count": count})
    return redirect("surveys:campaign_detail", pk=campaign.pk)


__all__ = ["Invitation"]
