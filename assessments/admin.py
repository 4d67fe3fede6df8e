"""Back office for the questionnaire, assessments and team rounds.

A published questionnaire version is read-only here (stored results depend on it); to
change the questionnaire, copy a version into a new draft, edit the draft, and publish it.
Stored assessments are read-only too: they are records of what someone answered.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_read_only import RecordAdmin

from . import services
from .models import (
    Answer,
    Area,
    Assessment,
    Phase,
    Questionnaire,
    ScaleLabel,
    Statement,
    TeamRound,
    Tip,
)


class KeptWhenPublishedAdmin(admin.ModelAdmin):
    """Nothing of a published questionnaire version is deleted."""

    # From a row to its questionnaire version; empty for the version itself.
    questionnaire_path = ""

    def _questionnaire(self, obj):
        for part in filter(None, self.questionnaire_path.split("__")):
            obj = getattr(obj, part)
        return obj

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._questionnaire(obj).is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Bulk deletion would bypass the per-object check above.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions


class FrozenContentAdmin(KeptWhenPublishedAdmin):
    """Content of a questionnaire version: editable only while its version is a draft."""

    questionnaire_path = "questionnaire"

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._questionnaire(obj).is_published:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "questionnaire":
            kwargs["queryset"] = Questionnaire.objects.filter(published_at__isnull=True)
        elif db_field.name == "area":
            kwargs["queryset"] = Area.objects.filter(
                questionnaire__published_at__isnull=True
            ).select_related("questionnaire")
        elif db_field.name == "phase":
            kwargs["queryset"] = Phase.objects.filter(
                questionnaire__published_at__isnull=True
            ).select_related("questionnaire")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyWhenPublishedInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)


class AreaInline(ReadOnlyWhenPublishedInline):
    model = Area
    fields = ["order", "key", "name_de", "name_en"]


class PhaseInline(ReadOnlyWhenPublishedInline):
    model = Phase
    fields = ["order", "key", "name_de", "name_en", "min_score", "max_score"]


class ScaleLabelInline(ReadOnlyWhenPublishedInline):
    model = ScaleLabel
    fields = ["value", "label_de", "label_en"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(KeptWhenPublishedAdmin):
    list_display = ["version", "title_de", "published_at", "created_at"]
    list_filter = [("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["title_de", "title_en"]
    readonly_fields = ["published_at", "created_at"]
    inlines = [ScaleLabelInline, PhaseInline, AreaInline]
    actions = ["copy_as_draft", "publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [
                "version",
                "title_de",
                "title_en",
                "source_de",
                "source_en",
                "published_at",
                "created_at",
            ]
        return self.readonly_fields

    @admin.action(description=_("Copy into a new draft version"))
    def copy_as_draft(self, request, queryset):
        for questionnaire in queryset:
            draft = questionnaire.copy_as_draft()
            self.message_user(
                request,
                _("Version %(version)s is a new draft; edit it and publish it.")
                % {"version": draft.version},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish (new assessments use the newest published version)"))
    def publish(self, request, queryset):
        drafts = list(queryset.filter(published_at__isnull=True))
        for questionnaire in drafts:
            questionnaire.publish()
        self.message_user(
            request,
            ngettext("%(count)d version published.", "%(count)d versions published.", len(drafts))
            % {"count": len(drafts)},
            messages.SUCCESS,
        )


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    fields = ["order", "key", "text_de", "text_en"]

    def has_change_permission(self, request, obj=None):
        return not (
            obj is not None and obj.questionnaire.is_published
        ) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not (
            obj is not None and obj.questionnaire.is_published
        ) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (
            obj is not None and obj.questionnaire.is_published
        ) and super().has_delete_permission(request, obj)


@admin.register(Area)
class AreaAdmin(FrozenContentAdmin):
    list_display = ["name_de", "name_en", "key", "order", "questionnaire"]
    list_filter = ["questionnaire"]
    search_fields = ["name_de", "name_en", "key"]
    list_select_related = ["questionnaire"]
    inlines = [StatementInline]


@admin.register(Statement)
class StatementAdmin(FrozenContentAdmin):
    questionnaire_path = "area__questionnaire"
    list_display = ["text_de", "key", "area", "order", "version"]
    list_filter = ["area__questionnaire", "area__key"]
    search_fields = ["text_de", "text_en", "key"]
    list_select_related = ["area__questionnaire"]

    @admin.display(description=_("version"), ordering="area__questionnaire__version")
    def version(self, obj):
        return obj.area.questionnaire.version


@admin.register(Phase)
class PhaseAdmin(FrozenContentAdmin):
    list_display = ["name_de", "name_en", "min_score", "max_score", "questionnaire"]
    list_filter = ["questionnaire", "key"]
    search_fields = ["name_de", "name_en", "characteristics_de", "characteristics_en"]
    list_select_related = ["questionnaire"]


@admin.register(Tip)
class TipAdmin(FrozenContentAdmin):
    questionnaire_path = "area__questionnaire"
    list_display = ["area", "phase", "text_de", "version"]
    list_filter = ["area__questionnaire", "area__key", "phase__key"]
    search_fields = ["text_de", "text_en"]
    list_select_related = ["area__questionnaire", "phase"]

    @admin.display(description=_("version"), ordering="area__questionnaire__version")
    def version(self, obj):
        return obj.area.questionnaire.version


@admin.register(ScaleLabel)
class ScaleLabelAdmin(FrozenContentAdmin):
    list_display = ["value", "label_de", "label_en", "questionnaire"]
    list_filter = ["questionnaire"]
    search_fields = ["label_de", "label_en"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["statement", "value"]
    readonly_fields = ["statement", "value"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("statement")


@admin.register(Assessment)
class AssessmentAdmin(RecordAdmin, admin.ModelAdmin):
    list_display = ["created_at", "user", "overall_score", "phase", "team_round", "questionnaire"]
    list_filter = [
        "phase__key",
        "questionnaire",
        ("team_round", admin.EmptyFieldListFilter),
        "created_at",
    ]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team_round__name"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "phase", "team_round", "questionnaire"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(RecordAdmin, admin.ModelAdmin):
    list_display = ["assessment", "statement_key", "value"]
    list_filter = ["value", "statement__area__key", "statement__key"]
    search_fields = ["assessment__user__username", "statement__key", "statement__text_de"]
    list_select_related = ["assessment__user", "statement"]

    @admin.display(description=_("statement"), ordering="statement__key")
    def statement_key(self, obj):
        return obj.statement.key


@admin.register(TeamRound)
class TeamRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "opened_by", "created_at", "closes_on", "closed_at", "questionnaire"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter), "questionnaire", "created_at"]
    search_fields = ["name", "opened_by__username", "members__username"]
    filter_horizontal = ["members"]
    list_select_related = ["opened_by", "questionnaire"]
    raw_id_fields = ["opened_by"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Members added here are invited by e-mail like those chosen when it was opened.
        services.invite_members(form.instance)
