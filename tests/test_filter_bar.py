"""The filter bar drawn in Python (core.filter_bar) is the markup crispy-forms drew for
the same forms: labels, ids, classes, aria attributes, errors and help text, in both
languages, with and without errors."""

import datetime

import pytest
from django import forms
from django.template import engines
from django.test import RequestFactory
from django.test.html import parse_html
from django.utils import translation

from core.filter_bar import FilterBar
from insights.forms import FilterForm, TicketFilterForm
from tests.kpis.conftest import make_client

CRISPY = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
BAR = engines["django"].from_string("{% load filter_bar %}{% filter_bar form %}")


def _both(form):
    """(crispy-forms' markup, the filter bar's) of ``form``, parsed for comparison."""
    request = RequestFactory().get("/")
    form.helper = form.filter_bar.helper()
    drawn = BAR.render({"form": form}, request)  # first: crispy-forms changes widget attrs
    expected = CRISPY.render({"form": form}, request)
    return parse_html(expected), parse_html(drawn)


CASES = [
    ("dashboard, unbound", lambda: FilterForm(segments=["Finanzen", "Handel & Co"])),
    ("client page", lambda: FilterForm({"period": "year"}, period_only=True)),
    (
        "custom period with errors",
        lambda: FilterForm(
            {"period": "custom", "start": "", "end": "2025-01-01", "segment": "<x>"},
            segments=["Finanzen"],
        ),
    ),
    (
        "last day before the first, unknown client",
        lambda: FilterForm(
            {
                "period": "custom",
                "start": "2026-01-05",
                "end": "2025-01-01",
                "client": "",
                "client_name": "Nobody & <Co>",
            },
            segments=["Finanzen"],
        ),
    ),
    ("ticket list, unbound", lambda: TicketFilterForm()),
    (
        "ticket list with errors",
        lambda: TicketFilterForm(
            {"q": 'x&"y"', "priority": "urgent", "escalated": "yes", "start": "9999-99-99"}
        ),
    ),
]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("label,make", CASES, ids=[case[0] for case in CASES])
def test_it_draws_what_crispy_forms_drew(db, language, label, make):
    with translation.override(language):
        form = make()
        form.is_bound and form.is_valid()
        expected, drawn = _both(form)
    assert drawn == expected


def test_a_chosen_client_is_drawn_as_crispy_forms_drew_it(db):
    client = make_client("Acme & Söhne", start=datetime.date(2025, 1, 1))
    form = TicketFilterForm({"client": str(client.pk), "q": "17"})
    assert form.is_valid()
    expected, drawn = _both(form)
    assert drawn == expected
    assert 'value="Acme &amp; Söhne' in BAR.render({"form": form})


class _Other(forms.Form):
    """A required field with help text, and an error of the whole form."""

    name = forms.CharField(label="Name", help_text="At most <b>20</b> letters", max_length=20)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B & <C>")])
    group = forms.ChoiceField(
        label="Group",
        required=False,
        choices=[("", "All"), ("Nord", [(1, "Kiel"), (2, "Rostock")]), ("Süd", [(3, "Ulm")])],
        widget=forms.Select(attrs={"data-x": "y", "autofocus": True, "hidden": False}),
    )
    answered = forms.NullBooleanField(label="Answered", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filter_bar = FilterBar(
            "Go", (("name", ""), ("kind", "wide"), ("group", ""), ("answered", ""))
        )

    def clean(self):
        raise forms.ValidationError("Not both at once.")


def test_required_fields_help_text_and_form_errors_match_crispy_forms():
    form = _Other({"name": "x" * 30, "kind": "b", "group": "2"})
    form.is_valid()
    expected, drawn = _both(form)
    assert drawn == expected
    html = BAR.render({"form": form})
    assert '<div class="alert alert-block alert-danger"><ul class="m-0"><li>Not both' in html
    assert 'aria-describedby="id_name_error id_name_helptext"' in html or (
        'aria-invalid="true"' in html and 'id="id_name_error"' in html
    )


def test_it_refuses_a_widget_it_would_draw_differently():
    class WithCheckbox(forms.Form):
        only_open = forms.BooleanField(required=False)

    form = WithCheckbox()
    form.filter_bar = FilterBar("Go", (("only_open", ""),))
    with pytest.raises(TypeError, match="CheckboxInput"):
        form.filter_bar.render(form)
