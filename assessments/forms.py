import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import MANAGER, TECHNICIAN
from core.form_fields import IdMultipleChoiceField
from core.one_time_forms import OneTimeFormMixin

from .models import SCALE_MAX, SCALE_MIN, TeamRound
from .services import Content

FIELD_PREFIX = "statement-"
_FIELD_NAME = re.compile(rf"^{FIELD_PREFIX}(.*)$")


def field_name(statement) -> str:
    return f"{FIELD_PREFIX}{statement.pk}"


class AssessmentForm(forms.Form):
    """One required choice 1..5 per statement of a questionnaire version."""

    def __init__(self, content: Content, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content = content
        choices = [(str(v), str(v)) for v in range(SCALE_MIN, SCALE_MAX + 1)]
        for statement in content.statements:
            self.fields[field_name(statement)] = forms.TypedChoiceField(
                label=statement.text,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please choose an answer."),
                    "invalid_choice": _("Please choose one of the answers 1 to 5."),
                },
            )

    def clean(self):
        cleaned = super().clean()
        known = {field_name(s) for s in self.content.statements}
        unknown = [key for key in self.data if _FIELD_NAME.match(key) and key not in known]
        if unknown:
            raise forms.ValidationError(
                _(
                    "The form contained answers to statements that are not part of this "
                    "questionnaire. Please check your answers and submit again."
                ),
                code="unknown_statement",
            )
        return cleaned

    def answers(self) -> dict[int, int]:
        """Statement id -> answer (1..5); only after is_valid()."""
        return {s.pk: self.cleaned_data[field_name(s)] for s in self.content.statements}

    def sections(self):
        """Areas in order, each with (statement, bound field, chosen value as str) rows."""
        for area in self.content.areas:
            rows = []
            for statement in area.statement_list:
                bound = self[field_name(statement)]
                value = bound.value()
                rows.append(
                    {
                        "statement": statement,
                        "field": bound,
                        "value": "" if value is None else str(value),
                    }
                )
            yield {"area": area, "rows": rows}


def team_members():
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__name__in=[TECHNICIAN, MANAGER])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class MemberChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class TeamRoundForm(OneTimeFormMixin, forms.ModelForm):
    members = MemberChoiceField(
        queryset=team_members(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Team members"),
        help_text=_("Technicians and managers who answer in this round."),
        error_messages={"required": _("Invite at least one team member.")},
    )

    class Meta:
        model = TeamRound
        fields = ["name", "closes_on", "members"]
        widgets = {"closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"closes_on": _("Optional. Members can answer until the end of this day.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Re-evaluated per form so new team members appear without a restart.
        self.fields["members"].queryset = team_members()
        self.fields["closes_on"].required = False

    def clean_closes_on(self):
        closes_on = self.cleaned_data.get("closes_on")
        if closes_on and closes_on < timezone.localdate():
            raise forms.ValidationError(_("The closing date cannot be in the past."))
        return closes_on
