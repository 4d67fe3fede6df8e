"""Back office: survey texts, settings, campaigns, invitations and client responses.

Answers to the in-depth and technician onboarding surveys are not listed here at all, not
even on delete confirmations (HidesConfidentialRows) or through str(): managers see them
only as published quarters on the results pages.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.admin_privacy import HidesConfidentialRows
from core.admin_read_only import ReadOnlyAdmin, RecordAdmin
from core.admin_singleton import SingletonAdmin
from organisation.models import Contact, Technician

from . import services
from .models import (
    AGGREGATE_ONLY_KINDS,
    Answer,
    Campaign,
    Invitation,
    PublishedQuarter,
    Question,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)
from .publication import campaign_problems
from .tasks import refresh_rollups


class RebuildsFigures:
    """Deleting campaigns, invitations or responses here removes answers of any day: the
    daily survey figures (surveys.rollups) are rebuilt once the deletion commits."""

    def _rebuild(self):
        transaction.on_commit(partial(refresh_rollups.delay, full=True), robust=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._rebuild()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._rebuild()


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = (
        "position",
        "key",
        "type",
        "metric",
        "text_de",
        "text_en",
        "scale_min",
        "scale_max",
        "label_min_de",
        "label_min_en",
        "label_max_de",
        "label_max_en",
        "required",
        "is_active",
    )

    def get_readonly_fields(self, request, obj=None):
        # Key, metric and scale define what stored answers mean; texts may change freely.
        if obj is not None:
            return ("key", "type", "metric", "scale_min", "scale_max")
        return ()

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: answers point at their question.
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title_de", "title_en", "kind")
    readonly_fields = ("kind",)
    inlines = [QuestionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveySettings)
class SurveySettingsAdmin(SingletonAdmin):
    fieldsets = (
        (
            _("Weekly pulse"),
            {
                "fields": (
                    "pulse_enabled",
                    "pulse_weekday",
                    "pulse_time",
                    "pulse_timezone",
                    "pulse_open_days",
                )
            },
        ),
        (
            _("Client onboarding"),
            {"fields": ("client_onboarding_enabled", "client_onboarding_days")},
        ),
        (
            _("Technician onboarding"),
            {"fields": ("technician_onboarding_enabled", "technician_onboarding_day")},
        ),
        (_("In-depth survey"), {"fields": ("in_depth_quarterly", "in_depth_day_of_quarter")}),
        (
            _("Ticket rating"),
            {
                "fields": (
                    "rating_enabled",
                    "rating_delay_minutes",
                    "rating_faces",
                    "rating_fatigue_days",
                    "rating_open_days",
                    "rating_automated_tickets",
                )
            },
        ),
        (_("All surveys"), {"fields": ("open_days", "reminder_after_days", "max_reminders")}),
    )


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ("email", "language", "status", "failure_reason", "sent_at", "reminders_sent")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


# What a campaign's page in the back office edits (see CampaignAdmin.get_readonly_fields).
CAMPAIGN_FIELDS = (
    "survey",
    "name",
    "send_at",
    "closes_at",
    "reminder_after_days",
    "max_reminders",
    "client",
)


class CampaignAdminForm(forms.ModelForm):
    """Adding a campaign in the back office: pick the recipients as in the manager area."""

    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.filter(is_active=True).select_related("client"),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("contacts"), is_stacked=False),
    )
    technicians = forms.ModelMultipleChoiceField(
        label=_("Technicians"),
        queryset=Technician.objects.active(),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("technicians"), is_stacked=False),
    )

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            # Only a scheduled campaign's start may still move (see get_readonly_fields).
            if "send_at" in self.changed_data:
                problems = campaign_problems(
                    self.instance.survey, self.instance.invitations.count(), data.get("send_at")
                )
                if "send_at" in problems:
                    self.add_error("send_at", problems["send_at"])
            return data
        survey = data.get("survey")
        if survey is None:
            return data
        if survey.for_clients:
            if data.get("technicians"):
                self.add_error(
                    "technicians", _("This survey goes to clients' contacts, not technicians.")
                )
            if not data.get("contacts"):
                self.add_error("contacts", _("Choose at least one client or contact."))
        else:
            if data.get("contacts"):
                self.add_error("contacts", _("This survey goes to technicians, not contacts."))
            if not data.get("technicians"):
                self.add_error("technicians", _("There is no active technician to invite."))
            else:
                problems = campaign_problems(survey, len(data["technicians"]), data.get("send_at"))
                for name, message in problems.items():
                    self.add_error(name, message)
        return data


@admin.register(Campaign)
class CampaignAdmin(RebuildsFigures, HidesConfidentialRows, admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ("name", "survey", "status", "send_at", "closes_at", "invited", "answered")
    list_filter = ("status", "survey")
    search_fields = ("name",)
    date_hierarchy = "send_at"
    readonly_fields = ("status", "started_at", "closed_at", "auto_key", "created_by", "created_at")
    raw_id_fields = ("client",)
    inlines = [InvitationInline]
    actions = ["close_campaigns", "send_again"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("survey")
            .annotate(
                invited_count=Count("invitations"),
                answered_count=Count(
                    "invitations", filter=Q(invitations__status=Invitation.Status.ANSWERED)
                ),
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": CAMPAIGN_FIELDS}),
                (_("Recipients"), {"fields": ["contacts", "technicians"]}),
            ]
        return [
            (None, {"fields": CAMPAIGN_FIELDS}),
            (_("State"), {"fields": list(self.readonly_fields)}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The survey of a running campaign must not change under its answers, nor its start:
        # the start decides the quarter its answers are published in.
        if obj.status != Campaign.Status.SCHEDULED:
            return ("survey", "send_at", *self.readonly_fields)
        return ("survey", *self.readonly_fields)

    @admin.display(description=_("invited"), ordering="invited_count")
    def invited(self, obj):
        return obj.invited_count

    @admin.display(description=_("answered"), ordering="answered_count")
    def answered(self, obj):
        return obj.answered_count

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        recipients = list(form.cleaned_data.get("contacts") or []) + list(
            form.cleaned_data.get("technicians") or []
        )
        services.store_campaign(obj, recipients)

    @admin.action(description=_("Close the selected campaigns"))
    def close_campaigns(self, request, queryset):
        for campaign in queryset:
            services.close_campaign(campaign)
        self.message_user(request, _("Closed."), messages.SUCCESS)

    @admin.action(description=_("Send again to failed invitations"))
    def send_again(self, request, queryset):
        count = sum(services.requeue_failed(c) for c in queryset)
        self.message_user(request, _("%(count)s invitation(s) queued again.") % {"count": count})


@admin.register(Invitation)
class InvitationAdmin(RebuildsFigures, HidesConfidentialRows, admin.ModelAdmin):
    list_display = ("email", "campaign", "status", "failure_reason", "sent_at", "reminders_sent")
    list_filter = ("status", "campaign__survey")
    search_fields = ("email", "campaign__name")
    list_select_related = ("campaign",)
    readonly_fields = (
        "campaign",
        "contact",
        "technician",
        "email",
        "status",
        "failure_reason",
        "attempts",
        "sent_at",
        "reminders_sent",
        "last_reminder_at",
        "answered_at",
    )
    fields = readonly_fields + ("language",)

    def has_add_permission(self, request):
        return False


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("question", "value", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(RebuildsFigures, HidesConfidentialRows, RecordAdmin, admin.ModelAdmin):
    """Client responses (and the named pulse); never the aggregate-only surveys."""

    list_display = ("survey", "client", "campaign", "submitted_at", "updated_at")
    list_filter = ("survey",)
    list_select_related = ("survey", "client", "campaign")
    readonly_fields = ("invitation", "survey", "campaign", "client", "submitted_at", "updated_at")
    inlines = [AnswerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(survey__kind__in=AGGREGATE_ONLY_KINDS)


@admin.register(PublishedQuarter)
class PublishedQuarterAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """What was decided for each quarter of the anonymous surveys; read-only, since a
    decision is never changed."""

    list_display = ("survey", "quarter", "outcome", "respondents", "minimum", "decided_at")
    list_filter = ("survey", "outcome")


__all__ = ["SurveyKind"]
