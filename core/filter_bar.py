"""The filter bar of the report and list pages (a GET form in one wrapping row), drawn in
Python.

crispy-forms drew it through about fifteen template includes per field: 6 ms of every
dashboard, client page and KPI page and 12 ms of the ticket list, on pages whose
budget is 40 to 80 ms. ``FilterBar.render`` writes the same markup crispy-forms'
Bootstrap 5 pack writes for these forms (``tests/test_filter_bar.py`` compares the two,
with and without errors): a label for every field, the widget with the pack's classes
(``is-invalid``, and Django's ``aria-invalid`` and ``aria-describedby``, when it has an
error), the errors under it with the ids the widget points to, the help text, the
form's own errors above the row. Only the widgets a filter uses are drawn (selects,
text, date and name-picker inputs); a checkbox, radio or file field is refused rather
than drawn differently from the rest of the product. ``helper()`` gives crispy-forms the
same layout for the pages that still draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_NOT_DRAWN = (forms.CheckboxInput, forms.RadioSelect, forms.FileInput, forms.MultiWidget)


@dataclass(frozen=True)
class FilterBar:
    """``columns``: (field name, extra CSS class) in order; ``submit``: the button's words.
    Fields grow to share the line but never shrink below their label's and choices'
    width (static/css/app.css ``.filter-bar``): what does not fit wraps to the next
    line, the button included."""

    submit: str
    columns: tuple[tuple[str, str], ...]

    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_method = "get"
        helper.form_class = "d-print-none"
        helper.layout = Layout(
            Div(
                *(Div(name, css_class=f"filter-field {css}") for name, css in self.columns),
                Div(Submit("", self.submit), css_class="filter-submit mb-3"),
                css_class="filter-bar",
            )
        )
        return helper

    def render(self, form: forms.Form) -> SafeString:
        fields = format_html_join(
            "",
            '<div class="filter-field {}">{}</div>',
            ((css, _field(form[name])) for name, css in self.columns),
        )
        return format_html(
            '<form class="d-print-none" method="get">{}<div class="filter-bar">{}'
            '<div class="filter-submit mb-3"><input type="submit" name="" value="{}" '
            'class="btn btn-primary" id="submit-id-"></div></div></form>',
            _form_errors(form),
            fields,
            self.submit,
        )


def _form_errors(form: forms.Form) -> str:
    errors = form.non_field_errors()
    if not errors:
        return ""
    return format_html(
        '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
        format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
    )


def _widget_class(field: forms.BoundField) -> str:
    """crispy-forms' classes: the widget's own, its class name in lower case, then the
    pack's (``form-select`` or ``form-control``, ``is-invalid`` with an error)."""
    widget = field.field.widget
    if isinstance(widget, _NOT_DRAWN):
        raise TypeError(f"a filter bar does not draw {type(widget).__name__} ({field.name})")
    name = type(widget).__name__.lower()
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = name
    elif name not in classes:
        classes += f" {name}"
    wanted = ["form-select" if isinstance(widget, forms.Select) else "form-control"]
    if field.errors:
        wanted.append("is-invalid")
    present = classes.split()
    return " ".join([classes, *(css for css in wanted if css not in present)])


def _attrs(attrs: dict) -> SafeString:
    """As Django's django/forms/widgets/attrs.html: False left out, True a bare name."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _widget(field: forms.BoundField, css: str) -> SafeString:
    """``field.as_widget`` with the classes ``css``; a plain select is written here (its
    template includes one template per option), every other widget by Django."""
    widget = field.field.widget
    if type(widget) is not forms.Select or widget.template_name != forms.Select.template_name:
        return field.as_widget(attrs={"class": css})
    # As BoundField.as_widget prepares them.
    attrs = field.build_widget_attrs({"class": css}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    groups = []
    for group_name, options, _index in context["optgroups"]:
        drawn = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            ((option["value"], _attrs(option["attrs"]), option["label"]) for option in options),
        )
        if group_name:
            drawn = format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, drawn)
        groups.append((drawn,))
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        context["name"],
        _attrs(context["attrs"]),
        format_html_join("", "{}", groups),
    )


def _field(field: forms.BoundField) -> SafeString:
    if field.is_hidden:
        return field.as_widget()
    label = ""
    if field.label:
        required = field.field.required
        label = format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
            " requiredField" if required else "",
            field.label,
            mark_safe('<span class="asteriskField">*</span>') if required else "",
        )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.errors.field_id,
            format_html_join(
                "",
                '<span id="error_{}_{}"><strong>{}</strong></span>',
                ((n, field.auto_id, error) for n, error in enumerate(field.errors, 1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div{} class="form-text">{}</div>',
            format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else "",
            # As crispy-forms and Django's own form templates: help text is markup.
            mark_safe(str(field.help_text)),  # noqa: S308
        )
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}</div>',
        field.auto_id,
        label,
        _widget(field, _widget_class(field)),
        errors,
        help_text,
    )
