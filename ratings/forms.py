from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import BoundedDateField
from core.periods import PRESETS, Period, preset_period
from organisation.forms import client_picker
from organisation.models import Technician

from .metrics import NEGATIVE_MAX, POSITIVE_MIN


class _FilterBar(forms.Form):
    """A GET filter bar: every field in a row and the Filter button; ``start`` must not
    lie after ``end``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Div(
                *(Div(name, css_class="filter-field") for name in self.fields),
                Div(Submit("", _("Filter")), css_class="filter-submit mb-3"),
                css_class="filter-bar",
            )
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The last day must not lie before the first."))
        return data


class RatingFilterForm(_FilterBar):
    """The ratings list's filters (GET): client, technician credited, rating, resolution
    days."""

    RATINGS = [
        ("", _("All")),
        ("positive", _("positive")),
        ("neutral", _("neutral")),
        ("negative", _("negative")),
        ("none", _("not rated")),
    ]

    client = client_picker()
    technician = forms.ModelChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.none(),
        required=False,
        empty_label=_("All technicians"),
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=RATINGS, required=False)
    start = BoundedDateField(
        label=_("Resolved from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label=_("Resolved to (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = Technician.objects.only("pk", "name").order_by("name")

    def apply(self, ratings):
        """``ratings`` annotated with ``face`` (ratings.queries.with_answers), filtered."""
        if not self.is_bound or not self.is_valid():
            return ratings
        data = self.cleaned_data
        if data.get("client"):
            ratings = ratings.filter(client=data["client"])
        if data.get("technician"):
            ratings = ratings.filter(technician=data["technician"])
        rating = data.get("rating")
        if rating == "positive":
            ratings = ratings.filter(face__gte=POSITIVE_MIN)
        elif rating == "neutral":
            ratings = ratings.filter(face__gt=NEGATIVE_MAX, face__lt=POSITIVE_MIN)
        elif rating == "negative":
            ratings = ratings.filter(face__lte=NEGATIVE_MAX)
        elif rating == "none":
            ratings = ratings.filter(face__isnull=True)
        if data.get("start"):
            ratings = ratings.filter(resolved_at__date__gte=data["start"])
        if data.get("end"):
            ratings = ratings.filter(resolved_at__date__lte=data["end"])
        return ratings


class CaseFilterForm(_FilterBar):
    """The cases page's filters (GET): status (open by default), client, opening days."""

    STATUSES = [
        ("open", _("Open cases")),
        ("closed", _("Closed cases")),
        ("all", _("All cases")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    client = client_picker()
    start = BoundedDateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label=_("Opened to (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def chosen_status(self) -> str:
        valid = self.is_bound and self.is_valid()
        return (self.cleaned_data.get("status") if valid else "") or "open"

    def apply_period(self, cases):
        """``cases`` of the client and opening days chosen (any status)."""
        if not self.is_bound or not self.is_valid():
            return cases
        data = self.cleaned_data
        if data.get("client"):
            cases = cases.filter(client=data["client"])
        if data.get("start"):
            cases = cases.filter(opened_at__date__gte=data["start"])
        if data.get("end"):
            cases = cases.filter(opened_at__date__lte=data["end"])
        return cases

    def apply(self, cases):
        """``cases`` filtered by all the filters, status included."""
        cases = self.apply_period(cases)
        status = self.chosen_status()
        return cases if status == "all" else cases.filter(status=status)


class CaseForm(forms.Form):
    """What the manager records on a case: what was done and whether the client was
    contacted; the button pressed says whether the case is closed."""

    CONTACTED = [("", _("not recorded")), ("yes", _("yes")), ("no", _("no"))]

    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    contacted = forms.ChoiceField(label=_("Client contacted?"), choices=CONTACTED, required=False)

    def contacted_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("contacted"))

    @classmethod
    def initial_for(cls, case) -> dict:
        contacted = {True: "yes", False: "no"}.get(case.contacted, "")
        return {"note": case.note, "contacted": contacted}


class FiguresFilterForm(_FilterBar):
    """The figures page's filters (GET): a period ending today (90 days by default)."""

    DEFAULT = "90d"

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(key, label) for key, label in PRESETS.items() if key != "custom"],
        required=False,
        initial=DEFAULT,
    )

    def to_period(self, today) -> Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return preset_period(data.get("period") or self.DEFAULT, today)
