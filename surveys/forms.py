import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.form_fields import IdChoiceField, IdMultipleChoiceField
from core.one_time_forms import OneTimeFormMixin
from core.single_line import SingleLineFormField
from organisation.consent import withheld_reasons
from organisation.models import Client, Contact, Technician

from .models import Metric, Question, Survey, SurveyKind, SurveySettings
from .publication import campaign_problems

# The five pulse faces, worst to best; Unicode emoji render in Outlook and Gmail alike.
FACES = {1: "😫", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def field_name(question: Question) -> str:
    return f"q_{question.key}"


class ResponseForm(forms.Form):
    """One field per active question: a radio scale or a free text. ``informal``: the
    respondent is a technician, addressed as "du" (clients as "Sie")."""

    def __init__(self, *args, questions: list[Question], informal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        choose = (
            pgettext_lazy("technician", "Please choose a value.")
            if informal
            else _("Please choose a value.")
        )
        for question in questions:
            if question.is_scale:
                if question.metric in (Metric.PULSE, Metric.TICKET_RATING):
                    choices = [(str(v), FACES.get(v, str(v))) for v in question.scale()]
                elif len(question.scale()) == 2:
                    # A yes/no question: its buttons say so ("Nein", "Ja"), not "0", "1".
                    labels = (question.label_min(), question.label_max())
                    choices = [
                        (str(v), capfirst(t)) for v, t in zip(question.scale(), labels, strict=True)
                    ]
                else:
                    choices = [(str(v), str(v)) for v in question.scale()]
                field = forms.TypedChoiceField(
                    label=question.text(),
                    choices=choices,
                    coerce=int,
                    required=question.required,
                    widget=forms.RadioSelect,
                    error_messages={"required": choose},
                )
            else:
                field = forms.CharField(
                    label=question.text(),
                    required=question.required,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                )
            field.question = question
            self.fields[field_name(question)] = field

    def values(self) -> dict:
        """{question key: value} of the cleaned data."""
        return {q.key: self.cleaned_data.get(field_name(q)) for q in self.questions}

    def rows(self):
        """(question, bound field) pairs for the template."""
        return [(q, self[field_name(q)]) for q in self.questions]


# How far ahead a campaign may start or close.
CAMPAIGN_HORIZON = datetime.timedelta(days=366)


def _default_close() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=14)


class CampaignForm(OneTimeFormMixin, forms.Form):
    # The ticket rating is sent per resolved ticket (ratings), never as a campaign by hand.
    survey = IdChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.exclude(kind=SurveyKind.TICKET_RATING),
        empty_label=None,
    )
    name = SingleLineFormField(label=_("Name"), max_length=200)
    # Recipients are ticked in searchable checkbox lists (surveys/_recipient_picker.html),
    # not Ctrl-clicked in multi-selects: one list per client with "all active contacts of
    # the client" first, then the client's contacts one by one.
    clients = IdMultipleChoiceField(
        label=_("Clients (all their active contacts)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = IdMultipleChoiceField(
        label=_("Individual contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technicians = IdMultipleChoiceField(
        label=_("Technicians"),
        queryset=Technician.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For technician surveys. Leave empty to invite all active technicians."),
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to send now."),
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        initial=_default_close,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Answers are accepted until the end of this day."),
    )
    reminder_after_days = forms.IntegerField(
        label=_("Remind non-responders after (days)"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Leave empty for no reminders."),
    )
    max_reminders = forms.TypedChoiceField(
        label=_("Number of reminders"),
        choices=[(0, "0"), (1, "1"), (2, "2")],
        coerce=int,
        initial=2,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = Client.objects.active()
        self.fields["contacts"].queryset = Contact.objects.filter(is_active=True).select_related(
            "client"
        )
        self.fields["technicians"].queryset = Technician.objects.active()
        if not self.is_bound:
            self.fields["reminder_after_days"].initial = SurveySettings.load().reminder_after_days
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "survey",
            "name",
            HTML('{% include "surveys/_recipient_picker.html" %}'),
            "send_at",
            "closes_on",
            "reminder_after_days",
            "max_reminders",
        )
        # The one-time token (core.one_time_forms) is a hidden field the layout omits.
        self.helper.render_hidden_fields = True
        self.helper.add_input(Submit("submit", _("Create campaign")))

    def _chosen(self, name: str) -> set[str]:
        if not self.is_bound:
            return set()
        return {str(value) for value in self.data.getlist(name) if str(value).isdigit()}

    def recipient_groups(self) -> list[dict]:
        """Each active client with its active contacts, and what is ticked: four queries
        however many clients there are. A contact who may not receive client e-mail
        (organisation.consent) is shown with the reason and cannot be ticked; a client
        marked "no surveys" cannot be ticked either."""
        clients, contacts = self._chosen("clients"), self._chosen("contacts")
        groups = {
            pk: {
                "pk": pk,
                "name": name,
                "checked": str(pk) in clients and not opted_out,
                "opted_out": opted_out,
                "contacts": [],
            }
            for pk, name, opted_out in self.fields["clients"]
            .queryset.order_by("name")
            .values_list("pk", "name", "surveys_opted_out")
        }
        rows = [
            Contact(pk=pk, client_id=client_id, name=name, email=email, surveys_opted_out=out)
            for pk, client_id, name, email, out in self.fields["contacts"]
            .queryset.filter(client_id__in=groups)
            .order_by("name", "pk")
            .values_list("pk", "client_id", "name", "email", "surveys_opted_out")
        ]
        withheld = withheld_reasons(rows)
        for contact in rows:
            reason = withheld.get(contact.pk, "")
            groups[contact.client_id]["contacts"].append(
                {
                    "pk": contact.pk,
                    "name": contact.name,
                    "email": contact.email,
                    "checked": str(contact.pk) in contacts and not reason,
                    "withheld": reason,
                }
            )
        return list(groups.values())

    def technician_choices(self) -> list[dict]:
        chosen = self._chosen("technicians")
        return [
            {"pk": pk, "name": name, "checked": str(pk) in chosen}
            for pk, name in self.fields["technicians"]
            .queryset.order_by("name")
            .values_list("pk", "name")
        ]

    def clean_closes_on(self):
        value = self.cleaned_data.get("closes_on")
        # A year is plenty; a date like 9999-12-31 is a typo (and has no next day).
        if value and value > timezone.localdate() + CAMPAIGN_HORIZON:
            raise forms.ValidationError(_("Choose a closing date within a year."))
        return value

    def clean_send_at(self):
        value = self.cleaned_data.get("send_at")
        if value and value < timezone.now() - datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("Choose a time in the future, or leave empty."))
        # Like the closing date: within a year (9999-12-31 23:59 has no next hour).
        if value and value > timezone.now() + CAMPAIGN_HORIZON:
            raise forms.ValidationError(_("Choose a start within a year, or leave empty."))
        return value

    def clean(self):
        data = super().clean()
        survey = data.get("survey")
        closes_on = data.get("closes_on")
        if closes_on:
            closes_at = timezone.make_aware(
                datetime.datetime.combine(closes_on + datetime.timedelta(days=1), datetime.time())
            )
            data["closes_at"] = closes_at
            start = data.get("send_at") or timezone.now()
            if closes_at <= start + datetime.timedelta(hours=1):
                self.add_error("closes_on", _("The closing date must lie after the start."))
        if survey is None:
            return data
        if survey.for_clients:
            recipients = list(data.get("contacts") or [])
            for client in data.get("clients") or []:
                recipients.extend(client.contacts.filter(is_active=True))
            if data.get("technicians"):
                self.add_error(
                    "technicians", _("This survey goes to clients' contacts, not technicians.")
                )
            if not recipients:
                self.add_error("contacts", _("Choose at least one client or contact."))
            elif len(withheld_reasons(recipients)) == len({r.pk for r in recipients}):
                self.add_error(
                    "contacts",
                    _(
                        "Nobody chosen may receive surveys: they objected, or their "
                        "addresses are on the suppression list."
                    ),
                )
        else:
            recipients = list(data.get("technicians") or []) or list(
                Technician.objects.employed_on(timezone.localdate())
            )
            if data.get("contacts") or data.get("clients"):
                self.add_error("contacts", _("This survey goes to technicians, not contacts."))
            if not recipients:
                self.add_error("technicians", _("There is no active technician to invite."))
            elif "technicians" not in self.errors:
                problems = campaign_problems(survey, len(recipients), data.get("send_at"))
                for name, message in problems.items():
                    self.add_error(name, message)
        data["recipients"] = recipients
        return data
