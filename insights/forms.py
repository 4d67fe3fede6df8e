"""Filters of the report pages: the period, segment and client filter (GET) and the
ticket list filter."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.filter_bar import FilterBar
from core.form_fields import FIRST_DAY_LABEL, LAST_DAY_LABEL, check_day_order, day_field
from core.periods import DEFAULT_PRESET, PRESETS, Period, preset_period
from insights.attention import AMBER, GREEN, RED
from kpis.models import Priority, Source
from organisation.forms import client_picker

MAX_CUSTOM_DAYS = 3 * 366


class FilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=list(PRESETS.items()), required=False)
    start = day_field(FIRST_DAY_LABEL)
    end = day_field(LAST_DAY_LABEL)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    client = client_picker()

    def __init__(self, *args, segments=(), period_only=False, **kwargs):
        """``period_only``: without the segment and client fields (a client's own page,
        where they would change nothing)."""
        super().__init__(*args, **kwargs)
        scope = []
        if period_only:
            del self.fields["segment"], self.fields["client"]
        else:
            self.fields["segment"].choices = [("", _("All segments"))] + [(s, s) for s in segments]
            scope = [("segment", ""), ("client", "")]
        # Drawn by core.filter_bar ({% filter_bar form %}), not crispy-forms.
        self.filter_bar = FilterBar(
            _("Apply"), (("period", ""), ("start", "filter-date"), ("end", "filter-date"), *scope)
        )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Choose the first day."))
            if not end:
                self.add_error("end", _("Choose the last day."))
            check_day_order(self, data)
            if start and end and (end - start).days > MAX_CUSTOM_DAYS:
                self.add_error("end", _("Choose at most three years."))
        return data

    def to_period(self, today: datetime.date) -> tuple[str, Period]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        preset = data.get("period") or DEFAULT_PRESET
        if preset == "custom" and data.get("start") and data.get("end"):
            return preset, Period.through(data["start"], data["end"])
        if preset == "custom":
            preset = DEFAULT_PRESET
        return preset, preset_period(preset, today)


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Ticket number"), required=False, max_length=100)
    client = client_picker()
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("All"))] + list(Priority.choices)
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All"))] + list(Source.choices)
    )
    escalated = forms.ChoiceField(
        label=_("Escalated"),
        required=False,
        choices=[("", _("All")), ("yes", _("Escalated only")), ("no", _("Not escalated"))],
    )
    start = day_field(_("Opened from"))
    end = day_field(_("Opened to (inclusive)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Drawn by core.filter_bar ({% filter_bar form %}), not crispy-forms.
        self.filter_bar = FilterBar(
            _("Filter"),
            (
                ("q", ""),
                ("client", ""),
                ("priority", ""),
                ("source", ""),
                ("escalated", ""),
                ("start", "filter-date"),
                ("end", "filter-date"),
            ),
        )

    def clean(self):
        data = super().clean()
        check_day_order(self, data)
        return data

    def apply(self, tickets):
        if not self.is_valid():
            return tickets
        data = self.cleaned_data
        if data.get("q"):
            tickets = tickets.filter(external_id__icontains=data["q"])
        if data.get("client"):
            tickets = tickets.filter(client=data["client"])
        if data.get("priority"):
            tickets = tickets.filter(priority=data["priority"])
        if data.get("source"):
            tickets = tickets.filter(source=data["source"])
        if data.get("escalated") == "yes":
            tickets = tickets.escalated()
        elif data.get("escalated") == "no":
            tickets = tickets.filter(escalated=False)
        if data.get("start"):
            tickets = tickets.filter(opened_on__gte=data["start"])
        if data.get("end"):
            tickets = tickets.filter(opened_on__lte=data["end"])
        return tickets


class ClientTableForm(forms.Form):
    """The attention page's and the client list's filters (GET): a part of the client's
    name, the segment and the state (worst colour)."""

    q = forms.CharField(label=_("Search client"), required=False, max_length=100)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    state = forms.ChoiceField(
        label=pgettext_lazy("client state", "State"),
        required=False,
        choices=[
            ("", _("All states")),
            (RED, pgettext_lazy("state colour", "red")),
            (AMBER, pgettext_lazy("state colour", "amber")),
            (GREEN, pgettext_lazy("state colour", "green")),
        ],
    )

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("All segments"))] + [(s, s) for s in segments]
        # crispy's helper for the same bar core.filter_bar draws on the KPI pages
        self.helper = FilterBar(_("Apply"), (("q", ""), ("segment", ""), ("state", ""))).helper()

    def filters(self) -> dict:
        """The valid filters given (an invalid one is left out and shown at its field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}
