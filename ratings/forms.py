from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import BoundedDateField
from organisation.models import Client, Technician

from .metrics import NEGATIVE_MAX, POSITIVE_MIN


class RatingFilterForm(forms.Form):
    """The ratings list's filters (GET): client, technician credited, rating, resolution
    days."""

    RATINGS = [
        ("", _("All")),
        ("positive", _("positive")),
        ("neutral", _("neutral")),
        ("negative", _("negative")),
        ("none", _("not rated")),
    ]

    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("All clients"),
    )
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
        self.fields["client"].queryset = Client.objects.only("pk", "name").order_by("name")
        self.fields["technician"].queryset = Technician.objects.only("pk", "name").order_by("name")
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
